package frontend

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// closure returns the packages of stage st for arch: from the lock when
// there is one (and DISTROFILE_LOCK is not "update"), else resolved.
// For a stage on an image, base is what the image has installed.
func (b *builder) closure(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec, arch string, base *plan.Base) (*debresolve.Closure, error) {
	p, err := b.plan(ctx, st, s)
	if err != nil {
		return nil, err
	}
	if base != nil {
		p = p.WithInstalled(base.Installed)
	}
	if b.lock != nil {
		return plan.Locked(b.lock, st, s, p, arch)
	}
	r, err := plan.Resolve(ctx, b.resolver, b.resolveWith(st), p, s, plan.StageKey(st), arch)
	if err != nil {
		return nil, err
	}
	return r.Closure()
}

// resolveWith says how stage st is resolved in this build (resolverFunc),
// the ExecOp re-run when --no-cache names the stage.
func (b *builder) resolveWith(st *distrofile.Stage) plan.ResolveFunc {
	return b.resolverFunc(b.bc.IsNoCache(st.Name))
}

// plan computes a stage's plan once per build.
func (b *builder) plan(ctx context.Context, st *distrofile.Stage, s *distrofile.StageSpec) (*plan.Plan, error) {
	b.planMu.Lock()
	defer b.planMu.Unlock()
	if p, ok := b.plans[st]; ok {
		return p, nil
	}
	p, err := plan.New(ctx, s, b.bc.BuildArgs, b.readContextFile)
	if err != nil {
		return nil, err
	}
	for _, c := range s.Sources {
		if c.Insecure {
			b.src.Warn(ctx, fmt.Sprintf("SOURCE %s %s is --insecure: its InRelease signature is NOT checked", c.URL, c.Suite),
				client.WarnOpts{Level: 1, Range: pbRanges(c.Location())})
		}
	}
	p.Warn = func(msg string) {
		b.src.Warn(ctx, msg, client.WarnOpts{Level: 1, Range: pbRanges(s.FromRanges)})
	}
	if ls := b.lockStage(st); ls != nil && len(s.Drops) > 0 {
		if d, err := plan.CheckDropScan(ls, s, b.bc.BuildArgs); err == nil && d != "" {
			p.Warn(fmt.Sprintf("%s for stage %q: %s; until it is re-locked (`distrofile lock` or --target=%s), every extraction step gets every DROP specification, so a change of DROP re-extracts every package", debresolve.LockFileName, plan.StageKey(st), d, plan.LockTarget))
		}
	}
	if b.plans == nil {
		b.plans = map[*distrofile.Stage]*plan.Plan{}
	}
	b.plans[st] = p
	return p, nil
}

// lockStage returns the lock's record of stage st, nil without a lock.
func (b *builder) lockStage(st *distrofile.Stage) *debresolve.LockStage {
	if b.lock == nil {
		return nil
	}
	return b.lock.Stage(plan.StageKey(st))
}

// lockState is the per-build lock state of the builder.
type lockState struct {
	lockFile chan lockFile // Distrofile.lock being read (nil: not prefetched)
	lock     *debresolve.Lock
	planMu   sync.Mutex
	plans    map[*distrofile.Stage]*plan.Plan

	// self is the frontend image: the resolve ExecOp runs its binary.
	self *llb.State
}

// lockFile is the outcome of reading Distrofile.lock.
type lockFile struct {
	data []byte
	ok   bool // the file exists
	err  error
}

// prefetchLock starts reading Distrofile.lock while the Distrofile itself
// is read, so that the two transfers from the client overlap (about 20 ms
// of a warm rebuild). A build that asks for something else than an image
// from the lock (a subrequest, the lock target, DISTROFILE_LOCK=update)
// does not read it.
func (b *builder) prefetchLock(ctx context.Context) {
	if b.bc.BuildOpts().Opts["requestid"] != "" || b.bc.BuildArgs[plan.ArgLock] != "" || strings.EqualFold(b.bc.Target, plan.LockTarget) {
		return
	}
	ch := make(chan lockFile, 1)
	go func() {
		data, ok, err := b.readDockerfileDirFile(ctx, debresolve.LockFileName)
		ch <- lockFile{data, ok, err}
	}()
	b.lockFile = ch
}

// loadLock reads Distrofile.lock from beside the Distrofile, unless the
// build asks to re-resolve (DISTROFILE_LOCK=update) or writes the lock.
func (b *builder) loadLock(ctx context.Context) error {
	switch mode := b.bc.BuildArgs[plan.ArgLock]; mode {
	case "update":
		return nil
	case "":
	default:
		return fmt.Errorf("--build-arg %s=%q: want update (re-resolve, ignoring %s)", plan.ArgLock, mode, debresolve.LockFileName)
	}
	if strings.EqualFold(b.bc.Target, plan.LockTarget) {
		return nil
	}
	var f lockFile
	if b.lockFile != nil {
		f = <-b.lockFile
	} else {
		f.data, f.ok, f.err = b.readDockerfileDirFile(ctx, debresolve.LockFileName)
	}
	data, ok, err := f.data, f.ok, f.err
	if err != nil || !ok {
		return err
	}
	l, err := debresolve.ParseLock(data)
	if err != nil {
		return err
	}
	b.lock = l
	return nil
}

// readDockerfileDirFile reads name from the directory of the Distrofile
// (the "dockerfile" local that buildx sends for -f); ok is false when the
// file does not exist.
func (b *builder) readDockerfileDirFile(ctx context.Context, name string) ([]byte, bool, error) {
	opts := b.bc.BuildOpts().Opts
	local := opts["dockerfilekey"]
	if local == "" {
		local = dockerui.DefaultLocalNameDockerfile
	}
	filename := opts["filename"]
	if filename == "" {
		filename = dockerui.DefaultDockerfileName
	}
	dir := path.Dir(filename)
	p := path.Join(dir, name)
	sessionID := b.bc.BuildOpts().SessionID
	if v := opts["local-sessionid:"+local]; v != "" {
		sessionID = v
	}
	st := llb.Local(local, llb.FollowPaths([]string{p}), llb.SessionID(sessionID), llb.SharedKeyHint(local),
		llb.Differ(llb.DiffNone, false), llb.WithCustomName("[distrofile] load "+p))
	ref, err := b.solveRef(ctx, st)
	if err != nil {
		return nil, false, err
	}
	ents, err := ref.ReadDir(ctx, client.ReadDirRequest{Path: dir, IncludePattern: name})
	if err != nil {
		return nil, false, nil // no such directory: no lock
	}
	found := false
	for _, e := range ents {
		found = found || e.GetPath() == name
	}
	if !found {
		return nil, false, nil
	}
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: p})
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", p, err)
	}
	return data, true, nil
}

// readContextFile reads a file of the build context (SOURCE --keyring).
func (b *builder) readContextFile(ctx context.Context, p string) ([]byte, error) {
	st, err := b.bc.MainContext(ctx, llb.FollowPaths([]string{p}), llb.WithCustomName("[distrofile] load "+p+" from the build context"))
	if err != nil {
		return nil, err
	}
	ref, err := b.solveRef(ctx, *st)
	if err != nil {
		return nil, err
	}
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: p})
	if err != nil {
		return nil, fmt.Errorf("reading %s from the build context: %w", p, err)
	}
	return data, nil
}

func (b *builder) solveRef(ctx context.Context, st llb.State) (client.Reference, error) {
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	return b.solveDef(ctx, def)
}

// solveDef solves def and returns its single result.
func (b *builder) solveDef(ctx context.Context, def *llb.Definition) (client.Reference, error) {
	res, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// lockResult resolves every stage for every target platform and returns a
// scratch result holding Distrofile.lock, for the local exporter to write.
func (b *builder) lockResult(ctx context.Context) (*client.Result, error) {
	ps := b.bc.TargetPlatforms
	if len(ps) == 0 {
		ps = append(ps, platforms.DefaultSpec())
	}
	var archs []string
	for _, p := range ps {
		a, err := debianArch(p)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(" "+strings.Join(archs, " ")+" ", " "+a+" ") {
			archs = append(archs, a)
		}
	}
	keep, err := b.lockKeep(ctx)
	if err != nil {
		return nil, err
	}
	l, err := plan.Make(ctx, b.df, b.states, archs, b.resolver, b.resolveWith, b.scanInExec, b.bc.BuildArgs, b.readContextFile, b.baseReader, keep)
	if err != nil {
		return nil, err
	}
	st := llbgen.FileResult("/"+debresolve.LockFileName, l.Marshal(), time.Time{}, "[distrofile] write "+debresolve.LockFileName)
	ref, err := b.solveRef(ctx, st)
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}
