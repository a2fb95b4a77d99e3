package llbgen

import (
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/imagespec"
)

func TestScriptEffects(t *testing.T) {
	find := func(fs []imagespec.File, p string) *imagespec.File {
		for i := range fs {
			if fs[i].Path == p {
				return &fs[i]
			}
		}
		return nil
	}
	// tzdata's /etc/localtime comes from its postinst, in the effects
	// step (debextract/effects TestTzdata).
	fs := ScriptEffects(map[string]bool{"tzdata": true}, Distro{ID: "debian", Codename: "bookworm"})
	if f := find(fs, "/run/lock"); f == nil || debextract.UnixMode(f.Mode) != 0o1777 {
		t.Errorf("/run/lock: %+v", f)
	}
	if f := find(fs, "/var/run"); f == nil || f.Target != "/run" {
		t.Errorf("/var/run: %+v", f)
	}
	if f := find(fs, "/etc/debian_version"); f == nil || string(f.Content) != "12\n" {
		t.Errorf("/etc/debian_version: %+v", f)
	}
	osr := find(fs, "/usr/lib/os-release")
	if osr == nil || !strings.Contains(string(osr.Content), "VERSION_ID=\"12\"\n") || !strings.Contains(string(osr.Content), "ID=debian\n") {
		t.Errorf("os-release: %+v", osr)
	}

	fs = ScriptEffects(map[string]bool{"tzdata": true, "base-files": true}, Distro{ID: "debian", Codename: "trixie"})
	if find(fs, "/usr/lib/os-release") != nil || find(fs, "/etc/debian_version") != nil {
		t.Errorf("base-files ships os-release and debian_version itself")
	}
}

func TestNsswitchAsLibcBinShipsIt(t *testing.T) {
	// The file libc-bin ships, as on a Debian machine.
	want := "# /etc/nsswitch.conf\n#\n# Example configuration of GNU Name Service Switch functionality.\n" +
		"# If you have the `glibc-doc-reference' and `info' packages installed, try:\n" +
		"# `info libc \"Name Service Switch\"' for information about this file.\n\n" +
		"passwd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n\n" +
		"hosts:          files dns\nnetworks:       files\n\n" +
		"protocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\n" +
		"netgroup:       nis\n"
	if nsswitch != want {
		t.Errorf("nsswitch.conf:\n%s", nsswitch)
	}
}

func TestScriptEffectsByAlias(t *testing.T) {
	files := func(d Distro) map[string]string {
		m := map[string]string{}
		for _, f := range ScriptEffects(nil, d) {
			m[f.Path] = string(f.Content) + f.Target
		}
		return m
	}
	for _, tc := range []struct {
		alias, codename, version string
	}{
		{"oldoldstable", "bullseye", "11"},
		{"oldstable", "bookworm", "12"},
		{"stable", "trixie", "13"},
		{"testing", "forky", "14"},
		{"unstable", "sid", ""},
	} {
		byAlias, byCodename := files(Distro{ID: "debian", Codename: tc.alias}), files(Distro{ID: "debian", Codename: tc.codename})
		if len(byAlias) != len(byCodename) {
			t.Errorf("%s: %d files, %s: %d", tc.alias, len(byAlias), tc.codename, len(byCodename))
		}
		for p, c := range byCodename {
			if byAlias[p] != c {
				t.Errorf("%s: %s = %q, %s's %q", tc.alias, p, byAlias[p], tc.codename, c)
			}
		}
		if v := byAlias["/etc/debian_version"]; tc.version != "" && v != tc.version+"\n" || tc.version == "" && v != "" {
			t.Errorf("%s: /etc/debian_version = %q, want %q", tc.alias, v, tc.version)
		}
		if osr := byAlias["/usr/lib/os-release"]; !strings.Contains(osr, "VERSION_CODENAME="+tc.codename+"\n") {
			t.Errorf("%s: os-release:\n%s", tc.alias, osr)
		}
	}
	// Other distributions' suites are not Debian's.
	if osr := files(Distro{ID: "ubuntu", Codename: "stable"})["/usr/lib/os-release"]; !strings.Contains(osr, "VERSION_CODENAME=stable\n") || strings.Contains(osr, "VERSION_ID") {
		t.Errorf("ubuntu: os-release:\n%s", osr)
	}
}
