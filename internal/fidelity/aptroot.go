package fidelity

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debresolve"
)

// AptRoots makes apt roots with mmdebstrap and caches them: a root is a
// directory <Cache>/<suite>-<arch>-<date>/<slug>, so a rerun on the same day
// reuses it, and the base root (no --include) is made once per suite,
// architecture and day.
type AptRoots struct {
	Cache    string // default $FIDELITY_CACHE, else /tmp/distrofile-fidelity
	Suite    string // default trixie
	Arch     string // default amd64
	Date     string // YYYYMMDD, default today (UTC)
	Mirror   string // the Debian archive root: hack/mirror's answer
	Security string // default: derived from Mirror as a Distrofile does
	Log      io.Writer
}

// DefaultCache is where apt roots are kept when neither AptRoots.Cache nor
// $FIDELITY_CACHE says otherwise.
const DefaultCache = "/tmp/distrofile-fidelity"

func (o AptRoots) withDefaults() AptRoots {
	if o.Cache == "" {
		o.Cache = os.Getenv("FIDELITY_CACHE")
	}
	if o.Cache == "" {
		o.Cache = DefaultCache
	}
	if o.Suite == "" {
		o.Suite = "trixie"
	}
	if o.Arch == "" {
		o.Arch = "amd64"
	}
	if o.Date == "" {
		o.Date = time.Now().UTC().Format("20060102")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// Slug names a package set in paths: its packages joined by "+", "_base"
// for none.
func Slug(set []string) string {
	if len(set) == 0 {
		return "_base"
	}
	return strings.Join(set, "+")
}

// Dir returns the directory of the apt root of set.
func (o AptRoots) Dir(set []string) string {
	o = o.withDefaults()
	return filepath.Join(o.Cache, fmt.Sprintf("%s-%s-%s", o.Suite, o.Arch, o.Date), Slug(set))
}

// Sources returns the sources.list lines a `FROM debian:<suite>` stage of a
// Distrofile resolves against: the suite, -updates and -security, main.
func (o AptRoots) Sources() ([]string, error) {
	o = o.withDefaults()
	srcs, err := debresolve.DefaultSources("debian", o.Suite, o.Mirror, o.Security)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range srcs {
		out = append(out, "deb "+s.String())
	}
	return out, nil
}

// Command returns the mmdebstrap command line that makes set's root in dir:
// --variant=apt (Essential packages and apt, as a Debian base image) plus
// the set, without Recommends (mmdebstrap's default, as a Distrofile's
// INSTALL), maintainer scripts run as root.
func (o AptRoots) Command(set []string, dir string) ([]string, error) {
	o = o.withDefaults()
	srcs, err := o.Sources()
	if err != nil {
		return nil, err
	}
	args := []string{"mmdebstrap", "--mode=root", "--variant=apt", "--components=main", "--arch=" + o.Arch,
		`--aptopt=APT::Install-Recommends "false"`}
	if len(set) > 0 {
		args = append(args, "--include="+strings.Join(set, ","))
	}
	args = append(args, o.Suite, dir)
	return append(args, srcs...), nil
}

// Root returns the directory of set's apt root, making it when the cache
// has none: into a temporary directory beside it, renamed when mmdebstrap
// succeeded, so a cached root is always complete.
func (o AptRoots) Root(ctx context.Context, set []string) (string, error) {
	o = o.withDefaults()
	dir := o.Dir(set)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	args, err := o.Command(set, tmp)
	if err != nil {
		return "", err
	}
	log, err := os.Create(dir + ".log")
	if err != nil {
		return "", err
	}
	defer log.Close()
	fmt.Fprintf(o.Log, "fidelity: %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Run(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("mmdebstrap %s: %v (log: %s)", Slug(set), err, log.Name())
	}
	fmt.Fprintf(o.Log, "fidelity: apt root %s in %s\n", Slug(set), time.Since(start).Round(time.Second))
	return dir, os.Rename(tmp, dir)
}
