package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/distrofile/distrofile/debextract"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// statusDir is where a distroless image keeps one dpkg status file per
// package; statusFile is a regular Debian image's database.
const (
	statusDir  = "/var/lib/dpkg/status.d"
	statusFile = debextract.DpkgStatusFile
)

// baseCache remembers each image stage's pinned image and base per
// platform, read once per build.
type baseCache struct {
	mu sync.Mutex
	m  map[string]*baseEntry
}

type baseEntry struct {
	once sync.Once
	ref  string
	cfg  *dockerspec.DockerOCIImage
	base *plan.Base
	err  error
}

func (c *baseCache) entry(key string) *baseEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*baseEntry{}
	}
	e := c.m[key]
	if e == nil {
		e = &baseEntry{}
		c.m[key] = e
	}
	return e
}

// pinImage returns the image of an image stage pinned by digest — the
// digest Distrofile.lock records for the stage in a locked build, else
// the one the registry answers now — and its config.
func (b *builder) pinImage(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, p ocispecs.Platform) (string, *dockerspec.DockerOCIImage, error) {
	e := b.bases.entry(fmt.Sprintf("image %d/%s", st.Index, platforms.Format(p)))
	e.once.Do(func() {
		named, err := reference.ParseNormalizedNamed(s.Image)
		if err != nil {
			e.err = fmt.Errorf("FROM %s: %w", s.Image, err)
			return
		}
		ask := s.Image
		if ls := b.lockStage(st); ls != nil && ls.ImageDigest != "" {
			ask = reference.TrimNamed(named).String() + "@" + ls.ImageDigest
		}
		resolved, dgst, dt, err := b.c.ResolveImageConfig(ctx, ask, sourceresolver.Opt{
			LogName:  "[internal] load metadata for " + ask,
			ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()},
		})
		if err != nil {
			e.err = fmt.Errorf("FROM %s: %w", s.Image, err)
			return
		}
		if resolved != "" {
			if named, err = reference.ParseNormalizedNamed(resolved); err != nil {
				e.err = fmt.Errorf("FROM %s: the registry answered %q: %w", s.Image, resolved, err)
				return
			}
		}
		e.ref = named.String()
		if dgst != "" {
			canonical, err := reference.WithDigest(reference.TrimNamed(named), dgst)
			if err != nil {
				e.err = err
				return
			}
			e.ref = canonical.String()
		}
		var img dockerspec.DockerOCIImage
		if err := json.Unmarshal(dt, &img); err != nil {
			e.err = fmt.Errorf("FROM %s: the image config: %w", s.Image, err)
			return
		}
		e.cfg = &img
	})
	if e.err != nil {
		return "", nil, distrofile.Locate(e.err, s.FromRanges)
	}
	return e.ref, e.cfg, nil
}

// readBase reads what INSTALL on an image needs from the stage's image
// for platform p: its release (os-release) and its dpkg database.
func (b *builder) readBase(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, p ocispecs.Platform) (*plan.Base, error) {
	ref, _, err := b.pinImage(ctx, st, s, p)
	if err != nil {
		return nil, err
	}
	e := b.bases.entry(fmt.Sprintf("base %d/%s", st.Index, platforms.Format(p)))
	e.once.Do(func() { e.base, e.err = b.readBaseOnce(ctx, ref, s, p) })
	if e.err != nil {
		return nil, distrofile.Locate(e.err, s.FromRanges)
	}
	return e.base, nil
}

func (b *builder) readBaseOnce(ctx context.Context, ref string, s *distrofile.StageSpec, p ocispecs.Platform) (*plan.Base, error) {
	r, err := b.solveRef(ctx, llb.Image(ref, llb.Platform(p), llb.WithCustomName("[distrofile] read the dpkg database of "+s.Image)))
	if err != nil {
		return nil, fmt.Errorf("FROM %s: %w", s.Image, err)
	}
	var osr []byte
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if osr, err = r.ReadFile(ctx, client.ReadRequest{Filename: f}); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("INSTALL on %s: the image has no /etc/os-release to say which release's archive to use", s.Image)
	}
	distro, suite, err := plan.ParseOSRelease(osr)
	if err != nil {
		return nil, fmt.Errorf("INSTALL on %s: %w", s.Image, err)
	}
	base := &plan.Base{Ref: ref, Distro: distro, Suite: suite}
	if _, dgst, ok := strings.Cut(ref, "@"); ok {
		base.Digest = dgst
	}
	entries, err := r.ReadDir(ctx, client.ReadDirRequest{Path: statusDir})
	if err != nil {
		status, ferr := r.ReadFile(ctx, client.ReadRequest{Filename: statusFile})
		if ferr != nil {
			return nil, fmt.Errorf("INSTALL on %s: the image has no dpkg database (%s or %s), so what it has installed is unknown", s.Image, statusDir, statusFile)
		}
		if base.Installed, err = plan.ParseDpkgStatus(status); err != nil {
			return nil, fmt.Errorf("INSTALL on %s: %s: %w", s.Image, statusFile, err)
		}
		base.StatusFile = true
		return base, nil
	}
	var files [][]byte
	for _, en := range entries {
		if strings.HasSuffix(en.Path, ".md5sums") || en.IsDir() {
			continue
		}
		dt, err := r.ReadFile(ctx, client.ReadRequest{Filename: path.Join(statusDir, en.Path)})
		if err != nil {
			return nil, fmt.Errorf("INSTALL on %s: %s: %w", s.Image, path.Join(statusDir, en.Path), err)
		}
		files = append(files, dt)
	}
	if base.Installed, err = plan.ParseDpkgStatus(files...); err != nil {
		return nil, fmt.Errorf("INSTALL on %s: %s: %w", s.Image, statusDir, err)
	}
	return base, nil
}

// baseReader is plan.BaseReader for the lock target: the stage's image for
// the target platform of Debian architecture arch.
func (b *builder) baseReader(ctx context.Context, st *distrofile.Stage, arch string) (*plan.Base, error) {
	ps := b.bc.TargetPlatforms
	if len(ps) == 0 {
		ps = append(ps, platforms.DefaultSpec())
	}
	for _, p := range ps {
		if a, err := debianArch(p); err == nil && a == arch {
			return b.readBase(ctx, st, b.states[st], p)
		}
	}
	return nil, fmt.Errorf("no target platform for %s", arch)
}
