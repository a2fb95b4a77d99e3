package frontend

import (
	"context"
	"fmt"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// resolverFunc returns how this build resolves: in a cached ExecOp of the
// frontend's own binary (b.self), else in process.
func (b *builder) resolverFunc(noCache bool) plan.ResolveFunc {
	if b.self == nil || len(b.bc.BuildPlatforms) == 0 {
		return plan.ResolveInProcess
	}
	return func(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
		resp, err := b.resolveInExec(ctx, noCache, name, req)
		if err == nil || ctx.Err() != nil {
			return resp, err
		}
		// Most likely an index could not be fetched (a by-hash copy
		// missing, a mirror down): fetch them here, where the by-hash
		// fallback and the messages of a failing mirror live.
		return plan.ResolveInProcess(ctx, c, name, lists, req)
	}
}

// resolveInExec resolves in the resolve step (llbgen.ResolveStep) and
// reads its answer.
func (b *builder) resolveInExec(ctx context.Context, noCache bool, name string, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
	bp := b.bc.BuildPlatforms[0]
	out, err := llbgen.ResolveStep{Frontend: *b.self, Platform: bp, Request: req, Name: name, IgnoreCache: noCache}.State()
	if err != nil {
		return nil, err
	}
	def, err := out.Marshal(ctx, llb.Platform(bp))
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: plan.ResponseFile})
	if err != nil {
		return nil, fmt.Errorf("reading the resolver's response: %w", err)
	}
	resp, err := plan.DecodeResponse(data)
	if err == nil {
		b.mu.Lock()
		if b.resolveSteps == nil {
			b.resolveSteps = map[string]llb.State{}
		}
		b.resolveSteps[name] = out
		b.mu.Unlock()
	}
	return resp, err
}

// resolveStep returns the build step that resolved the packages of stage
// st for arch in this build, if there is one (see llbgen.Plan.Resolved).
func (b *builder) resolveStep(st *distrofile.Stage, s *distrofile.StageSpec, arch string) *llb.State {
	roots := make([]string, len(s.Roots))
	for i, r := range s.Roots {
		roots[i] = r.Package
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if out, ok := b.resolveSteps[plan.ResolveName(plan.StageKey(st), arch, roots)]; ok {
		return &out
	}
	return nil
}
