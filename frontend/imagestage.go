package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/distribution/reference"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildImageStage builds a stage FROM an image: the image, pinned by the
// digest its registry answers, with the stage's files in a layer on top
// and its RUN lines, and the image's config with the stage's changes, as
// a Dockerfile's stage would have.
func (b *builder) buildImageStage(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	fail := func(err error) (llb.State, *dockerspec.DockerOCIImage, error) {
		return llb.State{}, nil, distrofile.Locate(err, s.FromRanges)
	}
	ref, err := reference.ParseNormalizedNamed(s.Image)
	if err != nil {
		return fail(fmt.Errorf("FROM %s: %w", s.Image, err))
	}
	resolved, dgst, dt, err := b.c.ResolveImageConfig(ctx, s.Image, sourceresolver.Opt{
		LogName:  "[internal] load metadata for " + s.Image,
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: b.bc.ImageResolveMode.String()},
	})
	if err != nil {
		return fail(fmt.Errorf("FROM %s: %w", s.Image, err))
	}
	if resolved != "" && resolved != ref.String() {
		if ref, err = reference.ParseNormalizedNamed(resolved); err != nil {
			return fail(fmt.Errorf("FROM %s: the registry answered %q: %w", s.Image, resolved, err))
		}
	}
	if dgst != "" {
		if ref, err = reference.WithDigest(reference.TrimNamed(ref), dgst); err != nil {
			return fail(err)
		}
	}
	var base dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &base); err != nil {
		return fail(fmt.Errorf("FROM %s: the image config: %w", s.Image, err))
	}
	root := llb.Image(ref.String(), llb.Platform(p), b.loc(s.FromRanges))
	files, err := b.stageFiles(ctx, s, p, false)
	if err != nil {
		return llb.State{}, nil, err
	}
	opt := llbgen.ExtractOptions{Helper: b.helper, BuildPlatform: b.bc.BuildPlatforms[0], NoMerge: b.noMerge, IgnoreCache: b.bc.IsNoCache(st.Name)}
	beforeRun := len(files)
	if len(s.Runs) > 0 {
		beforeRun = s.Runs[0].FilesBefore
	}
	if root, err = mergeFiles(root, files[:beforeRun], b.epoch, opt); err != nil {
		return llb.State{}, nil, err
	}
	rb := runBase{env: base.Config.Env, workdir: base.Config.WorkingDir, user: base.Config.User, hasShell: true}
	if root, err = b.runFiles(ctx, root, st, s, files, rb, p, opt); err != nil {
		return llb.State{}, nil, err
	}
	b.recordPackages(st, p, nil)
	return root, imageOnBase(base, s.Config, p, b), nil
}

// imageOnBase returns the config of an image stage: base's, with what the
// stage sets (ENV added or replaced, ENTRYPOINT resetting an inherited
// CMD, as in a Dockerfile).
func imageOnBase(base dockerspec.DockerOCIImage, c imagespec.Config, p ocispecs.Platform, b *builder) *dockerspec.DockerOCIImage {
	img := base
	img.Platform = p
	if img.OS == "" {
		img.OS = "linux"
	}
	created := b.epoch.UTC()
	img.Created = &created
	cfg := &img.Config
	cfg.Env = slices.Clone(cfg.Env)
	for _, kv := range c.Env {
		cfg.Env = setEnvVar(cfg.Env, kv)
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
	if len(c.Labels) > 0 {
		cfg.Labels = maps.Clone(cfg.Labels)
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		maps.Copy(cfg.Labels, c.Labels)
	}
	if len(c.ExposedPorts) > 0 {
		cfg.ExposedPorts = maps.Clone(cfg.ExposedPorts)
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, port := range c.ExposedPorts {
			cfg.ExposedPorts[port] = struct{}{}
		}
	}
	if len(c.Volumes) > 0 {
		cfg.Volumes = maps.Clone(cfg.Volumes)
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, v := range c.Volumes {
			cfg.Volumes[v] = struct{}{}
		}
	}
	if c.Healthcheck != nil {
		cfg.Healthcheck = llbgen.HealthcheckConfig(c.Healthcheck)
	}
	return &img
}
