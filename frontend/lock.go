package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// LockTarget is the --target that makes the build return Distrofile.lock
// (`docker buildx build --target=distrofile.lock -o . .`).
const LockTarget = "distrofile.lock"

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// stageKey is how the lock names a stage: its AS name, else its index.
func stageKey(st *Stage) string {
	if st.Name != "" {
		return st.Name
	}
	return strconv.Itoa(st.Index)
}

// LockOptions configure MakeLock and CheckLock.
type LockOptions struct {
	// BuildArgs are the build arguments (mirrors, ARG values).
	BuildArgs map[string]string
	// Archs are the Debian architectures to lock (e.g. amd64, arm64).
	Archs []string
	// Fetcher fetches archive files.
	Fetcher debresolve.Fetcher
	// ReadContextFile reads a file of the build context (SOURCE --keyring).
	ReadContextFile func(ctx context.Context, path string) ([]byte, error)
	// Keyring, when set, replaces the built-in Debian keyring for the
	// distribution's sources (SOURCE --keyring still takes precedence).
	Keyring openpgp.EntityList
	// Logf, when set, receives the resolver's progress lines.
	Logf func(format string, args ...any)
	// Previous, when set, is the lock being replaced: the DROP scans of
	// packages it has are taken from it instead of downloading them again.
	Previous *debresolve.Lock
}

// MakeLock resolves every stage of df that installs packages, for every
// architecture of opt, and returns the lock.
func MakeLock(ctx context.Context, df *Distrofile, opt LockOptions) (*debresolve.Lock, error) {
	states, err := evalStages(df)
	if err != nil {
		return nil, err
	}
	c := &debresolve.Client{Fetcher: opt.Fetcher, Keyring: opt.Keyring, Logf: opt.Logf}
	scan := reuseScans(opt.Previous, scanInProcess(opt.Fetcher))
	return makeLock(ctx, df, states, opt.Archs, c, func(*Stage) resolveFunc { return resolveInProcess }, scan, opt.BuildArgs, opt.ReadContextFile)
}

// makeLock resolves every stage of df that installs packages for archs;
// run says how each stage is resolved, scan how the packages of a stage
// with DROP lines are scanned.
func makeLock(ctx context.Context, df *Distrofile, states map[*Stage]*stageState, archs []string, c *debresolve.Client,
	run func(*Stage) resolveFunc, scan dropScanner, args map[string]string, read contextReader) (*debresolve.Lock, error) {
	if len(archs) == 0 {
		return nil, fmt.Errorf("no architecture to lock")
	}
	l := &debresolve.Lock{}
	for _, st := range df.Stages {
		s := states[st]
		if len(s.Roots) == 0 {
			continue
		}
		p, err := planStage(ctx, s, args, read)
		if err != nil {
			return nil, err
		}
		var ls *debresolve.LockStage
		for _, arch := range archs {
			r, err := resolvePlan(ctx, c, run(st), p, s, stageKey(st), arch)
			if err != nil {
				return nil, err
			}
			if ls == nil {
				ls = debresolve.NewLockStageFromReleases(stageKey(st), p.inputs, r.sources, r.releases)
			}
			ls.AddArch(r.arch)
		}
		if err := scanStage(ctx, ls, s, p, args, scan); err != nil {
			return nil, err
		}
		l.Stages = append(l.Stages, ls)
	}
	l.Finish()
	return l, nil
}

// CheckLock reports whether lock matches df for opt.Archs: nil when a
// build would use it as it is, else an error saying what changed.
func CheckLock(ctx context.Context, df *Distrofile, lock *debresolve.Lock, opt LockOptions) error {
	states, err := evalStages(df)
	if err != nil {
		return err
	}
	for _, st := range df.Stages {
		s := states[st]
		if len(s.Roots) == 0 {
			continue
		}
		p, err := planStage(ctx, s, opt.BuildArgs, opt.ReadContextFile)
		if err != nil {
			return err
		}
		for _, arch := range opt.Archs {
			if _, err := lockedClosure(lock, st, s, p, arch); err != nil {
				return err
			}
		}
		d, err := checkDropScan(lock.Stage(stageKey(st)), s, opt.BuildArgs)
		if err != nil {
			return err
		}
		if d != "" {
			return errAt(s.FromRanges, "%s is stale for stage %q: %s; %s", debresolve.LockFileName, stageKey(st), d, lockHint)
		}
	}
	return nil
}

// lockHint says how to bring a stale lock up to date.
var lockHint = fmt.Sprintf("rewrite it with `docker buildx build --target=%s -o . .` or `distrofile lock`, or build with --build-arg %s=update to re-resolve", LockTarget, argLock)

// lockedClosure returns the closure the lock pins for (st, arch), or an
// error located on the stage that says how the lock is stale.
func lockedClosure(lock *debresolve.Lock, st *Stage, s *stageState, p *stagePlan, arch string) (*debresolve.Closure, error) {
	key := stageKey(st)
	ls := lock.Stage(key)
	if ls == nil {
		return nil, errAt(s.FromRanges, "%s is stale: it has no stage %q; %s", debresolve.LockFileName, key, lockHint)
	}
	if d := p.inputs.Diff(ls.Inputs); d != "" {
		return nil, errAt(s.FromRanges, "%s is stale for stage %q: %s; %s", debresolve.LockFileName, key, d, lockHint)
	}
	if len(ls.Sources) != len(p.sources) {
		return nil, errAt(s.FromRanges, "%s is stale for stage %q: it has %d sources, the stage %d; %s", debresolve.LockFileName, key, len(ls.Sources), len(p.sources), lockHint)
	}
	la := ls.Arch(arch)
	if la == nil {
		var have []string
		for _, a := range ls.Archs {
			have = append(have, a.Arch)
		}
		return nil, errAt(s.FromRanges, "%s is stale for stage %q: it has no closure for %s (only %s); %s", debresolve.LockFileName, key, arch, strings.Join(have, ", "), lockHint)
	}
	cl, err := la.Closure(p.sources)
	if err != nil {
		return nil, errAt(s.FromRanges, "%v", err)
	}
	return cl, nil
}

// closure returns the packages of stage st for arch: from the lock when
// there is one (and DISTROFILE_LOCK is not "update"), else resolved.
func (b *builder) closure(ctx context.Context, st *Stage, s *stageState, arch string) (*debresolve.Closure, error) {
	p, err := b.plan(ctx, st, s)
	if err != nil {
		return nil, err
	}
	if b.lock != nil {
		return lockedClosure(b.lock, st, s, p, arch)
	}
	r, err := resolvePlan(ctx, b.resolver, b.resolveWith(st), p, s, stageKey(st), arch)
	if err != nil {
		return nil, err
	}
	return r.closure()
}

// resolveWith says how stage st is resolved in this build (resolverFunc),
// the ExecOp re-run when --no-cache names the stage.
func (b *builder) resolveWith(st *Stage) resolveFunc {
	return b.resolverFunc(b.bc.IsNoCache(st.Name))
}

// plan computes a stage's plan once per build.
func (b *builder) plan(ctx context.Context, st *Stage, s *stageState) (*stagePlan, error) {
	b.planMu.Lock()
	defer b.planMu.Unlock()
	if p, ok := b.plans[st]; ok {
		return p, nil
	}
	p, err := planStage(ctx, s, b.bc.BuildArgs, b.readContextFile)
	if err != nil {
		return nil, err
	}
	for _, c := range s.Sources {
		if c.Insecure {
			b.src.Warn(ctx, fmt.Sprintf("SOURCE %s %s is --insecure: its InRelease signature is NOT checked", c.URL, c.Suite),
				client.WarnOpts{Level: 1, Range: pbRanges(c.Location())})
		}
	}
	p.warn = func(msg string) {
		b.src.Warn(ctx, msg, client.WarnOpts{Level: 1, Range: pbRanges(s.FromRanges)})
	}
	if ls := b.lockStage(st); ls != nil && len(s.Drops) > 0 {
		if d, err := checkDropScan(ls, s, b.bc.BuildArgs); err == nil && d != "" {
			p.warn(fmt.Sprintf("%s for stage %q: %s; until it is re-locked (`distrofile lock` or --target=%s), every extraction step gets every DROP specification, so a change of DROP re-extracts every package", debresolve.LockFileName, stageKey(st), d, LockTarget))
		}
	}
	if b.plans == nil {
		b.plans = map[*Stage]*stagePlan{}
	}
	b.plans[st] = p
	return p, nil
}

// lockStage returns the lock's record of stage st, nil without a lock.
func (b *builder) lockStage(st *Stage) *debresolve.LockStage {
	if b.lock == nil {
		return nil
	}
	return b.lock.Stage(stageKey(st))
}

// lockState is the per-build lock state of the builder.
type lockState struct {
	lockFile chan lockFile // Distrofile.lock being read (nil: not prefetched)
	lock     *debresolve.Lock
	planMu   sync.Mutex
	plans    map[*Stage]*stagePlan

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
	if b.bc.BuildOpts().Opts["requestid"] != "" || b.bc.BuildArgs[argLock] != "" || strings.EqualFold(b.bc.Target, LockTarget) {
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
	switch mode := b.bc.BuildArgs[argLock]; mode {
	case "update":
		return nil
	case "":
	default:
		return fmt.Errorf("--build-arg %s=%q: want update (re-resolve, ignoring %s)", argLock, mode, debresolve.LockFileName)
	}
	if strings.EqualFold(b.bc.Target, LockTarget) {
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
	l, err := makeLock(ctx, b.df, b.states, archs, b.resolver, b.resolveWith, b.scanInExec, b.bc.BuildArgs, b.readContextFile)
	if err != nil {
		return nil, err
	}
	st := llb.Scratch().File(llb.Mkfile("/"+debresolve.LockFileName, 0o644, l.Marshal()),
		llb.WithCustomName("[distrofile] write "+debresolve.LockFileName))
	ref, err := b.solveRef(ctx, st)
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}
