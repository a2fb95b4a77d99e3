// Package ldcache writes /etc/ld.so.cache as Debian's ldconfig (glibc
// 2.41, trixie) writes it when run on an image, without running it: the
// extraction helper runs no maintainer script or trigger, so libc-bin's
// ldconfig trigger is stood in for by Build, in Go, the same whatever the
// architecture of the host and of the image.
//
// # What is read
//
// Build reads the image through FS (an *imageroot.Root fits; Layers
// reads libraries in place), with symbolic links resolved inside the
// image:
//
//   - /etc/ld.so.conf and, recursively, the files its "include" lines
//     name: glob patterns, relative ones against the including file's
//     directory, matched in byte order (Debian's includes
//     /etc/ld.so.conf.d/*.conf, where libc6 puts <triplet>.conf with
//     /usr/local/lib/<triplet>, /lib/<triplet> and /usr/lib/<triplet>,
//     and libc.conf with /usr/local/lib). "#" starts a comment, "hwcap"
//     lines are ignored, any other line is one directory (trailing
//     blanks and slashes removed, nothing else).
//   - then the trusted directories Debian's ldconfig always adds:
//     /lib/<triplet>, /usr/lib/<triplet>, /lib, /usr/lib.
//   - the directories in that order, each once: a directory met again
//     under another name (/lib is usr/lib under merged /usr) is skipped,
//     the first name is the one cached. Each directory brings along the
//     subdirectories of its glibc-hwcaps/ (x86-64-v3, power10, …), right
//     after it.
//   - in each directory, the entries named lib*.so*, ld-*.so*, ld.so.*
//     or ld64.so.* (any symbolic link too in glibc-hwcaps
//     subdirectories), regular files or links to them, without the
//     temporary names of dpkg, RPM and prelink. Of each file only what
//     ldconfig reads is read: the ELF header, program headers, the
//     dynamic section, the DT_SONAME string and, on x86, the ISA level of
//     the GNU property note. A library is an ELF shared object
//     (ET_DYN with PT_DYNAMIC and DT_STRTAB) of a class and machine the
//     architecture's ldconfig takes, with the flags it gives them
//     (FLAG_X8664_LIB64, FLAG_AARCH64_LIB64, FLAG_ARM_LIBHF, …), named by
//     its DT_SONAME or else its file name; a.out ZMAGIC/QMAGIC files
//     count too, as there.
//   - links: a link named after its target's soname, or a development
//     link libfoo.so to it, is an entry of its own name; other links
//     count as the file they point to. Per soname, one library per
//     directory is kept: a file over a link, else the greater name
//     (in _dl_cache_libcmp order). It is cached as directory/soname
//     (directory/file name in glibc-hwcaps subdirectories).
//
// The cache is in the new format only (glibc-ld.so.cache1.1), in the
// byte order of the architecture: entries sorted by soname in
// descending _dl_cache_libcmp order (digit runs compare as numbers;
// char signed or not as on the architecture), then by flags (higher
// first), glibc-hwcaps entries first and by subdirectory name, ties kept
// in directory order; a string table of sonames, paths and hwcaps names
// sorted by reversed bytes with shared tails; then the extension
// directory at a 4-byte boundary with the generator string (Options,
// else read from the image's ldconfig or libc.so.6, e.g. "ldconfig
// (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41") and, when
// a glibc-hwcaps library is cached, the sorted subdirectory names.
//
// Where ldconfig depends on readdir order (two files of one soname whose
// names compare equal, or with different flags), Build reads directories
// in byte order of names. ldconfig's auxiliary cache is not used or
// written.
//
// # What ldconfig would also change
//
// ldconfig also makes links: directory/soname -> file for each library
// whose soname link is missing or points elsewhere (not replacing an
// existing link of a dynamic linker's name, as Debian patches it), and
// it deletes dangling links named *.so.* it meets. Build does neither;
// Result lists them.
//
// Paths in the configuration are resolved as imageroot resolves them:
// ".." is taken lexically, where the kernel would follow a link before
// it.
//
// # Safety
//
// Build only reads. Files are read through the FS; when it can open files
// (Opener, as Layers does) only the few blocks needed are read, otherwise
// whole files up to Options.MaxFileSize. Malformed ELF files are refused
// or read as ldconfig would read them, never past their end (bytes past
// it read as zero, as in ldconfig's mapping); what ldconfig would read
// without end (dynamic entries, the soname) and the configuration (size,
// include depth, number of files) are bounded.
//
// # Testing
//
// The unit tests build small ELF files in Go, and compare Generate on a
// root made of them with the caches and links the real ldconfig of each
// architecture made of the same root (testdata/golden). With
// LDCACHE_REFERENCE naming a directory of image roots named
// <arch>[-<suite>] whose etc/ld.so.cache their own ldconfig wrote,
// TestReference compares Build over each with it, and TestLdconfig runs
// each root's ldconfig (under qemu-user for other architectures) on the
// test root again; see reference_test.go for how to make them with
// mmdebstrap.
package ldcache

import (
	"errors"
	"io"
	"io/fs"
)

// FS is the read access to an image root that Build needs; absolute
// paths, symbolic links resolved inside the image. *imageroot.Root
// implements it.
type FS interface {
	// ReadFile reads the regular file p, refusing one larger than max.
	ReadFile(p string, max int64) ([]byte, error)
	// ReadDir lists the directory p, sorted by name.
	ReadDir(p string) ([]fs.DirEntry, error)
	// Stat returns p with every link resolved, and its information.
	Stat(p string) (string, fs.FileInfo, error)
	// Lstat is Stat without following a final link.
	Lstat(p string) (fs.FileInfo, error)
}

// File is an open regular file.
type File interface {
	io.ReaderAt
	io.Closer
	Stat() (fs.FileInfo, error)
}

// Opener is implemented by an FS that can open files for random access
// (an Open method returning *os.File is taken as well): Build then reads
// only the parts of a library ldconfig looks at.
type Opener interface {
	Open(p string) (File, error)
}

// DefaultMaxFileSize bounds a library read whole, when the FS is no
// Opener.
const DefaultMaxFileSize = 1 << 30

// ErrNoGenerator reports that the generator string could not be found:
// the image has neither ldconfig nor a libc.so.6 of its architecture.
var ErrNoGenerator = errors.New("no ldconfig or libc.so.6 in the image to name the cache's generator")

// Options adjust Build.
type Options struct {
	// Arch is the Debian architecture of the image (see Arches). Empty:
	// the architecture of the image's ldconfig, else of the only
	// multiarch directory holding a libc.so.6.
	Arch string
	// Generator is the "Cache generated by" string. Empty: the one in the
	// image's ldconfig, else derived from its libc.so.6's banner.
	Generator string
	// MaxFileSize bounds a file read whole; 0 means DefaultMaxFileSize.
	MaxFileSize int64
}

// Link is a symbolic link ldconfig would create (or replace).
type Link struct {
	Path   string // the link, directory/soname as ldconfig names it
	Target string // its target, a name in the same directory
}

// Result is what Generate found.
type Result struct {
	// Cache is the content of /etc/ld.so.cache.
	Cache []byte
	// Arch is the architecture used, Generator the string written.
	Arch, Generator string
	// Dirs are the directories scanned, in order, as cached.
	Dirs []string
	// Links are the soname links ldconfig would make (replacing what
	// is there, a dangling link included); Remove the dangling links it
	// would delete and not make again. Neither is done. Paths are as
	// ldconfig names them: the directory as listed, which may lead
	// through links (/lib/<triplet>/…).
	Links  []Link
	Remove []string
	// Warnings are what ldconfig would print (not in verbose mode), and
	// files Build refused to read.
	Warnings []string
}

// Build returns the ld.so.cache ldconfig would write for the image at
// root, with Options{} (architecture and generator read from the image),
// and warnings.
func Build(root FS) (cache []byte, warnings []string, err error) {
	res, err := Generate(root, Options{})
	if err != nil {
		return nil, nil, err
	}
	return res.Cache, res.Warnings, nil
}

// builder is one run of ldconfig.
type builder struct {
	root        FS
	arch        *arch
	maxFileSize int64
	cache       *cache
	dirs        []*dirEntry
	dirIDs      map[string]bool
	confFiles   int
	warnings    []string
	links       []Link
	remove      []string
}

// Generate reads the image at root as ldconfig does and returns the
// cache and what else ldconfig would change.
func Generate(root FS, opt Options) (*Result, error) {
	a, err := chooseArch(root, opt.Arch)
	if err != nil {
		return nil, err
	}
	b := &builder{root: root, arch: a, maxFileSize: opt.MaxFileSize, cache: newCache(a.signedChar), dirIDs: map[string]bool{}}
	if b.maxFileSize <= 0 {
		b.maxFileSize = DefaultMaxFileSize
	}
	b.parseConf(ConfPath, 0)
	for _, d := range a.systemDirs() {
		b.addDir(d)
	}
	for _, d := range b.dirs {
		b.searchDir(d)
	}
	gen := opt.Generator
	if gen == "" {
		if gen, err = b.generator(); err != nil {
			return nil, err
		}
	}
	data, err := b.cache.marshal(a, gen)
	if err != nil {
		return nil, err
	}
	res := &Result{Cache: data, Arch: a.name, Generator: gen, Links: b.links, Remove: b.removed(), Warnings: b.warnings}
	for _, d := range b.dirs {
		res.Dirs = append(res.Dirs, d.path)
	}
	return res, nil
}

// removed returns the dangling links deleted and not made again.
func (b *builder) removed() []string {
	made := map[string]bool{}
	for _, l := range b.links {
		made[l.Path] = true
	}
	var out []string
	for _, p := range b.remove {
		if !made[p] {
			out = append(out, p)
		}
	}
	return out
}

// chooseArch returns the named architecture or the image's.
func chooseArch(root FS, name string) (*arch, error) {
	if name != "" {
		return lookupArch(name)
	}
	return detectArch(root)
}
