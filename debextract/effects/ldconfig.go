package effects

import (
	"bytes"
	"errors"
	"io/fs"
	"path"

	"github.com/distrofile/distrofile/debextract/effects/ldcache"
)

// ldconfig writes /etc/ld.so.cache as libc-bin's ldconfig trigger does
// (package ldcache), and the soname links ldconfig would make, when a
// script asked for ldconfig or the image has glibc's dynamic loader
// configuration. An image without glibc gets none.
func (e *engine) ldconfigEffects() {
	if !e.ldconfig && !e.fs.exists("/etc/ld.so.conf.d") && !e.fs.exists("/etc/ld.so.conf") {
		return
	}
	res, err := ldcache.Generate(vfsFS{e.fs}, ldcache.Options{Arch: e.opt.Arch})
	if errors.Is(err, ldcache.ErrNoGenerator) {
		return
	}
	if err != nil {
		e.warnf(nil, "ld.so.cache: %v: not written", err)
		return
	}
	for _, w := range res.Warnings {
		e.warnf(nil, "ldconfig: %s", w)
	}
	for _, l := range res.Links {
		if err := e.fs.symlink(l.Target, l.Path); err != nil {
			e.warnf(nil, "ldconfig: link %s: %v", l.Path, err)
		}
	}
	if err := e.fs.writeFile("/etc/ld.so.cache", res.Cache, 0o644); err != nil {
		e.warnf(nil, "ld.so.cache: %v", err)
	}
}

// vfsFS is the image as the stand-ins left it, for package ldcache.
type vfsFS struct{ v *vfs }

func (f vfsFS) ReadFile(p string, max int64) ([]byte, error) {
	_, in, err := f.v.stat(p, true)
	if err != nil {
		return nil, err
	}
	if in.size > max {
		return nil, &fs.PathError{Op: "read", Path: p, Err: errors.New("too large")}
	}
	return f.v.readFile(p)
}

func (f vfsFS) ReadDir(p string) ([]fs.DirEntry, error) {
	ins, err := f.v.readDir(p)
	if err != nil {
		return nil, err
	}
	return dirEntries(ins), nil
}

func (f vfsFS) Stat(p string) (string, fs.FileInfo, error) {
	q, in, err := f.v.stat(p, true)
	if err != nil {
		return "", nil, err
	}
	return q, fileInfo{in}, nil
}

func (f vfsFS) Lstat(p string) (fs.FileInfo, error) {
	q, in, err := f.v.stat(p, false)
	if err != nil {
		return nil, err
	}
	in.name = path.Base(q)
	return fileInfo{in}, nil
}

// Open opens a file for ldcache to read only the headers of a library.
func (f vfsFS) Open(p string) (ldcache.File, error) {
	q, in, err := f.v.stat(p, true)
	if err != nil {
		return nil, err
	}
	if n, ok := f.v.nodes[q]; ok {
		return memReaderAt{bytes.NewReader(n.data), fileInfo{in}}, nil
	}
	return f.v.img.Open(q)
}

// memReaderAt is a file the stand-ins wrote, opened for ldcache.
type memReaderAt struct {
	*bytes.Reader
	fi fileInfo
}

func (m memReaderAt) Close() error               { return nil }
func (m memReaderAt) Stat() (fs.FileInfo, error) { return m.fi, nil }
