package ldcache

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// dirEntry is a directory to scan, as ldconfig lists it: path as written
// (only trailing white space and slashes removed), id the resolved path
// that makes two names of one directory one entry.
type dirEntry struct {
	path   string
	id     string
	hwcaps *hwcapsDir
}

// addDir is add_dir_1: a directory that exists (as anything) is added
// unless it is already listed; a new one brings its glibc-hwcaps
// subdirectories along.
func (b *builder) addDir(line string) {
	p := strings.TrimRightFunc(line, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	p = strings.TrimRight(p, "/")
	if p == "" {
		return
	}
	id, _, err := b.root.Stat(abs(p))
	if err != nil {
		return
	}
	if b.addSingleDir(&dirEntry{path: p, id: id}) {
		b.addHwcapsSubdirs(p)
	}
}

// abs makes a path relative to ldconfig's working directory, the root,
// absolute.
func abs(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// addSingleDir appends d unless a listed entry is the same directory.
func (b *builder) addSingleDir(d *dirEntry) bool {
	if b.dirIDs[d.id] {
		return false
	}
	b.dirIDs[d.id] = true
	b.dirs = append(b.dirs, d)
	return true
}

// addHwcapsSubdirs queues the subdirectories of <dir>/glibc-hwcaps (not
// hidden, without ":" in their name, not regular files, directories once
// links are followed) as glibc-hwcaps directories of that name.
func (b *builder) addHwcapsSubdirs(dir string) {
	base := dir + "/glibc-hwcaps"
	ents, err := b.root.ReadDir(abs(base))
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.Type().IsRegular() || strings.Contains(name, ":") {
			continue
		}
		p := base + "/" + name
		id, fi, err := b.root.Stat(abs(p))
		if err != nil || !fi.IsDir() {
			continue
		}
		b.addSingleDir(&dirEntry{path: p, id: id, hwcaps: b.cache.hwcapsSubdir(name)})
	}
}

// dlib is a library found in one directory (search_dir's dlib_entry).
type dlib struct {
	name   string
	soname string
	flag   int32
	isLink bool
	isa    uint32
}

// searchDir is search_dir: it reads the libraries of one directory, keeps
// one per soname (a file rather than a link, else the greater name) and
// adds them to the cache, under directory/soname, or directory/name in a
// glibc-hwcaps subdirectory.
func (b *builder) searchDir(d *dirEntry) {
	ents, err := b.root.ReadDir(abs(d.path))
	if err != nil {
		return
	}
	var dlibs []*dlib
	bySoname := map[string]*dlib{}
	for _, e := range ents {
		l := b.scanEntry(d, e)
		if l == nil {
			continue
		}
		if old, ok := bySoname[l.soname]; ok {
			b.replace(d, old, l)
			continue
		}
		bySoname[l.soname] = l
		dlibs = append(dlibs, l)
	}
	// ldconfig keeps its list newest first.
	for _, l := range slices.Backward(dlibs) {
		file := l.soname
		if d.hwcaps == nil {
			if !l.isLink {
				b.createLinks(d.path, l.name, l.soname)
			}
		} else {
			file = l.name
		}
		b.cache.add(&cacheEntry{lib: l.soname, path: d.path + "/" + file, flags: l.flag, isa: l.isa, hwcaps: d.hwcaps})
	}
}

// replace keeps the preferred of two libraries with one soname: a file
// over a link, else the greater name. The flags stay the first one's.
func (b *builder) replace(d *dirEntry, old, l *dlib) {
	if (!l.isLink && old.isLink) || (l.isLink == old.isLink && libcmp(old.name, l.name, b.arch.signedChar) < 0) {
		if old.flag != l.flag {
			b.warnf("libraries %s and %s in directory %s have same soname but different type.", old.name, l.name, d.path)
		}
		old.name, old.isLink, old.isa = l.name, l.isLink, l.isa
	}
}

// scanEntry looks at one directory entry as search_dir does and returns
// the library it is, or nil.
func (b *builder) scanEntry(d *dirEntry, e fs.DirEntry) *dlib {
	name, typ := e.Name(), e.Type()
	isLink := typ&fs.ModeSymlink != 0
	if !isLink && !typ.IsRegular() {
		return nil // directories and special files
	}
	if !isDSOName(name) && (typ.IsRegular() || d.hwcaps == nil) {
		return nil
	}
	if skipDSOName(name) {
		return nil
	}
	fileName := d.path + "/" + name
	if isLink {
		if _, _, err := b.root.Stat(abs(fileName)); err != nil {
			if strings.Contains(name, ".so.") {
				b.remove = append(b.remove, fileName)
			}
			return nil
		}
	}
	info, ok := b.readLib(fileName, name)
	if !ok {
		return nil
	}
	soname := name
	if info.hasSoname {
		soname = info.soname
	}
	// A link counts as one only when named after the soname, or as the
	// soname's development link (libfoo.so for libfoo.so.1).
	if isLink && soname != name && !(strings.HasSuffix(name, ".so") && strings.HasPrefix(soname, name)) {
		isLink = false
	}
	if isLink {
		soname = name
	}
	return &dlib{name: name, soname: soname, flag: info.flag, isLink: isLink, isa: info.isa}
}

// isDSOName is _dl_is_dso: lib*.so*, ld-*.so*, ld.so.*, ld64.so.*.
func isDSOName(name string) bool {
	return ((strings.HasPrefix(name, "lib") || strings.HasPrefix(name, "ld-")) && strings.Contains(name, ".so")) ||
		strings.HasPrefix(name, "ld.so.") || strings.HasPrefix(name, "ld64.so.")
}

// skipDSOName is skip_dso_based_on_name: temporary files of prelink, RPM
// and dpkg.
func skipDSOName(name string) bool {
	if strings.HasSuffix(name, ".#prelink#") {
		return true
	}
	const tmp = ".#prelink#.XXXXXX"
	if len(name) >= len(tmp) && strings.HasPrefix(name[len(name)-len(tmp):], ".#prelink#.") {
		return true
	}
	return strings.Contains(name, ";") || strings.HasSuffix(name, ".dpkg-new") || strings.HasSuffix(name, ".dpkg-tmp")
}

// readLib opens a library (following links) and reads it as
// process_file does. Only regular files are read.
func (b *builder) readLib(fileName, name string) (libInfo, bool) {
	p := abs(fileName)
	_, fi, err := b.root.Stat(p)
	if err != nil {
		return libInfo{}, false
	}
	if !fi.Mode().IsRegular() {
		b.warnf("%s is not a regular file, not checked.", fileName)
		return libInfo{}, false
	}
	ra, size, closer, err := b.open(p, fi.Size())
	if err != nil {
		b.warnf("Cannot read file %s: %v", fileName, err)
		return libInfo{}, false
	}
	defer closer()
	r := &elfReader{a: b.arch, b: newBlob(ra, size), name: fileName, lib: name, warn: func(s string) { b.warnings = append(b.warnings, s) }}
	return r.processFile()
}

// open gives random access to the regular file p of the given size: in
// place when the FS can open files, else read whole (up to MaxFileSize).
func (b *builder) open(p string, size int64) (io.ReaderAt, int64, func(), error) {
	return openFile(b.root, p, size, b.maxFileSize)
}

// openFile opens p through root: in place when root can open files, else
// (or when that fails) read whole when at most max bytes.
func openFile(root FS, p string, size, max int64) (io.ReaderAt, int64, func(), error) {
	var f File
	var err error
	switch o := root.(type) {
	case Opener:
		f, err = o.Open(p)
	case osOpener:
		f, err = o.Open(p)
	}
	if f != nil && err == nil {
		return openedFile(f)
	}
	if size > max {
		return nil, 0, nil, fmt.Errorf("larger than %d bytes", max)
	}
	data, err := root.ReadFile(p, max)
	if err != nil {
		return nil, 0, nil, err
	}
	return bytes.NewReader(data), int64(len(data)), func() {}, nil
}

// openedFile takes the size of an opened file from its own Stat, as
// process_file's fstat does.
func openedFile(f File) (io.ReaderAt, int64, func(), error) {
	closer := func() { f.Close() }
	fi, err := f.Stat()
	if err != nil {
		closer()
		return nil, 0, nil, err
	}
	if !fi.Mode().IsRegular() {
		closer()
		return nil, 0, nil, fmt.Errorf("not a regular file")
	}
	return f, fi.Size(), closer, nil
}

// osOpener is an FS whose Open returns an *os.File.
type osOpener interface {
	Open(p string) (*os.File, error)
}

// createLinks records what create_links would change: the link
// directory/soname -> name, when soname is missing, a dangling link or a
// link to another file. Existing links named after a dynamic linker are
// left alone (Debian's local-ldconfig-ignore-ld.so.diff).
func (b *builder) createLinks(dir, name, soname string) {
	fullLib, fullSo := dir+"/"+name, dir+"/"+soname
	soID, soFI, err := b.root.Stat(abs(fullSo))
	if err != nil {
		if !strings.Contains(soname, "/") {
			b.links = append(b.links, Link{Path: fullSo, Target: name})
		}
		return
	}
	libID, libFI, err := b.root.Stat(abs(fullLib))
	if err != nil {
		b.warnf("Can't stat %s", fullLib)
		return
	}
	doLink := !slices.Contains(ldSonames, soname)
	if libID == soID || os.SameFile(libFI, soFI) {
		return
	}
	if fi, err := b.root.Lstat(abs(fullSo)); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		b.warnf("%s is not a symbolic link", fullSo)
		return
	}
	if doLink {
		b.links = append(b.links, Link{Path: fullSo, Target: name})
	}
}
