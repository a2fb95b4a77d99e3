// Package helperargs is the command line of the extraction helper,
// distrofile-extract: one type per mode, whose Args method writes the
// arguments the frontend's build steps pass (package llbgen) and which
// Parse reads back in the helper (cmd/distrofile-extract). The arguments
// are part of each step's cache key, so Args writes the same bytes for the
// same options, release after release.
//
// The modes:
//
//	Extract         [--dpkg-status] [--usrmerge] [--max-mtime=UNIX] [--only=GLOB]... [--drop=SPEC]... [--ca-owners=NAME,...] [--diagnose=FILE] [--lists=DIR] IN.deb... OUTDIR [, IN.deb... OUTDIR]...
//	Tar             --tar [--max-mtime=UNIX] [--ca-certificates-root=ROOT]... IN.tar OUTDIR
//	CACertificates  --ca-certificates [--max-mtime=UNIX] ROOT OUTDIR
//	ScanDrops       --scan-drops [--usrmerge] --drop=SPEC... IN.deb... OUTDIR
//	Effects         --effects --arch=ARCH [--max-mtime=UNIX] [--warnings=FILE] [--dpkg-status-file] --root=LAYER... [--keep-dir=DIR...] IN.deb... OUTDIR
//	Version         --version
//
// Args writes the flags first, in the order above, then the operands; it
// writes "--" before the operands only when one of them starts with "-"
// (the frontend's paths never do). A negative --max-mtime means none, as
// it always has for the helper.
package helperargs

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract"
)

// Command is one command line of the helper: Extract, Tar,
// CACertificates, ScanDrops, Effects or Version.
type Command interface {
	// Args returns the arguments after the program name.
	Args() []string
	command()
}

// Extract extracts packages into layers, each in its own output directory
// (debextract.Layer), the layers in parallel.
type Extract struct {
	// DpkgStatus writes var/lib/dpkg/status.d/<package> and its md5sums
	// (debextract.Options.DpkgStatus).
	DpkgStatus bool
	// UsrMerge moves /bin, /sbin and /lib* under /usr.
	UsrMerge bool
	// MaxMTime clamps modification times; the zero Time: no clamping.
	MaxMTime time.Time
	// Only, when not empty, are the only paths extracted, with what is
	// beneath them and what leads to them (debextract.Options.Only).
	Only []string
	// Drop lists the DROP specifications (debextract.ValidateDrop).
	Drop []string
	// CAOwners lists the packages that may ship what
	// update-ca-certificates reads (debextract.Options.CAOwners). Nil
	// writes no --ca-owners: any package may; empty writes
	// "--ca-owners=": none may.
	CAOwners []string
	// Diagnose, when set, is a file where a failed extraction writes its
	// error instead of exiting with a failure status: the frontend runs a
	// failed step again so, to tell the user why it failed.
	Diagnose string
	// Lists, when not empty, is a directory where the extraction writes,
	// for layer i, Lists/i/<package>.json: what each package has in the
	// layer (owners.List), for the effects step's check across layers.
	Lists string
	// Layers are the layers, at least one, each with at least one package.
	Layers []Layer
}

// Layer is one layer of an Extract: its packages, in order, and the
// directory the layer is written to.
type Layer struct {
	Debs []string
	Out  string
}

// LayerSep is the argument between two layers of an Extract.
const LayerSep = ","

// Tar unpacks an uncompressed tar of generated files (debextract.ExtractTar)
// and, with CARoots, adds what CACertificates writes for the image made of
// those layers into the same directory.
type Tar struct {
	// MaxMTime clamps modification times and dates the CA files. It is
	// always written, as the frontend always gives it; the zero Time (and
	// any time before 1970) means no clamping and CA files of 1970.
	MaxMTime time.Time
	// CARoots are the image's layers, bottom first, read as their union.
	CARoots []string
	In, Out string
}

// CACertificates writes what update-ca-certificates writes for the image
// root Root (package cacerts).
type CACertificates struct {
	// MaxMTime dates the files; the zero Time: 1970.
	MaxMTime  time.Time
	Root, Out string
}

// ScanDrops writes Out/debextract.DropScanFile: for each package, the
// specifications of Drop that remove something from it.
type ScanDrops struct {
	UsrMerge bool
	Drop     []string
	Debs     []string
	Out      string
}

// Effects writes the effects layer of the packages Debs (package
// debextract/effects) for the image made of the layers Roots.
type Effects struct {
	// Arch is the image's Debian architecture.
	Arch string
	// MaxMTime dates the files. It is always written, as the frontend
	// always gives it; the zero Time (and any time before 1970): 1970.
	MaxMTime time.Time
	// Warnings, when not empty, is the image path where the layer records
	// the warnings as a JSON array.
	Warnings string
	// DpkgStatusFile writes the image's /var/lib/dpkg/status with the
	// packages' stanzas appended (debextract.AppendStatus): for packages
	// installed on an image that keeps its dpkg database there.
	DpkgStatusFile bool
	// Roots are the image's layers, bottom first: the packages', then the
	// generated files'.
	Roots []string
	// KeepDirs are the directories the generated files make only where
	// nothing else does (WORKDIR, MKDIR, homes): one that a package layer
	// has keeps the package's owner and mode in the effects layer, which
	// is merged on top.
	KeepDirs []string
	// Lists, when not empty, is a directory with the packages' lists of
	// root i at Lists/i/<package>.json (Extract.Lists): the step checks
	// them with package owners' rules first, and puts the entry a
	// replacing package must have above the others.
	Lists string
	// Diagnose, when set, is a file where a failed step writes its error
	// instead of exiting with a failure status (Extract.Diagnose).
	Diagnose string
	Debs     []string
	Out      string
}

// Version prints the xz decoder the helper uses.
type Version struct{}

func (Extract) command()        {}
func (Tar) command()            {}
func (CACertificates) command() {}
func (ScanDrops) command()      {}
func (Effects) command()        {}
func (Version) command()        {}

// Args returns the arguments after the program name.
func (c Extract) Args() []string {
	var args []string
	if c.DpkgStatus {
		args = append(args, "--dpkg-status")
	}
	if c.UsrMerge {
		args = append(args, "--usrmerge")
	}
	if !c.MaxMTime.IsZero() {
		args = append(args, maxMTimeArg(c.MaxMTime))
	}
	args = appendFlags(args, "--only=", c.Only)
	args = appendFlags(args, "--drop=", c.Drop)
	if c.CAOwners != nil {
		args = append(args, "--ca-owners="+strings.Join(c.CAOwners, ","))
	}
	if c.Diagnose != "" {
		args = append(args, "--diagnose="+c.Diagnose)
	}
	if c.Lists != "" {
		args = append(args, "--lists="+c.Lists)
	}
	var ops []string
	for i, l := range c.Layers {
		if i > 0 {
			ops = append(ops, LayerSep)
		}
		ops = append(append(ops, l.Debs...), l.Out)
	}
	return appendOperands(args, ops...)
}

// Args returns the arguments after the program name.
func (c Tar) Args() []string {
	args := appendFlags([]string{"--tar", maxMTimeArg(c.MaxMTime)}, "--ca-certificates-root=", c.CARoots)
	return appendOperands(args, c.In, c.Out)
}

// Args returns the arguments after the program name.
func (c CACertificates) Args() []string {
	args := []string{"--ca-certificates"}
	if !c.MaxMTime.IsZero() {
		args = append(args, maxMTimeArg(c.MaxMTime))
	}
	return appendOperands(args, c.Root, c.Out)
}

// Args returns the arguments after the program name.
func (c ScanDrops) Args() []string {
	args := []string{"--scan-drops"}
	if c.UsrMerge {
		args = append(args, "--usrmerge")
	}
	args = appendFlags(args, "--drop=", c.Drop)
	return appendOperands(args, append(slices.Clone(c.Debs), c.Out)...)
}

// Args returns the arguments after the program name.
func (c Effects) Args() []string {
	args := []string{"--effects", "--arch=" + c.Arch, maxMTimeArg(c.MaxMTime)}
	if c.Warnings != "" {
		args = append(args, "--warnings="+c.Warnings)
	}
	if c.DpkgStatusFile {
		args = append(args, "--dpkg-status-file")
	}
	args = appendFlags(args, "--root=", c.Roots)
	args = appendFlags(args, "--keep-dir=", c.KeepDirs)
	if c.Lists != "" {
		args = append(args, "--lists="+c.Lists)
	}
	if c.Diagnose != "" {
		args = append(args, "--diagnose="+c.Diagnose)
	}
	return appendOperands(args, append(slices.Clone(c.Debs), c.Out)...)
}

// Args returns the arguments after the program name.
func (Version) Args() []string { return []string{"--version"} }

func maxMTimeArg(t time.Time) string {
	return "--max-mtime=" + strconv.FormatInt(t.Unix(), 10)
}

// appendFlags appends prefix+v for each of vs.
func appendFlags(args []string, prefix string, vs []string) []string {
	for _, v := range vs {
		args = append(args, prefix+v)
	}
	return args
}

// appendOperands appends ops, after "--" when one would read as a flag.
func appendOperands(args []string, ops ...string) []string {
	if slices.ContainsFunc(ops, func(s string) bool { return strings.HasPrefix(s, "-") }) {
		args = append(args, "--")
	}
	return append(args, ops...)
}

// Usage is the helper's synopsis, printed by PrintUsage.
const Usage = `usage: distrofile-extract [--usrmerge] [--dpkg-status] [--max-mtime=UNIX] [--only=GLOB]... [--drop=SPEC]... [--ca-owners=NAME,...] [--diagnose=FILE] [--lists=DIR] IN.deb... OUTDIR [, IN.deb... OUTDIR]...
       distrofile-extract --tar [--max-mtime=UNIX] [--ca-certificates-root=ROOT]... IN.tar OUTDIR
       distrofile-extract --ca-certificates [--max-mtime=UNIX] ROOT OUTDIR
       distrofile-extract --scan-drops [--usrmerge] --drop=SPEC... IN.deb... OUTDIR
       distrofile-extract --effects --arch=ARCH [--max-mtime=UNIX] [--warnings=FILE] [--dpkg-status-file] --root=LAYER... [--keep-dir=DIR]... [--lists=DIR] [--diagnose=FILE] IN.deb... OUTDIR
       distrofile-extract --version`

// PrintUsage writes the synopsis and every flag with its description to
// w: what the helper prints when Parse fails.
func PrintUsage(w io.Writer) {
	fmt.Fprintln(w, Usage)
	fs := newFlagSet(&flags{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// flags are the parsed flags, before Parse checks which go together.
type flags struct {
	usrMerge, dpkgStatus, plainTar, caCerts, version, scan, effects, statusFile bool
	arch, warnings, diagnose, lists                                             string
	roots, caRoots, caOwners, drop, keepDirs, only                              []string
	maxMTime                                                                    int64
}

func newFlagSet(f *flags) *flag.FlagSet {
	fs := flag.NewFlagSet("distrofile-extract", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&f.usrMerge, "usrmerge", false, "move /bin, /sbin and /lib* contents under /usr and drop those directories")
	fs.BoolVar(&f.dpkgStatus, "dpkg-status", false, "also write var/lib/dpkg/status.d/<package> and <package>.md5sums for each package")
	fs.BoolVar(&f.plainTar, "tar", false, "IN is an uncompressed tar (the frontend's generated files), not a .deb")
	fs.BoolVar(&f.caCerts, "ca-certificates", false, "write what update-ca-certificates writes for the image root ROOT")
	fs.BoolVar(&f.version, "version", false, "print the xz decoder this build uses, e.g. \"xz: liblzma 5.8.1\"")
	fs.BoolVar(&f.scan, "scan-drops", false, "write OUTDIR/"+debextract.DropScanFile+": for each IN.deb, the --drop specifications that remove something from it")
	fs.BoolVar(&f.effects, "effects", false, "write the effects layer of the packages IN.deb for the image made of the --root layers")
	fs.StringVar(&f.arch, "arch", "", "with --effects: the image's Debian architecture")
	fs.BoolVar(&f.statusFile, "dpkg-status-file", false, "with --effects: also write the image's /var/lib/dpkg/status with the packages' stanzas appended")
	fs.StringVar(&f.warnings, "warnings", "", "with --effects: also record the warnings, as a JSON array, at this path of the layer")
	fs.StringVar(&f.diagnose, "diagnose", "", "write a failed extraction's or effects step's error to this file and exit 0 (the frontend's second run of a failed step)")
	fs.StringVar(&f.lists, "lists", "", "extraction: write what each package has in layer i to DIR/i/PACKAGE.json; with --effects: check those of root i across the roots first")
	fs.Func("root", "with --effects: a layer of the image, bottom first (repeatable)", func(s string) error {
		f.roots = append(f.roots, s)
		return nil
	})
	fs.Func("keep-dir", "with --effects: a directory the generated files make only where nothing else does; a package's keeps its owner and mode (repeatable)", func(s string) error {
		f.keepDirs = append(f.keepDirs, s)
		return nil
	})
	fs.Func("ca-certificates-root", "with --tar: also write, into the same OUTDIR, what update-ca-certificates writes for this image root; repeated, the root is the union of the layers, bottom first", func(s string) error {
		f.caRoots = append(f.caRoots, s)
		return nil
	})
	fs.Func("ca-owners", "only these packages (comma-separated; empty: none) may ship what update-ca-certificates reads", func(s string) error {
		f.caOwners = []string{}
		for _, n := range strings.Split(s, ",") {
			if n != "" {
				f.caOwners = append(f.caOwners, n)
			}
		}
		return nil
	})
	fs.Int64Var(&f.maxMTime, "max-mtime", -1, "clamp modification times to this Unix time (e.g. SOURCE_DATE_EPOCH); negative: no clamping")
	fs.Func("only", "extract only the entries at these absolute paths (globs as --drop's), beneath them and on the way to them (repeatable)", func(s string) error {
		if err := debextract.ValidateDrop(s); err != nil || !strings.HasPrefix(s, "/") {
			return fmt.Errorf("--only=%s: not an absolute path glob", s)
		}
		f.only = append(f.only, s)
		return nil
	})
	fs.Func("drop", `remove paths from the packages: "docs", "locales" or an absolute glob (repeatable)`, func(s string) error {
		if err := debextract.ValidateDrop(s); err != nil {
			return err
		}
		f.drop = append(f.drop, s)
		return nil
	})
	return fs
}

// Parse reads the arguments after the program name, as Args writes them.
// It returns flag.ErrHelp for -h and --help; every error is one of usage,
// to be shown with PrintUsage. --version ignores the other arguments.
func Parse(args []string) (Command, error) {
	var f flags
	fs := newFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.version {
		return Version{}, nil
	}
	var maxMTime time.Time
	if f.maxMTime >= 0 {
		maxMTime = time.Unix(f.maxMTime, 0)
	}
	ops := fs.Args()
	n := len(ops)
	if f.effects {
		if f.plainTar || f.caCerts || f.scan || f.usrMerge || f.dpkgStatus || len(f.drop) > 0 || len(f.only) > 0 || f.caOwners != nil || len(f.caRoots) > 0 {
			return nil, errors.New("--effects takes --arch, --max-mtime, --warnings, --dpkg-status-file, --root, --keep-dir, --lists and --diagnose only")
		}
		if f.arch == "" || len(f.roots) == 0 || n < 1 {
			return nil, errors.New("--effects needs --arch, at least one --root, and OUTDIR")
		}
		return Effects{Arch: f.arch, MaxMTime: maxMTime, Warnings: f.warnings, DpkgStatusFile: f.statusFile, Roots: f.roots, KeepDirs: list(f.keepDirs),
			Lists: f.lists, Diagnose: f.diagnose, Debs: list(ops[:n-1]), Out: ops[n-1]}, nil
	}
	if (f.diagnose != "" || f.lists != "") && (f.plainTar || f.caCerts || f.scan) {
		return nil, errors.New("--diagnose and --lists go with an extraction of packages or --effects")
	}
	if f.arch != "" || len(f.roots) > 0 || f.warnings != "" || len(f.keepDirs) > 0 || f.statusFile {
		return nil, errors.New("--arch, --root, --keep-dir, --dpkg-status-file and --warnings go with --effects")
	}
	if f.plainTar && f.caCerts || f.scan && (f.plainTar || f.caCerts) {
		return nil, errors.New("--tar, --ca-certificates and --scan-drops exclude each other")
	}
	if (f.plainTar || f.caCerts) && (f.usrMerge || f.dpkgStatus || len(f.drop) > 0 || len(f.only) > 0 || f.caOwners != nil) {
		return nil, errors.New("--usrmerge, --dpkg-status, --only, --drop and --ca-owners apply to packages only")
	}
	switch {
	case f.plainTar || f.caCerts:
		if n != 2 {
			return nil, fmt.Errorf("want 2 arguments; got %d", n)
		}
	case n < 2:
		return nil, fmt.Errorf("want at least 2 arguments, IN.deb... and OUTDIR; got %d", n)
	}
	if f.plainTar {
		return Tar{MaxMTime: maxMTime, CARoots: f.caRoots, In: ops[0], Out: ops[1]}, nil
	}
	if len(f.caRoots) > 0 {
		return nil, errors.New("--ca-certificates-root goes with --tar")
	}
	if f.caCerts {
		return CACertificates{MaxMTime: maxMTime, Root: ops[0], Out: ops[1]}, nil
	}
	if f.scan {
		if f.dpkgStatus || f.maxMTime >= 0 || f.caOwners != nil || len(f.only) > 0 {
			return nil, errors.New("--scan-drops takes --usrmerge and --drop only")
		}
		return ScanDrops{UsrMerge: f.usrMerge, Drop: f.drop, Debs: list(ops[:n-1]), Out: ops[n-1]}, nil
	}
	layers, err := splitLayers(ops)
	if err != nil {
		return nil, err
	}
	return Extract{DpkgStatus: f.dpkgStatus, UsrMerge: f.usrMerge, MaxMTime: maxMTime, Only: list(f.only), Drop: f.drop, CAOwners: f.caOwners, Diagnose: f.diagnose, Lists: f.lists, Layers: layers}, nil
}

// splitLayers splits "IN.deb... OUTDIR [, IN.deb... OUTDIR]..." into layers.
func splitLayers(args []string) ([]Layer, error) {
	var layers []Layer
	for len(args) > 0 {
		i := slices.Index(args, LayerSep)
		if i < 0 {
			i = len(args)
		}
		if i < 2 {
			return nil, fmt.Errorf("layer %d: want IN.deb... and OUTDIR; got %q", len(layers)+1, args[:i])
		}
		layers = append(layers, Layer{Debs: list(args[:i-1]), Out: args[i-1]})
		if i == len(args) {
			break
		}
		args = args[i+1:]
		if len(args) == 0 {
			return nil, fmt.Errorf("a %q with no layer after it", LayerSep)
		}
	}
	return layers, nil
}

// list returns a copy of s, nil when s is empty.
func list(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
