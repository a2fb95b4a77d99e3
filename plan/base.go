package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/internal/deb822"
)

// Base is what INSTALL on top of an image needs from the image: the
// release its /etc/os-release names, whose archive the packages come
// from, and the packages its dpkg database lists, which count as
// installed.
type Base struct {
	// Ref is the image pinned by digest (name@sha256:…), Digest the digest.
	Ref, Digest string
	// Distro and Suite are os-release's ID and VERSION_CODENAME.
	Distro, Suite string
	Installed     []debresolve.InstalledPackage
	// StatusFile: the image keeps its dpkg database in
	// /var/lib/dpkg/status (a regular Debian image), not in status.d.
	StatusFile bool
}

// BaseReader reads the base image of an image stage that installs
// packages, for the Debian architecture arch. The CLI has none: it cannot
// read images.
type BaseReader func(ctx context.Context, st *distrofile.Stage, arch string) (*Base, error)

// OnBase returns s with the archive of the base image's release: the
// stage as plan.New and Resolve take it.
func OnBase(s *distrofile.StageSpec, b *Base) *distrofile.StageSpec {
	c := *s
	c.Distro, c.Suite = b.Distro, b.Suite
	return &c
}

// ParseOSRelease returns the ID and VERSION_CODENAME of an os-release
// file, with an error when it does not name a release of Debian or
// Ubuntu whose archive INSTALL could read.
func ParseOSRelease(data []byte) (distro, suite string, err error) {
	vals := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok {
			vals[k] = strings.Trim(v, `"'`)
		}
	}
	distro, suite = vals["ID"], vals["VERSION_CODENAME"]
	if distro != "debian" && distro != "ubuntu" {
		return "", "", fmt.Errorf("its /etc/os-release says ID=%q: INSTALL on an image needs a Debian or Ubuntu image", distro)
	}
	if suite == "" {
		return "", "", fmt.Errorf("its /etc/os-release names no VERSION_CODENAME: INSTALL on an image takes packages from the archive of the image's release")
	}
	return distro, suite, nil
}

// ParseDpkgStatus returns the installed packages of a dpkg status file or
// of the files of a status.d directory (each one or more stanzas):
// the stanzas whose Status is "install ok installed", or that have no
// Status field (status.d).
func ParseDpkgStatus(files ...[]byte) ([]debresolve.InstalledPackage, error) {
	var out []debresolve.InstalledPackage
	for _, f := range files {
		stanzas, err := deb822.Parse(string(f))
		if err != nil {
			return nil, err
		}
		for _, st := range stanzas {
			if s, ok := st.Get("Status"); ok && s != "install ok installed" {
				continue
			}
			name, _ := st.Get("Package")
			ver, _ := st.Get("Version")
			arch, _ := st.Get("Architecture")
			if name == "" || ver == "" {
				return nil, fmt.Errorf("a dpkg status stanza without Package or Version")
			}
			prov, _ := st.Get("Provides")
			out = append(out, debresolve.InstalledPackage{Name: name, Version: ver, Architecture: arch, Provides: prov})
		}
	}
	return out, nil
}
