package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Where the resolve step finds its parts. The frontend image carries the
// frontend at frontendBinary (see the Dockerfile); the ExecOp runs it as an
// llbgen.Tool (mounted alone into an empty root), each index file is a
// read-only mount, and the response is written to an empty output mount
// (plan.ResolveCommand).
const (
	frontendBinary   = "/bin/distrofile-frontend"
	resolverInRoot   = "/resolve"
	resolveIndexes   = "/indexes"
	resolveOut       = "/out"
	maxInlineRequest = 64 << 10 // larger requests go in a file (Linux limits one argument to 128 KiB)
	resolveRequest   = "/request"
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

// resolveInExec runs `distrofile-frontend resolve` in an ExecOp: no
// network, the frontend binary alone in its root (llbgen.Tool), each index
// file an llb.HTTP pinned by its sha256 with a constant file name (so the
// cache key does not depend on the mirror), the response in a scratch
// mount. Warm rebuilds find the ExecOp cached and read the response (a few
// KB) only.
func (b *builder) resolveInExec(ctx context.Context, noCache bool, name string, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
	reqJSON, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	bp := b.bc.BuildPlatforms[0]
	cmd := plan.ResolveCommand{Request: string(reqJSON), Indexes: resolveIndexes, Out: resolveOut}
	opts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(bp),
		llb.WithCustomName(name),
	}
	if len(reqJSON) > maxInlineRequest {
		st := llb.Scratch().File(llb.Mkfile("/request.json", 0o444, reqJSON), llb.WithCustomName("[internal] resolve request"))
		opts = append(opts, llb.AddMount(resolveRequest, st, llb.Readonly))
		cmd.Request = resolveRequest + "/request.json"
	}
	if noCache {
		opts = append(opts, llb.IgnoreCache)
	}
	for i, f := range req.Files {
		dgst := digest.NewDigestFromEncoded(digest.SHA256, f.SHA256)
		if err := dgst.Validate(); err != nil {
			return nil, fmt.Errorf("%s: bad sha256 %q: %w", f.URL, f.SHA256, err)
		}
		idx := llb.HTTP(f.URL, llb.Checksum(dgst), llb.Filename(plan.IndexFileName),
			llb.WithCustomName(fmt.Sprintf("[distrofile] index %s/%s (%s)", f.Suite, f.Path, plan.HumanSize(f.Size))))
		opts = append(opts, llb.AddMount(resolveIndexes+"/"+strconv.Itoa(i), idx, llb.Readonly))
	}
	opts = append(opts, llb.Args(append([]string{resolverInRoot}, cmd.Args()...)))
	out := llbgen.NewTool(*b.self, frontendBinary, resolverInRoot).Run(opts...).AddMount(resolveOut, llb.Scratch())
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
