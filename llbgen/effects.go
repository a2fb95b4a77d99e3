package llbgen

import (
	"fmt"
	"os"
	"strings"

	"github.com/distrofile/distrofile/debsuite"
	"github.com/distrofile/distrofile/imagespec"
)

// Distro describes the archive a stage installs from, for the files that
// maintainer scripts or base-files would provide.
type Distro struct {
	// ID is "debian" or "ubuntu"; Codename the suite's codename ("trixie")
	// or, for debian, an alias debsuite knows ("stable"), which stands for
	// its codename.
	ID, Codename string
}

// debian returns d with a Debian alias replaced by its codename, and the
// release number of the codename, "" when debsuite has none (or d is not
// Debian). The point release is not used: a build from a lockfile, which
// reads no InRelease, must give the same files as one that does.
func (d Distro) debian() (Distro, string) {
	if d.ID != "debian" {
		return d, ""
	}
	s, ok := debsuite.Lookup(d.Codename)
	if !ok {
		return d, ""
	}
	d.Codename = s.Codename
	return d, s.Version
}

// ScriptEffects returns what base-files and its postinst give every Debian
// root and a running program may need, for images that do not install
// base-files (the effects step, EffectsLayer, runs the scripts of the
// packages an image installs): /var/run -> /run, /var/lock -> /run/lock
// and a 1777 /run/lock; when base-files itself is not installed, an
// /etc/os-release (-> ../usr/lib/os-release) and /etc/debian_version, so
// that scanners still identify the distribution.
func ScriptEffects(installed map[string]bool, d Distro) []imagespec.File {
	fs := []imagespec.File{
		{Kind: imagespec.KindDir, Path: "/run", Mode: 0o755},
		{Kind: imagespec.KindDir, Path: "/run/lock", Mode: 0o777 | os.ModeSticky},
		{Kind: imagespec.KindDir, Path: "/var", Mode: 0o755},
		{Kind: imagespec.KindSymlink, Path: "/var/run", Target: "/run"},
		{Kind: imagespec.KindSymlink, Path: "/var/lock", Target: "/run/lock"},
	}
	if !installed["base-files"] && d.ID != "" {
		fs = append(fs,
			imagespec.File{Kind: imagespec.KindFile, Path: "/usr/lib/os-release", Mode: 0o644, Content: []byte(osRelease(d))},
			imagespec.File{Kind: imagespec.KindSymlink, Path: "/etc/os-release", Target: "../usr/lib/os-release"},
		)
		if _, v := d.debian(); v != "" {
			fs = append(fs, imagespec.File{Kind: imagespec.KindFile, Path: "/etc/debian_version", Mode: 0o644, Content: []byte(v + "\n")})
		}
	}
	return fs
}

// osRelease is the os-release(5) of a Distrofile image without base-files.
func osRelease(d Distro) string {
	name := map[string]string{"debian": "Debian GNU/Linux", "ubuntu": "Ubuntu"}[d.ID]
	if name == "" {
		name = d.ID
	}
	d, major := d.debian()
	var b strings.Builder
	fmt.Fprintf(&b, "PRETTY_NAME=\"Distrofile (%s %s)\"\n", name, strings.TrimSpace(major+" ("+d.Codename+")"))
	fmt.Fprintf(&b, "NAME=%q\n", name)
	if major != "" {
		fmt.Fprintf(&b, "VERSION_ID=%q\n", major)
		fmt.Fprintf(&b, "VERSION=\"%s (%s)\"\n", major, d.Codename)
	}
	fmt.Fprintf(&b, "VERSION_CODENAME=%s\n", d.Codename)
	fmt.Fprintf(&b, "ID=%s\n", d.ID)
	return b.String()
}
