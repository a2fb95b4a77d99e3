package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// stageEffects is what a stage's effects step can tell after the build.
type stageEffects struct {
	// layer is the effects layer, with llbgen.EffectsWarningsFile when
	// the step could not reproduce everything.
	layer llb.State
	// origin maps packages to the INSTALL lines that pulled them in; from
	// is the FROM line, for the warnings of no package.
	origin map[string][]parser.Range
	from   []parser.Range
}

// reportEffects shows, as build warnings on the INSTALL line that pulled
// the package in, what the effects steps of the stages built for p could
// not reproduce (a maintainer script's command no stand-in covers, …).
// The steps have run: reading their warnings costs a file read.
func (b *builder) reportEffects(ctx context.Context, p ocispecs.Platform) {
	b.mu.Lock()
	var effs []*stageEffects
	keys := make([]string, 0, len(b.effects))
	for k := range b.effects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		effs = append(effs, b.effects[k])
	}
	b.mu.Unlock()
	for _, eff := range effs {
		ws, err := b.effectsWarnings(ctx, eff, p)
		if err != nil {
			b.warnEffect(ctx, "could not read what the maintainer-script step skipped: "+err.Error(), eff.from)
			continue
		}
		for _, w := range ws {
			ranges := eff.from
			if pkg, _, ok := strings.Cut(w, ": "); ok && eff.origin[pkg] != nil {
				ranges = eff.origin[pkg]
			}
			msg := "not reproduced from the maintainer scripts: " + w
			b.mu.Lock()
			seen := b.warned[msg]
			b.warned[msg] = true
			b.mu.Unlock()
			if !seen {
				b.warnEffect(ctx, msg, ranges)
			}
		}
	}
}

// effectsWarnings reads the warnings of one effects step.
func (b *builder) effectsWarnings(ctx context.Context, eff *stageEffects, p ocispecs.Platform) ([]string, error) {
	def, err := eff.layer.Marshal(ctx, llb.Platform(p))
	if err != nil {
		return nil, err
	}
	r, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	ref, err := r.SingleRef()
	if err != nil {
		return nil, err
	}
	if _, err := ref.StatFile(ctx, client.StatRequest{Path: llbgen.EffectsWarningsFile}); err != nil {
		return nil, nil // nothing left out
	}
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: llbgen.EffectsWarningsFile})
	if err != nil {
		return nil, err
	}
	var ws []string
	if err := json.Unmarshal(data, &ws); err != nil {
		return nil, err
	}
	return ws, nil
}

// warnEffect reports an effects warning: in the build's output, or to
// --call=check's results when checkEffects collects them.
func (b *builder) warnEffect(ctx context.Context, msg string, ranges []parser.Range) {
	if b.lint.SkipAll || slices.Contains(b.lint.Skip, distrofile.RuleScriptNotReproduced.Name) {
		return
	}
	if b.effectSink != nil {
		b.effectSink(msg, ranges)
		return
	}
	b.src.Warn(ctx, msg, client.WarnOpts{Level: 1, Range: pbRanges(ranges), URL: distrofile.RuleScriptNotReproduced.URL})
}

// checkEffects builds the target for the build platform, as far as its
// effects steps, and adds what they could not reproduce to res
// (--call=check): this needs the packages, so a check of a Distrofile
// that installs any builds it (from the cache after a build), when it
// can: without a mirror there is nothing to fetch them from, and the
// check is the Distrofile's alone.
func checkEffects(ctx context.Context, b *builder, res *lint.LintResults, sourceIndex int) {
	b.effectSink = func(msg string, ranges []parser.Range) {
		res.AddWarning(distrofile.RuleScriptNotReproduced.Name, distrofile.RuleScriptNotReproduced.Description, distrofile.RuleScriptNotReproduced.URL, msg, sourceIndex, ranges)
	}
	fail := func(err error) {
		res.Error = &lint.BuildError{Message: "building the packages' maintainer-script effects: " + err.Error()}
	}
	if err := b.prepare(ctx); err != nil {
		fail(err)
		return
	}
	target, err := b.target(ctx)
	if err != nil {
		fail(err)
		return
	}
	if !anyStageInstalls(b.states) {
		return
	}
	p := platforms.DefaultSpec()
	if len(b.bc.BuildPlatforms) > 0 {
		p = b.bc.BuildPlatforms[0]
	}
	if _, _, err := b.solveImage(ctx, target, p); err != nil && !errors.Is(err, plan.ErrNoMirror) {
		fail(err)
	}
}

// anyStageInstalls reports whether a stage installs packages: the
// target, or a stage it copies from, may have effects.
func anyStageInstalls(states map[*distrofile.Stage]*distrofile.StageSpec) bool {
	for _, s := range states {
		if len(s.Roots) > 0 {
			return true
		}
	}
	return false
}
