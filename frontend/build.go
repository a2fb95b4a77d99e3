// Package frontend is Distrofile's BuildKit gateway frontend: it reads the
// Distrofile through dockerui (build args, --target, --platform, named
// contexts), answers buildx's subrequests, and for every target platform
// takes each stage from the language (package distrofile) through planning
// (package plan, fetching through BuildKit) to llbgen's LLB, and returns
// it with the image config.
package frontend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"

	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/debarch"
	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/distrofile/distrofile/usrmerge"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Build arguments the gateway reads (planning reads plan.Arg*).
const (
	argEpoch     = "SOURCE_DATE_EPOCH"
	argMaxLayers = "DISTROFILE_MAX_LAYERS"
)

// currentFrontend is implemented by the gateway client when the frontend
// runs as an image: it returns that image, pinned by digest.
type currentFrontend interface {
	CurrentFrontend() (*llb.State, error)
}

// Build is the gateway BuildFunc.
func Build(ctx context.Context, c client.Client) (*client.Result, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	b := &builder{c: c, bc: bc}
	b.prefetchLock(ctx)
	src, err := bc.ReadEntrypoint(ctx, "Distrofile")
	if err != nil {
		return nil, err
	}
	if c.BuildOpts().Opts["requestid"] == outdatedRequest {
		b.src = src
		res, err := b.outdated(ctx)
		return res, withSource(err, src.SourceMap)
	}
	if res, ok, err := bc.HandleSubrequest(ctx, subrequests(src, bc, c)); err != nil || ok {
		return res, err
	}
	b.src = src
	res, err := b.build(ctx)
	return res, withSource(err, src.SourceMap)
}

// builder holds one build's state.
type builder struct {
	c client.Client
	// bases are the images of image stages, pinned, and what INSTALL on
	// them reads.
	bases baseCache
	// pinned are the .debs of the build by sha256 (explainFetch);
	// fromSnapshot the URLs in the snapshot archive of those the mirror
	// no longer has.
	pinned       map[string]pinnedDeb
	fromSnapshot map[string]string
	bc           *dockerui.Client
	src          *dockerui.Source
	df           *distrofile.Distrofile
	states       map[*distrofile.Stage]*distrofile.StageSpec
	helper       llbgen.Tool
	epoch        time.Time
	fixed        bool // epoch from SOURCE_DATE_EPOCH

	maxLayers int  // DISTROFILE_MAX_LAYERS
	noMerge   bool // the builder lacks MergeOp
	noHash    bool // the builder can skip content hashes of pinned inputs

	resolver *debresolve.Client
	lockState

	mu           sync.Mutex
	caAll        bool // CA bundles read every package layer (see solveImage)
	built        map[string]*stageResult
	packages     map[string][]llbgen.Package             // "<stage index>/<platform>" -> packages, for the SBOM
	resolveSteps map[string]llb.State                    // resolve step name -> its output
	effects      map[string]*stageEffects                // "<stage index>/<platform>" -> its effects step, for its warnings
	warned       map[string]bool                         // effects warnings reported
	effectSink   func(msg string, ranges []parser.Range) // --call=check collects the effects warnings
	lint         distrofile.LintConfig                   // the check directive or BUILDKIT_DOCKERFILE_CHECK
}

type stageResult struct {
	once sync.Once
	st   llb.State
	img  *dockerspec.DockerOCIImage
	err  error
}

func (b *builder) build(ctx context.Context) (*client.Result, error) {
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	if strings.EqualFold(b.bc.Target, plan.LockTarget) {
		return b.lockResult(ctx)
	}
	target, err := b.target(ctx)
	if err != nil {
		return nil, err
	}

	rb, err := b.bc.Build(ctx, func(ctx context.Context, platform *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		p := platforms.DefaultSpec()
		if platform != nil {
			p = *platform
		}
		ref, img, err := b.solveImage(ctx, target, p)
		if err != nil {
			return nil, err
		}
		epoch := b.epoch
		return &dockerui.BuildResult{Reference: ref, Image: img, Epoch: &epoch}, nil
	})
	if err != nil {
		return nil, err
	}
	if b.bc.SBOM != nil {
		if err := b.attachSBOMs(ctx, rb, target); err != nil {
			return nil, err
		}
	}
	return rb.Finalize()
}

// prepare parses and evaluates the Distrofile and sets the build up.
func (b *builder) prepare(ctx context.Context) error {
	df, err := distrofile.Parse(b.src.Data, b.bc.BuildArgs)
	if err != nil {
		return err
	}
	b.df = df
	for _, w := range df.Warnings {
		if b.effectSink == nil { // --call=check reports them itself
			b.src.Warn(ctx, w.Message, client.WarnOpts{Level: 1, Range: pbRanges(w.Ranges)})
		}
	}
	if b.states, err = distrofile.EvalStages(df); err != nil {
		return err
	}
	lw, err := b.lintConfig()
	if err != nil {
		return err
	}
	for _, w := range lw {
		if b.effectSink == nil {
			b.src.Warn(ctx, w.Message, client.WarnOpts{Level: 1, Range: pbRanges(w.Ranges)})
		}
	}
	if err := b.reportLint(ctx, distrofile.Lint(df, b.states)); err != nil {
		return err
	}
	if b.epoch, b.fixed, err = buildEpoch(b.bc.BuildArgs); err != nil {
		return err
	}
	if b.self, err = b.frontendImage(); err != nil {
		return err
	}
	b.helper = llbgen.HelperTool(*b.self)
	if err := b.layerOptions(ctx); err != nil {
		return err
	}
	b.resolver = &debresolve.Client{Fetcher: &llbFetcher{c: b.c, cacheImports: b.bc.CacheImports}}
	b.built = map[string]*stageResult{}
	b.effects = map[string]*stageEffects{}
	b.warned = map[string]bool{}
	return nil
}

// target loads Distrofile.lock and returns the stage to build.
func (b *builder) target(ctx context.Context) (*distrofile.Stage, error) {
	if err := b.loadLock(ctx); err != nil {
		return nil, err
	}
	if err := b.reportLint(ctx, plan.LintLocked(b.df, b.states, b.lock)); err != nil {
		return nil, err
	}
	return distrofile.TargetStage(b.df, b.bc.Target)
}

// lintConfig reads the check directive, or BUILDKIT_DOCKERFILE_CHECK, and
// returns the directive's warnings.
func (b *builder) lintConfig() ([]distrofile.Warning, error) {
	lc, lw, err := distrofile.LintConfigOf(b.src.Data, b.bc.LinterConfig)
	if err != nil {
		return nil, err
	}
	b.lint = lc
	return lw, nil
}

// reportLint shows the findings the lint configuration lets through as
// warnings of the build, as a Dockerfile build shows its checks, and
// returns the error check=error=true makes of them.
func (b *builder) reportLint(ctx context.Context, ws []distrofile.LintWarning) error {
	ws, err := b.lint.Apply(ws)
	if b.effectSink != nil { // --call=check reports them itself
		return nil
	}
	for _, w := range ws {
		line := 0
		if len(w.Ranges) > 0 {
			line = w.Ranges[0].Start.Line
		}
		b.src.Warn(ctx, linter.LintFormatShort(w.Rule.Name, w.Message, line), client.WarnOpts{Level: 1, URL: w.Rule.URL,
			Detail: [][]byte{[]byte(w.Rule.Description)}, Range: pbRanges(w.Ranges)})
	}
	return err
}

// solveImage builds target for platform p and starts its solve. When an
// extraction finds a package that neither is nor depends on
// ca-certificates shipping what update-ca-certificates reads (see
// llbgen.Build), it builds again with every CA bundle read from all the
// package layers.
func (b *builder) solveImage(ctx context.Context, target *distrofile.Stage, p ocispecs.Platform) (client.Reference, *dockerspec.DockerOCIImage, error) {
	for {
		b.mu.Lock()
		all := b.caAll
		b.mu.Unlock()
		st, img, err := b.stage(ctx, target, p)
		if err != nil {
			return nil, nil, err
		}
		def, err := st.Marshal(ctx, llb.Platform(p))
		if err != nil {
			return nil, nil, err
		}
		// Evaluate: the build starts now, while the frontend is still
		// running, not after it has returned and BuildKit has taken the
		// result over (35-45 ms later in a cold build's timeline). The
		// result stays lazy: a layer found in a --cache-from registry is
		// still not pulled unless the export needs it.
		r, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: true})
		if err != nil {
			if !all && caFilesError(err) {
				b.readCAFromAllLayers(ctx)
				continue
			}
			if e := b.explainExtract(ctx, def, err); e != nil {
				return nil, nil, e
			}
			if e := b.explainFetch(ctx, err); e != nil {
				if errors.Is(e, errFromSnapshot) {
					b.mu.Lock()
					b.built = map[string]*stageResult{}
					b.mu.Unlock()
					continue
				}
				return nil, nil, e
			}
			return nil, nil, err
		}
		ref, err := r.SingleRef()
		if err != nil {
			return nil, nil, err
		}
		b.reportEffects(ctx, p)
		return ref, img, nil
	}
}

// caFilesError says whether err is an extraction's refusal of a package
// that ships what update-ca-certificates reads (debextract.ExitCAFiles).
func caFilesError(err error) bool {
	var ee *gatewaypb.ExitError
	return errors.As(err, &ee) && ee.ExitCode == debextract.ExitCAFiles
}

// readCAFromAllLayers makes every stage built from now on read all its
// package layers for the CA bundle, and forgets the stages built so far.
func (b *builder) readCAFromAllLayers(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.caAll {
		return
	}
	b.caAll = true
	b.built = map[string]*stageResult{}
	b.src.Warn(ctx, "a package that neither is nor depends on ca-certificates ships files that update-ca-certificates reads (the failed extraction above names it): "+
		"building again with the CA bundle read from every package layer, after the last extraction", client.WarnOpts{Level: 1})
}

// stage returns the root and image config of st for platform p, building
// each (stage, platform) once: COPY --from may refer to it many times.
func (b *builder) stage(ctx context.Context, st *distrofile.Stage, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	key := fmt.Sprintf("%d/%s", st.Index, platforms.Format(p))
	b.mu.Lock()
	r, ok := b.built[key]
	if !ok {
		r = &stageResult{}
		b.built[key] = r
	}
	b.mu.Unlock()
	r.once.Do(func() { r.st, r.img, r.err = b.buildStage(ctx, st, p) })
	return r.st, r.img, r.err
}

func (b *builder) buildStage(ctx context.Context, st *distrofile.Stage, p ocispecs.Platform) (llb.State, *dockerspec.DockerOCIImage, error) {
	s := b.states[st]
	if s.Image != "" {
		return b.buildImageStage(ctx, st, s, p)
	}
	arch, err := debianArch(p)
	if err != nil {
		return llb.State{}, nil, distrofile.ErrAt(s.FromRanges, "%v", err)
	}
	usrMerge, err := plan.UsrMerge(s, b.bc.BuildArgs)
	if err != nil {
		return llb.State{}, nil, err
	}
	var pkgs []llbgen.Package
	var locale *llbgen.Package
	var caOwners []string
	var origin map[string][]parser.Range
	if len(s.Roots) > 0 {
		if pkgs, locale, caOwners, origin, err = b.resolve(ctx, st, s, arch, nil); err != nil {
			return llb.State{}, nil, err
		}
	}
	b.recordPackages(st, p, pkgs)
	installed := map[string]bool{}
	for _, p := range pkgs {
		installed[p.Name] = true
	}
	files := llbgen.Generated(llbgen.BaseFiles(s.Accounts.Accounts, arch, usrMerge))
	files = append(files, llbgen.Generated(llbgen.ScriptEffects(installed, llbgen.Distro{ID: s.Distro, Codename: s.Suite}))...)
	own, err := b.stageFiles(ctx, s, p, usrMerge)
	if err != nil {
		return llb.State{}, nil, err
	}
	// The files before the first RUN are in the generated-files layer; the
	// others go on top of the RUN they follow (runFiles).
	beforeRun := len(own)
	if len(s.Runs) > 0 {
		beforeRun = s.Runs[0].FilesBefore
	}
	files = append(files, own[:beforeRun]...)
	ip := llbgen.Plan{Platform: p, Arch: arch, Packages: pkgs, Locale: locale, Files: files, Config: s.Config, Epoch: b.epoch,
		CACertificates: installed[llbgen.CACertificatesPackage], CAOwners: caOwners, Resolved: b.resolveStep(st, s, arch), CopiesAbove: len(s.Runs) > 0}
	opt := llbgen.ExtractOptions{Helper: b.helper, BuildPlatform: b.bc.BuildPlatforms[0], UsrMerge: usrMerge, Drop: s.Drops,
		MaxLayers: b.maxLayers, NoMerge: b.noMerge, NoContentHash: b.noHash, IgnoreCache: b.bc.IsNoCache(st.Name)}
	b.mu.Lock()
	opt.CAFromAllLayers = b.caAll
	b.mu.Unlock()
	if b.fixed {
		opt.MaxMTime = b.epoch
	}
	if len(s.Drops) > 0 {
		if specs, drops, ok := plan.LockedDrops(b.lockStage(st), arch, usrMerge); ok {
			opt.DropScan = &llbgen.DropScan{Specs: specs, Drops: drops}
		}
	}
	eff := &stageEffects{origin: origin, from: s.FromRanges}
	ip.EffectsLayer = &eff.layer
	root, img, err := llbgen.Build(ip, opt)
	if err != nil {
		return llb.State{}, nil, distrofile.Locate(err, s.FromRanges)
	}
	if root, err = b.runFiles(ctx, root, st, s, own, runBase{hasShell: installed[shellPackage]}, p, opt); err != nil {
		return llb.State{}, nil, err
	}
	if len(pkgs) > 0 {
		b.mu.Lock()
		b.effects[fmt.Sprintf("%d/%s", st.Index, platforms.Format(p))] = eff
		b.mu.Unlock()
	}
	return root, img, nil
}

// stageFiles returns the stage's own FILE, MKDIR, SYMLINK, WORKDIR and
// COPY entries (StageSpec.Files), with their COPY sources bound.
func (b *builder) stageFiles(ctx context.Context, s *distrofile.StageSpec, p ocispecs.Platform, usrMerge bool) ([]llbgen.File, error) {
	var files []llbgen.File
	for _, sf := range s.Files {
		f := llbgen.File{File: sf.File}
		if usrMerge && sf.Copy == nil {
			// /bin, /sbin and /lib* are links into /usr: write beneath them
			// where they point, as dpkg does on a merged-/usr system.
			f.Path = usrmerge.Path(f.Path)
		}
		if sf.Copy != nil {
			from, err := b.copySource(ctx, sf.Copy, p)
			if err != nil {
				return nil, distrofile.Locate(err, sf.Copy.Location())
			}
			f.From = from
			f.Constraints = []llb.ConstraintsOpt{b.loc(sf.Copy.Location())}
		}
		files = append(files, f)
	}
	return files, nil
}

// resolve returns the stage's package closure (from Distrofile.lock, or
// resolved from the stage's sources; see lock.go).
// The origin map gives each package the INSTALL lines that pulled it in;
// the package of the C.utf8 locale, when there is one, has libc6's.
func (b *builder) resolve(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, arch string, base *plan.Base) ([]llbgen.Package, *llbgen.Package, []string, map[string][]parser.Range, error) {
	cl, err := b.closure(ctx, st, s, arch, base)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if b.lock == nil && distrofile.FinalStages(b.df)[st] {
		// With a lock, LintLocked has said it already.
		if err := b.reportLint(ctx, plan.ShellInImage(s, cl.Edges, cl.Roots, arch)); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	origin := plan.RootOrigins(cl, s.Roots)
	out := make([]llbgen.Package, 0, len(cl.Packages))
	for _, p := range cl.Packages {
		snap := b.pinDeb(p, origin[p.Name], b.snapshotRoot(s))
		out = append(out, llbgen.Package{Package: p, Constraints: []llb.ConstraintsOpt{b.loc(origin[p.Name])}, FromSnapshot: snap})
	}
	var locale *llbgen.Package
	if cl.Locale != nil {
		snap := b.pinDeb(cl.Locale, origin[debresolve.LocaleLibc], b.snapshotRoot(s))
		locale = &llbgen.Package{Package: cl.Locale, Constraints: []llb.ConstraintsOpt{b.loc(origin[debresolve.LocaleLibc])}, FromSnapshot: snap}
	}
	return out, locale, caOwners(cl), origin, nil
}

// caOwners lists ca-certificates and the packages of cl that depend on it
// (llbgen.Plan.CAOwners): a package that ships a certificate for
// update-ca-certificates depends on ca-certificates as a rule, since its
// maintainer script runs it.
func caOwners(cl *debresolve.Closure) []string {
	owners := []string{llbgen.CACertificatesPackage}
	for _, p := range cl.Packages {
		if slices.Contains(cl.Edges[p.Name], llbgen.CACertificatesPackage) {
			owners = append(owners, p.Name)
		}
	}
	return owners
}

// loc is the source-map constraint for ranges.
func (b *builder) loc(rs []parser.Range) llb.ConstraintsOpt {
	return b.src.SourceMap.Location(pbRanges(rs))
}

// copySource returns the state a COPY reads from: an earlier stage, a named
// context, or the build context.
func (b *builder) copySource(ctx context.Context, c *distrofile.CopyCmd, p ocispecs.Platform) (llb.State, error) {
	st, err := b.sourceState(ctx, c.From, p)
	if err != nil {
		return llb.State{}, fmt.Errorf("COPY --from=%s: %w", c.From, err)
	}
	return st, nil
}

// sourceState returns the state that a COPY --from or a RUN --mount's
// from names: the build context ("" or "context"), an earlier stage, a
// named context, or an image (a name with a tag, digest, registry or
// path, as COPY --from=golang:1.24 in a Dockerfile).
func (b *builder) sourceState(ctx context.Context, from string, p ocispecs.Platform) (llb.State, error) {
	if from == "" || from == "context" {
		st, err := b.bc.MainContext(ctx)
		if err != nil {
			return llb.State{}, err
		}
		return *st, nil
	}
	if s := b.df.StageByRef(from); s != nil {
		st, _, err := b.stage(ctx, s, p)
		return st, err
	}
	nc, err := b.bc.NamedContext(from, dockerui.ContextOpt{Platform: &p})
	if err != nil {
		return llb.State{}, err
	}
	if nc != nil {
		st, _, err := nc.Load(ctx)
		if err != nil {
			return llb.State{}, err
		}
		if st != nil {
			return *st, nil
		}
	}
	if strings.ContainsAny(from, ":/@.") {
		ref, err := reference.ParseNormalizedNamed(from)
		if err != nil {
			return llb.State{}, fmt.Errorf("not a stage, named context or image reference: %v", err)
		}
		return llb.Image(reference.TagNameOnly(ref).String(), llb.Platform(p), llb.WithMetaResolver(b.c)), nil
	}
	return llb.State{}, fmt.Errorf("no stage, named context (--build-context %s=…) or \"context\" by that name (an image needs its tag: %s:latest)", from, from)
}

// layerOptions reads the layer budget and checks that the builder can
// merge; without MergeOp (Docker's classic image store) layers are stacked
// with copies, which works but re-copies every layer after a changed one.
func (b *builder) layerOptions(ctx context.Context) error {
	if v := b.bc.BuildArgs[argMaxLayers]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 120 {
			return fmt.Errorf("--build-arg %s=%q: want a number of layers from 1 to 120", argMaxLayers, v)
		}
		b.maxLayers = n
	}
	caps := b.c.BuildOpts().LLBCaps
	if err := caps.Supports(pb.CapMergeOp); err != nil {
		b.noMerge = true
		b.src.Warn(ctx, "this builder cannot merge layers (MergeOp is disabled, e.g. Docker's classic image store): stacking package layers with copies; use a docker-container or remote buildx builder, or the containerd image store, for per-package caching", client.WarnOpts{Level: 1})
	}
	b.noHash = caps.Supports(pb.CapExecMountContentCache) == nil
	return nil
}

// frontendImage is the image this frontend runs from: its extraction
// helper and its own binary (the resolve step) run in build steps.
func (b *builder) frontendImage() (*llb.State, error) {
	if cf, ok := b.c.(currentFrontend); ok {
		self, err := cf.CurrentFrontend()
		if err != nil {
			return nil, err
		}
		if self != nil {
			return self, nil
		}
	}
	return nil, fmt.Errorf("the extraction helper is not available: run this frontend as an image through `# syntax=` or --frontend gateway.v0")
}

// buildEpoch is SOURCE_DATE_EPOCH when given, else the Unix epoch: every
// generated file and the image config carry it, so builds are reproducible.
func buildEpoch(args map[string]string) (time.Time, bool, error) {
	v, ok := args[argEpoch]
	if !ok || v == "" {
		return time.Unix(0, 0).UTC(), false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false, fmt.Errorf("--build-arg %s=%q: want seconds since 1970", argEpoch, v)
	}
	return time.Unix(n, 0).UTC(), true, nil
}

// debianArch maps an OCI platform to a Debian architecture.
func debianArch(p ocispecs.Platform) (string, error) {
	if p.OS != "linux" {
		return "", fmt.Errorf("platform %s: Debian packages are for linux", platforms.Format(p))
	}
	a, ok := debarch.FromPlatform(p)
	if !ok {
		return "", fmt.Errorf("platform %s has no Debian architecture", platforms.Format(p))
	}
	return a.Name, nil
}

// snapshotRoot is the snapshot service a gone .deb of stage s is fetched
// from: MIRROR --snapshot, else DISTROFILE_SNAPSHOT_MIRROR ("" for none).
func (b *builder) snapshotRoot(s *distrofile.StageSpec) string {
	if s.SnapshotMirror != "" {
		return s.SnapshotMirror
	}
	return b.bc.BuildArgs[plan.ArgSnapshotMirror]
}
