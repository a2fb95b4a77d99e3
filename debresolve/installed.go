package debresolve

import (
	"fmt"
	"strings"

	"pault.ag/go/debian/version"
)

// InstalledPackage is a package a base image already has, as its dpkg
// status says: INSTALL on top of an image counts it as installed when its
// version satisfies what the new packages need.
type InstalledPackage struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"arch"`
	// Provides is the status stanza's Provides field, as written.
	Provides string `json:"provides,omitempty"`
}

// ReplaceInstalledError reports a package of the base image that the
// request would have to replace: another version is pinned, or a new
// package needs a version the installed one does not satisfy.
type ReplaceInstalledError struct {
	Name, Installed, Wanted string
	// Chain is the path from a root to the package that needs Wanted, and
	// Relation the relation; both empty for a pinned root.
	Chain    []string
	Relation string
}

func (e *ReplaceInstalledError) Error() string {
	how := "replaced by"
	if a, err := version.Parse(e.Installed); err == nil {
		if b, err := version.Parse(e.Wanted); err == nil && version.Compare(b, a) < 0 {
			how = "downgraded to"
		}
	}
	why := "INSTALL " + e.Name + "=" + e.Wanted
	if len(e.Chain) > 0 {
		why = strings.Join(e.Chain, " -> ") + " needs " + e.Relation
	}
	return fmt.Sprintf("%s %s of the base image would have to be %s %s (%s): INSTALL on an image adds packages and never changes the image's own; rebuild the base image, or start from one that has a suitable %s",
		e.Name, e.Installed, how, e.Wanted, why, e.Name)
}

// addInstalled selects the base image's packages before anything else, as
// the resolver's view of what is there: they satisfy relations, are never
// visited (their own dependencies are the base's business) and are left
// out of the closure.
func (r *resolver) addInstalled(installed []InstalledPackage) {
	for _, ip := range installed {
		p := &Package{Name: ip.Name, Version: ip.Version, Architecture: ip.Architecture, Provides: parseProvides(ip.Provides), installed: true}
		r.selectPkg(p, "")
		r.edges[p.Name] = []string{}
	}
}

// isInstalled reports whether name is a package of the base image.
func (r *resolver) isInstalled(name string) bool {
	s := r.sel[name]
	return s != nil && s.pkg.installed
}

// Candidate returns the package apt would install for name on arch from
// indexes: the highest version of arch or "all" (the first index wins a
// tie), nil when there is none. `distrofile outdated` compares it with
// the locked version.
func Candidate(indexes []*Index, name, arch string) *Package {
	r := &resolver{indexes: indexes, arch: arch}
	return r.newest(name)
}
