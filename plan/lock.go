package plan

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
)

// LockTarget is the --target that makes the build return Distrofile.lock
// (`docker buildx build --target=distrofile.lock -o . .`).
const LockTarget = "distrofile.lock"

// StageKey is how the lock names a stage: its AS name, else its index.
func StageKey(st *distrofile.Stage) string {
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
	// Keep, when set, says which packages keep their version (lock
	// --update of some packages: KeepAllBut).
	Keep KeepFunc
}

// MakeLock resolves every stage of df that installs packages, for every
// architecture of opt, and returns the lock.
func MakeLock(ctx context.Context, df *distrofile.Distrofile, opt LockOptions) (*debresolve.Lock, error) {
	states, err := distrofile.EvalStages(df)
	if err != nil {
		return nil, err
	}
	c := &debresolve.Client{Fetcher: opt.Fetcher, Keyring: opt.Keyring, Logf: opt.Logf}
	scan := reuseScans(opt.Previous, scanInProcess(opt.Fetcher))
	return Make(ctx, df, states, opt.Archs, c, func(*distrofile.Stage) ResolveFunc { return ResolveInProcess }, scan, opt.BuildArgs, opt.ReadContextFile, nil, opt.Keep)
}

// Make resolves every stage of df that installs packages for archs;
// run says how each stage is resolved, scan how the packages of a stage
// with DROP lines are scanned.
func Make(ctx context.Context, df *distrofile.Distrofile, states map[*distrofile.Stage]*distrofile.StageSpec, archs []string, c *debresolve.Client,
	run func(*distrofile.Stage) ResolveFunc, scan DropScanner, args map[string]string, read contextReader, base BaseReader, keep KeepFunc) (*debresolve.Lock, error) {
	if len(archs) == 0 {
		return nil, fmt.Errorf("no architecture to lock")
	}
	l := &debresolve.Lock{}
	for _, st := range df.Stages {
		s := states[st]
		if len(s.Roots) == 0 {
			continue
		}
		bases := map[string]*Base{}
		if s.Image != "" {
			if base == nil {
				return nil, distrofile.ErrAt(s.FromRanges, "stage %q installs packages on the image %s, which this tool cannot read: write the lock with `docker buildx build --target=%s -o . .`", StageKey(st), s.Image, LockTarget)
			}
			for _, arch := range archs {
				b, err := base(ctx, st, arch)
				if err != nil {
					return nil, err
				}
				bases[arch] = b
			}
			s = OnBase(s, bases[archs[0]])
		}
		p, err := New(ctx, s, args, read)
		if err != nil {
			return nil, err
		}
		var ls *debresolve.LockStage
		for _, arch := range archs {
			pa := p
			if b := bases[arch]; b != nil {
				pa = p.WithInstalled(b.Installed)
			}
			if keep != nil {
				pa = pa.withPrefer(keep(st, arch))
			}
			r, err := Resolve(ctx, c, run(st), pa, s, StageKey(st), arch)
			if err != nil {
				return nil, err
			}
			if ls == nil {
				ls = debresolve.NewLockStageFromReleases(StageKey(st), p.inputs, r.sources, r.releases)
				if b := bases[arch]; b != nil {
					ls.ImageDigest = b.Digest
				}
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
func CheckLock(ctx context.Context, df *distrofile.Distrofile, lock *debresolve.Lock, opt LockOptions) error {
	states, err := distrofile.EvalStages(df)
	if err != nil {
		return err
	}
	for _, st := range df.Stages {
		s := states[st]
		if len(s.Roots) == 0 {
			continue
		}
		p, err := New(ctx, s, opt.BuildArgs, opt.ReadContextFile)
		if err != nil {
			return err
		}
		for _, arch := range opt.Archs {
			if _, err := Locked(lock, st, s, p, arch); err != nil {
				return err
			}
		}
		d, err := CheckDropScan(lock.Stage(StageKey(st)), s, opt.BuildArgs)
		if err != nil {
			return err
		}
		if d != "" {
			return distrofile.ErrAt(s.FromRanges, "%s is stale for stage %q: %s; %s", debresolve.LockFileName, StageKey(st), d, lockHint)
		}
	}
	return nil
}

// lockHint says how to bring a stale lock up to date.
var lockHint = fmt.Sprintf("rewrite it with `docker buildx build --target=%s -o . .` or `distrofile lock`, or build with --build-arg %s=update to re-resolve", LockTarget, ArgLock)

// Locked returns the closure the lock pins for (st, arch), or an
// error located on the stage that says how the lock is stale.
func Locked(lock *debresolve.Lock, st *distrofile.Stage, s *distrofile.StageSpec, p *Plan, arch string) (*debresolve.Closure, error) {
	key := StageKey(st)
	ls := lock.Stage(key)
	if ls == nil {
		return nil, distrofile.ErrAt(s.FromRanges, "%s is stale: it has no stage %q; %s", debresolve.LockFileName, key, lockHint)
	}
	if d := p.inputs.Diff(ls.Inputs); d != "" {
		return nil, distrofile.ErrAt(s.FromRanges, "%s is stale for stage %q: %s; %s", debresolve.LockFileName, key, d, lockHint)
	}
	if len(ls.Sources) != len(p.sources) {
		return nil, distrofile.ErrAt(s.FromRanges, "%s is stale for stage %q: it has %d sources, the stage %d; %s", debresolve.LockFileName, key, len(ls.Sources), len(p.sources), lockHint)
	}
	la := ls.Arch(arch)
	if la == nil {
		var have []string
		for _, a := range ls.Archs {
			have = append(have, a.Arch)
		}
		return nil, distrofile.ErrAt(s.FromRanges, "%s is stale for stage %q: it has no closure for %s (only %s); %s", debresolve.LockFileName, key, arch, strings.Join(have, ", "), lockHint)
	}
	cl, err := la.Closure(p.sources)
	if err != nil {
		return nil, distrofile.ErrAt(s.FromRanges, "%v", err)
	}
	if p.Warn != nil && lock.PredatesLocale() && cl.Package(debresolve.LocaleLibc) != nil && cl.Package(debresolve.LocalePackage) == nil {
		p.Warn(fmt.Sprintf("%s (version %d) predates the C.utf8 locale: the %s image of stage %q has no /usr/lib/locale/C.utf8, so LANG=C.UTF-8 falls back to ASCII; %s",
			debresolve.LockFileName, lock.Version, arch, key, lockHint))
	}
	return cl, nil
}
