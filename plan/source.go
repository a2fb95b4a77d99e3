package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/internal/sha256hex"
)

// Build arguments planning reads (see docs/language.md).
const (
	// ArgMirror is the distribution's mirror when a stage has no MIRROR:
	// space-separated URLs, tried in order.
	ArgMirror = "DISTROFILE_MIRROR"
	// ArgSecurityMirror is the mirror of the -security suites.
	ArgSecurityMirror = "DISTROFILE_SECURITY_MIRROR"
	// ArgSnapshotMirror is the snapshot service's archive root for FROM
	// <distro>:<suite>@<snapshot>.
	ArgSnapshotMirror = "DISTROFILE_SNAPSHOT_MIRROR"
	// ArgUsrMerge overrides whether packages are extracted with merged /usr.
	ArgUsrMerge = "DISTROFILE_USRMERGE"
	// ArgLock=update re-resolves, ignoring Distrofile.lock.
	ArgLock = "DISTROFILE_LOCK"
	// ArgLockUpdate=security makes the lock target update only the
	// packages the security archive has newer (keeping the others at the
	// versions of the existing lock), and --call=outdated list only those.
	ArgLockUpdate = "DISTROFILE_LOCK_UPDATE"
)

// contextReader reads a file of the build context (SOURCE --keyring).
type contextReader func(ctx context.Context, path string) ([]byte, error)

// Plan is where a stage's packages come from: its sources (the
// distribution's, then SOURCE lines), how to verify them, and the inputs a
// lock records.
type Plan struct {
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
	// Warn reports a mirror that failed and was passed over (may be nil).
	Warn func(string)
	// installed are the packages of the base image, for a stage that
	// installs on top of an image (WithInstalled).
	installed []debresolve.InstalledPackage
	// prefer are the versions a lock update keeps (KeepFunc).
	prefer map[string]string
}

// WithInstalled returns the plan for a stage that installs on top of an
// image whose packages, for the architecture resolved, are installed
// (Base.Installed): a copy, as the plan is shared by the stage's
// architectures.
func (p *Plan) WithInstalled(installed []debresolve.InstalledPackage) *Plan {
	c := *p
	c.installed = installed
	return &c
}

// withPrefer returns a copy of p whose resolutions keep the versions of
// prefer where they still do (KeepFunc).
func (p *Plan) withPrefer(prefer map[string]string) *Plan {
	c := *p
	c.prefer = prefer
	return &c
}

// New computes a stage's sources from the Distrofile, the build args
// (mirrors) and the keyrings read from the build context.
func New(ctx context.Context, s *distrofile.StageSpec, args map[string]string, read contextReader) (*Plan, error) {
	p := &Plan{inputs: debresolve.LockInputs{Distro: s.Distro, Suite: s.Suite, Snapshot: s.Snapshot, Image: s.Image, Excludes: s.Excludes}}
	for _, r := range s.Roots {
		p.inputs.Roots = append(p.inputs.Roots, r.Package)
	}
	if s.Distro != "" {
		var srcs []debresolve.Source
		var err error
		if s.Snapshot != "" {
			if p.snapshot, err = debresolve.ParseSnapshot(s.Snapshot); err != nil {
				return nil, distrofile.ErrAt(s.FromRanges, "%v", err)
			}
			snap := args[ArgSnapshotMirror]
			if s.SnapshotMirror != "" {
				snap = s.SnapshotMirror
			}
			srcs, err = debresolve.SnapshotSources(s.Distro, s.Suite, snap, s.Snapshot)
		} else {
			// MIRROR url… (or a space-separated DISTROFILE_MIRROR): tried in
			// order, the next one when a mirror's InRelease or indexes fail.
			mirrors := strings.Fields(args[ArgMirror])
			if len(s.Mirrors) > 0 {
				mirrors = s.Mirrors
			}
			if len(mirrors) == 0 {
				return nil, distrofile.ErrAt(s.FromRanges, "%w: add `MIRROR <url>` to the stage or pass --build-arg %s=<url> (e.g. the URL of your %s mirror)", ErrNoMirror, ArgMirror, s.Distro)
			}
			security := args[ArgSecurityMirror]
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
			return nil, distrofile.ErrAt(s.FromRanges, "%v", err)
		}
		p.sources = srcs
		p.archs = make([][]string, len(srcs))
	}
	for _, c := range s.Sources {
		src := debresolve.Source{URL: c.URL, Suite: c.Suite, Components: c.Components, Insecure: c.Insecure}
		in := debresolve.LockSourceInput{URL: c.URL, Suite: c.Suite, Components: c.Components, Archs: c.Archs, Insecure: c.Insecure}
		if c.Keyring != "" {
			if read == nil {
				return nil, distrofile.ErrAt(c.Location(), "SOURCE --keyring=%s: no build context to read it from", c.Keyring)
			}
			data, err := read(ctx, c.Keyring)
			if err != nil {
				return nil, distrofile.ErrAt(c.Location(), "SOURCE --keyring=%s: %v", c.Keyring, err)
			}
			if src.Keyring, err = debresolve.ReadKeyring(data); err != nil {
				return nil, distrofile.ErrAt(c.Location(), "SOURCE --keyring=%s: %v", c.Keyring, err)
			}
			in.KeyringSHA256 = sha256hex.Sum(data)
		}
		p.sources = append(p.sources, src)
		p.archs = append(p.archs, c.Archs)
		p.inputs.Sources = append(p.inputs.Sources, in)
	}
	if len(p.sources) == 0 {
		return nil, distrofile.ErrAt(s.FromRanges, "the stage has no package archive: start it FROM debian:<suite> or add a SOURCE")
	}
	return p, nil
}

// sourcesFor returns the sources that serve arch and their positions in
// p.sources.
func (p *Plan) sourcesFor(arch string) ([]debresolve.Source, []int) {
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
func (p *Plan) client(base *debresolve.Client) *debresolve.Client {
	if p.snapshot.IsZero() {
		return base
	}
	t := p.snapshot
	return &debresolve.Client{Fetcher: base.Fetcher, Keyring: base.Keyring, Logf: base.Logf, IgnoreValidUntil: true, Now: func() time.Time { return t }}
}

// Resolve verifies the InRelease files of the plan's sources for arch
// and resolves the stage's roots against the indexes they list, with run
// (in a cached ExecOp in a build, in process for the CLI). A mirror whose
// InRelease or indexes fail is passed over for the next MIRROR; resolver
// errors are located on the INSTALL lines they are about. stage names the
// stage in the resolve step's name.
func Resolve(ctx context.Context, c *debresolve.Client, run ResolveFunc, p *Plan, s *distrofile.StageSpec, stage, arch string) (*Resolved, error) {
	srcs, pos := p.sourcesFor(arch)
	if len(srcs) == 0 {
		return nil, distrofile.ErrAt(s.FromRanges, "no source of the stage serves architecture %s", arch)
	}
	req := debresolve.ResolveRequest{Arch: arch, Excludes: s.Excludes, Installed: p.installed, Prefer: p.prefer}
	for _, r := range s.Roots {
		req.Roots = append(req.Roots, r.Package)
	}
	name := ResolveName(stage, arch, req.Roots)
	c = p.client(c)
	r, err := resolveSources(ctx, c, run, name, p, srcs, pos, arch, req)
	errs := []string{}
	for i := 0; err != nil && resolverErr(err) == nil && i < len(p.fallbacks); i++ {
		// The distribution's sources come first in srcs: try them on the
		// next mirror; an index set is never mixed from several mirrors.
		errs = append(errs, fmt.Sprintf("%s: %v", p.mirrors[i], err))
		if p.Warn != nil {
			p.Warn(fmt.Sprintf("mirror %s failed (%v); trying %s", p.mirrors[i], err, p.mirrors[i+1]))
		}
		alt := append(slices.Clone(p.fallbacks[i]), srcs[len(p.fallbacks[i]):]...)
		r, err = resolveSources(ctx, c, run, name, p, alt, pos, arch, req)
	}
	if err != nil {
		if re := resolverErr(err); re != nil {
			return nil, &distrofile.LocatedError{Err: re, Ranges: rootRanges(re, s.Roots)}
		}
		if len(errs) > 0 {
			return nil, distrofile.ErrAt(s.FromRanges, "every MIRROR failed:\n  %s\n  %s: %v", strings.Join(errs, "\n  "), p.mirrors[len(p.mirrors)-1], err)
		}
		return nil, distrofile.ErrAt(s.FromRanges, "%v", err)
	}
	return r, nil
}

// ErrNoMirror is a stage's error when no mirror is given.
var ErrNoMirror = errors.New("no package mirror")
