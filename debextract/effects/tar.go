package effects

import (
	"archive/tar"
	"io"
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
