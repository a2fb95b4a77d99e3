package frontend

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/gateway/client"
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
			b.src.Warn(ctx, "could not read what the maintainer-script step skipped: "+err.Error(), client.WarnOpts{Level: 1, Range: pbRanges(eff.from)})
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
				b.src.Warn(ctx, msg, client.WarnOpts{Level: 1, Range: pbRanges(ranges)})
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
