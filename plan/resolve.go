package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// ResolveFunc answers req, whose files lists lists (the verified InRelease
// of each source and the index files it names). An error means the indexes
// could not be had (the mirror failed); resolver errors are in the response.
type ResolveFunc func(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error)

// ResolveInProcess fetches the index files through c's Fetcher, parses
// them and resolves in this process: the CLI's way, and the frontend's when
// the resolve ExecOp fails (so that a missing by-hash copy falls back to
// the canonical name, and a failing mirror is named as before).
func ResolveInProcess(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
	indexes, err := c.FetchIndexes(ctx, lists)
	if err != nil {
		return nil, err
	}
	return debresolve.ResolveIndexes(req, indexes)
}

// HumanSize writes a byte count for people.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Resolved is a stage's closure for one architecture in the lock's form,
// with the sources it was resolved from.
type Resolved struct {
	// arch is the closure; its packages' Source are positions in sources.
	arch *debresolve.LockArch
	// sources are the plan's sources, the distribution's on the mirror
	// that answered; releases[i] is the verified InRelease of sources[i]
	// (nil for a source that does not serve the architecture).
	sources  []debresolve.Source
	releases []*debresolve.Release
	// srcPkgs maps packages to their source package (for the SBOM).
	srcPkgs map[string]string
}

// Closure returns the packages to install, fetched from r.sources.
func (r *Resolved) Closure() (*debresolve.Closure, error) {
	cl, err := r.arch.Closure(r.sources)
	if err != nil {
		return nil, err
	}
	for _, p := range cl.Packages {
		p.Source = r.srcPkgs[p.Name]
	}
	return cl, nil
}

// resolverError is a resolver error (not a failing mirror): another mirror
// would not help.
type resolverError struct{ err error }

func (e *resolverError) Error() string { return e.err.Error() }
func (e *resolverError) Unwrap() error { return e.err }

// resolveSources lists the index files of srcs (the plan's sources at
// positions pos) for arch, has run answer req against them and returns
// the closure with sources at the plan's positions.
func resolveSources(ctx context.Context, c *debresolve.Client, run ResolveFunc, name string, p *Plan, srcs []debresolve.Source, pos []int,
	arch string, req debresolve.ResolveRequest) (*Resolved, error) {
	lists, err := c.ListIndexes(ctx, srcs, arch)
	if err != nil {
		return nil, err
	}
	req.Files = nil
	for _, l := range lists {
		req.Files = append(req.Files, l.Files...)
	}
	resp, err := run(ctx, c, name, lists, req)
	if err != nil {
		return nil, err
	}
	if e := resp.Error; e != nil {
		if e.File != nil && *e.File >= 0 && *e.File < len(req.Files) {
			f := req.Files[*e.File]
			return nil, fmt.Errorf("%s from %s: %s", f.Path, f.URL, e.Message)
		}
		return nil, &resolverError{e.Err()}
	}
	r := &Resolved{
		arch:     resp.Closure,
		sources:  slices.Clone(p.sources),
		releases: make([]*debresolve.Release, len(p.sources)),
		srcPkgs:  resp.SourcePackages,
	}
	for k, i := range pos {
		r.sources[i], r.releases[i] = srcs[k], lists[k].Release
	}
	// A package is recorded under the first source with the same archive
	// root and codename as the one it came from (as LockStage.AddClosure
	// does): for a SOURCE that repeats a suite with other components.
	first := make([]int, len(srcs))
	for k := range srcs {
		first[k] = k
		for j := 0; j < k; j++ {
			if sameArchive(lists[j], lists[k]) {
				first[k] = j
				break
			}
		}
	}
	for i := range r.arch.Packages {
		lp := &r.arch.Packages[i]
		if lp.Source < 0 || lp.Source >= len(srcs) {
			return nil, fmt.Errorf("the resolver's response names source %d of %d", lp.Source, len(srcs))
		}
		lp.Source = pos[first[lp.Source]]
	}
	return r, nil
}

func sameArchive(a, b *debresolve.SourceIndexes) bool {
	codename := func(s *debresolve.SourceIndexes) string {
		if s.Release.Codename != "" {
			return s.Release.Codename
		}
		return s.Source.Suite
	}
	return strings.TrimRight(a.Source.URL, "/") == strings.TrimRight(b.Source.URL, "/") && codename(a) == codename(b)
}

// ResolveName is the resolve vertex's name: the stage, the architecture and
// the roots.
func ResolveName(stage, arch string, roots []string) string {
	list := strings.Join(roots, " ")
	if len(list) > 60 {
		list = list[:strings.LastIndexByte(list[:60], ' ')+1] + "…"
	}
	n := "roots"
	if len(roots) == 1 {
		n = "root"
	}
	return fmt.Sprintf("[distrofile] resolve stage %s %s: %d %s (%s)", stage, arch, len(roots), n, list)
}

// resolverErr returns the resolver error err carries (about the request,
// not a mirror), or nil.
func resolverErr(err error) error {
	var re *resolverError
	if errors.As(err, &re) {
		return re.err
	}
	return nil
}

// RootOrigins maps each package of the closure to the INSTALL line of the
// first root (in file order) that pulls it in.
func RootOrigins(cl *debresolve.Closure, roots []distrofile.Root) map[string][]parser.Range {
	origin := map[string][]parser.Range{}
	for _, r := range roots {
		name := rootName(r.Package)
		queue := []string{name}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			if _, seen := origin[n]; seen {
				continue
			}
			origin[n] = r.Ranges
			queue = append(queue, cl.Edges[n]...)
		}
	}
	return origin
}

// rootRanges picks the INSTALL lines an error is about: those of the roots
// the resolver's error names, else every INSTALL line of the stage.
func rootRanges(err error, roots []distrofile.Root) []parser.Range {
	var names []string
	var (
		unknown *debresolve.UnknownPackageError
		unsat   *debresolve.UnsatisfiableError
		ambig   *debresolve.AmbiguousError
		confl   *debresolve.ConflictError
		repl    *debresolve.ReplaceInstalledError
	)
	switch {
	case errors.As(err, &unknown):
		names = append(names, unknown.Name)
	case errors.As(err, &unsat):
		names = append(names, first(unsat.Chain))
	case errors.As(err, &ambig):
		names = append(names, first(ambig.Chain), ambig.Name)
	case errors.As(err, &confl):
		names = append(names, first(confl.ChainPkg), first(confl.ChainOther))
	case errors.As(err, &repl):
		names = append(names, first(repl.Chain), repl.Name)
	}
	var rs []parser.Range
	seen := map[int]bool{}
	add := func(r distrofile.Root) {
		if !seen[r.Ranges[0].Start.Line] {
			seen[r.Ranges[0].Start.Line] = true
			rs = append(rs, r.Ranges...)
		}
	}
	for _, r := range roots {
		if slices.Contains(names, rootName(r.Package)) {
			add(r)
		}
	}
	if len(rs) == 0 {
		for _, r := range roots {
			add(r)
		}
	}
	return rs
}

func first(chain []string) string {
	if len(chain) == 0 {
		return ""
	}
	name, _, _ := strings.Cut(chain[0], " ")
	return name
}

// rootName is the package name of an INSTALL argument.
func rootName(p string) string {
	name, _, _, err := debresolve.ParseRoot(p)
	if err != nil {
		return p
	}
	return name
}
