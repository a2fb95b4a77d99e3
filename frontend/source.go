package frontend

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Build arguments for snapshots and the lock.
const (
	argSnapshotMirror = "DISTROFILE_SNAPSHOT_MIRROR"
	argLock           = "DISTROFILE_LOCK"
)

// SourceCmd is SOURCE <url> <suite> [<component>…] [--keyring=<path>]
// [--arch=a,b] [--insecure]: an extra APT source.
type SourceCmd struct {
	loc
	URL, Suite string
	// Components default to main.
	Components []string
	// Keyring is a keyring file (binary or armored) in the build context;
	// "" means the distribution's built-in keyring.
	Keyring string
	// Archs restricts the source to these architectures (nil: all).
	Archs []string
	// Insecure skips the InRelease signature check.
	Insecure bool
}

// source parses a SOURCE instruction.
func (p *parseState) source(n *parser.Node, l loc, fl map[string]string) (Command, error) {
	all, err := p.words(n, true)
	if err != nil {
		return nil, err
	}
	// The spec writes the flags after the arguments; the Dockerfile parser
	// only takes them from the front.
	var ws, trailing []string
	for _, w := range all {
		if strings.HasPrefix(w, "--") {
			trailing = append(trailing, w)
		} else {
			ws = append(ws, w)
		}
	}
	if len(trailing) > 0 {
		more, err := parseFlags(append(slices.Clone(n.Flags), trailing...), flagSpecs["source"])
		if err != nil {
			return nil, fmt.Errorf("SOURCE: %w", err)
		}
		fl = more
	}
	if len(ws) < 2 {
		return nil, fmt.Errorf("SOURCE needs a URL and a suite, e.g. SOURCE http://<host>/debian trixie-backports main")
	}
	c := &SourceCmd{loc: l, URL: strings.TrimRight(ws[0], "/"), Suite: ws[1], Components: ws[2:], Keyring: fl["keyring"]}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return nil, fmt.Errorf("SOURCE %q: only http:// and https:// URLs are supported", ws[0])
	}
	if strings.HasSuffix(c.Suite, "/") || strings.Contains(c.Suite, "..") {
		return nil, fmt.Errorf("SOURCE suite %q: flat repositories (a suite ending in /) are not supported", c.Suite)
	}
	for _, comp := range c.Components {
		if comp == "" || strings.Contains(comp, "..") || strings.HasPrefix(comp, "/") {
			return nil, fmt.Errorf("SOURCE: invalid component %q", comp)
		}
	}
	if len(c.Components) == 0 {
		c.Components = []string{"main"}
	}
	if v, ok := fl["insecure"]; ok {
		if v != "" && v != "true" {
			return nil, fmt.Errorf("SOURCE --insecure takes no value")
		}
		c.Insecure = true
	}
	if c.Insecure && c.Keyring != "" {
		return nil, fmt.Errorf("SOURCE: --keyring and --insecure exclude each other")
	}
	if c.Keyring != "" {
		k := path.Clean("/" + c.Keyring)[1:]
		if k == "" || strings.HasPrefix(c.Keyring, "../") || c.Keyring == ".." {
			return nil, fmt.Errorf("SOURCE --keyring=%s: want a file path inside the build context", c.Keyring)
		}
		c.Keyring = k
	}
	if v, ok := fl["arch"]; ok {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.Archs = append(c.Archs, a)
			}
		}
		if len(c.Archs) == 0 {
			return nil, fmt.Errorf("SOURCE --arch needs Debian architectures, e.g. --arch=amd64,arm64")
		}
	}
	return c, nil
}

// contextReader reads a file of the build context (SOURCE --keyring).
type contextReader func(ctx context.Context, path string) ([]byte, error)

// stagePlan is where a stage's packages come from: its sources (the
// distribution's, then SOURCE lines), how to verify them, and the inputs a
// lock records.
type stagePlan struct {
	sources []debresolve.Source
	// archs restricts sources[i] to some architectures (nil: all).
	archs [][]string
	// snapshot is the snapshot time (zero when not a snapshot build).
	snapshot time.Time
	inputs   debresolve.LockInputs
	// fallbacks are the distribution's sources on the next MIRRORs, in
	// order: they replace sources[:len(fallbacks[i])] when a mirror fails.
	fallbacks [][]debresolve.Source
	// mirrors names the mirror of sources and of each fallback, for messages.
	mirrors []string
	// warn reports a mirror that failed and was passed over (may be nil).
	warn func(string)
}

// planStage computes a stage's sources from the Distrofile, the build args
// (mirrors) and the keyrings read from the build context.
func planStage(ctx context.Context, s *stageState, args map[string]string, read contextReader) (*stagePlan, error) {
	p := &stagePlan{inputs: debresolve.LockInputs{Distro: s.Distro, Suite: s.Suite, Snapshot: s.Snapshot, Excludes: s.Excludes}}
	for _, r := range s.Roots {
		p.inputs.Roots = append(p.inputs.Roots, r.Package)
	}
	if s.Distro != "" {
		var srcs []debresolve.Source
		var err error
		if s.Snapshot != "" {
			if p.snapshot, err = debresolve.ParseSnapshot(s.Snapshot); err != nil {
				return nil, errAt(s.FromRanges, "%v", err)
			}
			snap := args[argSnapshotMirror]
			if s.SnapshotMirror != "" {
				snap = s.SnapshotMirror
			}
			srcs, err = debresolve.SnapshotSources(s.Distro, s.Suite, snap, s.Snapshot)
		} else {
			// MIRROR url… (or a space-separated DISTROFILE_MIRROR): tried in
			// order, the next one when a mirror's InRelease or indexes fail.
			mirrors := strings.Fields(args[argMirror])
			if len(s.Mirrors) > 0 {
				mirrors = s.Mirrors
			}
			if len(mirrors) == 0 {
				return nil, errAt(s.FromRanges, "%w: add `MIRROR <url>` to the stage or pass --build-arg %s=<url> (e.g. the URL of your %s mirror)", errNoMirror, argMirror, s.Distro)
			}
			security := args[argSecurityMirror]
			if s.SecurityMirror != "" {
				security = s.SecurityMirror
			}
			srcs, err = debresolve.DefaultSources(s.Distro, s.Suite, mirrors[0], security)
			p.mirrors = []string{mirrors[0]}
			for _, m := range mirrors[1:] {
				if err != nil {
					break
				}
				var alt []debresolve.Source
				if alt, err = debresolve.DefaultSources(s.Distro, s.Suite, m, security); err == nil {
					p.fallbacks = append(p.fallbacks, alt)
					p.mirrors = append(p.mirrors, m)
				}
			}
		}
		if err != nil {
			return nil, errAt(s.FromRanges, "%v", err)
		}
		p.sources = srcs
		p.archs = make([][]string, len(srcs))
	}
	for _, c := range s.Sources {
		src := debresolve.Source{URL: c.URL, Suite: c.Suite, Components: c.Components, Insecure: c.Insecure}
		in := debresolve.LockSourceInput{URL: c.URL, Suite: c.Suite, Components: c.Components, Archs: c.Archs, Insecure: c.Insecure}
		if c.Keyring != "" {
			if read == nil {
				return nil, errAt(c.Location(), "SOURCE --keyring=%s: no build context to read it from", c.Keyring)
			}
			data, err := read(ctx, c.Keyring)
			if err != nil {
				return nil, errAt(c.Location(), "SOURCE --keyring=%s: %v", c.Keyring, err)
			}
			if src.Keyring, err = debresolve.ReadKeyring(data); err != nil {
				return nil, errAt(c.Location(), "SOURCE --keyring=%s: %v", c.Keyring, err)
			}
			in.KeyringSHA256 = sha256Hex(data)
		}
		p.sources = append(p.sources, src)
		p.archs = append(p.archs, c.Archs)
		p.inputs.Sources = append(p.inputs.Sources, in)
	}
	if len(p.sources) == 0 {
		return nil, errAt(s.FromRanges, "the stage has no package archive: start it FROM debian:<suite> or add a SOURCE")
	}
	return p, nil
}

// sourcesFor returns the sources that serve arch and their positions in
// p.sources.
func (p *stagePlan) sourcesFor(arch string) ([]debresolve.Source, []int) {
	var out []debresolve.Source
	var pos []int
	for i, s := range p.sources {
		if p.archs[i] == nil || slices.Contains(p.archs[i], arch) {
			out = append(out, s)
			pos = append(pos, i)
		}
	}
	return out, pos
}

// client returns the resolver client for the plan: base itself, or for a
// snapshot a client that verifies signatures as of the snapshot time and
// ignores Valid-Until.
func (p *stagePlan) client(base *debresolve.Client) *debresolve.Client {
	if p.snapshot.IsZero() {
		return base
	}
	t := p.snapshot
	return &debresolve.Client{Fetcher: base.Fetcher, Keyring: base.Keyring, Logf: base.Logf, IgnoreValidUntil: true, Now: func() time.Time { return t }}
}

// resolvePlan verifies the InRelease files of the plan's sources for arch
// and resolves the stage's roots against the indexes they list, with run
// (in a cached ExecOp in a build, in process for the CLI). A mirror whose
// InRelease or indexes fail is passed over for the next MIRROR; resolver
// errors are located on the INSTALL lines they are about. stage names the
// stage in the resolve step's name.
func resolvePlan(ctx context.Context, c *debresolve.Client, run resolveFunc, p *stagePlan, s *stageState, stage, arch string) (*resolved, error) {
	srcs, pos := p.sourcesFor(arch)
	if len(srcs) == 0 {
		return nil, errAt(s.FromRanges, "no source of the stage serves architecture %s", arch)
	}
	req := debresolve.ResolveRequest{Arch: arch, Excludes: s.Excludes}
	for _, r := range s.Roots {
		req.Roots = append(req.Roots, r.Package)
	}
	name := resolveName(stage, arch, req.Roots)
	c = p.client(c)
	r, err := resolveSources(ctx, c, run, name, p, srcs, pos, arch, req)
	errs := []string{}
	for i := 0; err != nil && resolverErr(err) == nil && i < len(p.fallbacks); i++ {
		// The distribution's sources come first in srcs: try them on the
		// next mirror; an index set is never mixed from several mirrors.
		errs = append(errs, fmt.Sprintf("%s: %v", p.mirrors[i], err))
		if p.warn != nil {
			p.warn(fmt.Sprintf("mirror %s failed (%v); trying %s", p.mirrors[i], err, p.mirrors[i+1]))
		}
		alt := append(slices.Clone(p.fallbacks[i]), srcs[len(p.fallbacks[i]):]...)
		r, err = resolveSources(ctx, c, run, name, p, alt, pos, arch, req)
	}
	if err != nil {
		if re := resolverErr(err); re != nil {
			return nil, &LocatedError{Err: re, Ranges: rootRanges(re, s.Roots)}
		}
		if len(errs) > 0 {
			return nil, errAt(s.FromRanges, "every MIRROR failed:\n  %s\n  %s: %v", strings.Join(errs, "\n  "), p.mirrors[len(p.mirrors)-1], err)
		}
		return nil, errAt(s.FromRanges, "%v", err)
	}
	return r, nil
}
