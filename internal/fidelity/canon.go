package fidelity

import (
	"path"
	"strings"

	"github.com/distrofile/distrofile/debarch"
	"github.com/distrofile/distrofile/usrmerge"
)

// Canon returns p, clean and absolute, as it is stored on a merged-/usr
// system when merged is true (Debian trixie and later: dpkg's file lists
// still name /bin/sh, while the file is /usr/bin/sh; see usrmerge.Path).
// The links themselves (/bin) stay as they are.
func Canon(p string, merged bool) string {
	p = path.Clean("/" + p)
	if !merged {
		return p
	}
	return usrmerge.Path(p)
}

// ResolveTarget returns the absolute, clean and canonical path a symlink at
// link points to, without following further links: "../lib/x" from
// /usr/bin/y is /usr/lib/x, and "/bin/sh" is /usr/bin/sh on a merged system.
// Two links agree when their resolved targets are equal, whether one is
// written relative and the other absolute.
func ResolveTarget(link, target string, merged bool) string {
	if !strings.HasPrefix(target, "/") {
		target = path.Join(path.Dir(Canon(link, merged)), target)
	}
	return Canon(target, merged)
}

// Renamer maps a path of one architecture's root to the same path of
// another's: the arm64 image is compared with the amd64 apt root (mmdebstrap
// builds a foreign root only under qemu), so effect paths and symlink
// targets are renamed by the multiarch triplet and the Debian architecture
// name.
type Renamer func(string) string

// ArchRenamer returns the Renamer from amd64 paths to arch's, or nil when
// arch is amd64. The replacements are whole path elements or their
// "-amd64" / "x86_64-linux-gnu" parts: /usr/lib/x86_64-linux-gnu/… becomes
// /usr/lib/aarch64-linux-gnu/…, /usr/lib/jvm/java-21-openjdk-amd64 becomes
// …-arm64, and the dynamic loader's name is mapped too.
func ArchRenamer(arch string) Renamer {
	a, ok := debarch.Lookup(arch)
	amd64, _ := debarch.Lookup("amd64")
	if !ok || arch == "amd64" {
		return nil
	}
	r := strings.NewReplacer(
		amd64.Triplet, a.Triplet,
		amd64.Loader(), a.Loader(),
		"-amd64", "-"+arch,
		"_amd64", "_"+arch,
	)
	return r.Replace
}
