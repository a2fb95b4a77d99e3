// Package effects computes what dpkg and apt leave in a root beyond the
// packages' files, for an image whose packages were only extracted: the
// effects of their maintainer scripts (config, preinst, postinst), of the
// triggers those activate, and of Debian's declarative files (sysusers.d,
// tmpfiles.d), plus the caches that triggers write (ld.so.cache).
//
// Effects come from the packages themselves, not from a list of known
// packages: each script is read by a shell interpreter (mvdan.cc/sh) in
// which every command is a Go stand-in working on the image (standIns:
// update-alternatives, adduser, ucf, phpenmod, coreutils, debconf's
// noninteractive frontend, the Java trust store's program,
// update-mime-database…), shell
// scripts of the image that a script runs are read the same way, and
// nothing of the image ever runs: the effects are the same on every
// architecture, without emulation, and the same for the same inputs. What
// no stand-in reproduces (a perl script, a command none covers, a failed
// script) is a warning naming the package, never silence.
//
// The order is apt's on a fresh install: the config scripts, each
// preinst with "install", each postinst with "configure" in dependency
// order, then "postinst triggered" for every trigger activated, then
// sysusers.d and tmpfiles.d (a container has no boot to apply them),
// then ld.so.cache. docs/effects.md lists every stand-in (Table).
package effects

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Table writes the Markdown table of what the effects step reproduces,
// generated from standIns and nativePackages (docs/effects.md).
func Table(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| command | what the build does in its place |\n|---|---|\n")
	names := make([]string, 0, len(standIns))
	for n := range standIns {
		if !strings.HasPrefix(n, "distrofile-") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "| `%s` | %s |\n", n, standIns[n].doc)
	}
	b.WriteString("\nPackages whose scripts do not run, because another step does their work:\n\n| package | done by |\n|---|---|\n")
	pkgs := make([]string, 0, len(nativePackages))
	for p := range nativePackages {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", p, nativePackages[p])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
