package frontend

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/debsuite"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildImageStage builds a stage FROM an image: the image, pinned by the
// digest its registry answers, with the stage's files in a layer on top
// and its RUN lines, and the image's config with the stage's changes, as
// a Dockerfile's stage would have.
func (b *builder) buildImageStage(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	ref, base, err := b.pinImage(ctx, st, s, p)
	if err != nil {
		return llb.State{}, nil, err
	}
	root := llb.Image(ref, llb.Platform(p), b.loc(s.FromRanges))
	files, err := b.stageFiles(ctx, s, p, false)
	if err != nil {
		return llb.State{}, nil, err
	}
	opt := llbgen.ExtractOptions{Helper: b.helper, BuildPlatform: b.bc.BuildPlatforms[0], NoMerge: b.noMerge, NoContentHash: b.noHash,
		IgnoreCache: b.bc.IsNoCache(st.Name), MaxLayers: b.maxLayers}
	beforeRun := len(files)
	if len(s.Runs) > 0 {
		beforeRun = s.Runs[0].FilesBefore
	}
	if len(s.Roots) > 0 {
		if root, err = b.installOnImage(ctx, st, s, p, root, files[:beforeRun], opt); err != nil {
			return llb.State{}, nil, err
		}
	} else {
		b.recordPackages(st, p, nil)
		if root, err = mergeFiles(root, files[:beforeRun], b.epoch, opt); err != nil {
			return llb.State{}, nil, err
		}
	}
	rb := runBase{env: base.Config.Env, workdir: base.Config.WorkingDir, user: base.Config.User, hasShell: true}
	if root, err = b.runFiles(ctx, root, st, s, files, rb, p, opt); err != nil {
		return llb.State{}, nil, err
	}
	return root, imageOnBase(*base, s.Config, p, b.epoch), nil
}

// installOnImage returns the image root with the stage's packages that the
// image does not have installed on top, each in its layer, their dpkg
// status in the form the image keeps it (status.d files in their layers,
// or the status file with their stanzas appended in the effects layer),
// the scripts' effects computed over the image and the new packages, and
// files (the stage's entries before its first RUN) in the generated-files
// layer.
func (b *builder) installOnImage(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, p ocispecs.Platform, root llb.State,
	files []llbgen.File, opt llbgen.ExtractOptions) (llb.State, error) {
	arch, err := debianArch(p)
	if err != nil {
		return llb.State{}, distrofile.ErrAt(s.FromRanges, "%v", err)
	}
	base, err := b.readBase(ctx, st, s, p)
	if err != nil {
		return llb.State{}, err
	}
	on := plan.OnBase(s, base)
	pkgs, locale, caOwners, origin, err := b.resolve(ctx, st, on, arch, base)
	if err != nil {
		return llb.State{}, err
	}
	b.recordPackages(st, p, pkgs)
	opt.UsrMerge = debsuite.UsrMerged(on.Distro, on.Suite)
	opt.NoDpkgStatus = base.StatusFile
	installed := map[string]bool{}
	for _, pk := range pkgs {
		installed[pk.Name] = true
	}
	ip := llbgen.Plan{Platform: p, Arch: arch, Base: &root, Packages: pkgs, Locale: locale, Files: files, Config: s.Config, Epoch: b.epoch,
		CACertificates: installed[llbgen.CACertificatesPackage], CAOwners: caOwners, Resolved: b.resolveStep(st, on, arch), DpkgStatusFile: base.StatusFile,
		CopiesAbove: len(s.Runs) > 0}
	b.mu.Lock()
	opt.CAFromAllLayers = b.caAll
	b.mu.Unlock()
	if b.fixed {
		opt.MaxMTime = b.epoch
	}
	opt.Drop = on.Drops
	eff := &stageEffects{origin: origin, from: s.FromRanges}
	ip.EffectsLayer = &eff.layer
	out, _, err := llbgen.Build(ip, opt)
	if err != nil {
		return llb.State{}, distrofile.Locate(err, s.FromRanges)
	}
	if len(pkgs) > 0 {
		b.mu.Lock()
		b.effects[fmt.Sprintf("%d/%s", st.Index, platforms.Format(p))] = eff
		b.mu.Unlock()
	}
	return out, nil
}

// imageOnBase returns the config of an image stage: base's, with what the
// stage sets (ENV added or replaced, ENTRYPOINT resetting an inherited
// CMD, as in a Dockerfile).
func imageOnBase(base dockerspec.DockerOCIImage, c imagespec.Config, p ocispecs.Platform, epoch time.Time) *dockerspec.DockerOCIImage {
	img := base
	img.Platform = p
	if img.OS == "" {
		img.OS = "linux"
	}
	created := epoch.UTC()
	img.Created = &created
	cfg := &img.Config
	cfg.Env = slices.Clone(cfg.Env)
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg.Env = imagespec.SetEnv(cfg.Env, k, v)
	}
	if c.Entrypoint != nil {
		cfg.Entrypoint = slices.Clone(c.Entrypoint)
		cfg.Cmd = nil
	}
	if c.Cmd != nil {
		cfg.Cmd = slices.Clone(c.Cmd)
	}
	if c.WorkingDir != "" {
		cfg.WorkingDir = c.WorkingDir
	}
	if c.User != "" {
		cfg.User = c.User
	}
	if c.StopSignal != "" {
		cfg.StopSignal = c.StopSignal
	}
	// The stage's own LABEL, EXPOSE, VOLUME and HEALTHCHECK, in the
	// image config's form, added to the base's.
	own := llbgen.Image(llbgen.Plan{Config: c}).Config
	cfg.Labels = union(cfg.Labels, own.Labels)
	cfg.ExposedPorts = union(cfg.ExposedPorts, own.ExposedPorts)
	cfg.Volumes = union(cfg.Volumes, own.Volumes)
	if own.Healthcheck != nil {
		cfg.Healthcheck = own.Healthcheck
	}
	return &img
}

// union returns a copy of base with add's entries, base itself when add
// is empty.
func union[V any](base, add map[string]V) map[string]V {
	if len(add) == 0 {
		return base
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]V{}
	}
	maps.Copy(out, add)
	return out
}
