// Command distrofile-extract unpacks Debian binary packages into a
// directory. It is the extraction helper of the Distrofile frontend: a
// static binary that runs as the only file of a scratch root file system,
// without network, writing into an empty output mount that becomes one
// image layer. It needs nothing at run time: no shell, no shared library,
// no /tmp, no /etc. Released builds (hack/build-helper) link liblzma and
// libc statically through cgo, for xz at liblzma's speed (-tags liblzma);
// a plain CGO_ENABLED=0 build uses the pure-Go xz decoder.
//
// Usage:
//
//	distrofile-extract [--usrmerge] [--dpkg-status] [--max-mtime=UNIX] [--drop=SPEC]... [--lists=DIR] IN.deb... OUTDIR [, IN.deb... OUTDIR]...
//	distrofile-extract --tar [--max-mtime=UNIX] [--ca-certificates-root=ROOT]... IN.tar OUTDIR
//	distrofile-extract --ca-certificates [--max-mtime=UNIX] ROOT OUTDIR
//	distrofile-extract --scan-drops [--usrmerge] --drop=SPEC... IN.deb... OUTDIR
//	distrofile-extract --effects --arch=ARCH [--max-mtime=UNIX] [--warnings=FILE] --root=LAYER... [--lists=DIR] [--diagnose=FILE] IN.deb... OUTDIR
//
// The first form extracts one or more packages, in order, into OUTDIR as
// one layer (debextract.Layer), with dpkg's rules for a path two packages
// ship (package owners: a file replaces another package's only when it
// Replaces that package). Several layers, separated by a "," argument, are
// extracted in parallel, each into its own OUTDIR (the frontend runs one
// container for several packages: starting it costs more than extracting
// most packages). With --lists=DIR, what each package has in layer i is
// written to DIR/i/PACKAGE.json (owners.List).
// --drop removes paths from every package: "docs", "locales" or an
// absolute glob ("/usr/share/doc/*", "/usr/**/*.mo"); it may be repeated.
// It prints one summary line per package, e.g.
// "perl 5.40.1-6 amd64: 1234 files, 56 dirs, 7 links" (with
// ", 12 dropped (3456 bytes)" when --drop removed something).
//
// The second form writes an uncompressed tar of generated files
// (debextract.ExtractTar); with --ca-certificates-root it then adds, into
// the same OUTDIR, what the third form writes for ROOT, so that the
// generated files and the CA bundle make one layer. Repeated, the roots are
// the image's layers, bottom first, read as their union (the frontend
// mounts each package layer instead of merging them first).
//
// The third form reads the merged image root mounted (read-only) at ROOT
// and writes into OUTDIR what update-ca-certificates writes on a fresh
// install with every certificate enabled (package cacerts):
// etc/ca-certificates.conf, etc/ssl/certs/ca-certificates.crt and the
// .pem and hash links, with modification time --max-mtime (0 when not
// given). It prints one summary line, e.g.
// "ca-certificates: 146 certificates (0 local), 146 .pem links, 146 hash links",
// and what update-ca-certificates or openssl rehash would warn about on
// standard error.
//
// The fourth form extracts nothing: it writes OUTDIR/drops.json, a JSON
// array with one element per IN.deb, in order, listing the --drop
// specifications that remove at least one of its entries
// (debextract.ScanDrops). The frontend's lock target records them in
// Distrofile.lock, so that a build passes each extraction only the DROP
// specifications that change its packages.
//
// The fifth form writes the effects layer (package effects): what the
// maintainer scripts, triggers and declarative files of the packages
// IN.deb (in the image's order; only their control archives are read)
// would leave in the image whose layers are the --root directories,
// bottom first (the package layers, then the generated files). With
// --lists=DIR it first checks the lists of root i, DIR/i/*.json, across the
// roots (owners.Check): a conflict is an error, and a replacing package's
// entry that a lower root holds goes into OUTDIR, on top. It prints
// one summary line, and each thing it could not reproduce as a warning
// line on standard error and, with --warnings, as a JSON array of strings
// at the image path FILE of the layer (when there is any).
//
// With --ca-owners=NAME,... (empty: none), a package not named there that
// ships what update-ca-certificates reads is an error
// (debextract.Options.CAOwners): the frontend then knows that the CA
// bundle's step must read every layer, not those packages' alone.
//
// The command line is that of package debextract/helperargs, one type per
// form, which the frontend's build steps (package llbgen) write.
//
// On failure it prints "distrofile-extract: <error>" on standard error and
// exits 1, or debextract.ExitCAFiles for that error. The extraction policy
// is that of package debextract.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/cacerts"
	"github.com/distrofile/distrofile/debextract/effects"
	"github.com/distrofile/distrofile/debextract/helperargs"
	"github.com/distrofile/distrofile/debextract/imageroot"
	"github.com/distrofile/distrofile/debextract/owners"
	"golang.org/x/sync/errgroup"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "distrofile-extract: %v\n", err)
		if errors.Is(err, debextract.ErrCAFiles) {
			os.Exit(debextract.ExitCAFiles)
		}
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cmd, err := helperargs.Parse(args)
	if err != nil {
		helperargs.PrintUsage(stderr)
		return err
	}
	switch c := cmd.(type) {
	case helperargs.Version:
		_, err := fmt.Fprintf(stdout, "xz: %s\n", debextract.XZDecoder())
		return err
	case helperargs.Effects:
		err := runEffects(c, stdout, stderr)
		if err != nil && c.Diagnose != "" {
			return os.WriteFile(c.Diagnose, []byte(err.Error()), 0o644)
		}
		return err
	case helperargs.CACertificates:
		return caCertificates([]string{c.Root}, c.Out, c.MaxMTime, stdout, stderr)
	case helperargs.Tar:
		return extractTar(c, stdout, stderr)
	case helperargs.ScanDrops:
		return scanDrops(c.Debs, c.Out, debextract.Options{UsrMerge: c.UsrMerge, Drop: c.Drop})
	case helperargs.Extract:
		opt := debextract.Options{UsrMerge: c.UsrMerge, DpkgStatus: c.DpkgStatus, MaxMTime: c.MaxMTime, Only: c.Only, Drop: c.Drop, CAOwners: c.CAOwners}
		err := extractLayers(c.Layers, c.Lists, opt, stdout)
		if err != nil && c.Diagnose != "" {
			return os.WriteFile(c.Diagnose, []byte(err.Error()), 0o644)
		}
		return err
	}
	return fmt.Errorf("unknown command %T", cmd)
}

// extractTar unpacks the generated files and, with c.CARoots, adds the CA
// files (the second form).
func extractTar(c helperargs.Tar, stdout, stderr io.Writer) error {
	f, err := os.Open(c.In)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := debextract.ExtractTar(f, c.Out, debextract.Options{MaxMTime: c.MaxMTime})
	if err != nil {
		return fmt.Errorf("%s: %w", c.In, err)
	}
	if _, err := fmt.Fprintln(stdout, res); err != nil {
		return err
	}
	if len(c.CARoots) > 0 {
		return caCertificates(c.CARoots, c.Out, c.MaxMTime, stdout, stderr)
	}
	return nil
}

// extractLayers extracts the layers, as many at a time as there are CPUs.
// Each layer's summary lines are printed together when it is done; the
// error is the first failed layer's, in command-line order.
func extractLayers(layers []helperargs.Layer, lists string, opt debextract.Options, stdout io.Writer) error {
	errs := make([]error, len(layers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for i, l := range layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var buf bytes.Buffer
			listDir := ""
			if lists != "" {
				listDir = filepath.Join(lists, strconv.Itoa(i))
			}
			errs[i] = extractLayer(l, listDir, opt, &buf)
			mu.Lock()
			defer mu.Unlock()
			if _, err := stdout.Write(buf.Bytes()); err != nil && errs[i] == nil {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// extractLayer extracts one layer and, when lists is not empty, writes
// there what each package has in it (lists/PACKAGE.json).
func extractLayer(la helperargs.Layer, lists string, opt debextract.Options, stdout io.Writer) error {
	l, err := debextract.NewLayer(la.Out, opt)
	if err != nil {
		return err
	}
	for _, in := range la.Debs {
		if err := extractOne(l, in, stdout); err != nil {
			l.Close()
			return err
		}
	}
	if lists != "" {
		if err := writeLists(lists, l.Lists()); err != nil {
			l.Close()
			return err
		}
	}
	return l.Close()
}

// writeLists writes each list to dir/PACKAGE.json.
func writeLists(dir string, lists []owners.List) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, l := range lists {
		var buf bytes.Buffer
		if err := owners.WriteList(&buf, l); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, l.Package+".json"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readLists reads the lists of each root: dir/i/*.json for root i; a
// root without a directory has none (a base image, the generated files).
func readLists(dir string, roots int) ([][]owners.List, error) {
	out := make([][]owners.List, roots)
	for i := range out {
		files, err := filepath.Glob(filepath.Join(dir, strconv.Itoa(i), "*.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			l, err := owners.ReadList(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out[i] = append(out[i], l)
		}
	}
	return out, nil
}

// checkOwners applies package owners' rules across the roots' lists: it
// returns the entries of replacing packages that are below the packages
// they replace, to put on top.
func checkOwners(c helperargs.Effects, ctls []*debextract.ControlArchive) ([]owners.Takeover, error) {
	lists, err := readLists(c.Lists, len(c.Roots))
	if err != nil {
		return nil, err
	}
	pkgs := map[string]owners.Package{}
	for i, ctl := range ctls {
		p, err := owners.FromControl(ctl.Files["control"])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Debs[i], err)
		}
		pkgs[p.Name] = p
	}
	return owners.Check(lists, pkgs)
}

func extractOne(l *debextract.Layer, in string, stdout io.Writer) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := l.Extract(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}

// scanDrops writes OUTDIR/drops.json for the .debs in, scanning as many
// at a time as there are CPUs.
func scanDrops(in []string, out string, opt debextract.Options) error {
	res := make([][]string, len(in))
	var g errgroup.Group
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for i, p := range in {
		g.Go(func() (err error) {
			res[i], err = scanOne(p, opt)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	data, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, debextract.DropScanFile), append(data, '\n'), 0o644)
}

// scanOne returns the specifications of opt.Drop that remove something
// from the .deb at p.
func scanOne(p string, opt debextract.Options) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	specs, err := debextract.ScanDropSpecs(f, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return specs, nil
}

// caCertificates builds the CA files of the image root and writes them
// through debextract.ExtractTar, with the same safety as everything else.
func caCertificates(roots []string, out string, maxMTime time.Time, stdout, stderr io.Writer) error {
	res, err := cacerts.BuildLayers(roots, cacerts.Options{})
	if err != nil {
		return fmt.Errorf("ca-certificates: %w", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "distrofile-extract: ca-certificates: warning: %s\n", w)
	}
	mtime := filesTime(maxMTime)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(res.Tar(pw, mtime)) }()
	_, err = debextract.ExtractTar(pr, out, debextract.Options{MaxMTime: mtime})
	pr.CloseWithError(errors.New("extraction stopped"))
	if err != nil {
		return fmt.Errorf("ca-certificates: %w", err)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}

// runEffects writes the effects layer (the fifth form).
func runEffects(c helperargs.Effects, stdout, stderr io.Writer) error {
	ctls := make([]*debextract.ControlArchive, len(c.Debs))
	var g errgroup.Group
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for i, p := range c.Debs {
		g.Go(func() error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			if ctls[i], err = debextract.ReadControlArchive(f); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	img, err := imageroot.Open(c.Roots...)
	if err != nil {
		return err
	}
	defer img.Close()
	var takeovers []owners.Takeover
	if c.Lists != "" {
		if takeovers, err = checkOwners(c, ctls); err != nil {
			return fmt.Errorf("packages conflict: %w", err)
		}
	}
	mtime := filesTime(c.MaxMTime)
	res, err := effects.Run(context.Background(), img, ctls, effects.Options{Arch: c.Arch, Epoch: mtime})
	if err != nil {
		return fmt.Errorf("effects: %w", err)
	}
	for _, t := range takeovers {
		if err := res.TakeOver(img, c.Roots[t.Layer], t.Path); err != nil {
			return fmt.Errorf("%s of package %s: %w", t.Path, t.Package, err)
		}
	}
	if len(c.KeepDirs) > 0 && len(c.Roots) > 1 {
		// The last root is the generated files' layer.
		pkgs, err := imageroot.Open(c.Roots[:len(c.Roots)-1]...)
		if err != nil {
			return err
		}
		res.KeepPackageDirs(pkgs, c.KeepDirs)
		pkgs.Close()
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "distrofile-extract: effects: warning: %s\n", w)
	}
	if c.DpkgStatusFile {
		status, err := img.ReadFile(debextract.DpkgStatusFile, 1<<30)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("effects: %s: %w", debextract.DpkgStatusFile, err)
		}
		controls := make([][]byte, len(ctls))
		for i, ctl := range ctls {
			controls[i] = ctl.Files["control"]
		}
		if status, err = debextract.AppendStatus(status, controls...); err != nil {
			return fmt.Errorf("effects: %s: %w", debextract.DpkgStatusFile, err)
		}
		res.AddFile(debextract.DpkgStatusFile, status)
	}
	if c.Warnings != "" && len(res.Warnings) > 0 {
		data, err := json.Marshal(res.Warnings)
		if err != nil {
			return err
		}
		res.AddFile(c.Warnings, append(data, '\n'))
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(res.Tar(pw, mtime)) }()
	_, err = debextract.ExtractTar(pr, c.Out, debextract.Options{MaxMTime: mtime})
	pr.CloseWithError(errors.New("extraction stopped"))
	if err != nil {
		return fmt.Errorf("effects: %w", err)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}

// filesTime is the modification time of the files the helper makes: t,
// or the Unix epoch when --max-mtime is not given.
func filesTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0)
	}
	return t
}
