package plan

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
)

func TestLintLocked(t *testing.T) {
	src := "FROM debian:trixie AS base\nINSTALL libc6\nFROM base AS app\nINSTALL perl \\\n  perl-base mail-transport-agent\nINSTALL exim4-base libc6:amd64\n"
	df, states := testStates(t, src)
	pkgs := func(deps map[string][]string) []debresolve.LockPackage {
		var out []debresolve.LockPackage
		for n, d := range deps {
			out = append(out, debresolve.LockPackage{Name: n, Depends: d})
		}
		return out
	}
	lock := &debresolve.Lock{Stages: []*debresolve.LockStage{
		{Stage: "base", Inputs: debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: []string{"libc6"}},
			Archs: []*debresolve.LockArch{{Arch: "amd64", Roots: []string{"libc6"}, Packages: pkgs(map[string][]string{"libc6": {}})}}},
		{Stage: "app", Inputs: debresolve.LockInputs{Distro: "debian", Suite: "trixie",
			Roots: []string{"libc6", "perl", "perl-base", "mail-transport-agent", "exim4-base", "libc6:amd64"}},
			Archs: []*debresolve.LockArch{
				{Arch: "amd64", Roots: []string{"libc6", "perl", "perl-base", "exim4-daemon-light", "exim4-base", "libc6"},
					Packages: pkgs(map[string][]string{
						"libc6": {}, "perl": {"libperl5.40", "perl-base"}, "perl-base": {"libc6"}, "libperl5.40": {"libc6"},
						"exim4-daemon-light": {"exim4-base", "libc6"}, "exim4-base": {"libc6"},
					})},
				{Arch: "arm64", Roots: []string{"libc6", "perl", "perl-base", "exim4-daemon-light", "exim4-base", "libc6"},
					Packages: pkgs(map[string][]string{
						"libc6": {}, "perl": {"perl-base"}, "perl-base": {"libc6"},
						"exim4-daemon-light": {"exim4-base"}, "exim4-base": {"libc6"},
					})},
			}},
	}}
	var got []string
	for _, w := range LintLocked(df, states, lock) {
		got = append(got, fmt.Sprintf("%s %d: %s", w.Rule.Name, w.Ranges[0].Start.Line, w.Message))
	}
	want := []string{
		"InstallPulledIn 4: perl-base is already a dependency of perl (perl → perl-base, amd64)",
		"InstallPulledIn 6: exim4-base is already a dependency of exim4-daemon-light (exim4-daemon-light → exim4-base, amd64)",
		"InstallPulledIn 6: libc6:amd64 is already a dependency of perl (perl → libperl5.40 → libc6, amd64)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	// A stale lock (other roots) says nothing.
	lock.Stages[1].Inputs.Roots = []string{"libc6", "perl"}
	if ws := LintLocked(df, states, lock); len(ws) != 0 {
		t.Errorf("stale lock: %+v", ws)
	}
	if ws := LintLocked(df, states, nil); ws != nil {
		t.Errorf("no lock: %+v", ws)
	}
}
