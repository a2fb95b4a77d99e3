package effects

import (
	"archive/tar"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// Tar writes the effects as an uncompressed tar, every entry dated mtime,
// for debextract.ExtractTar: the helper writes the effects layer with the
// same safety as every other layer.
func (r *Result) Tar(w io.Writer, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, f := range r.Files {
		h := &tar.Header{Name: strings.TrimPrefix(f.Path, "/"), Uid: f.UID, Gid: f.GID, ModTime: mtime, Mode: int64(unixPerm(f.Mode)), Format: tar.FormatPAX}
		switch {
		case f.Dir:
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		case f.Target != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.Target, 0o777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// AddFile adds a regular file (0644, root's) to the effects, with the
// directories above it that the effects do not have yet (0755), keeping
// Files sorted: the helper records its warnings in the layer so.
func (r *Result) AddFile(p string, data []byte) {
	p = cleanPath(p)
	have := map[string]bool{}
	for _, f := range r.Files {
		have[f.Path] = true
	}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if !have[d] {
			r.Files = append(r.Files, File{Path: d, Dir: true, Mode: 0o755})
		}
	}
	r.Files = append(r.Files, File{Path: p, Data: data, Mode: 0o644})
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
}

// Has reports whether the result has an entry for p.
func (r *Result) Has(p string) bool {
	p = cleanPath(p)
	return slices.ContainsFunc(r.Files, func(f File) bool { return f.Path == p })
}

// AddDir adds the directory p with its owner and mode, unless the result
// has an entry for it.
func (r *Result) AddDir(p string, mode fs.FileMode, uid, gid int) {
	p = cleanPath(p)
	if r.Has(p) {
		return
	}
	r.Files = append(r.Files, File{Path: p, Dir: true, Mode: mode, UID: uid, GID: gid})
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
}
