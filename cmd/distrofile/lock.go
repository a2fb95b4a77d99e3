package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/plan"
)

// distrofileFlags are the flags lock and why share: where the Distrofile
// and its context are, build args, architectures and archive access.
type distrofileFlags struct {
	file, contextDir, keyring string
	buildArgs, archs          stringList
	timeout                   time.Duration
	verbose                   bool
}

func (d *distrofileFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.file, "f", "Distrofile", "the Distrofile")
	fs.StringVar(&d.contextDir, "context", ".", "the build context (SOURCE --keyring files are read from it)")
	fs.StringVar(&d.keyring, "keyring", "", "OpenPGP keyring for the distribution's own sources instead of the built-in one (default $"+envKeyring+")")
	fs.Var(&d.buildArgs, "build-arg", "KEY=VALUE build argument, as with docker buildx build (repeatable); "+envMirror+", "+envSecurityMirror+" and DISTROFILE_SNAPSHOT_MIRROR default to the environment")
	fs.Var(&d.archs, "arch", "Debian architecture(s) to lock, comma-separated or repeated (default the host's)")
	fs.DurationVar(&d.timeout, "timeout", 5*time.Minute, "timeout of each HTTP request")
	fs.BoolVar(&d.verbose, "v", false, "log fetches and timings to stderr")
}

// load parses the Distrofile and returns it with the lock options.
func (d *distrofileFlags) load(stderr io.Writer, getenv func(string) string) (*distrofile.Distrofile, plan.LockOptions, error) {
	var opt plan.LockOptions
	data, err := os.ReadFile(d.file)
	if err != nil {
		return nil, opt, err
	}
	args := map[string]string{}
	for _, k := range []string{envMirror, envSecurityMirror, "DISTROFILE_SNAPSHOT_MIRROR"} {
		if v := getenv(k); v != "" {
			args[k] = v
		}
	}
	for _, kv := range d.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v = getenv(k)
		}
		args[k] = v
	}
	df, err := distrofile.Parse(data, args)
	if err != nil {
		return nil, opt, fmt.Errorf("%s: %w", d.file, err)
	}
	logf := func(string, ...any) {}
	if d.verbose {
		logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	f := newHTTPFetcher(d.timeout)
	f.log = logf
	archs := []string(d.archs)
	if len(archs) == 0 {
		archs = []string{debianArch(runtime.GOARCH)}
	}
	opt = plan.LockOptions{BuildArgs: args, Archs: archs, Fetcher: f, Logf: logf, ReadContextFile: contextReader(d.contextDir)}
	if d.keyring == "" {
		d.keyring = getenv(envKeyring)
	}
	if d.keyring != "" {
		kd, err := os.ReadFile(d.keyring)
		if err != nil {
			return nil, opt, fmt.Errorf("keyring: %v", err)
		}
		if opt.Keyring, err = debresolve.ReadKeyring(kd); err != nil {
			return nil, opt, fmt.Errorf("keyring %s: %v", d.keyring, err)
		}
	}
	return df, opt, nil
}

// lockPath is Distrofile.lock beside the Distrofile.
func (d *distrofileFlags) lockPath() string {
	return filepath.Join(filepath.Dir(d.file), debresolve.LockFileName)
}

// contextReader reads files of the build context without leaving it.
func contextReader(dir string) func(ctx context.Context, p string) ([]byte, error) {
	return func(ctx context.Context, p string) ([]byte, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		f, err := root.Open(filepath.FromSlash(p))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, 64<<20))
	}
}

// lockCmd writes (or with --check, verifies) Distrofile.lock.
func lockCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("distrofile lock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d distrofileFlags
	d.register(fs)
	out := fs.String("o", "", "where to write the lock (default Distrofile.lock beside the Distrofile; - for stdout)")
	check := fs.Bool("check", false, "do not write: exit non-zero, saying what changed, unless the existing lock matches the Distrofile")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: distrofile lock [-f Distrofile] [--arch amd64,arm64] [--build-arg K=V]... [--check] [-o FILE]\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("lock: unexpected arguments %q", fs.Args())
	}
	df, opt, err := d.load(stderr, getenv)
	if err != nil {
		return err
	}
	if *check {
		data, err := os.ReadFile(d.lockPath())
		if err != nil {
			return err
		}
		l, err := debresolve.ParseLock(data)
		if err != nil {
			return err
		}
		if err := plan.CheckLock(ctx, df, l, opt); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s matches %s\n", d.lockPath(), d.file)
		return nil
	}
	if *out == "" {
		*out = d.lockPath()
	}
	// The lock being replaced saves scanning its packages for DROP again
	// (a lock that does not parse is simply replaced).
	prev := d.lockPath()
	if *out != "-" {
		prev = *out
	}
	if data, err := os.ReadFile(prev); err == nil {
		opt.Previous, _ = debresolve.ParseLock(data)
	}
	l, err := plan.MakeLock(ctx, df, opt)
	if err != nil {
		return err
	}
	data := l.Marshal()
	if *out == "-" {
		_, err = stdout.Write(data)
		return err
	}
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, data) {
		fmt.Fprintf(stderr, "%s is up to date\n", *out)
		return nil
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	n := 0
	for _, s := range l.Stages {
		for _, a := range s.Archs {
			n += len(a.Packages)
		}
	}
	fmt.Fprintf(stderr, "wrote %s: %d stages, %d packages\n", *out, len(l.Stages), n)
	return nil
}

// whyCmd prints the dependency paths from the stage's roots to a package.
func whyCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("distrofile why", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d distrofileFlags
	d.register(fs)
	stage := fs.String("stage", "", "the stage (AS name or index; default the last stage that installs packages)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: distrofile why [-f Distrofile] [--stage NAME] [--arch ARCH] PKG\n\nPrints why PKG is in the image: one dependency path from each INSTALL root that pulls it in.\nUses Distrofile.lock when it matches the Distrofile, else resolves.\n\nflags:\n")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("why: give exactly one package name")
	}
	target := pos[0]
	if len(d.archs) > 1 {
		return errors.New("why: give one --arch")
	}
	df, opt, err := d.load(stderr, getenv)
	if err != nil {
		return err
	}
	var l *debresolve.Lock
	if data, err := os.ReadFile(d.lockPath()); err == nil {
		if l, err = debresolve.ParseLock(data); err == nil {
			if err = plan.CheckLock(ctx, df, l, opt); err != nil {
				fmt.Fprintf(stderr, "not using %s: %v\n", d.lockPath(), err)
				l = nil
			}
		} else {
			fmt.Fprintf(stderr, "not using %s: %v\n", d.lockPath(), err)
			l = nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if l == nil {
		if l, err = plan.MakeLock(ctx, df, opt); err != nil {
			return err
		}
	}
	if len(l.Stages) == 0 {
		return fmt.Errorf("%s installs no packages", d.file)
	}
	ls := l.Stages[len(l.Stages)-1]
	if *stage != "" {
		if ls = l.Stage(strings.ToLower(*stage)); ls == nil {
			return fmt.Errorf("why: no stage %q installs packages", *stage)
		}
	}
	la := ls.Arch(opt.Archs[0])
	if la == nil {
		return fmt.Errorf("why: stage %s has no closure for %s", ls.Stage, opt.Archs[0])
	}
	paths := debresolve.WhyPaths(la.Edges(), la.Roots, target)
	if len(paths) == 0 {
		found := false
		for _, p := range la.Packages {
			found = found || p.Name == target
		}
		if !found {
			return fmt.Errorf("%s is not installed in stage %s (%s)", target, ls.Stage, la.Arch)
		}
		return fmt.Errorf("%s is installed in stage %s but no root reaches it (internal error)", target, ls.Stage)
	}
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(strings.Join(p, " -> ") + "\n")
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
