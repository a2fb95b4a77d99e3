package effects

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/imageroot"
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

// KeepPackageDirs gives each of dirs that the package layers pkgs have the
// package's owner and mode, with its parents as the packages have them:
// the effects layer is merged above the generated files, whose WORKDIR or
// MKDIR entry (imagespec.File.Implicit) would otherwise replace them. A
// directory the result has already (a script changed it) stays so.
func (r *Result) KeepPackageDirs(pkgs *imageroot.Root, dirs []string) {
	for _, d := range dirs {
		if fi, err := pkgs.Lstat(d); err != nil || !fi.IsDir() {
			continue
		}
		var chain []string
		for p := cleanPath(d); p != "/"; p = path.Dir(p) {
			chain = append(chain, p)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			fi, err := pkgs.Lstat(chain[i])
			if err != nil || !fi.IsDir() {
				break
			}
			uid, gid := debextract.Owner(fi)
			r.AddDir(chain[i], debextract.ModeBits(fi.Mode()), uid, gid)
		}
	}
}

// maxTakeover bounds the size of a file the effects layer puts on top
// again for a package that Replaces another (TakeOver).
const maxTakeover = 512 << 20

// TakeOver puts the entry at p of the package layer at root, a regular
// file or a symbolic link, into the result with its owner and mode (and
// the directories above it with the image's metadata, from img): a
// package that Replaces another is in a lower layer than the one it
// replaces (owners.Check), and the effects layer is merged above both.
func (r *Result) TakeOver(img *imageroot.Root, root, p string) error {
	p = cleanPath(p)
	dir, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer dir.Close()
	rel := strings.TrimPrefix(p, "/")
	fi, err := dir.Lstat(rel)
	if err != nil {
		return err
	}
	uid, gid := debextract.Owner(fi)
	f := File{Path: p, Mode: debextract.ModeBits(fi.Mode()), UID: uid, GID: gid}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		if f.Target, err = dir.Readlink(rel); err != nil {
			return err
		}
	case fi.Mode().IsRegular():
		if fi.Size() > maxTakeover {
			return fmt.Errorf("%s: %d bytes, more than %d", p, fi.Size(), maxTakeover)
		}
		if f.Data, err = dir.ReadFile(rel); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: %v is neither a file nor a symbolic link", p, fi.Mode().Type())
	}
	r.KeepPackageDirs(img, []string{path.Dir(p)})
	r.Files = slices.DeleteFunc(r.Files, func(e File) bool { return e.Path == p })
	r.Files = append(r.Files, f)
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
	return nil
}
