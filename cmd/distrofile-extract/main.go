// Command distrofile-extract unpacks one Debian binary package into a
// directory. It is the extraction helper of the Distrofile frontend: a
// static binary (CGO_ENABLED=0) that runs as the only file of a scratch
// root file system, without network, writing into an empty output mount
// that becomes one image layer. It needs nothing at run time: no shell,
// no libc, no /tmp, no /etc.
//
// Usage:
//
//	distrofile-extract [--usrmerge] [--dpkg-status] [--max-mtime=UNIX] IN.deb OUTDIR
//	distrofile-extract --tar [--max-mtime=UNIX] IN.tar OUTDIR
//
// On success it prints one summary line, e.g.
// "perl 5.40.1-6 amd64: 1234 files, 56 dirs, 7 links"; on failure it
// prints "distrofile-extract: <error>" on standard error and exits 1.
// The extraction policy is that of package debextract.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/distrofile/distrofile/debextract"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "distrofile-extract: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("distrofile-extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	usrMerge := fs.Bool("usrmerge", false, "move /bin, /sbin and /lib* contents under /usr and drop those directories")
	dpkgStatus := fs.Bool("dpkg-status", false, "also write var/lib/dpkg/status.d/<package> and <package>.md5sums")
	plainTar := fs.Bool("tar", false, "IN is an uncompressed tar (the frontend's generated files), not a .deb")
	maxMTime := fs.Int64("max-mtime", -1, "clamp modification times to this Unix time (e.g. SOURCE_DATE_EPOCH); negative: no clamping")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: distrofile-extract [--usrmerge] [--dpkg-status] [--max-mtime=UNIX] IN.deb OUTDIR\n       distrofile-extract --tar [--max-mtime=UNIX] IN.tar OUTDIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("want 2 arguments, IN.deb and OUTDIR; got %d", fs.NArg())
	}
	opt := debextract.Options{UsrMerge: *usrMerge, DpkgStatus: *dpkgStatus}
	if *maxMTime >= 0 {
		opt.MaxMTime = time.Unix(*maxMTime, 0)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	extract := debextract.Extract
	if *plainTar {
		extract = debextract.ExtractTar
	}
	res, err := extract(f, fs.Arg(1), opt)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
