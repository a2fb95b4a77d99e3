package plan

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debsuite"
	"github.com/distrofile/distrofile/distrofile"
	"golang.org/x/sync/errgroup"
)

// A DROP line is an argument of every extraction step, so changing one
// would re-extract every package. Distrofile.lock therefore records, for a
// stage with DROP lines, which of them remove something from each package
// (debresolve.LockDrop), and a locked build gives each step only those that
// change one of its packages: adding `DROP /usr/share/man/**` and
// re-locking re-runs only the steps whose packages ship man pages. The
// record is checked against the helper's matcher version and the usrmerge
// setting; whatever it does not cover goes to every step, as before.

// DropScanner returns, for each package (by sha256), the specifications
// of specs that remove something from it when extracted with usrMerge.
type DropScanner func(ctx context.Context, specs []string, usrMerge bool, pkgs []*debresolve.Package) (map[string][]string, error)

// scanInProcess is the DropScanner of `distrofile lock`: it fetches each
// .deb through f (pinned by its sha256) and scans it here, as many at a
// time as there are CPUs.
func scanInProcess(f debresolve.Fetcher) DropScanner {
	return func(ctx context.Context, specs []string, usrMerge bool, pkgs []*debresolve.Package) (map[string][]string, error) {
		out := make([][]string, len(pkgs))
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
		for i, p := range pkgs {
			g.Go(func() error {
				data, err := f.Fetch(ctx, debresolve.FetchRequest{URL: p.URL, SHA256: p.SHA256, Size: p.Size, Name: p.Name + " " + p.Version})
				if err == nil {
					out[i], err = debextract.ScanDropSpecs(bytes.NewReader(data), debextract.Options{UsrMerge: usrMerge, Drop: specs})
				}
				if err != nil {
					return fmt.Errorf("scanning package %s %s (%s) for DROP: %w", p.Name, p.Version, p.URL, err)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		m := make(map[string][]string, len(pkgs))
		for i, p := range pkgs {
			m[p.SHA256] = out[i]
		}
		return m, nil
	}
}

// reuseScans wraps scan so that packages that prev (a lock, may be nil)
// scanned for every specification asked, with the same matcher version
// and usrmerge setting, are not downloaded and scanned again.
func reuseScans(prev *debresolve.Lock, scan DropScanner) DropScanner {
	if prev == nil {
		return scan
	}
	return func(ctx context.Context, specs []string, usrMerge bool, pkgs []*debresolve.Package) (map[string][]string, error) {
		known := map[string][]string{}
		for _, ls := range prev.Stages {
			d := ls.Drop
			if d == nil || d.Version != debextract.DropVersion || d.UsrMerge != usrMerge || slices.ContainsFunc(specs, func(s string) bool { return !slices.Contains(d.Specs, s) }) {
				continue
			}
			for _, la := range ls.Archs {
				for _, p := range la.Packages {
					var drops []string
					for _, s := range specs {
						if slices.Contains(p.Drops, s) {
							drops = append(drops, s)
						}
					}
					known[p.SHA256] = drops
				}
			}
		}
		var rest []*debresolve.Package
		for _, p := range pkgs {
			if _, ok := known[p.SHA256]; !ok {
				rest = append(rest, p)
			}
		}
		out := map[string][]string{}
		if len(rest) > 0 {
			var err error
			if out, err = scan(ctx, specs, usrMerge, rest); err != nil {
				return nil, err
			}
		}
		for _, p := range pkgs {
			if d, ok := known[p.SHA256]; ok {
				out[p.SHA256] = d
			}
		}
		return out, nil
	}
}

// scanStage records in ls which of the stage's DROP specifications remove
// something from each package of each architecture.
func scanStage(ctx context.Context, ls *debresolve.LockStage, s *distrofile.StageSpec, p *Plan, args map[string]string, scan DropScanner) error {
	if len(s.Drops) == 0 {
		return nil
	}
	usrMerge, err := UsrMerge(s, args)
	if err != nil {
		return err
	}
	ls.Drop = &debresolve.LockDrop{Version: debextract.DropVersion, UsrMerge: usrMerge, Specs: slices.Clone(s.Drops)}
	for _, la := range ls.Archs {
		cl, err := la.Closure(p.sources)
		if err != nil {
			return err
		}
		drops, err := scan(ctx, s.Drops, usrMerge, cl.Packages)
		if err != nil {
			return err
		}
		for i, lp := range la.Packages {
			la.Packages[i].Drops = drops[lp.SHA256]
		}
	}
	return nil
}

// CheckDropScan reports how the lock's DROP record of a stage differs from
// what `distrofile lock` would write now ("" when it does not).
func CheckDropScan(ls *debresolve.LockStage, s *distrofile.StageSpec, args map[string]string) (string, error) {
	d := ls.Drop
	switch {
	case len(s.Drops) == 0 && d == nil:
		return "", nil
	case len(s.Drops) == 0:
		return "it has a DROP scan, the stage has no DROP", nil
	case d == nil:
		return fmt.Sprintf("DROP %s: not scanned", strings.Join(s.Drops, " ")), nil
	}
	usrMerge, err := UsrMerge(s, args)
	if err != nil {
		return "", err
	}
	switch {
	case d.Version != debextract.DropVersion:
		return fmt.Sprintf("its DROP scan is of matcher version %d, this frontend's is %d", d.Version, debextract.DropVersion), nil
	case d.UsrMerge != usrMerge:
		return fmt.Sprintf("its DROP scan has usrmerge %v, the stage %v", d.UsrMerge, usrMerge), nil
	case !slices.Equal(d.Specs, s.Drops):
		return "DROP, since its scan: " + d.Diff(s.Drops), nil
	}
	return "", nil
}

// UsrMerge says whether the stage's packages are extracted with
// usrmerge: by its suite, unless DISTROFILE_USRMERGE says otherwise.
func UsrMerge(s *distrofile.StageSpec, args map[string]string) (bool, error) {
	usrMerge := s.Distro == "" || debsuite.UsrMerged(s.Distro, s.Suite)
	if v, ok := args[ArgUsrMerge]; ok {
		var err error
		if usrMerge, err = strconv.ParseBool(v); err != nil {
			return false, fmt.Errorf("--build-arg %s=%q: want 0 or 1", ArgUsrMerge, v)
		}
	}
	return usrMerge, nil
}

// LockedDrops returns the DROP record of a stage's lock for arch: the
// specifications scanned and, for each package's sha256, those that remove
// something from it. ok is false when the record does not apply: another
// matcher version or usrmerge setting (a specification it did not scan is
// handled by llbgen).
func LockedDrops(ls *debresolve.LockStage, arch string, usrMerge bool) (specs []string, drops map[string][]string, ok bool) {
	if ls == nil || ls.Drop == nil || ls.Drop.Version != debextract.DropVersion || ls.Drop.UsrMerge != usrMerge {
		return nil, nil, false
	}
	la := ls.Arch(arch)
	if la == nil {
		return nil, nil, false
	}
	drops = make(map[string][]string, len(la.Packages))
	for _, p := range la.Packages {
		drops[p.SHA256] = p.Drops
	}
	return ls.Drop.Specs, drops, true
}
