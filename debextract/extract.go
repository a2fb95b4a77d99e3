package debextract

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract/cacerts"
	"github.com/distrofile/distrofile/debextract/owners"
	"github.com/distrofile/distrofile/internal/deb822"
	"github.com/distrofile/distrofile/usrmerge"
)

// Default limits, used when the corresponding Options field is zero.
const (
	// DefaultMaxFileSize is the default largest regular file: 2 GiB.
	DefaultMaxFileSize int64 = 2 << 30
	// DefaultMaxTotalSize is the default largest sum of regular file
	// sizes: 4 GiB.
	DefaultMaxTotalSize int64 = 4 << 30
)

// Limits on the control archive, which is held in memory.
const (
	maxControlTar  = 256 << 20
	maxControlFile = 1 << 20
	maxMd5sums     = 64 << 20
)

// Sentinel errors, to be tested with errors.Is.
var (
	// ErrFormat reports a malformed package: ar archive, debian-binary,
	// member order, tar headers or control file.
	ErrFormat = errors.New("malformed package")
	// ErrUnsafe reports an entry that would reach outside the output
	// directory: a ".." path, a symbolic link in its parent path, or a
	// hard link to something that is not a regular file extracted earlier.
	ErrUnsafe = errors.New("unsafe entry")
	// ErrConflict reports an entry that clashes with an earlier one: a
	// directory replaced by a non-directory, or a parent path component
	// that is not a directory.
	ErrConflict = errors.New("conflicting entry")
	// ErrLimit reports a size limit exceeded.
	ErrLimit = errors.New("size limit exceeded")
	// ErrCAFiles reports an entry that update-ca-certificates would read
	// from a package that Options.CAOwners does not allow to ship it.
	ErrCAFiles = errors.New("a file that update-ca-certificates reads, outside the CA bundle's packages")
)

// ExitCAFiles is the exit status of the extraction helper
// (cmd/distrofile-extract) for an ErrCAFiles error: the frontend tells it
// from other failures and builds the CA bundle from every layer instead.
const ExitCAFiles = 3

// Options control an extraction. The zero value extracts the package as
// shipped, with the default size limits.
type Options struct {
	// UsrMerge moves everything under /bin, /sbin, /lib, /lib32, /lib64
	// and /libx32 to the same path under /usr (hard link targets
	// included) and drops the directory entries for those top-level
	// directories themselves, because the image gets /bin -> usr/bin and
	// the like from another layer. A non-directory entry named exactly
	// like one of them (base-files ships the symlink bin -> usr/bin) is
	// kept as it is.
	UsrMerge bool
	// DpkgStatus also writes var/lib/dpkg/status.d/<Package>, the control
	// paragraph as shipped (with a trailing newline), and
	// var/lib/dpkg/status.d/<Package>.md5sums when the package has
	// md5sums: the distroless convention that scanners read. Both are
	// mode 0644, owner 0:0, with the control member's mtime (clamped).
	DpkgStatus bool
	// MaxMTime, when not the zero time, is the latest modification time
	// written: later times are clamped to it, for reproducible layers.
	MaxMTime time.Time
	// MaxFileSize is the largest regular file accepted; zero means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// MaxTotalSize is the largest sum of regular file sizes accepted; zero
	// means DefaultMaxTotalSize. The decompressed data.tar stream may be at
	// most twice as large.
	MaxTotalSize int64
	// Only, when not empty, extracts only the entries at these paths and
	// beneath them, and the directories (and symbolic links) on the way to
	// them: absolute globs with the syntax of NewDropper. Everything else
	// is dropped, as by Drop. The frontend takes the C.utf8 locale out of
	// libc-bin this way.
	Only []string
	// Drop lists paths removed from the package content before they reach
	// the output directory: DropDocs, DropLocales or absolute globs, with
	// the syntax and rules of NewDropper. They are matched against final
	// paths, after UsrMerge. See the package documentation for hard links
	// and for what Result reports.
	Drop []string
	// CAOwners, when not nil, names the packages whose layers the step
	// that writes the CA bundle reads (the frontend gives those of the
	// extraction among ca-certificates and the packages that depend on
	// it): an entry that the bundle depends on
	// (cacerts.Reads) is an ErrCAFiles error when any other package ships
	// it, and when one of these ships it as a symbolic link (its target
	// may lie in another package) or in place of a parent directory.
	// Dropped entries do not count. The frontend then builds the bundle
	// from every layer instead, as update-ca-certificates would see them.
	CAOwners []string
}

// Skipped describes an entry that was deliberately not written.
type Skipped struct {
	// Name is the entry name as in the archive.
	Name string
	// Type is the tar type flag (tar.TypeChar, tar.TypeBlock, tar.TypeFifo).
	Type byte
	// Reason says why, e.g. "character device".
	Reason string
}

// Result describes an extracted package.
type Result struct {
	// Package, Version and Architecture are the control file's fields.
	Package, Version, Architecture string
	// Control is the control file as shipped.
	Control []byte
	// Md5sums is the md5sums control file as shipped, nil if absent.
	Md5sums []byte
	// DataMember is the name of the data member, e.g. "data.tar.xz".
	DataMember string
	// Files, Dirs, Symlinks and Hardlinks count the data.tar entries
	// written of each kind (the dpkg status files are not counted).
	Files, Dirs, Symlinks, Hardlinks int
	// Bytes is the total size of the regular files written.
	Bytes int64
	// Skipped lists the device nodes and named pipes not written.
	Skipped []Skipped
	// Dropped counts the data.tar entries removed by Options.Drop, of any
	// type, and DroppedBytes the size of the regular files among them.
	Dropped      int
	DroppedBytes int64
	// Replaced counts the entries not written because a package extracted
	// earlier into the same layer Replaces this one (package owners).
	Replaced int
}

// String returns a one-line summary such as
// "perl 5.40.1-6 amd64: 1234 files, 56 dirs, 7 links", followed by
// ", N skipped" and ", N dropped (B bytes)" when there are such entries.
func (r *Result) String() string {
	s := fmt.Sprintf("%s %s %s: %d files, %d dirs, %d links",
		r.Package, r.Version, r.Architecture, r.Files, r.Dirs, r.Symlinks+r.Hardlinks)
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf(", %d skipped", len(r.Skipped))
	}
	if r.Replaced > 0 {
		s += fmt.Sprintf(", %d left to a package that Replaces it", r.Replaced)
	}
	if r.Dropped > 0 {
		s += fmt.Sprintf(", %d dropped (%d bytes)", r.Dropped, r.DroppedBytes)
	}
	return s
}

// Error is the error type returned by Extract. It names the ar member
// and, when the error concerns one, the tar entry.
type Error struct {
	// Member is the ar member, e.g. "data.tar.xz", or "ar archive" for
	// the outer archive.
	Member string
	// Entry is the tar entry name as in the archive, empty if none.
	Entry string
	// Err is the underlying error.
	Err error
}

// Error implements error: "member: entry: error".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Member != "" {
		b.WriteString(e.Member)
		b.WriteString(": ")
	}
	if e.Entry != "" {
		b.WriteString(quote(e.Entry))
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// quote returns s as is when it is plain printable text, quoted otherwise.
func quote(s string) string {
	q := strconv.Quote(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

// packageName is the syntax of a Debian package name (Debian Policy 5.6.1).
var packageName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)

// Extract reads a .deb from r, as a stream, and writes its data tree
// beneath outDir, which must exist and should be empty. See the package
// documentation for the policy. Errors are of type *Error.
//
// It is NewLayer, Layer.Extract and Layer.Close for one package.
func Extract(r io.Reader, outDir string, opt Options) (*Result, error) {
	l, err := NewLayer(outDir, opt)
	if err != nil {
		return nil, err
	}
	res, err := l.Extract(r)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// A Layer extracts several packages, in order, into one output directory
// that becomes one image layer, with dpkg's semantics for what they share:
// a later package's file, link or symbolic link replaces an earlier
// package's non-directory at the same path, a directory replaces a
// non-directory, and a directory is never replaced by a non-directory
// (an error wrapping ErrConflict that names both packages). Directories
// shared by several packages get the metadata of the last package that
// lists them. Hard links may only point at files of the same package.
// The size limits of Options apply to each package; Options.Drop to all.
//
// The metadata of every directory is applied by Close, once all packages
// are written, so that later packages do not disturb it: Close must be
// called, also after an error.
type Layer struct {
	opt   Options
	drop  *Dropper
	t     *tree
	order []string // the packages extracted, in order
}

// NewLayer opens outDir, which must exist and should be empty, for
// extraction with opt. Errors are of type *Error.
func NewLayer(outDir string, opt Options) (*Layer, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.MaxTotalSize <= 0 {
		opt.MaxTotalSize = DefaultMaxTotalSize
	}
	drop, err := NewDropper(opt.Drop...)
	if err == nil && len(opt.Only) > 0 {
		err = drop.keepOnly(opt.Only)
	}
	if err != nil {
		return nil, &Error{Member: "options", Err: err}
	}
	t, err := openTree(outDir)
	if err != nil {
		return nil, &Error{Member: "output directory", Err: err}
	}
	return &Layer{opt: opt, drop: drop, t: t}, nil
}

// Extract reads a .deb from r, as a stream, and writes its data tree into
// the layer. Errors are of type *Error; after an error the layer should
// be closed and discarded.
func (l *Layer) Extract(r io.Reader) (*Result, error) {
	if l.t == nil {
		return nil, &Error{Member: "output directory", Err: errors.New("layer is closed")}
	}
	x := &extractor{opt: l.opt, drop: l.drop, res: &Result{}, t: l.t}
	l.t.regular = map[string]bool{}
	l.t.pkg = ""
	if err := x.run(bufio.NewReaderSize(r, 1<<20)); err != nil {
		return nil, err
	}
	l.order = append(l.order, x.res.Package)
	return x.res, nil
}

// Lists returns what each package extracted so far has in the layer, in
// extraction order: the paths whose entry is the package's after package
// owners' rules, for owners.Check across layers. Dropped entries are not
// in the layer, nor in the lists.
func (l *Layer) Lists() []owners.List {
	if l.t == nil {
		return nil
	}
	return l.t.lists(l.order)
}

// Close applies the metadata of the directories written by all packages,
// deepest first, and releases the output directory. Errors are of type
// *Error.
func (l *Layer) Close() error {
	if l.t == nil {
		return nil
	}
	t := l.t
	l.t = nil
	defer t.close()
	if err := t.finish(); err != nil {
		return &Error{Member: "output directory", Err: err}
	}
	return nil
}

type extractor struct {
	opt   Options
	drop  *Dropper
	res   *Result
	t     *tree
	total int64

	controlMTime, md5sumsMTime time.Time

	// Regular files dropped by Options.Drop are kept under the staging
	// directory until the end of the package, in case a kept hard link
	// points at them: staged maps a dropped file or hard link path to
	// the path holding its bytes.
	staged  map[string]string
	nstaged int

	// scan, in ScanDrops, is set for each Options.Drop specification
	// that drops an entry; nothing is written (t is nil).
	scan []bool
}

func (x *extractor) clamp(t time.Time) time.Time {
	if !x.opt.MaxMTime.IsZero() && t.After(x.opt.MaxMTime) {
		return x.opt.MaxMTime
	}
	return t
}

// nextMember returns the next member that is not to be ignored.
func nextMember(a *arReader) (string, *arMember, error) {
	for {
		name, m, err := a.next()
		if err != nil || !strings.HasPrefix(name, "_") {
			return name, m, err
		}
	}
}

func (x *extractor) run(br *bufio.Reader) error {
	arErr := func(err error) error { return &Error{Member: "ar archive", Err: err} }
	a, err := newArReader(br)
	if err != nil {
		return arErr(err)
	}

	name, m, err := a.next()
	if errors.Is(err, io.EOF) {
		return arErr(fmt.Errorf("%w: empty archive", ErrFormat))
	}
	if err != nil {
		return arErr(err)
	}
	if name != "debian-binary" {
		return arErr(fmt.Errorf("%w: first member is %q, not debian-binary", ErrFormat, name))
	}
	if err := checkBinaryVersion(m); err != nil {
		return &Error{Member: name, Err: err}
	}

	name, m, err = nextMember(a)
	if errors.Is(err, io.EOF) {
		return arErr(fmt.Errorf("%w: no control.tar member", ErrFormat))
	}
	if err != nil {
		return arErr(err)
	}
	if !strings.HasPrefix(name, "control.tar") {
		return arErr(fmt.Errorf("%w: member %q where control.tar was expected", ErrFormat, name))
	}
	if err := x.readControl(name, m); err != nil {
		return err
	}

	name, m, err = nextMember(a)
	if errors.Is(err, io.EOF) {
		return arErr(fmt.Errorf("%w: no data.tar member", ErrFormat))
	}
	if err != nil {
		return arErr(err)
	}
	if !strings.HasPrefix(name, "data.tar") {
		return arErr(fmt.Errorf("%w: member %q where data.tar was expected", ErrFormat, name))
	}
	x.res.DataMember = name

	if x.scan != nil {
		return x.readData(name, m)
	}
	x.t.implicitMTime = x.controlMTime
	x.t.pkg = x.res.Package
	pkg, err := owners.FromControl(x.res.Control)
	if err != nil {
		return &Error{Member: "control.tar", Entry: "./control", Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	x.t.pkgs[pkg.Name] = pkg
	err = x.readData(name, m)
	if cerr := x.unstage(); err == nil && cerr != nil {
		err = &Error{Member: name, Err: cerr}
	}
	if err != nil {
		return err
	}
	if x.opt.DpkgStatus {
		if err := x.writeStatus(); err != nil {
			return &Error{Member: "control.tar", Err: err}
		}
	}
	return nil
}

// ScanDrops reads a .deb from r, as a stream, and reports which of
// opt.Drop remove at least one of its entries when it is extracted with
// opt: drops[i] is set when opt.Drop[i] does. Nothing is written. A
// specification that removes nothing from any package of a layer leaves
// the layer as it is, so a caller that knows this result for each package
// may extract with only the specifications that matter, and get the same
// bytes: the frontend does so to rebuild only what a DROP change affects.
// The answer depends on the .deb, opt.UsrMerge and DropVersion. Errors
// are of type *Error, for a package that Extract would reject as well.
func ScanDrops(r io.Reader, opt Options) (drops []bool, err error) {
	drop, err := NewDropper(opt.Drop...)
	if err != nil {
		return nil, &Error{Member: "options", Err: err}
	}
	if opt.MaxTotalSize <= 0 {
		opt.MaxTotalSize = DefaultMaxTotalSize
	}
	if len(opt.Drop) == 0 {
		return []bool{}, nil
	}
	x := &extractor{opt: opt, drop: drop, res: &Result{}, scan: make([]bool, len(opt.Drop))}
	if err := x.run(bufio.NewReaderSize(r, 1<<20)); err != nil {
		return nil, err
	}
	return x.scan, nil
}

// DropScanFile is the file, in its output directory, in which the
// extraction helper's --scan-drops writes a JSON array with one element
// per .deb: the ScanDropSpecs answer for each, in order.
const DropScanFile = "drops.json"

// ScanDropSpecs is ScanDrops returning the specifications of opt.Drop
// that remove something from the package, in order (empty, not nil, when
// none does).
func ScanDropSpecs(r io.Reader, opt Options) ([]string, error) {
	hit, err := ScanDrops(r, opt)
	if err != nil {
		return nil, err
	}
	specs := []string{}
	for i, ok := range hit {
		if ok {
			specs = append(specs, opt.Drop[i])
		}
	}
	return specs, nil
}

// ExtractTar writes the entries of an uncompressed tar stream beneath
// outDir with the same policy as Extract. The frontend's generated files
// (accounts, /tmp 1777, FILE and MKDIR entries) go through it, because a
// BuildKit FileOp cannot make setuid, setgid or sticky modes. Options.UsrMerge
// Options.DpkgStatus and Options.Drop do not apply.
func ExtractTar(r io.Reader, outDir string, opt Options) (*Result, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.MaxTotalSize <= 0 {
		opt.MaxTotalSize = DefaultMaxTotalSize
	}
	opt.UsrMerge, opt.DpkgStatus, opt.Drop = false, false, nil
	x := &extractor{opt: opt, res: &Result{}}
	t, err := openTree(outDir)
	if err != nil {
		return nil, &Error{Member: "tar", Err: err}
	}
	defer t.close()
	t.implicitMTime = opt.MaxMTime
	x.t = t
	if err := x.readTar("tar", bufio.NewReaderSize(r, 1<<20)); err != nil {
		return nil, err
	}
	if err := t.finish(); err != nil {
		return nil, &Error{Member: "tar", Err: err}
	}
	return x.res, nil
}

func checkBinaryVersion(m *arMember) error {
	if m.remaining > 1024 {
		return fmt.Errorf("%w: %d bytes long", ErrFormat, m.remaining)
	}
	b, err := io.ReadAll(m)
	if err != nil {
		return err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	major, minor, ok := bytes.Cut(line, []byte("."))
	if !ok || string(major) != "2" || len(minor) == 0 || strings.Trim(string(minor), "0123456789") != "" {
		return fmt.Errorf("%w: unsupported format version %q", ErrFormat, line)
	}
	return nil
}

// readControl reads control.tar and keeps the control and md5sums files.
func (x *extractor) readControl(member string, m *arMember) error {
	files, err := readControlTar(member, m, map[string]int64{"control": maxControlFile, "md5sums": maxMd5sums})
	if err != nil {
		return err
	}
	ctl, ok := files["control"]
	if !ok {
		return &Error{Member: member, Err: fmt.Errorf("%w: no control file", ErrFormat)}
	}
	x.res.Control, x.controlMTime = ctl.data, x.clamp(ctl.mtime)
	if md5, ok := files["md5sums"]; ok {
		x.res.Md5sums, x.md5sumsMTime = md5.data, x.clamp(md5.mtime)
	}
	return x.parseControl(member)
}

// controlFile is a file of control.tar that was kept.
type controlFile struct {
	data  []byte
	mtime time.Time
}

// readControlTar reads the control.tar member m and returns the regular
// files named in keep (by base name, "control", "postinst"…), each refused
// when larger than its limit there. It reads to the end of the compressed
// stream, so that its checksum is verified.
func readControlTar(member string, m io.Reader, keep map[string]int64) (map[string]controlFile, error) {
	fail := func(entry string, err error) error { return &Error{Member: member, Entry: entry, Err: err} }
	dec, closeDec, err := decompressor(member, "control.tar", []string{"", ".gz", ".xz", ".zst"}, m)
	if err != nil {
		return nil, fail("", err)
	}
	defer closeDec()
	lr := newLimitedReader(dec, maxControlTar, member)
	tr := tar.NewReader(lr)
	files := map[string]controlFile{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, fail("", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		limit, ok := keep[name]
		if !ok {
			continue
		}
		if h.Size > limit {
			return nil, fail(h.Name, fmt.Errorf("%w: %d bytes, more than %d", ErrLimit, h.Size, limit))
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fail(h.Name, err)
		}
		files[name] = controlFile{b, h.ModTime}
	}
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return nil, fail("", err)
	}
	return files, nil
}

// parseControl takes Package, Version and Architecture from the first
// paragraph of the control file.
func (x *extractor) parseControl(member string) error {
	// Lines that are no field are passed over, as they always were.
	p := deb822.First(string(x.res.Control))
	x.res.Package, x.res.Version, x.res.Architecture = p.Value("Package"), p.Value("Version"), p.Value("Architecture")
	if !packageName.MatchString(x.res.Package) {
		return &Error{Member: member, Entry: "./control", Err: fmt.Errorf("%w: bad or missing Package field %q", ErrFormat, x.res.Package)}
	}
	return nil
}

// entryPath turns an archive name into a clean relative path; "" is the
// root. A leading "/" is relative to the root, as with dpkg; a path that
// escapes the root is an error.
func entryPath(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty name", ErrFormat)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("%w: NUL byte in name", ErrFormat)
	}
	p := path.Clean(strings.TrimLeft(name, "/"))
	if p == "." {
		return "", nil
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%w: path escapes the output directory", ErrUnsafe)
	}
	return p, nil
}

// usrMerge applies Options.UsrMerge to p; drop is set for the directory
// entries of the merged top-level directories themselves.
func usrMerge(p string, dir bool) (q string, drop bool) {
	if usrmerge.IsDir(p) {
		return p, dir
	}
	return usrmerge.Path(p), false
}

func (x *extractor) meta(h *tar.Header) (meta, error) {
	if h.Uid < 0 || int64(h.Uid) >= math.MaxUint32 || h.Gid < 0 || int64(h.Gid) >= math.MaxUint32 {
		return meta{}, fmt.Errorf("%w: bad owner %d:%d", ErrFormat, h.Uid, h.Gid)
	}
	return meta{mode: uint32(h.Mode) & 07777, uid: h.Uid, gid: h.Gid, mtime: x.clamp(h.ModTime)}, nil
}

// readData unpacks data.tar.
func (x *extractor) readData(member string, m *arMember) error {
	dec, closeDec, err := decompressor(member, "data.tar", []string{"", ".gz", ".xz", ".zst", ".bz2"}, m)
	if err != nil {
		return &Error{Member: member, Err: err}
	}
	defer closeDec()
	return x.readTar(member, dec)
}

// readTar writes the entries of an uncompressed tar stream.
func (x *extractor) readTar(member string, dec io.Reader) error {
	streamLimit := x.opt.MaxTotalSize
	if streamLimit < math.MaxInt64/2 {
		streamLimit *= 2
	}
	lr := newLimitedReader(dec, streamLimit, member)
	tr := tar.NewReader(lr)
	last := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			if last != "" {
				err = fmt.Errorf("after %s: %w", quote(last), err)
			}
			return &Error{Member: member, Err: err}
		}
		last = h.Name
		if err := x.entry(h, tr); err != nil {
			return &Error{Member: member, Entry: h.Name, Err: err}
		}
	}
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return &Error{Member: member, Err: err}
	}
	return nil
}

// entry writes one data.tar entry.
func (x *extractor) entry(h *tar.Header, r io.Reader) error {
	switch h.Typeflag {
	case tar.TypeXGlobalHeader:
		return nil
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		reason := map[byte]string{tar.TypeChar: "character device", tar.TypeBlock: "block device", tar.TypeFifo: "named pipe"}
		x.res.Skipped = append(x.res.Skipped, Skipped{Name: h.Name, Type: h.Typeflag, Reason: reason[h.Typeflag]})
		return nil
	}
	p, err := entryPath(h.Name)
	if err != nil {
		return err
	}
	isDir := h.Typeflag == tar.TypeDir
	if p == "" {
		if isDir {
			return nil // the root's metadata is never changed
		}
		return fmt.Errorf("%w: non-directory entry for the root", ErrConflict)
	}
	orig := p
	if x.opt.UsrMerge {
		var drop bool
		if p, drop = usrMerge(p, isDir); drop {
			return nil
		}
	}
	md, err := x.meta(h)
	if err != nil {
		return err
	}
	if x.drop != nil && len(x.drop.rules) > 0 {
		if first, _, _ := strings.Cut(p, "/"); first == stagingDir {
			return fmt.Errorf("%w: %s is a name reserved for dropped files", ErrFormat, stagingDir)
		}
		if x.scan != nil {
			x.drop.droppedBy("/"+p, isDir || h.Typeflag == tar.TypeSymlink, x.scan)
		} else if x.drop.Dropped("/"+p, isDir || h.Typeflag == tar.TypeSymlink) {
			return x.dropEntry(h, p, md, r)
		}
	}
	if x.scan != nil {
		return nil
	}
	if err := x.caGuard("/"+p, h.Typeflag); err != nil {
		return err
	}
	kind := owners.File
	switch h.Typeflag {
	case tar.TypeDir:
		kind = owners.Dir
	case tar.TypeSymlink:
		kind = owners.Symlink
	}
	shipped := ""
	if x.opt.UsrMerge && p != orig {
		shipped = "/" + orig
	}
	if skip, err := x.t.claim(p, kind, shipped); err != nil || skip {
		if skip {
			x.res.Replaced++
		}
		return err
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if err := x.t.dir(p, md); err != nil {
			return err
		}
		x.res.Dirs++
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if err := x.checkSize(h.Size); err != nil {
			return err
		}
		n, err := x.t.file(p, md, r, h.Size)
		x.total += n
		if err != nil {
			return err
		}
		x.res.Files++
		x.res.Bytes += n
	case tar.TypeSymlink:
		if h.Linkname == "" {
			return fmt.Errorf("%w: symbolic link with an empty target", ErrFormat)
		}
		if err := x.t.symlink(p, h.Linkname, md); err != nil {
			return err
		}
		x.res.Symlinks++
	case tar.TypeLink:
		target, err := x.linkTarget(h)
		if err != nil {
			return err
		}
		if err := x.t.hardlink(p, target); err != nil {
			return err
		}
		x.res.Hardlinks++
	default:
		return fmt.Errorf("%w: unsupported tar entry type %q", ErrFormat, h.Typeflag)
	}
	return nil
}

// caGuard enforces Options.CAOwners for the entry of type typ at the
// absolute path p.
func (x *extractor) caGuard(p string, typ byte) error {
	if x.opt.CAOwners == nil || typ == tar.TypeDir || !cacerts.Reads(p) {
		return nil
	}
	if slices.Contains(x.opt.CAOwners, x.res.Package) && typ != tar.TypeSymlink && cacerts.Holds(p) {
		return nil
	}
	return fmt.Errorf("%w: package %s ships %s", ErrCAFiles, x.res.Package, p)
}

// linkTarget is where a hard link entry's target is in the tree: cleaned,
// moved by usrmerge, and at its staging path when DROP staged it.
func (x *extractor) linkTarget(h *tar.Header) (string, error) {
	target, err := entryPath(h.Linkname)
	if err != nil {
		return "", fmt.Errorf("hard link target %s: %w", quote(h.Linkname), err)
	}
	if x.opt.UsrMerge {
		target, _ = usrMerge(target, false)
	}
	if s, ok := x.staged[target]; ok {
		target = s
	}
	return target, nil
}

// writeStatus writes the dpkg status.d files.
func (x *extractor) writeStatus() error {
	ctl := x.res.Control
	if !bytes.HasSuffix(ctl, []byte("\n")) {
		ctl = append(ctl[:len(ctl):len(ctl)], '\n')
	}
	dir := "var/lib/dpkg/status.d/"
	files := []struct {
		name  string
		body  []byte
		mtime time.Time
	}{{dir + x.res.Package, ctl, x.controlMTime}}
	if x.res.Md5sums != nil {
		files = append(files, struct {
			name  string
			body  []byte
			mtime time.Time
		}{dir + x.res.Package + ".md5sums", x.res.Md5sums, x.md5sumsMTime})
	}
	for _, f := range files {
		md := meta{mode: 0644, mtime: f.mtime}
		if _, err := x.t.file(f.name, md, bytes.NewReader(f.body), int64(len(f.body))); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// stagingDir is the top-level directory of the output directory that
// holds the regular files dropped by Options.Drop while a package is
// extracted. Package entries beneath it are rejected when Drop is set.
const stagingDir = ".distrofile-dropped"

// checkSize applies the size limits to a regular file of size bytes.
func (x *extractor) checkSize(size int64) error {
	if size > x.opt.MaxFileSize {
		return fmt.Errorf("%w: %d bytes, more than the %d allowed for one file", ErrLimit, size, x.opt.MaxFileSize)
	}
	if x.total+size > x.opt.MaxTotalSize {
		return fmt.Errorf("%w: files add up to more than %d bytes", ErrLimit, x.opt.MaxTotalSize)
	}
	return nil
}

// dropEntry handles an entry that Options.Drop removes. Nothing is written
// for directories and symbolic links. A regular file is written to the
// staging directory, so that a kept hard link to it later in the package
// still gets its bytes; a dropped hard link is remembered as an alias of
// its target for the same reason.
func (x *extractor) dropEntry(h *tar.Header, p string, md meta, r io.Reader) error {
	if x.staged == nil {
		x.staged = map[string]string{}
	}
	switch h.Typeflag {
	case tar.TypeDir, tar.TypeSymlink:
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if err := x.checkSize(h.Size); err != nil {
			return err
		}
		s := stagingDir + "/" + strconv.Itoa(x.nstaged)
		x.nstaged++
		n, err := x.t.file(s, md, r, h.Size)
		x.total += n
		if err != nil {
			return err
		}
		x.staged[p] = s
		x.res.DroppedBytes += n
	case tar.TypeLink:
		target, err := x.linkTarget(h)
		if err != nil {
			return err
		}
		if !x.t.regular[target] {
			return fmt.Errorf("%w: hard link target %s is not a regular file extracted earlier", ErrUnsafe, target)
		}
		x.staged[p] = target
	default:
		return fmt.Errorf("%w: unsupported tar entry type %q", ErrFormat, h.Typeflag)
	}
	x.res.Dropped++
	return nil
}

// unstage removes the staging directory: the dropped files' bytes remain
// only where kept hard links point at them.
func (x *extractor) unstage() error {
	if x.nstaged == 0 {
		return nil
	}
	n := x.nstaged
	x.nstaged, x.staged = 0, nil
	return x.t.removeStaging(stagingDir, n)
}
