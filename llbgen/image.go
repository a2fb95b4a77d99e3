package llbgen

import (
	"fmt"

	"maps"
	"slices"
	"time"

	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Plan is everything one image of one platform is made of.
type Plan struct {
	// Platform is the target platform; Arch its Debian architecture.
	Platform ocispecs.Platform
	Arch     string
	// Packages in a stable order (the resolver sorts them by name).
	Packages []Package
	// Base, when not nil, is the image the packages are installed on (a
	// stage FROM an image): the bottom of the merge, and a root the
	// effects step reads below the package layers.
	Base *llb.State
	// DpkgStatusFile: Base keeps its dpkg database in /var/lib/dpkg/status,
	// which the effects layer rewrites with the packages' stanzas appended
	// (the extractions then write no status.d: ExtractOptions.NoDpkgStatus).
	DpkgStatusFile bool
	// Locale, when not nil, is the package the C.utf8 locale is taken
	// from (see LocaleLayer): a layer of its own, below the generated
	// files.
	Locale *Package
	// Files are the generated files, in order (see BaseFiles, FilesLayer).
	Files  []File
	Config imagespec.Config
	// Epoch dates every generated file and the image.
	Epoch time.Time
	// CACertificates adds what update-ca-certificates would write to the
	// generated-files layer (set when ca-certificates is installed).
	CACertificates bool
	// CAOwners are the packages whose layers the CA bundle's step reads
	// (see Build): ca-certificates and the packages that depend on it, as
	// a package that ships a certificate for update-ca-certificates does.
	// Nil means ca-certificates alone.
	CAOwners []string
	// Resolved is the output of the build step that resolved Packages (an
	// unlocked build), nil when they came from the lock. The
	// generated-files step mounts it, unused, so that the step is part of
	// the image's graph and --cache-to exports it: a rebuild from that
	// cache then needs no Packages index. The mount is keyed on the
	// response's content, which changes only when the closure does.
	Resolved *llb.State
	// EffectsLayer, when not nil, is set to the effects layer (see
	// EffectsLayer and EffectsWarningsFile), when there is one.
	EffectsLayer *llb.State
	// CopiesAbove puts the COPYs that neither the effects step nor the CA
	// bundle's reads (a program under /app, sources under /src) in a
	// FileOp on top of the merge instead of among its inputs: for a stage
	// whose root a RUN mounts. BuildKit makes a merge an exec can mount
	// by applying every input again (examples/c-app: 45 packages, 0.5 s),
	// so with the COPYs among them each edit of a source file would pay
	// it; on top, the merge stays cached and only the copy runs.
	CopiesAbove bool
}

// CACertificatesPackage is the package whose files the CA bundle is made
// of.
const CACertificatesPackage = "ca-certificates"

// Build returns the image's root state and config. The root is one flat
// llb.Merge of one layer per package and the generated-files layer.
//
// With plan.CACertificates, the generated-files step also writes the CA
// bundle. In Debian (bookworm, trixie and sid, every component's Contents)
// no package but ca-certificates ships anything that
// update-ca-certificates reads, so the step reads the layers of
// plan.CAOwners (and the COPYs) alone and runs as soon as those are
// extracted, not after the last extraction (examples/perl, cold: 0.09 s
// less). Every extraction checks that assumption for its packages
// (--ca-owners: debextract.Options.CAOwners, given the owners among the
// step's own packages, so that its cache key does not depend on the
// others) and fails with debextract.ExitCAFiles when it does not hold; the
// frontend then builds with opt.CAFromAllLayers.
func Build(plan Plan, opt ExtractOptions) (llb.State, *dockerspec.DockerOCIImage, error) {
	plan.Files = withoutRedeclaredDirs(plan.Files)
	if plan.CACertificates && !opt.CAFromAllLayers {
		opt.caOwners = plan.CAOwners
		if opt.caOwners == nil {
			opt.caOwners = []string{CACertificatesPackage}
		}
	}
	groups := GroupPackages(plan.Packages, opt.MaxLayers)
	layers := make([]Extracted, len(groups), len(groups)+1)
	for _, u := range PlanUnits(groups) {
		in := make([][]Package, len(u))
		for i, g := range u {
			in[i] = groups[g]
		}
		sts, err := ExtractUnit(in, opt)
		if err != nil {
			return llb.State{}, nil, err
		}
		for i, g := range u {
			layers[g] = sts[i]
		}
	}
	merge := func(layers []llb.State) llb.State {
		if opt.NoMerge {
			return copyChain(layers)
		}
		return llb.Merge(layers, llb.WithCustomName(fmt.Sprintf("[distrofile] merge %d packages and generated files", len(plan.Packages))))
	}
	var caRoot []llb.State
	if plan.CACertificates {
		// update-ca-certificates reads the packages' certificates and the
		// local ones a COPY may add under /usr/local/share/ca-certificates.
		for g, l := range groups {
			if opt.caOwners == nil || slices.ContainsFunc(l, func(p Package) bool { return slices.Contains(opt.caOwners, p.Name) }) {
				caRoot = append(caRoot, layers[g].Root)
			}
		}
		if fa := copyActions(plan.Files, caCopy); fa != nil {
			caRoot = append(slices.Clone(caRoot), llb.Scratch().File(fa, llb.WithCustomName("[distrofile] COPY (for update-ca-certificates)")))
		}
	}
	generated, err := generatedLayer(plan.Files, plan.Epoch, opt, caRoot, plan.Resolved)
	if err != nil {
		return llb.State{}, nil, err
	}
	inMerge := func(File) bool { return true }
	if plan.CopiesAbove {
		inMerge = func(f File) bool { return systemCopy(f) || caCopy(f) }
	}
	files := withCopies(generated, plan.Files, inMerge)
	var top []llb.State
	if plan.Locale != nil {
		l, err := LocaleLayer(*plan.Locale, opt)
		if err != nil {
			return llb.State{}, nil, err
		}
		top = append(top, l)
	}
	top = append(top, files)
	if len(plan.Packages) > 0 {
		// The effects step reads the COPYs where packages' scripts look,
		// so that a changed program or source file does not re-run it.
		roots := layers
		if plan.Base != nil {
			roots = append([]Extracted{{Root: *plan.Base}}, layers...)
		}
		eff, err := EffectsLayer(plan, roots, withCopies(generated, plan.Files, systemCopy), opt)
		if err != nil {
			return llb.State{}, nil, err
		}
		top = append(top, eff)
		if plan.EffectsLayer != nil {
			*plan.EffectsLayer = eff
		}
	}
	all := make([]llb.State, 0, len(layers)+len(top)+1)
	for _, l := range layers {
		all = append(all, l.Root)
	}
	all = append(all, top...)
	if plan.Base != nil {
		all = append([]llb.State{*plan.Base}, all...)
	}
	root := merge(all)
	if fa := copyActions(plan.Files, func(f File) bool { return !inMerge(f) }); fa != nil {
		root = root.File(fa, llb.WithCustomName("[distrofile] COPY"))
	}
	return root, Image(plan), nil
}

// copyChain stacks layers with FileOp copies, for builders without MergeOp
// (Docker's classic image store). Each copy is still one layer, but a
// changed package invalidates every layer after it.
func copyChain(layers []llb.State) llb.State {
	st := llb.Scratch()
	for i, l := range layers {
		st = st.File(llb.Copy(l, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, AllowEmptyWildcard: true}),
			llb.WithCustomName(fmt.Sprintf("[distrofile] stack layer %d/%d", i+1, len(layers))))
	}
	return st
}

// Image returns the OCI image config for plan.
func Image(plan Plan) *dockerspec.DockerOCIImage {
	c := plan.Config
	img := &dockerspec.DockerOCIImage{}
	img.Platform = plan.Platform
	if img.OS == "" {
		img.OS = "linux"
	}
	created := plan.Epoch.UTC()
	img.Created = &created
	img.RootFS.Type = "layers"
	img.Config.Env = slices.Clone(c.Env)
	img.Config.Entrypoint = slices.Clone(c.Entrypoint)
	img.Config.Cmd = slices.Clone(c.Cmd)
	img.Config.WorkingDir = c.WorkingDir
	img.Config.User = c.User
	img.Config.StopSignal = c.StopSignal
	if len(c.Labels) > 0 {
		img.Config.Labels = maps.Clone(c.Labels)
	}
	img.Config.Healthcheck = HealthcheckConfig(c.Healthcheck)
	if len(c.ExposedPorts) > 0 {
		img.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range c.ExposedPorts {
			img.Config.ExposedPorts[p] = struct{}{}
		}
	}
	if len(c.Volumes) > 0 {
		img.Config.Volumes = map[string]struct{}{}
		for _, v := range c.Volumes {
			img.Config.Volumes[v] = struct{}{}
		}
	}
	return img
}

// HealthcheckConfig is h in the image config's form, nil for nil.
func HealthcheckConfig(h *imagespec.Healthcheck) *dockerspec.HealthcheckConfig {
	if h == nil {
		return nil
	}
	return &dockerspec.HealthcheckConfig{Test: slices.Clone(h.Test), Interval: h.Interval, Timeout: h.Timeout,
		StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
}
