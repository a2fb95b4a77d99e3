package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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
	fs, d := newCommand("distrofile lock", stderr, "usage: distrofile lock [-f Distrofile] [--arch amd64,arm64] [--build-arg K=V]... [--check] [-o FILE]\n"+
		"       distrofile lock --update [--security-only] [--markdown] [flags] [PACKAGE...]\n\nflags:\n")
	out := fs.String("o", "", "where to write the lock (default Distrofile.lock beside the Distrofile; - for stdout)")
	check := fs.Bool("check", false, "do not write: exit non-zero, saying what changed, unless the existing lock matches the Distrofile")
	update := fs.Bool("update", false, "update the existing lock (all packages, --security-only ones, or the PACKAGEs named) and print what changed, with the CVE, DSA and DLA ids of the Debian changelogs")
	securityOnly := fs.Bool("security-only", false, "with --update: update only the packages the security archive has a newer version of")
	markdown := fs.Bool("markdown", false, "with --update: print the table of changes in Markdown, for a pull request")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && !*update {
		return fmt.Errorf("lock: unexpected arguments %q (packages go with --update)", pos)
	}
	if (*securityOnly || *markdown) && !*update {
		return fmt.Errorf("lock: --security-only and --markdown go with --update")
	}
	if *securityOnly && len(pos) > 0 {
		return fmt.Errorf("lock --update: --security-only or PACKAGE names, not both")
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
	if *update {
		if opt.Previous == nil {
			return fmt.Errorf("lock --update: no readable %s to update (write one with `distrofile lock`)", prev)
		}
		if opt.Keep, err = keepFor(ctx, df, opt, *securityOnly, pos); err != nil {
			return err
		}
	}
	l, err := plan.MakeLock(ctx, df, opt)
	if err != nil {
		return err
	}
	data := l.Marshal()
	if *update {
		// The table goes to stdout, so the lock does not.
		cs := plan.Changes(opt.Previous, l)
		plan.AddIDs(ctx, opt.Fetcher, l, cs)
		plan.ReviewTable(stdout, cs, *markdown)
		if *out == "-" {
			return fmt.Errorf("lock --update writes the lock to a file (-o FILE), and the table to stdout")
		}
	}
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
	fs, d := newCommand("distrofile why", stderr, "usage: distrofile why [-f Distrofile] [--stage NAME] [--arch ARCH] PKG\n\nPrints why PKG is in the image: one dependency path from each INSTALL root that pulls it in.\nUses Distrofile.lock when it matches the Distrofile, else resolves.\n\nflags:\n")
	stage := fs.String("stage", "", "the stage (AS name or index; default the last stage that installs packages)")
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

// keepFor is what lock --update keeps: nothing (update everything), all
// but the packages the security archive has newer (securityOnly), or all
// but the packages named.
func keepFor(ctx context.Context, df *distrofile.Distrofile, opt plan.LockOptions, securityOnly bool, names []string) (plan.KeepFunc, error) {
	switch {
	case securityOnly:
		rows, err := plan.FindOutdated(ctx, df, opt.Previous, opt)
		if err != nil {
			return nil, err
		}
		return plan.SecurityKeep(opt.Previous, rows), nil
	case len(names) > 0:
		return plan.KeepAllBut(opt.Previous, func(_, _, pkg string) bool { return slices.Contains(names, pkg) }), nil
	}
	return nil, nil
}

// outdatedCmd lists the locked packages the archive has newer versions
// of: exit status 1 when it lists any, 0 when none, 2 on error.
func outdatedCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs, d := newCommand("distrofile outdated", stderr, "usage: distrofile outdated [-f Distrofile] [--security-only] [--json] [flags]\n\n"+
		"Compares Distrofile.lock with the archive's current indexes (signatures checked) and lists each locked\n"+
		"package with a newer candidate. Exit status: 1 when it lists any, 0 when none, 2 on error.\n\nflags:\n")
	securityOnly := fs.Bool("security-only", false, "list only the packages the security archive has a newer version of")
	asJSON := fs.Bool("json", false, "print a JSON array")
	fail := func(err error) int {
		fmt.Fprintf(stderr, "distrofile: %v\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("outdated: unexpected arguments %q", fs.Args()))
	}
	df, opt, err := d.load(stderr, getenv)
	if err != nil {
		return fail(err)
	}
	data, err := os.ReadFile(d.lockPath())
	if err != nil {
		return fail(err)
	}
	lock, err := debresolve.ParseLock(data)
	if err != nil {
		return fail(err)
	}
	rows, err := plan.FindOutdated(ctx, df, lock, opt)
	if err != nil {
		return fail(err)
	}
	if *securityOnly {
		rows = plan.SecurityOnly(rows)
	}
	if *asJSON {
		if rows == nil {
			rows = []plan.Outdated{}
		}
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		plan.OutdatedTable(stdout, rows)
	}
	if len(rows) > 0 {
		return 1
	}
	return 0
}

// diffCmd prints the table of changes between two locks, files or git
// revisions of the lock beside the Distrofile.
func diffCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, d := newCommand("distrofile diff", stderr, "usage: distrofile diff [--markdown] [flags] OLD NEW\n\n"+
		"OLD and NEW are lock files, or git revisions (HEAD~1, main) of the Distrofile.lock beside -f.\n"+
		"The CVE, DSA and DLA ids come from the new versions' Debian changelogs, fetched as NEW pins them.\n\nflags:\n")
	markdown := fs.Bool("markdown", false, "print the table in Markdown, for a pull request")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("diff: want OLD and NEW, got %q", pos)
	}
	var locks [2]*debresolve.Lock
	for i, a := range pos {
		if locks[i], err = readLockArg(d.lockPath(), a); err != nil {
			return err
		}
	}
	_, opt, err := d.load(stderr, getenv)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if opt.Fetcher == nil {
		opt.Fetcher = newHTTPFetcher(d.timeout)
	}
	cs := plan.Changes(locks[0], locks[1])
	plan.AddIDs(ctx, opt.Fetcher, locks[1], cs)
	plan.ReviewTable(stdout, cs, *markdown)
	return nil
}

// readLockArg reads a lock from a file, or from a git revision of the
// lock at lockPath.
func readLockArg(lockPath, arg string) (*debresolve.Lock, error) {
	data, err := os.ReadFile(arg)
	if err != nil {
		dir, file := filepath.Split(lockPath)
		if dir == "" {
			dir = "."
		}
		out, gerr := exec.Command("git", "-C", dir, "show", arg+":./"+file).Output()
		if gerr != nil {
			return nil, fmt.Errorf("%s: neither a file (%v) nor a git revision of %s (%v)", arg, err, lockPath, gerr)
		}
		data = out
	}
	l, err := debresolve.ParseLock(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	return l, nil
}

// newCommand is the flag set of a subcommand that reads a Distrofile: the
// shared flags (distrofileFlags) registered, and -h printing usage, then
// the flags.
func newCommand(name string, stderr io.Writer, usage string) (*flag.FlagSet, *distrofileFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := &distrofileFlags{}
	d.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs, d
}
