// Command distrofile is Distrofile's command-line tool. Its subcommands use
// the same code (frontend's parser, debresolve) as the BuildKit frontend:
//
//	distrofile resolve --distro debian:trixie --arch amd64 [--mirror URL] [--security-mirror URL] PKG...
//	distrofile lock [-f Distrofile] [--arch amd64,arm64] [--build-arg K=V]... [--check] [-o FILE]
//	distrofile why [-f Distrofile] [--stage NAME] [--arch ARCH] PKG
//	distrofile lock --update [--security-only] [--markdown] [PACKAGE...]
//	distrofile outdated [-f Distrofile] [--security-only] [--json]
//	distrofile diff [--markdown] OLD NEW
//
// resolve prints the closure of INSTALL roots; lock writes Distrofile.lock
// beside the Distrofile (the same bytes as `docker buildx build
// --target=distrofile.lock -o . .`), or with --check says whether it is
// stale; why prints a dependency path from each root that pulls PKG in;
// outdated lists the locked packages with newer candidates (exit 1 when
// any); lock --update and diff print what a lock change does, with the
// CVE, DSA and DLA ids of the new versions' Debian changelogs.
//
// The mirror comes from --mirror, else the DISTROFILE_MIRROR environment
// variable; no mirror host is built in.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debarch"
	"github.com/distrofile/distrofile/debresolve"
)

const (
	envMirror         = "DISTROFILE_MIRROR"
	envSecurityMirror = "DISTROFILE_SECURITY_MIRROR"
	envKeyring        = "DISTROFILE_KEYRING"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: distrofile <command> [flags]

commands:
  resolve   print the package closure of INSTALL roots (name version arch per line)
  lock      write Distrofile.lock beside the Distrofile (--check: verify it is up to date)
  why       print the dependency paths from the INSTALL roots to a package
  outdated  list the locked packages the archive has newer versions of (exit 1 when any)
  diff      print what changed between two locks, with the CVEs the new versions fix

Run 'distrofile <command> -h' for the flags of a command.
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	var err error
	switch args[0] {
	case "resolve":
		err = resolveCmd(ctx, args[1:], stdout, stderr, getenv)
	case "lock":
		err = lockCmd(ctx, args[1:], stdout, stderr, getenv)
	case "why":
		err = whyCmd(ctx, args[1:], stdout, stderr, getenv)
	case "outdated":
		return outdatedCmd(ctx, args[1:], stdout, stderr, getenv)
	case "diff":
		err = diffCmd(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q (known: resolve, lock, why, outdated, diff)", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "distrofile: %v\n", err)
		return 1
	}
	return 0
}

// stringList is a repeatable, comma-separable flag.
type stringList []string

// String implements flag.Value.
func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set implements flag.Value: it appends each comma-separated item.
func (s *stringList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*s = append(*s, x)
		}
	}
	return nil
}

// parseInterspersed parses flags that may appear before, between or after
// the positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// debianArch maps GOARCH to the Debian architecture name; a GOARCH
// Debian has no architecture for is returned as it is.
func debianArch(goarch string) string {
	if a, ok := debarch.FromGOARCH(goarch); ok {
		return a.Name
	}
	return goarch
}

// resolveOutput is the --format=json document.
type resolveOutput struct {
	Distro   string       `json:"distro"`
	Arch     string       `json:"arch"`
	Sources  []sourceJSON `json:"sources"`
	Roots    []string     `json:"roots"`
	Packages []pkgJSON    `json:"packages"`
}

type sourceJSON struct {
	URL             string   `json:"url"`
	Suite           string   `json:"suite"`
	Components      []string `json:"components"`
	Date            string   `json:"date,omitempty"`
	InReleaseSHA256 string   `json:"inrelease_sha256,omitempty"`
}

type pkgJSON struct {
	Name          string   `json:"name"`
	Version       string   `json:"version"`
	Architecture  string   `json:"architecture"`
	Priority      string   `json:"priority,omitempty"`
	Essential     bool     `json:"essential,omitempty"`
	Suite         string   `json:"suite"`
	Filename      string   `json:"filename"`
	URL           string   `json:"url"`
	SHA256        string   `json:"sha256"`
	Size          int64    `json:"size"`
	InstalledSize int64    `json:"installed_size_kib"`
	Depends       []string `json:"depends"`
}

func resolveCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("distrofile resolve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		distro   = fs.String("distro", "", "distribution and suite, as in `FROM`: debian:<suite> or ubuntu:<suite> (required)")
		arch     = fs.String("arch", debianArch(runtime.GOARCH), "Debian architecture of the image (amd64, arm64, armhf, ...)")
		mirror   = fs.String("mirror", "", "archive root URL, e.g. http://<mirror>/debian (default $"+envMirror+")")
		security = fs.String("security-mirror", "", "security archive root URL (default $"+envSecurityMirror+", else derived from the mirror)")
		keyring  = fs.String("keyring", "", "OpenPGP keyring (.gpg or .asc) that signs the archive, instead of the built-in Debian keyring (default $"+envKeyring+")")
		format   = fs.String("format", "text", "output format: text (name version arch) or json")
		timeout  = fs.Duration("timeout", 5*time.Minute, "timeout of each HTTP request")
		verbose  = fs.Bool("v", false, "log fetches and timings to stderr")
		excludes stringList
	)
	fs.Var(&excludes, "exclude", "package never to install (repeatable, or comma-separated), as EXCLUDE")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: distrofile resolve --distro debian:<suite> [--arch ARCH] [--mirror URL] [--security-mirror URL] [--exclude PKG] PKG[=VERSION][:ARCH]...\n\nflags:\n")
		fs.PrintDefaults()
	}
	roots, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *distro == "" {
		return errors.New("resolve: --distro is required (e.g. --distro debian:trixie)")
	}
	dist, suite, ok := strings.Cut(*distro, ":")
	if !ok || dist == "" || suite == "" {
		return fmt.Errorf("resolve: --distro %q: want <distro>:<suite>, e.g. debian:trixie", *distro)
	}
	if len(roots) == 0 {
		return errors.New("resolve: no packages given")
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("resolve: unknown --format %q (text or json)", *format)
	}
	if *mirror == "" {
		*mirror = getenv(envMirror)
	}
	if *mirror == "" {
		return fmt.Errorf("no mirror configured: pass --mirror http://<mirror>/%s or set %s (the URL of a %s archive mirror)", dist, envMirror, dist)
	}
	if *security == "" {
		*security = getenv(envSecurityMirror)
	}
	if *keyring == "" {
		*keyring = getenv(envKeyring)
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}

	sources, err := debresolve.DefaultSources(dist, suite, *mirror, *security)
	if err != nil {
		return err
	}
	fetcher := newHTTPFetcher(*timeout)
	fetcher.log = logf
	client := &debresolve.Client{Fetcher: fetcher, Logf: logf}
	if *keyring != "" {
		data, err := os.ReadFile(*keyring)
		if err != nil {
			return fmt.Errorf("keyring: %v", err)
		}
		if client.Keyring, err = debresolve.ReadKeyring(data); err != nil {
			return fmt.Errorf("keyring %s: %v", *keyring, err)
		}
	}
	t0 := time.Now()
	indexes, err := client.LoadIndexes(ctx, sources, *arch)
	if err != nil {
		return err
	}
	n := 0
	for _, x := range indexes {
		n += len(x.Packages)
	}
	logf("loaded %d indexes (%d stanzas, %d bytes fetched) in %v", len(indexes), n, fetcher.bytes.Load(), time.Since(t0).Round(time.Millisecond))
	t1 := time.Now()
	cl, err := debresolve.Resolve(indexes, *arch, debresolve.Request{Roots: roots, Exclude: excludes})
	if err != nil {
		return err
	}
	logf("resolved %d packages in %v", len(cl.Packages), time.Since(t1).Round(time.Microsecond))

	if *format == "json" {
		out := resolveOutput{Distro: *distro, Arch: cl.Arch, Roots: cl.Roots, Packages: []pkgJSON{}}
		seen := map[string]bool{}
		for _, x := range indexes {
			key := x.Source.String()
			if seen[key] {
				continue
			}
			seen[key] = true
			sj := sourceJSON{URL: x.Source.URL, Suite: x.Source.Suite, Components: x.Source.Components}
			if x.Release != nil {
				sj.InReleaseSHA256 = x.Release.InReleaseSHA256
				if !x.Release.Date.IsZero() {
					sj.Date = x.Release.Date.Format(time.RFC3339)
				}
			}
			out.Sources = append(out.Sources, sj)
		}
		for _, p := range cl.Packages {
			out.Packages = append(out.Packages, pkgJSON{
				Name: p.Name, Version: p.Version, Architecture: p.Architecture, Priority: p.Priority, Essential: p.Essential,
				Suite: p.Suite, Filename: p.Filename, URL: p.URL, SHA256: p.SHA256, Size: p.Size, InstalledSize: p.InstalledSize,
				Depends: cl.Edges[p.Name],
			})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	var b strings.Builder
	for _, p := range cl.Packages {
		fmt.Fprintf(&b, "%s %s %s\n", p.Name, p.Version, p.Architecture)
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
