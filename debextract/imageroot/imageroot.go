// Package imageroot reads a directory tree, or a stack of layer trees, as
// the root file system of an image, the way a program inside the container
// sees it: absolute symbolic links resolve against the image's root, ".."
// stops there, and a stack of layers reads as their union. The extraction
// helper's steps that stand in for maintainer scripts and triggers
// (update-ca-certificates, the effects) read the image through it.
package imageroot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// maxSymlinks bounds the symbolic links followed to resolve one path, as
// Linux's ELOOP does.
const maxSymlinks = 40

// errLoop reports too many levels of symbolic links.
var errLoop = errors.New("too many levels of symbolic links")

// Root reads a directory tree, or a stack of layer trees, as the root
// of an image: absolute symbolic links are resolved against the root and
// ".." stops at it, as inside a container. Every access goes through an
// os.Root, which refuses to leave its directory whatever a link says.
//
// With several layers (bottom first) the root is their union, as BuildKit
// merges layers without whiteouts: a path is the topmost layer's entry, a
// directory lists the entries of every layer that has it.
type Root struct {
	layers []*os.Root // bottom first

	// dirLayers memoises, per directory name, the layers (indexes,
	// bottom first) whose entries it lists: those that have it as a
	// directory, above none that has it as something else. A name can
	// only be in those of its parent, so that a lookup touches the few
	// layers that matter, not every package layer of the image.
	dirLayers map[string][]int
	// dirs memoises an open handle on a directory of a layer, so that a
	// lookup in it is one system call: an os.Root resolves a deep name
	// one component at a time, each an openat and a close.
	dirs map[layerDir]*os.Root
	// tops memoises top: the image does not change while it is read, and
	// resolve looks the same leading directories up for every file.
	tops map[string]topEntry
}

// layerDir names a directory of one layer.
type layerDir struct {
	layer int
	dir   string
}

// topEntry is what top found for a name.
type topEntry struct {
	dir *os.Root // the directory holding the entry, in its layer
	fi  fs.FileInfo
	err error
}

// Open returns the union of the layer directories dirs, bottom first.
func Open(dirs ...string) (*Root, error) {
	ir := &Root{dirLayers: map[string][]int{}, dirs: map[layerDir]*os.Root{}, tops: map[string]topEntry{}}
	for _, d := range dirs {
		r, err := os.OpenRoot(d)
		if err != nil {
			ir.Close()
			return nil, err
		}
		ir.layers = append(ir.layers, r)
	}
	if len(ir.layers) == 0 {
		return nil, errors.New("no image root")
	}
	return ir, nil
}

// Close releases the directory handles.
func (ir *Root) Close() error {
	var errs []error
	for _, r := range ir.dirs {
		errs = append(errs, r.Close())
	}
	for _, r := range ir.layers {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// dir returns a handle on the directory dir of layer i, which layersOf
// has found to be a directory there (no symbolic link on the way).
func (ir *Root) dir(i int, dir string) (*os.Root, error) {
	if dir == "." {
		return ir.layers[i], nil
	}
	k := layerDir{i, dir}
	if r, ok := ir.dirs[k]; ok {
		return r, nil
	}
	parent, err := ir.dir(i, path.Dir(dir))
	if err != nil {
		return nil, err
	}
	r, err := parent.OpenRoot(path.Base(dir))
	if err != nil {
		return nil, err
	}
	ir.dirs[k] = r
	return r, nil
}

// top returns the directory (in the topmost layer that has name, not
// following a final symbolic link) that holds name, and the entry's
// information: name's base is to be looked up in that directory.
func (ir *Root) top(name string) (*os.Root, fs.FileInfo, error) {
	if t, ok := ir.tops[name]; ok {
		return t.dir, t.fi, t.err
	}
	d, fi, err := ir.lookup(name)
	ir.tops[name] = topEntry{d, fi, err}
	return d, fi, err
}

func (ir *Root) lookup(name string) (*os.Root, fs.FileInfo, error) {
	dir, base := path.Dir(name), path.Base(name)
	cands := ir.layersOf(dir)
	if name == "." {
		cands = ir.all()
	}
	for i := len(cands) - 1; i >= 0; i-- {
		d, err := ir.dir(cands[i], dir)
		if err != nil {
			return nil, nil, err
		}
		fi, err := d.Lstat(base)
		if err == nil {
			return d, fi, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	return nil, nil, &fs.PathError{Op: "lstat", Path: name, Err: syscall.ENOENT}
}

func (ir *Root) all() []int {
	all := make([]int, len(ir.layers))
	for i := range all {
		all[i] = i
	}
	return all
}

// layersOf returns the layers that list the directory dir (see dirLayers);
// none when it is not a directory of the image.
func (ir *Root) layersOf(dir string) []int {
	if dir == "." {
		return ir.all()
	}
	if ls, ok := ir.dirLayers[dir]; ok {
		return ls
	}
	var ls []int
	parentDir := path.Dir(dir)
	parent := ir.layersOf(parentDir)
	for i := len(parent) - 1; i >= 0; i-- {
		d, err := ir.dir(parent[i], parentDir)
		if err != nil {
			continue
		}
		fi, err := d.Lstat(path.Base(dir))
		if err != nil {
			continue
		}
		if !fi.IsDir() {
			break // hides the layers below
		}
		ls = append(ls, parent[i])
	}
	slices.Reverse(ls)
	ir.dirLayers[dir] = ls
	return ls
}

// Lstat is os.Lstat of the absolute image path p: the final symbolic link
// is not followed, those before it are, inside the image.
func (ir *Root) Lstat(p string) (fs.FileInfo, error) {
	q, err := ir.Resolve(path.Dir(path.Clean("/" + p)))
	if err != nil {
		return nil, err
	}
	return ir.lstat(rel(path.Join(q, path.Base(path.Clean("/"+p)))))
}

// Readlink is os.Readlink of the absolute image path p (see Lstat).
func (ir *Root) Readlink(p string) (string, error) {
	q, err := ir.Resolve(path.Dir(path.Clean("/" + p)))
	if err != nil {
		return "", err
	}
	return ir.readlink(rel(path.Join(q, path.Base(path.Clean("/"+p)))))
}

// lstat is os.Lstat of a resolved relative name in the (union) image.
func (ir *Root) lstat(name string) (fs.FileInfo, error) {
	_, fi, err := ir.top(name)
	return fi, err
}

// readlink is os.Readlink of a resolved relative name in the (union) image.
func (ir *Root) readlink(name string) (string, error) {
	d, _, err := ir.top(name)
	if err != nil {
		return "", err
	}
	return d.Readlink(path.Base(name))
}

// rel turns an absolute image path into a name for os.Root.
func rel(p string) string {
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// Resolve returns p, an absolute image path, with every symbolic link
// resolved inside the image.
func (ir *Root) Resolve(p string) (string, error) {
	done := "/"
	todo := strings.Split(path.Clean("/" + p)[1:], "/")
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, c)
		fi, err := ir.lstat(rel(next))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if links++; links > maxSymlinks {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: errLoop}
		}
		target, err := ir.readlink(rel(next))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return done, nil
}

// Stat returns the file information of p after resolving it.
func (ir *Root) Stat(p string) (string, fs.FileInfo, error) {
	q, err := ir.Resolve(p)
	if err != nil {
		return "", nil, err
	}
	fi, err := ir.lstat(rel(q))
	if err != nil {
		return "", nil, err
	}
	return q, fi, nil
}

// ReadFile reads the regular file p, following symbolic links inside the
// image. Files larger than max are refused.
func (ir *Root) ReadFile(p string, max int64) ([]byte, error) {
	q, fi, err := ir.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: p, Err: errors.New("not a regular file")}
	}
	if fi.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("larger than %d bytes", max)}
	}
	d, _, err := ir.top(rel(q))
	if err != nil {
		return nil, err
	}
	return d.ReadFile(path.Base(rel(q)))
}

// ReadDir lists the directory p (resolved), sorted by name: in a union,
// the entries of every layer that has p as a directory, the topmost entry
// of each name.
func (ir *Root) ReadDir(p string) ([]fs.DirEntry, error) {
	q, err := ir.Resolve(p)
	if err != nil {
		return nil, err
	}
	if _, fi, err := ir.top(rel(q)); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: errors.New("not a directory")}
	}
	byName := map[string]fs.DirEntry{}
	for _, i := range ir.layersOf(rel(q)) {
		d, err := ir.dir(i, rel(q))
		if err != nil {
			return nil, err
		}
		f, err := d.Open(".")
		if err != nil {
			return nil, err
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			byName[e.Name()] = e
		}
	}
	ents := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		ents = append(ents, e)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	return ents, nil
}

// Find returns the paths of the regular files beneath dir whose base name
// match accepts, like "find DIR -type f -name PATTERN" (follow false:
// symbolic links are neither listed nor descended into, except dir
// itself) or "find -L DIR -type f -name PATTERN" (follow true: links are followed
// inside the image, loops are skipped). Paths are as walked, not
// resolved. A missing dir yields nothing.
func (ir *Root) Find(dir string, follow bool, match func(name string) bool) ([]string, error) {
	q, fi, err := ir.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, nil
	}
	var out []string
	var walk func(walked, resolved string, stack map[string]bool, depth int) error
	walk = func(walked, resolved string, stack map[string]bool, depth int) error {
		if depth > 64 {
			return &fs.PathError{Op: "walk", Path: walked, Err: errors.New("too deep")}
		}
		ents, err := ir.ReadDir(resolved)
		if err != nil {
			return err
		}
		for _, e := range ents {
			w := path.Join(walked, e.Name())
			r := path.Join(resolved, e.Name())
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				if !follow {
					continue
				}
				rr, fi, err := ir.Stat(r)
				if err != nil {
					continue // dangling or looping: not -type f
				}
				r, mode = rr, fi.Mode().Type()
			}
			switch {
			case mode.IsDir():
				if stack[r] {
					continue // a loop, which find reports and skips
				}
				stack[r] = true
				if err := walk(w, r, stack, depth+1); err != nil {
					return err
				}
				delete(stack, r)
			case mode.IsRegular() && match(e.Name()):
				out = append(out, w)
			}
		}
		return nil
	}
	if err := walk(path.Clean("/"+dir), q, map[string]bool{q: true}, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// Open opens the regular file p (links resolved inside the image) for
// reading, in the topmost layer that has it.
func (ir *Root) Open(p string) (*os.File, error) {
	q, fi, err := ir.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
	}
	d, _, err := ir.top(rel(q))
	if err != nil {
		return nil, err
	}
	return d.Open(path.Base(rel(q)))
}
