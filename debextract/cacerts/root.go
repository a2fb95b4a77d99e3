package cacerts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// maxSymlinks bounds the symbolic links followed to resolve one path, as
// Linux's ELOOP does.
const maxSymlinks = 40

// errLoop reports too many levels of symbolic links.
var errLoop = errors.New("too many levels of symbolic links")

// imageRoot reads a directory tree as the root of an image: absolute
// symbolic links are resolved against the root and ".." stops at it, as
// inside a container. Every access goes through an os.Root, which refuses
// to leave the directory whatever a link says.
type imageRoot struct {
	r *os.Root
}

func openImageRoot(dir string) (*imageRoot, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &imageRoot{r: r}, nil
}

func (ir *imageRoot) Close() error { return ir.r.Close() }

// rel turns an absolute image path into a name for os.Root.
func rel(p string) string {
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// resolve returns p, an absolute image path, with every symbolic link
// resolved inside the image.
func (ir *imageRoot) resolve(p string) (string, error) {
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
		fi, err := ir.r.Lstat(rel(next))
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
		target, err := ir.r.Readlink(rel(next))
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

// stat returns the file information of p after resolving it.
func (ir *imageRoot) stat(p string) (string, fs.FileInfo, error) {
	q, err := ir.resolve(p)
	if err != nil {
		return "", nil, err
	}
	fi, err := ir.r.Lstat(rel(q))
	if err != nil {
		return "", nil, err
	}
	return q, fi, nil
}

// readFile reads the regular file p, following symbolic links inside the
// image. Files larger than max are refused.
func (ir *imageRoot) readFile(p string, max int64) ([]byte, error) {
	q, fi, err := ir.stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: p, Err: errors.New("not a regular file")}
	}
	if fi.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("larger than %d bytes", max)}
	}
	return ir.r.ReadFile(rel(q))
}

// readDir lists the directory p (resolved), sorted by name.
func (ir *imageRoot) readDir(p string) ([]fs.DirEntry, error) {
	q, err := ir.resolve(p)
	if err != nil {
		return nil, err
	}
	f, err := ir.r.Open(rel(q))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	return ents, err
}

// findCRT returns the paths of the files named *.crt beneath dir, like
// "find DIR -type f -name '*.crt'" (follow false: symbolic links are
// neither listed nor descended into, except dir itself) or
// "find -L DIR -type f -name '*.crt'" (follow true: links are followed
// inside the image, loops are skipped). Paths are as walked, not
// resolved. A missing dir yields nothing.
func (ir *imageRoot) findCRT(dir string, follow bool) ([]string, error) {
	q, fi, err := ir.stat(dir)
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
		ents, err := ir.readDir(resolved)
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
				rr, fi, err := ir.stat(r)
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
			case mode.IsRegular() && strings.HasSuffix(e.Name(), ".crt"):
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
