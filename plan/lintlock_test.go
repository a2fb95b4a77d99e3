package plan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
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

// TestShellInImage: a shell or a package manager in a final stage's
// closure is reported on the INSTALL line of the root that pulls it in,
// with the path; a build stage's is not.
func TestShellInImage(t *testing.T) {
	df, states := testStates(t, "FROM debian:trixie AS build\nINSTALL dash\nRUN echo\nFROM debian:trixie\nINSTALL netbase\nINSTALL python3\nCOPY --from=build /x /x\n")
	s := states[df.Stages[1]]
	edges := map[string][]string{"netbase": {}, "python3": {"python3-minimal"}, "python3-minimal": {"dpkg"}, "dpkg": {}}
	ws := ShellInImage(s, edges, []string{"netbase", "python3"}, "amd64")
	if len(ws) != 1 || ws[0].Rule != distrofile.RuleShellInImage || len(ws[0].Ranges) == 0 || ws[0].Ranges[0].Start.Line != 6 ||
		ws[0].Message != "the image has a package manager (dpkg): dpkg is pulled in by python3 → python3-minimal → dpkg (amd64); a distroless image is usually without it (EXCLUDE it if nothing needs it at run time)" {
		t.Fatalf("%+v", ws)
	}
	edges["dash"] = []string{}
	ws = ShellInImage(s, edges, []string{"dash"}, "arm64")
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "a shell (/bin/sh): dash is INSTALLed (arm64)") {
		t.Fatalf("%+v", ws)
	}
	if ws := ShellInImage(s, map[string][]string{"netbase": {}}, []string{"netbase"}, "amd64"); len(ws) != 0 {
		t.Fatalf("netbase: %+v", ws)
	}
	if distrofile.FinalStages(df)[df.Stages[0]] {
		t.Fatal("the build stage is final")
	}
}
