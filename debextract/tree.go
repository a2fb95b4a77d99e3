package debextract

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract/owners"
	"golang.org/x/sys/unix"
)

const (
	openDirFlags  = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	openFileFlags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
)

// meta is the metadata applied to an entry.
type meta struct {
	mode     uint32 // permission bits incl. setuid/setgid/sticky
	uid, gid int
	mtime    time.Time
}

// tree writes entries beneath a root directory. Every operation goes
// through directory descriptors opened component by component with
// O_NOFOLLOW, so no symbolic link is ever followed.
//
// Paths are clean, relative and slash-separated ("usr/bin/x"); they never
// contain "." or ".." components.
type tree struct {
	root int

	// A cache of open descriptors for the components of the last parent
	// directory used: fds[i] is the directory names[:i+1]. It stays valid
	// because a directory, once created, is never removed or replaced.
	names []string
	fds   []int
	// sgid[i] is set when fds[i] is a set-group-ID directory, whose new
	// files get its group rather than ours (rootSgid: the root's).
	sgid     []bool
	rootSgid bool
	// euid and egid own what this process creates: a file meant for them
	// needs no chown.
	euid, egid int

	dirs          map[string]meta   // directory metadata applied by finish
	regular       map[string]bool   // regular files written by this package
	implicitMTime time.Time         // mtime for directories created implicitly
	pkg           string            // the package being extracted, for errors
	owner         map[string]string // the package that created each directory
	buf           []byte

	// pkgs are the packages extracted so far, by name, and entries says
	// whose entry each path written is (package owners' rules).
	pkgs    map[string]owners.Package
	entries map[string]owned // non-directories
	pkgDirs map[string]map[string]bool
}

// owned is a package's entry at a path.
type owned struct {
	pkg   string
	entry owners.Entry
}

func openTree(dir string) (*tree, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: dir, Err: err}
	}
	return &tree{
		root:     fd,
		rootSgid: st.Mode&unix.S_ISGID != 0,
		euid:     unix.Geteuid(),
		egid:     unix.Getegid(),
		dirs:     map[string]meta{},
		regular:  map[string]bool{},
		owner:    map[string]string{},
		buf:      make([]byte, 1<<20),
		pkgs:     map[string]owners.Package{},
		entries:  map[string]owned{},
		pkgDirs:  map[string]map[string]bool{},
	}, nil
}

// umask is the process's file mode creation mask, read once before any
// goroutine creates files (reading it means setting it).
var umask = func() uint32 {
	m := unix.Umask(0)
	unix.Umask(m)
	return uint32(m)
}()

func (t *tree) close() {
	t.dropCache()
	unix.Close(t.root)
}

// dropCache closes the cached parent directory descriptors.
func (t *tree) dropCache() {
	for _, fd := range t.fds {
		unix.Close(fd)
	}
	t.fds, t.names, t.sgid = nil, nil, nil
}

// created records that the current package created directory p.
func (t *tree) created(p string) {
	if _, ok := t.owner[p]; !ok {
		t.owner[p] = t.pkg
	}
}

// removeStaging removes the top-level directory dir and the files named
// 0, 1, ... n-1 in it, and forgets them.
func (t *tree) removeStaging(dir string, n int) error {
	t.dropCache()
	fd, err := unix.Openat(t.root, dir, openDirFlags, 0)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	for i := 0; i < n; i++ {
		name := strconv.Itoa(i)
		if err := unix.Unlinkat(fd, name, 0); err != nil && err != unix.ENOENT {
			return fmt.Errorf("remove %s/%s: %w", dir, name, err)
		}
		delete(t.regular, dir+"/"+name)
	}
	if err := unix.Unlinkat(t.root, dir, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	delete(t.dirs, dir)
	delete(t.owner, dir)
	return nil
}

// split returns the directory components and the base name of p.
func split(p string) ([]string, string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return nil, p
	}
	return strings.Split(p[:i], "/"), p[i+1:]
}

// parent returns a descriptor for the directory containing p (owned by
// the cache, not to be closed) and p's base name. Missing directories are
// created when create is set.
func (t *tree) parent(p string, create bool) (int, string, error) {
	comps, base := split(p)
	k := 0
	for k < len(comps) && k < len(t.names) && comps[k] == t.names[k] {
		k++
	}
	for i := len(t.fds) - 1; i >= k; i-- {
		unix.Close(t.fds[i])
	}
	t.names, t.fds, t.sgid = t.names[:k], t.fds[:k], t.sgid[:k]
	fd := t.root
	if k > 0 {
		fd = t.fds[k-1]
	}
	for i := k; i < len(comps); i++ {
		nfd, made, err := t.openDir(fd, comps[:i+1], create)
		if err != nil {
			return -1, "", err
		}
		// A directory made here is set-group-ID only when its parent
		// is (mkdir passes the bit on) until finish sets its mode; one
		// that was there before may be set-group-ID.
		sgid := t.rootSgid
		if i > 0 {
			sgid = t.sgid[i-1]
		}
		if !made {
			var st unix.Stat_t
			if err := unix.Fstat(nfd, &st); err != nil {
				unix.Close(nfd)
				return -1, "", fmt.Errorf("stat %s: %w", strings.Join(comps[:i+1], "/"), err)
			}
			sgid = st.Mode&unix.S_ISGID != 0
		}
		t.names = append(t.names, comps[i])
		t.fds = append(t.fds, nfd)
		t.sgid = append(t.sgid, sgid)
		fd = nfd
	}
	return fd, base, nil
}

// parentSgid tells whether the directory parent last returned for p is
// set-group-ID.
func (t *tree) parentSgid(p string) bool {
	if comps, _ := split(p); len(comps) > 0 {
		return t.sgid[len(comps)-1]
	}
	return t.rootSgid
}

// openDir opens the last of comps, a directory, beneath parent without
// following symbolic links, creating it if it is missing and create is set
// (made is then true).
func (t *tree) openDir(parent int, comps []string, create bool) (fd int, made bool, err error) {
	name := comps[len(comps)-1]
	p := strings.Join(comps, "/")
	fd, err = unix.Openat(parent, name, openDirFlags, 0)
	if err == unix.ENOENT && create {
		if err := unix.Mkdirat(parent, name, 0755); err != nil {
			return -1, false, fmt.Errorf("mkdir %s: %w", p, err)
		}
		if _, ok := t.dirs[p]; !ok {
			t.dirs[p] = meta{mode: 0755, mtime: t.implicitMTime}
		}
		t.created(p)
		made = true
		fd, err = unix.Openat(parent, name, openDirFlags, 0)
	}
	if err == nil {
		return fd, made, nil
	}
	if err == unix.ELOOP || err == unix.ENOTDIR {
		var st unix.Stat_t
		if unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return -1, false, t.notDir(p, fmt.Errorf("%w: parent %s is a symbolic link", ErrUnsafe, p))
		}
		return -1, false, t.notDir(p, fmt.Errorf("%w: parent %s is not a directory", ErrConflict, p))
	}
	return -1, false, fmt.Errorf("open %s: %w", p, err)
}

// clear makes room for a new entry at base in directory pfd. An existing
// directory is kept when dir is set (the result is then true) and is an
// error otherwise; any other existing entry is unlinked: the entry itself,
// never what a symbolic link points at.
func (t *tree) clear(pfd int, base, p string, dir bool) (bool, error) {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if dir {
			return true, nil
		}
		return false, fmt.Errorf("%w: would replace directory %s with a non-directory", ErrConflict, p)
	}
	if err := unix.Unlinkat(pfd, base, 0); err != nil {
		return false, fmt.Errorf("remove %s: %w", p, err)
	}
	delete(t.regular, p)
	return false, nil
}

// claim applies package owners' rules to the current package's entry of
// kind k at p (shipped at shipped, when merged /usr moved it), against
// what another package of the layer has there: skip is set when that one
// stays (it Replaces this package); a conflict is an error wrapping
// ErrConflict. A directory another package made by having entries in it
// counts as its directory.
func (t *tree) claim(p string, k owners.Kind, shipped string) (skip bool, err error) {
	cur := owned{t.pkg, owners.Entry{Path: "/" + p, Kind: k, Shipped: shipped}}
	prev, ok := t.entries[p]
	if !ok && k != owners.Dir {
		if o, made := t.owner[p]; made {
			prev, ok = owned{o, owners.Entry{Path: "/" + p, Kind: owners.Dir}}, true
		}
	}
	if ok && prev.pkg != t.pkg {
		in, err := owners.Resolve("/"+p, t.ownerOf(prev), t.ownerOf(cur))
		if err != nil {
			return false, fmt.Errorf("%w: %w", ErrConflict, err)
		}
		if !in {
			return true, nil
		}
	}
	if k == owners.Dir {
		if t.pkgDirs[t.pkg] == nil {
			t.pkgDirs[t.pkg] = map[string]bool{}
		}
		t.pkgDirs[t.pkg][p] = true
	} else {
		t.entries[p] = cur
	}
	return false, nil
}

func (t *tree) ownerOf(o owned) owners.Owner {
	pkg, ok := t.pkgs[o.pkg]
	if !ok {
		pkg.Name = o.pkg
	}
	return owners.Owner{Package: pkg, Entry: o.entry}
}

// notDir is the error for a parent p that is not a directory: a conflict
// naming both packages when another package's entry is there.
func (t *tree) notDir(p string, cause error) error {
	if prev, ok := t.entries[p]; ok && prev.pkg != t.pkg && prev.entry.Kind != owners.Dir {
		return fmt.Errorf("%w: %w", ErrConflict, &owners.ConflictError{Path: "/" + p, Have: t.ownerOf(prev),
			New: t.ownerOf(owned{t.pkg, owners.Entry{Path: "/" + p, Kind: owners.Dir}})})
	}
	return cause
}

// lists returns what each package has in the layer, in the order the
// packages were extracted, each sorted by path.
func (t *tree) lists(order []string) []owners.List {
	by := map[string][]owners.Entry{}
	for _, o := range t.entries {
		by[o.pkg] = append(by[o.pkg], o.entry)
	}
	for pkg, dirs := range t.pkgDirs {
		for d := range dirs {
			by[pkg] = append(by[pkg], owners.Entry{Path: "/" + d, Kind: owners.Dir})
		}
	}
	out := make([]owners.List, 0, len(order))
	for _, name := range order {
		es := by[name]
		slices.SortFunc(es, func(a, b owners.Entry) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, owners.List{Package: name, Entries: es})
	}
	return out
}

func setTimes(pfd int, base, p string, mtime time.Time) error {
	ts, err := unix.TimeToTimespec(mtime)
	if err != nil {
		return fmt.Errorf("set times of %s: %w", p, err)
	}
	if err := unix.UtimesNanoAt(pfd, base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", p, err)
	}
	return nil
}

// dir records a directory entry, creating the directory if needed. Its
// metadata is applied by finish.
func (t *tree) dir(p string, m meta) error {
	pfd, base, err := t.parent(p, true)
	if err != nil {
		return err
	}
	exists, err := t.clear(pfd, base, p, true)
	if err != nil {
		return err
	}
	if !exists {
		if err := unix.Mkdirat(pfd, base, 0755); err != nil {
			return fmt.Errorf("mkdir %s: %w", p, err)
		}
		t.created(p)
	}
	t.dirs[p] = m
	return nil
}

// file writes a regular file with size bytes read from r.
func (t *tree) file(p string, m meta, r io.Reader, size int64) (int64, error) {
	pfd, base, err := t.parent(p, true)
	if err != nil {
		return 0, err
	}
	// Created with its permission bits (less the umask): when it is ours
	// and the umask took nothing, no chmod is needed. An existing entry
	// is cleared first, as for every other kind.
	perm := m.mode & 0o777
	fd, err := unix.Openat(pfd, base, openFileFlags, perm)
	if errors.Is(err, unix.EEXIST) {
		if _, err := t.clear(pfd, base, p, false); err != nil {
			return 0, err
		}
		fd, err = unix.Openat(pfd, base, openFileFlags, perm)
	}
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	// Hide (*os.File).ReadFrom so that io.CopyBuffer uses our buffer.
	n, err := io.CopyBuffer(struct{ io.Writer }{f}, io.LimitReader(r, size), t.buf)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	// chown clears set-user-ID and set-group-ID, so chmod comes after it.
	chown := m.uid != t.euid || m.gid != t.egid || t.parentSgid(p)
	if err == nil && chown {
		err = unix.Fchown(fd, m.uid, m.gid)
	}
	if err == nil && (chown || m.mode != perm || perm&umask != 0) {
		err = unix.Fchmod(fd, m.mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("write %s: %w", p, err)
	}
	t.regular[p] = true
	return n, setTimes(pfd, base, p, m.mtime)
}

// symlink creates a symbolic link p -> target; target is kept verbatim.
func (t *tree) symlink(p, target string, m meta) error {
	pfd, base, err := t.parent(p, true)
	if err != nil {
		return err
	}
	if _, err := t.clear(pfd, base, p, false); err != nil {
		return err
	}
	if err := unix.Symlinkat(target, pfd, base); err != nil {
		return fmt.Errorf("symlink %s: %w", p, err)
	}
	if err := unix.Fchownat(pfd, base, m.uid, m.gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %s: %w", p, err)
	}
	return setTimes(pfd, base, p, m.mtime)
}

// hardlink creates p as a hard link to target, which must be a regular
// file written earlier by this extraction.
func (t *tree) hardlink(p, target string) error {
	if !t.regular[target] {
		return fmt.Errorf("%w: hard link target %s is not a regular file extracted earlier", ErrUnsafe, target)
	}
	// The target's directory is opened separately: the cache is about to
	// be used for p's directory.
	tcomps, tbase := split(target)
	tfd, err := unix.Dup(t.root)
	if err != nil {
		return err
	}
	defer func() { unix.Close(tfd) }()
	for i := range tcomps {
		nfd, _, err := t.openDir(tfd, tcomps[:i+1], false)
		if err != nil {
			return err
		}
		unix.Close(tfd)
		tfd = nfd
	}
	var tst unix.Stat_t
	if err := unix.Fstatat(tfd, tbase, &tst, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat %s: %w", target, err)
	}
	if tst.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%w: hard link target %s is not a regular file", ErrUnsafe, target)
	}

	pfd, base, err := t.parent(p, true)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Dev == tst.Dev && st.Ino == tst.Ino {
		return nil // already the same file (a link to itself, or a repeated entry)
	}
	if _, err := t.clear(pfd, base, p, false); err != nil {
		return err
	}
	if err := unix.Linkat(tfd, tbase, pfd, base, 0); err != nil {
		return fmt.Errorf("link %s to %s: %w", p, target, err)
	}
	t.regular[p] = true
	return nil
}

// finish applies directory metadata, deepest directories first.
func (t *tree) finish() error {
	paths := make([]string, 0, len(t.dirs))
	for p := range t.dirs {
		paths = append(paths, p)
	}
	depth := func(p string) int { return strings.Count(p, "/") }
	sort.Slice(paths, func(i, j int) bool {
		if di, dj := depth(paths[i]), depth(paths[j]); di != dj {
			return di > dj
		}
		return paths[i] < paths[j]
	})
	for _, p := range paths {
		m := t.dirs[p]
		pfd, base, err := t.parent(p, false)
		if err != nil {
			return err
		}
		fd, err := unix.Openat(pfd, base, openDirFlags, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		err = unix.Fchown(fd, m.uid, m.gid)
		if err == nil {
			err = unix.Fchmod(fd, m.mode)
		}
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("set owner and mode of %s: %w", p, err)
		}
		if err := setTimes(pfd, base, p, m.mtime); err != nil {
			return err
		}
	}
	return nil
}
