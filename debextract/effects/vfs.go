package effects

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/imageroot"
)

// maxFile bounds a file the stand-ins read or copy: configuration files
// and keystores, never payloads.
const maxFile = 64 << 20

// kind is what a path of the effects layer is.
type kind int

const (
	kindFile kind = iota
	kindDir
	kindLink
	kindGone // removed: hides what the image has there
)

// node is one path the maintainer scripts' stand-ins wrote.
type node struct {
	kind     kind
	mode     fs.FileMode // permission bits and setuid/setgid/sticky
	uid, gid int
	data     []byte
	target   string
}

// vfs is the image as the maintainer scripts see it: the read-only image
// (the package layers and the generated files) with what the stand-ins
// wrote on top. Paths are absolute and clean.
type vfs struct {
	img   *imageroot.Root
	nodes map[string]*node
}

func newVFS(img *imageroot.Root) *vfs {
	return &vfs{img: img, nodes: map[string]*node{}}
}

// errNotExist is the error of a lookup that finds nothing.
func errNotExist(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: syscall.ENOENT}
}

// info is what lstat knows of a path, whichever side it is on.
type info struct {
	name     string
	kind     kind
	mode     fs.FileMode
	uid, gid int
	size     int64
	target   string
}

// lstat looks p up without following a final link; p's parents must be
// resolved already.
func (v *vfs) lstat(p string) (info, error) {
	if n, ok := v.nodes[p]; ok {
		if n.kind == kindGone {
			return info{}, errNotExist("lstat", p)
		}
		return info{name: path.Base(p), kind: n.kind, mode: n.mode, uid: n.uid, gid: n.gid, size: int64(len(n.data)), target: n.target}, nil
	}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if n, ok := v.nodes[d]; ok && n.kind != kindDir {
			return info{}, errNotExist("lstat", p)
		}
	}
	fi, err := v.img.Lstat(p)
	if err != nil {
		return info{}, err
	}
	in := info{name: path.Base(p), mode: debextract.ModeBits(fi.Mode()), size: fi.Size()}
	in.uid, in.gid = debextract.Owner(fi)
	switch {
	case fi.IsDir():
		in.kind = kindDir
	case fi.Mode()&fs.ModeSymlink != 0:
		in.kind = kindLink
		if in.target, err = v.img.Readlink(p); err != nil {
			return info{}, err
		}
	case fi.Mode().IsRegular():
		in.kind = kindFile
	default:
		return info{}, &fs.PathError{Op: "lstat", Path: p, Err: errors.New("not a file, directory or link")}
	}
	return in, nil
}

// resolve returns p with every link resolved (the final one too when
// follow), inside the image.
func (v *vfs) resolve(p string, follow bool) (string, error) {
	done := "/"
	todo := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, c)
		if len(todo) == 0 && !follow {
			return next, nil
		}
		in, err := v.lstat(next)
		if errors.Is(err, fs.ErrNotExist) && len(todo) == 0 {
			return next, nil
		}
		if err != nil {
			return "", err
		}
		if in.kind != kindLink {
			done = next
			continue
		}
		if links++; links > 40 {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: syscall.ELOOP}
		}
		if strings.HasPrefix(in.target, "/") {
			done = "/"
		}
		todo = append(strings.Split(in.target, "/"), todo...)
	}
	return done, nil
}

// stat is lstat after resolve.
func (v *vfs) stat(p string, follow bool) (string, info, error) {
	q, err := v.resolve(p, follow)
	if err != nil {
		return "", info{}, err
	}
	in, err := v.lstat(q)
	return q, in, err
}

// exists reports whether p exists (following links).
func (v *vfs) exists(p string) bool {
	_, _, err := v.stat(p, true)
	return err == nil
}

// isDir reports whether p is a directory (following links).
func (v *vfs) isDir(p string) bool {
	_, in, err := v.stat(p, true)
	return err == nil && in.kind == kindDir
}

// readFile reads the regular file p.
func (v *vfs) readFile(p string) ([]byte, error) {
	q, in, err := v.stat(p, true)
	if err != nil {
		return nil, err
	}
	if in.kind != kindFile {
		return nil, &fs.PathError{Op: "read", Path: p, Err: syscall.EISDIR}
	}
	if n, ok := v.nodes[q]; ok {
		return n.data, nil
	}
	return v.img.ReadFile(q, maxFile)
}

// readDir lists p: the image's entries and the stand-ins', sorted.
func (v *vfs) readDir(p string) ([]info, error) {
	q, in, err := v.stat(p, true)
	if err != nil {
		return nil, err
	}
	if in.kind != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: syscall.ENOTDIR}
	}
	names := map[string]bool{}
	if ents, err := v.img.ReadDir(q); err == nil {
		for _, e := range ents {
			names[e.Name()] = true
		}
	}
	for n := range v.nodes {
		if n != q && path.Dir(n) == q {
			names[path.Base(n)] = true
		}
	}
	var out []info
	for n := range names {
		in, err := v.lstat(path.Join(q, n))
		if err == nil {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// parentDir resolves p's parent, which must be a directory, and returns
// the path p stands for in it.
func (v *vfs) parentDir(p string) (string, error) {
	dir, err := v.resolve(path.Dir(path.Clean("/"+p)), true)
	if err != nil {
		return "", err
	}
	if !v.isDir(dir) {
		return "", errNotExist("open", path.Dir(p))
	}
	return path.Join(dir, path.Base(path.Clean("/"+p))), nil
}

// writeFile writes the regular file p (through a final link), keeping an
// existing file's owner and mode.
func (v *vfs) writeFile(p string, data []byte, mode fs.FileMode) error {
	q, err := v.resolve(p, true)
	if err != nil {
		return err
	}
	if q, err = v.parentDir(q); err != nil {
		return err
	}
	uid, gid := 0, 0
	if in, err := v.lstat(q); err == nil {
		if in.kind == kindDir {
			return &fs.PathError{Op: "write", Path: p, Err: syscall.EISDIR}
		}
		mode, uid, gid = in.mode, in.uid, in.gid
	}
	v.nodes[q] = &node{kind: kindFile, mode: mode, uid: uid, gid: gid, data: data}
	return nil
}

// mkdir makes the directory p (with its parents when parents), owned by
// root; an existing directory is kept as it is.
func (v *vfs) mkdir(p string, mode fs.FileMode, parents bool) error {
	p = path.Clean("/" + p)
	if p == "/" {
		return nil
	}
	if v.isDir(p) {
		return nil
	}
	if parents {
		if err := v.mkdir(path.Dir(p), 0o755, true); err != nil {
			return err
		}
	}
	q, err := v.parentDir(p)
	if err != nil {
		return err
	}
	if _, err := v.lstat(q); err == nil {
		return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.EEXIST}
	}
	v.nodes[q] = &node{kind: kindDir, mode: mode}
	return nil
}

// symlink makes p a link to target, replacing a file or link there.
func (v *vfs) symlink(target, p string) error {
	q, err := v.parentDir(p)
	if err != nil {
		return err
	}
	if in, err := v.lstat(q); err == nil && in.kind == kindDir {
		return &fs.PathError{Op: "symlink", Path: p, Err: syscall.EEXIST}
	}
	v.nodes[q] = &node{kind: kindLink, mode: 0o777, target: target}
	return nil
}

// remove removes p (not following a final link); a directory only when
// empty or recursive.
func (v *vfs) remove(p string, recursive bool) error {
	q, err := v.resolve(p, false)
	if err != nil {
		return err
	}
	in, err := v.lstat(q)
	if err != nil {
		return err
	}
	if in.kind == kindDir {
		ents, _ := v.readDir(q)
		if len(ents) > 0 && !recursive {
			return &fs.PathError{Op: "remove", Path: p, Err: syscall.ENOTEMPTY}
		}
		for _, e := range ents {
			if err := v.remove(path.Join(q, e.name), true); err != nil {
				return err
			}
		}
	}
	v.nodes[q] = &node{kind: kindGone}
	return nil
}

// setAttr changes p's owner (uid, gid ≥ 0) or mode (mode ≥ 0), copying an
// image entry into the effects layer.
func (v *vfs) setAttr(p string, follow bool, uid, gid int, mode int) error {
	q, in, err := v.stat(p, follow)
	if err != nil {
		return err
	}
	n, ok := v.nodes[q]
	if !ok {
		n = &node{kind: in.kind, mode: in.mode, uid: in.uid, gid: in.gid, target: in.target}
		if in.kind == kindFile {
			if n.data, err = v.img.ReadFile(q, maxFile); err != nil {
				return err
			}
		}
		v.nodes[q] = n
	}
	if uid >= 0 {
		n.uid = uid
	}
	if gid >= 0 {
		n.gid = gid
	}
	if mode >= 0 {
		n.mode = fs.FileMode(mode) & fs.ModePerm
		if mode&0o4000 != 0 {
			n.mode |= fs.ModeSetuid
		}
		if mode&0o2000 != 0 {
			n.mode |= fs.ModeSetgid
		}
		if mode&0o1000 != 0 {
			n.mode |= fs.ModeSticky
		}
	}
	return nil
}

// memFile is a file opened for the shell: reads see the content at open,
// writes replace or append to it when the file is closed.
type memFile struct {
	v      *vfs
	mu     *sync.Mutex
	path   string
	r      *bytes.Reader
	w      *bytes.Buffer
	append bool
	mode   fs.FileMode
}

func (f *memFile) Read(b []byte) (int, error) {
	if f.r == nil {
		return 0, io.EOF
	}
	return f.r.Read(b)
}

func (f *memFile) Write(b []byte) (int, error) {
	if f.w == nil {
		return 0, fmt.Errorf("%s: not open for writing", f.path)
	}
	if f.w.Len()+len(b) > maxFile {
		return 0, fmt.Errorf("%s: more than %d bytes", f.path, maxFile)
	}
	return f.w.Write(b)
}

func (f *memFile) Close() error {
	if f.w == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	data := f.w.Bytes()
	if f.append {
		old, err := f.v.readFile(f.path)
		if err == nil {
			data = append(append([]byte{}, old...), data...)
		}
	}
	return f.v.writeFile(f.path, data, f.mode)
}

// devNull is /dev/null, the one device scripts use.
type devNull struct{}

func (devNull) Read([]byte) (int, error)    { return 0, io.EOF }
func (devNull) Write(b []byte) (int, error) { return len(b), nil }
func (devNull) Close() error                { return nil }

// fileInfo adapts info to fs.FileInfo for the shell's tests.
type fileInfo struct{ info }

func (fi fileInfo) Name() string { return fi.name }
func (fi fileInfo) Size() int64  { return fi.size }
func (fi fileInfo) Mode() fs.FileMode {
	switch fi.kind {
	case kindDir:
		return fi.mode | fs.ModeDir
	case kindLink:
		return fi.mode | fs.ModeSymlink
	}
	return fi.mode
}
func (fi fileInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (fi fileInfo) IsDir() bool        { return fi.kind == kindDir }
func (fi fileInfo) Sys() any {
	return &syscall.Stat_t{Uid: uint32(fi.uid), Gid: uint32(fi.gid), Mode: uint32(fi.Mode().Perm())}
}

// dirEntry adapts info to fs.DirEntry.
type dirEntry struct{ fileInfo }

func (d dirEntry) Type() fs.FileMode          { return d.Mode().Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.fileInfo, nil }

// dirEntries adapts a listing to fs.DirEntry.
func dirEntries(ins []info) []fs.DirEntry {
	out := make([]fs.DirEntry, len(ins))
	for i, in := range ins {
		out[i] = dirEntry{fileInfo{in}}
	}
	return out
}
