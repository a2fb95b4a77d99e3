// Package usrmerge says where a path is on a merged-/usr root, where the
// top-level /bin, /sbin and /lib* directories are links into /usr (Debian
// since trixie, and earlier suites with the usrmerge package).
//
// It imports nothing of this module.
package usrmerge

import (
	"slices"
	"strings"
)

// dirs are the top-level directories that are links into /usr. /libo32
// (mips64el's o32 libraries) is not among them: the extractor never moved
// it and the image gets no link for it.
var dirs = []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// Dirs returns the names of the top-level directories that are links into
// /usr on a merged-/usr root: bin, sbin, lib, lib32, lib64 and libx32.
func Dirs() []string { return slices.Clone(dirs) }

// IsDir reports whether name, a top-level directory name without slashes
// ("lib64"), is a link into /usr on a merged-/usr root.
func IsDir(name string) bool { return slices.Contains(dirs, name) }

// Path returns the clean path p as it is stored on a merged-/usr root:
// /bin/sh is /usr/bin/sh, and, relative to the root, lib/x is usr/lib/x.
// The links themselves (/bin, lib64) and every other path are returned
// unchanged.
func Path(p string) string {
	rel := strings.TrimPrefix(p, "/")
	first, _, nested := strings.Cut(rel, "/")
	if !nested || !IsDir(first) {
		return p
	}
	return p[:len(p)-len(rel)] + "usr/" + rel
}

// Unmerged returns the spelling p, a path under /usr/bin, /usr/sbin or
// /usr/lib*, had before the merge (/usr/bin/sh: /bin/sh), and whether it
// had one.
func Unmerged(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/usr/")
	if !ok {
		return "", false
	}
	if first, _, nested := strings.Cut(rest, "/"); !nested || !IsDir(first) {
		return "", false
	}
	return "/" + rest, true
}
