package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Where the resolve ExecOp finds its parts. The frontend image carries the
// frontend at frontendBinary (see the Dockerfile); the ExecOp runs it as an
// llbgen.Tool (mounted alone into an empty root), each index file is a
// read-only mount, and the response is written to an empty output mount.
const (
	frontendBinary  = "/bin/distrofile-frontend"
	resolverInRoot  = "/resolve"
	resolveIndexes  = "/indexes"
	resolveOut      = "/out"
	resolveResponse = "response.json"
	// indexFileName is the llb.HTTP file name of every index: a constant
	// keeps the cache key mirror-independent; it is not llbFetcher's
	// "index", so that these vertices are not shared (nor named) with the
	// fetches of the in-process fallback.
	indexFileName    = "Packages"
	maxInlineRequest = 64 << 10 // larger requests go in a file (Linux limits one argument to 128 KiB)
	resolveRequest   = "/request"
)

// resolveFunc answers req, whose files lists lists (the verified InRelease
// of each source and the index files it names). An error means the indexes
// could not be had (the mirror failed); resolver errors are in the response.
type resolveFunc func(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error)

// resolveInProcess fetches the index files through c's Fetcher, parses
// them and resolves in this process: the CLI's way, and the frontend's when
// the resolve ExecOp fails (so that a missing by-hash copy falls back to
// the canonical name, and a failing mirror is named as before).
func resolveInProcess(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
	indexes, err := c.FetchIndexes(ctx, lists)
	if err != nil {
		return nil, err
	}
	return debresolve.ResolveIndexes(req, indexes)
}

// resolverFunc returns how this build resolves: in a cached ExecOp of the
// frontend's own binary (b.self), else in process.
func (b *builder) resolverFunc(noCache bool) resolveFunc {
	if b.self == nil || len(b.bc.BuildPlatforms) == 0 {
		return resolveInProcess
	}
	return func(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
		resp, err := b.resolveInExec(ctx, noCache, name, req)
		if err == nil || ctx.Err() != nil {
			return resp, err
		}
		// Most likely an index could not be fetched (a by-hash copy
		// missing, a mirror down): fetch them here, where the by-hash
		// fallback and the messages of a failing mirror live.
		return resolveInProcess(ctx, c, name, lists, req)
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
	args := []string{resolverInRoot, "resolve", string(reqJSON), resolveIndexes, resolveOut}
	opts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(bp),
		llb.WithCustomName(name),
	}
	if len(reqJSON) > maxInlineRequest {
		st := llb.Scratch().File(llb.Mkfile("/request.json", 0o444, reqJSON), llb.WithCustomName("[internal] resolve request"))
		opts = append(opts, llb.AddMount(resolveRequest, st, llb.Readonly))
		args[2] = resolveRequest + "/request.json"
	}
	if noCache {
		opts = append(opts, llb.IgnoreCache)
	}
	for i, f := range req.Files {
		dgst := digest.NewDigestFromEncoded(digest.SHA256, f.SHA256)
		if err := dgst.Validate(); err != nil {
			return nil, fmt.Errorf("%s: bad sha256 %q: %w", f.URL, f.SHA256, err)
		}
		idx := llb.HTTP(f.URL, llb.Checksum(dgst), llb.Filename(indexFileName),
			llb.WithCustomName(fmt.Sprintf("[distrofile] index %s/%s (%s)", f.Suite, f.Path, humanSize(f.Size))))
		opts = append(opts, llb.AddMount(resolveIndexes+"/"+strconv.Itoa(i), idx, llb.Readonly))
	}
	opts = append(opts, llb.Args(args))
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
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: resolveResponse})
	if err != nil {
		return nil, fmt.Errorf("reading the resolver's response: %w", err)
	}
	resp, err := decodeResponse(data)
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
func (b *builder) resolveStep(st *Stage, s *stageState, arch string) *llb.State {
	roots := make([]string, len(s.Roots))
	for i, r := range s.Roots {
		roots[i] = r.Package
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if out, ok := b.resolveSteps[resolveName(stageKey(st), arch, roots)]; ok {
		return &out
	}
	return nil
}

func decodeResponse(data []byte) (*debresolve.ResolveResponse, error) {
	var resp debresolve.ResolveResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("the resolver's response: %w", err)
	}
	if (resp.Closure == nil) == (resp.Error == nil) {
		return nil, fmt.Errorf("the resolver's response has neither a closure nor an error")
	}
	return &resp, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ResolveMain is the frontend binary's resolve mode, run by the resolve
// ExecOp:
//
//	distrofile-frontend resolve REQUEST INDEXES OUT
//
// REQUEST is a debresolve.ResolveRequest as JSON text (when it starts with
// '{') or the file holding it; file i of the request is INDEXES/<i>/Packages;
// the debresolve.ResolveResponse is written to OUT/response.json. Resolver
// errors, and index files that do not match InRelease or do not parse, are
// part of the response (they are as deterministic as a closure, and are
// cached like one); the error returned is for everything else (usage, a
// missing file, an unwritable output), and makes the ExecOp fail.
func ResolveMain(args []string, log io.Writer) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: distrofile-frontend resolve REQUEST INDEXES OUT")
	}
	t0 := time.Now()
	reqData := []byte(args[0])
	if !strings.HasPrefix(args[0], "{") {
		var err error
		if reqData, err = os.ReadFile(args[0]); err != nil {
			return err
		}
	}
	var req debresolve.ResolveRequest
	dec := json.NewDecoder(bytes.NewReader(reqData))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	var mu sync.Mutex
	var read int64
	resp, err := debresolve.ResolveIndexFiles(req, func(i int) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(args[1], strconv.Itoa(i), indexFileName))
		mu.Lock()
		read += int64(len(data))
		mu.Unlock()
		return data, err
	})
	if err != nil {
		return err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(args[2], resolveResponse), out, 0o644); err != nil {
		return err
	}
	if resp.Error != nil {
		fmt.Fprintf(log, "%s: %s\n", req.Arch, resp.Error.Message)
	} else {
		fmt.Fprintf(log, "%s: %d packages for %d roots, from %d index files (%s) in %v\n", req.Arch, len(resp.Closure.Packages),
			len(req.Roots), len(req.Files), humanSize(read), time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// resolved is a stage's closure for one architecture in the lock's form,
// with the sources it was resolved from.
type resolved struct {
	// arch is the closure; its packages' Source are positions in sources.
	arch *debresolve.LockArch
	// sources are the plan's sources, the distribution's on the mirror
	// that answered; releases[i] is the verified InRelease of sources[i]
	// (nil for a source that does not serve the architecture).
	sources  []debresolve.Source
	releases []*debresolve.Release
	// srcPkgs maps packages to their source package (for the SBOM).
	srcPkgs map[string]string
}

// closure returns the packages to install, fetched from r.sources.
func (r *resolved) closure() (*debresolve.Closure, error) {
	cl, err := r.arch.Closure(r.sources)
	if err != nil {
		return nil, err
	}
	for _, p := range cl.Packages {
		p.Source = r.srcPkgs[p.Name]
	}
	return cl, nil
}

// resolverError is a resolver error (not a failing mirror): another mirror
// would not help.
type resolverError struct{ err error }

func (e *resolverError) Error() string { return e.err.Error() }
func (e *resolverError) Unwrap() error { return e.err }

// resolveSources lists the index files of srcs (the plan's sources at
// positions pos) for arch, has run answer req against them and returns
// the closure with sources at the plan's positions.
func resolveSources(ctx context.Context, c *debresolve.Client, run resolveFunc, name string, p *stagePlan, srcs []debresolve.Source, pos []int,
	arch string, req debresolve.ResolveRequest) (*resolved, error) {
	lists, err := c.ListIndexes(ctx, srcs, arch)
	if err != nil {
		return nil, err
	}
	req.Files = nil
	for _, l := range lists {
		req.Files = append(req.Files, l.Files...)
	}
	resp, err := run(ctx, c, name, lists, req)
	if err != nil {
		return nil, err
	}
	if e := resp.Error; e != nil {
		if e.File != nil && *e.File >= 0 && *e.File < len(req.Files) {
			f := req.Files[*e.File]
			return nil, fmt.Errorf("%s from %s: %s", f.Path, f.URL, e.Message)
		}
		return nil, &resolverError{e.Err()}
	}
	r := &resolved{
		arch:     resp.Closure,
		sources:  slices.Clone(p.sources),
		releases: make([]*debresolve.Release, len(p.sources)),
		srcPkgs:  resp.SourcePackages,
	}
	for k, i := range pos {
		r.sources[i], r.releases[i] = srcs[k], lists[k].Release
	}
	// A package is recorded under the first source with the same archive
	// root and codename as the one it came from (as LockStage.AddClosure
	// does): for a SOURCE that repeats a suite with other components.
	first := make([]int, len(srcs))
	for k := range srcs {
		first[k] = k
		for j := 0; j < k; j++ {
			if sameArchive(lists[j], lists[k]) {
				first[k] = j
				break
			}
		}
	}
	for i := range r.arch.Packages {
		lp := &r.arch.Packages[i]
		if lp.Source < 0 || lp.Source >= len(srcs) {
			return nil, fmt.Errorf("the resolver's response names source %d of %d", lp.Source, len(srcs))
		}
		lp.Source = pos[first[lp.Source]]
	}
	return r, nil
}

func sameArchive(a, b *debresolve.SourceIndexes) bool {
	codename := func(s *debresolve.SourceIndexes) string {
		if s.Release.Codename != "" {
			return s.Release.Codename
		}
		return s.Source.Suite
	}
	return strings.TrimRight(a.Source.URL, "/") == strings.TrimRight(b.Source.URL, "/") && codename(a) == codename(b)
}

// resolveName is the resolve vertex's name: the stage, the architecture and
// the roots.
func resolveName(stage, arch string, roots []string) string {
	list := strings.Join(roots, " ")
	if len(list) > 60 {
		list = list[:strings.LastIndexByte(list[:60], ' ')+1] + "…"
	}
	n := "roots"
	if len(roots) == 1 {
		n = "root"
	}
	return fmt.Sprintf("[distrofile] resolve stage %s %s: %d %s (%s)", stage, arch, len(roots), n, list)
}

// resolverErr returns the resolver error err carries (about the request,
// not a mirror), or nil.
func resolverErr(err error) error {
	var re *resolverError
	if errors.As(err, &re) {
		return re.err
	}
	return nil
}
