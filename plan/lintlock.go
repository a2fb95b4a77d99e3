package plan

import (
	"slices"
	"strings"

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
