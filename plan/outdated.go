package plan

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"pault.ag/go/debian/version"
)

// Outdated is a locked package for which the archive has a newer
// candidate now.
type Outdated struct {
	Stage     string `json:"stage"`
	Arch      string `json:"arch"`
	Package   string `json:"package"`
	Locked    string `json:"locked"`
	Candidate string `json:"candidate"`
	// Suite is the candidate's suite, pocket included.
	Suite string `json:"suite"`
	// Security is set when the candidate comes from the security archive.
	Security bool `json:"security"`
}

// FindOutdated compares every locked closure of df's stages with the
// current indexes of the stage's sources, fetched and signature-checked
// as a build fetches them, and lists each locked package that has a newer
// candidate, by stage, architecture and package. A stage the lock does not
// have, or whose inputs changed, is an error saying the lock is stale.
func FindOutdated(ctx context.Context, df *distrofile.Distrofile, lock *debresolve.Lock, opt LockOptions) ([]Outdated, error) {
	states, err := distrofile.EvalStages(df)
	if err != nil {
		return nil, err
	}
	c := &debresolve.Client{Fetcher: opt.Fetcher, Keyring: opt.Keyring, Logf: opt.Logf}
	var out []Outdated
	for _, st := range df.Stages {
		s := states[st]
		if len(s.Roots) == 0 || s.Image != "" {
			continue
		}
		p, err := New(ctx, s, opt.BuildArgs, opt.ReadContextFile)
		if err != nil {
			return nil, err
		}
		ls := lock.Stage(StageKey(st))
		if ls == nil {
			return nil, distrofile.ErrAt(s.FromRanges, "%s is stale: it has no stage %q; %s", debresolve.LockFileName, StageKey(st), lockHint)
		}
		for _, la := range ls.Archs {
			if _, err := Locked(lock, st, s, p, la.Arch); err != nil {
				return nil, err
			}
			srcs, _ := p.sourcesFor(la.Arch)
			idx, err := p.client(c).LoadIndexes(ctx, srcs, la.Arch)
			if err != nil {
				return nil, distrofile.ErrAt(s.FromRanges, "%v", err)
			}
			out = append(out, OutdatedIn(ls.Stage, la, idx)...)
		}
	}
	return out, nil
}

// OutdatedIn lists the packages of the locked closure la (of stage) for
// which indexes have a newer candidate, in la's order.
func OutdatedIn(stage string, la *debresolve.LockArch, indexes []*debresolve.Index) []Outdated {
	var out []Outdated
	for _, lp := range la.Packages {
		cand := debresolve.Candidate(indexes, lp.Name, la.Arch)
		if cand == nil || newer(cand.Version, lp.Version) <= 0 {
			continue
		}
		out = append(out, Outdated{Stage: stage, Arch: la.Arch, Package: lp.Name, Locked: lp.Version, Candidate: cand.Version,
			Suite: cand.Suite, Security: strings.HasSuffix(cand.Suite, "-security")})
	}
	return out
}

// newer compares two Debian versions as dpkg does (an unparsable one
// sorts first).
func newer(a, b string) int {
	va, errA := version.Parse(a)
	vb, errB := version.Parse(b)
	switch {
	case errA != nil && errB != nil:
		return strings.Compare(a, b)
	case errA != nil:
		return -1
	case errB != nil:
		return 1
	}
	return version.Compare(va, vb)
}

// SecurityOnly keeps the rows whose candidate is in the security archive.
func SecurityOnly(rows []Outdated) []Outdated {
	return slices.DeleteFunc(slices.Clone(rows), func(o Outdated) bool { return !o.Security })
}

// KeepFunc says, for a stage and an architecture, which packages a lock
// update keeps at which version (debresolve.Request.Prefer); nil keeps
// nothing.
type KeepFunc func(st *distrofile.Stage, arch string) map[string]string

// KeepAllBut is the KeepFunc of `lock --update` restricted to some
// packages: every package of prev's closure keeps its version except
// those update names (for the stage and architecture: see Outdated).
func KeepAllBut(prev *debresolve.Lock, update func(stage, arch, pkg string) bool) KeepFunc {
	return func(st *distrofile.Stage, arch string) map[string]string {
		ls := prev.Stage(StageKey(st))
		if ls == nil || ls.Arch(arch) == nil {
			return nil
		}
		keep := map[string]string{}
		for _, lp := range ls.Arch(arch).Packages {
			if !update(ls.Stage, arch, lp.Name) {
				keep[lp.Name] = lp.Version
			}
		}
		return keep
	}
}

// OutdatedTable writes rows one per line: stage, architecture, package,
// "locked → candidate", suite and "security" for the security archive's,
// separated by tabs.
func OutdatedTable(w io.Writer, rows []Outdated) {
	for _, o := range rows {
		sec := ""
		if o.Security {
			sec = "\tsecurity"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s → %s\t%s%s\n", o.Stage, o.Arch, o.Package, o.Locked, o.Candidate, o.Suite, sec)
	}
}

// SecurityKeep is the KeepFunc of an update of the security candidates
// alone: rows are FindOutdated's for prev.
func SecurityKeep(prev *debresolve.Lock, rows []Outdated) KeepFunc {
	sec := map[string]bool{}
	for _, o := range SecurityOnly(rows) {
		sec[o.Stage+"/"+o.Arch+"/"+o.Package] = true
	}
	return KeepAllBut(prev, func(stage, arch, pkg string) bool { return sec[stage+"/"+arch+"/"+pkg] })
}
