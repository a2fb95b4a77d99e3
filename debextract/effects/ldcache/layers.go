package ldcache

import (
	"errors"
	"os"
	"strings"
	"syscall"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

// Layers is the union of layer directories read as imageroot reads it,
// that can also open a file in place (Opener), so that Generate reads
// only the few blocks of a library ldconfig looks at.
type Layers struct {
	*imageroot.Root
	roots []*os.Root // bottom first
}

// OpenLayers opens the union of the layer directories dirs, bottom first.
func OpenLayers(dirs ...string) (*Layers, error) {
	ir, err := imageroot.Open(dirs...)
	if err != nil {
		return nil, err
	}
	l := &Layers{Root: ir}
	for _, d := range dirs {
		r, err := os.OpenRoot(d)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.roots = append(l.roots, r)
	}
	return l, nil
}

// Close releases the directory handles.
func (l *Layers) Close() error {
	errs := []error{l.Root.Close()}
	for _, r := range l.roots {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// errNotInPlace reports a file Open could not tie to the union's view.
var errNotInPlace = errors.New("file not found in place")

// Open opens the regular file p of the union: the file of the topmost
// layer that is the very file imageroot resolves p to (same device and
// inode), opened without blocking, whatever the layer holds.
func (l *Layers) Open(p string) (File, error) {
	q, fi, err := l.Root.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
	}
	name := strings.TrimPrefix(q, "/")
	for i := len(l.roots) - 1; i >= 0; i-- {
		f, err := l.roots[i].OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			continue
		}
		if ofi, err := f.Stat(); err == nil && ofi.Mode().IsRegular() && os.SameFile(ofi, fi) {
			return f, nil
		}
		f.Close()
	}
	return nil, &os.PathError{Op: "open", Path: p, Err: errNotInPlace}
}

// GenerateLayers is Generate over the union of the layer directories
// (bottom first), reading libraries in place.
func GenerateLayers(layers []string, opt Options) (*Result, error) {
	l, err := OpenLayers(layers...)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return Generate(l, opt)
}
