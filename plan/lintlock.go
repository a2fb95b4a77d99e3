package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
)

// LintLocked checks the INSTALL roots of every stage against the closures
// pinned in lock. A stage whose lock entry does not match its distribution,
// suite and roots (a stale lock) is skipped: its edges say nothing about
// the Distrofile as it is now.
func LintLocked(df *distrofile.Distrofile, states map[*distrofile.Stage]*distrofile.StageSpec, lock *debresolve.Lock) []distrofile.LintWarning {
	if lock == nil {
		return nil
	}
	var out []distrofile.LintWarning
	final := distrofile.FinalStages(df)
	for _, st := range df.Stages {
		s := states[st]
		if s == nil || len(s.Roots) == 0 {
			continue
		}
		ls := lock.Stage(StageKey(st))
		if ls == nil || len(ls.Archs) == 0 || ls.Inputs.Distro != s.Distro || ls.Inputs.Suite != s.Suite {
			continue
		}
		specs := make([]string, len(s.Roots))
		for i, r := range s.Roots {
			specs[i] = r.Package
		}
		if !slices.Equal(specs, ls.Inputs.Roots) {
			continue
		}
		// The stage's own INSTALL roots (inherited ones were reported on
		// the base stage).
		own := map[string]bool{}
		for _, c := range st.Commands {
			if in, ok := c.(*distrofile.InstallCmd); ok {
				for _, p := range in.Packages {
					own[p] = true
				}
			}
		}
		reported := map[string]bool{}
		if final[st] {
			la := ls.Archs[0]
			out = append(out, ShellInImage(s, la.Edges(), la.Roots, la.Arch)...)
		}
		for _, la := range ls.Archs {
			edges := la.Edges()
			names := make([]string, len(s.Roots))
			for i, r := range s.Roots {
				names[i], _, _, _ = debresolve.ParseRoot(r.Package)
				if _, ok := edges[names[i]]; !ok && i < len(la.Roots) {
					// A virtual root: the lock records the provider chosen.
					names[i] = la.Roots[i]
				}
			}
			for i, r := range s.Roots {
				if !own[r.Package] || reported[r.Package] || names[i] == "" {
					continue
				}
				var others []string
				for j, n := range names {
					if n != names[i] && !slices.Contains(others, n) && j != i {
						others = append(others, n)
					}
				}
				paths := debresolve.WhyPaths(edges, others, names[i])
				if len(paths) == 0 {
					continue
				}
				reported[r.Package] = true
				out = append(out, distrofile.LintWarning{Rule: distrofile.RuleInstallPulledIn, Ranges: r.Ranges,
					Message: r.Package + " is already a dependency of " + paths[0][0] + " (" + strings.Join(paths[0], " → ") + ", " + la.Arch + ")"})
			}
		}
	}
	return out
}

// distrolessUnwanted are the packages that put a shell or a package
// manager into an image (distrofile.RuleShellInImage), with what they are.
var distrolessUnwanted = []struct{ pkg, what string }{
	{"dash", "a shell (/bin/sh)"},
	{"bash", "a shell (/bin/bash)"},
	{"busybox", "a shell (busybox sh)"},
	{"zsh", "a shell (/bin/zsh)"},
	{"mksh", "a shell (/bin/mksh)"},
	{"dpkg", "a package manager (dpkg)"},
	{"apt", "a package manager (apt)"},
}

// ShellInImage reports the packages of a closure (its dependency edges,
// and roots: the packages chosen for the stage's INSTALL roots, in order)
// that are a shell or a package manager, each on the INSTALL line of the
// first root that pulls it in, with the path from that root.
func ShellInImage(s *distrofile.StageSpec, edges map[string][]string, roots []string, arch string) []distrofile.LintWarning {
	var out []distrofile.LintWarning
	for _, u := range distrolessUnwanted {
		if _, ok := edges[u.pkg]; !ok {
			continue
		}
		paths := debresolve.WhyPaths(edges, roots, u.pkg)
		if len(paths) == 0 {
			continue
		}
		i := slices.Index(roots, paths[0][0])
		var rs []parser.Range
		if i >= 0 && i < len(s.Roots) {
			rs = s.Roots[i].Ranges
		}
		how := "INSTALLed"
		if len(paths[0]) > 1 {
			how = "pulled in by " + strings.Join(paths[0], " → ")
		}
		out = append(out, distrofile.LintWarning{Rule: distrofile.RuleShellInImage, Ranges: rs,
			Message: fmt.Sprintf("the image has %s: %s is %s (%s); a distroless image is usually without it (EXCLUDE it if nothing needs it at run time)", u.what, u.pkg, how, arch)})
	}
	return out
}
