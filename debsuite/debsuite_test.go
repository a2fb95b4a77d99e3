package debsuite

import (
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name, codename, version string
		merged                  bool
	}{
		{"buster", "buster", "10", false},
		{"bullseye", "bullseye", "11", false},
		{"oldoldstable", "bullseye", "11", false},
		{"bookworm", "bookworm", "12", false},
		{"oldstable", "bookworm", "12", false},
		{"trixie", "trixie", "13", true},
		{"stable", "trixie", "13", true},
		{"forky", "forky", "14", true},
		{"testing", "forky", "14", true},
		{"duke", "duke", "15", true},
		{"sid", "sid", "", true},
		{"unstable", "sid", "", true},
		{"experimental", "rc-buggy", "", true},
		{"rc-buggy", "rc-buggy", "", true},
	} {
		s, ok := Lookup(tc.name)
		if !ok || s.Codename != tc.codename || s.Version != tc.version || s.UsrMerged != tc.merged {
			t.Errorf("Lookup(%q) = %+v, %v; want codename %q, version %q, merged %v", tc.name, s, ok, tc.codename, tc.version, tc.merged)
		}
		if got := Codename(tc.name); got != tc.codename {
			t.Errorf("Codename(%q) = %q, want %q", tc.name, got, tc.codename)
		}
	}
	for _, name := range []string{"", "jessie", "Trixie", "stable-updates", "trixie-security", "noble"} {
		if s, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %+v", name, s)
		}
		if got := Codename(name); got != name {
			t.Errorf("Codename(%q) = %q", name, got)
		}
	}
}

func TestUsrMerged(t *testing.T) {
	for _, tc := range []struct {
		distro, suite string
		want          bool
	}{
		{"debian", "buster", false},
		{"debian", "bullseye", false},
		{"debian", "bookworm", false},
		{"debian", "oldoldstable", false},
		{"debian", "oldstable", false},
		{"debian", "trixie", true},
		{"debian", "stable", true},
		{"debian", "testing", true},
		{"debian", "sid", true},
		{"debian", "unstable", true},
		{"debian", "zephyr", true},
		{"ubuntu", "noble", true},
		{"ubuntu", "bookworm", true},
	} {
		if got := UsrMerged(tc.distro, tc.suite); got != tc.want {
			t.Errorf("UsrMerged(%q, %q) = %v, want %v", tc.distro, tc.suite, got, tc.want)
		}
	}
}

func TestPockets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		archive  []string
		security string
	}{
		{"trixie", []string{"trixie", "trixie-updates"}, "trixie-security"},
		{"stable", []string{"stable", "stable-updates"}, "stable-security"},
		{"bookworm", []string{"bookworm", "bookworm-updates"}, "bookworm-security"},
		{"oldoldstable", []string{"oldoldstable", "oldoldstable-updates"}, "oldoldstable-security"},
		{"buster", []string{"buster", "buster-updates"}, "buster/updates"},
		{"forky", []string{"forky", "forky-updates"}, "forky-security"},
		{"sid", []string{"sid"}, ""},
		{"unstable", []string{"unstable"}, ""},
		{"experimental", []string{"experimental"}, ""},
		{"rc-buggy", []string{"rc-buggy"}, ""},
		{"zephyr", []string{"zephyr", "zephyr-updates"}, "zephyr-security"},
	} {
		archive, security := Pockets(tc.name)
		if !slices.Equal(archive, tc.archive) || security != tc.security {
			t.Errorf("Pockets(%q) = %q, %q; want %q, %q", tc.name, archive, security, tc.archive, tc.security)
		}
	}
}

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		for _, n := range []string{s.Codename, s.Alias} {
			if n == "" {
				continue
			}
			if seen[n] {
				t.Errorf("%q names two suites", n)
			}
			seen[n] = true
		}
	}
}
