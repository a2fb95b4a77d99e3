// Package owners applies dpkg's rules to a path that more than one package
// ships, the same way whether the packages share an image layer or not:
//
//   - a directory may be shared by any number of packages;
//   - a non-directory (file, hard link, symbolic link) of one package over
//     a non-directory of another is refused, unless one of them Replaces
//     the other at its version: then the replacing package's entry is the
//     one installed, whichever comes first (dpkg keeps "replaced by files
//     in installed package" as it is, and overwrites a replaced one);
//   - a non-directory over another package's directory, and a directory
//     over another package's non-directory, are refused: dpkg refuses the
//     first, and for the second follows a symbolic link to a directory,
//     which a layer cannot express.
//
// Paths are those of the image, after merged-/usr rewriting, so that
// /bin/x of one package and /usr/bin/x of another are the same file, as
// they are on a merged-/usr system (dpkg, which does not know the
// aliasing, installs both and one silently wins). The extraction of one
// layer applies the rules entry by entry (package debextract) and records
// what each package has in the layer as a List; the effects step reads
// every layer's Lists and applies them across layers (Check).
package owners

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/internal/deb822"
	"github.com/distrofile/distrofile/internal/debrel"
	"pault.ag/go/debian/dependency"
	"pault.ag/go/debian/version"
)

// Package is what the rules need of a package: its control file's
// Package, Version and Replaces.
type Package struct {
	Name, Version string
	// Replaces is the parsed Replaces field.
	Replaces dependency.Dependency
}

// FromControl reads a package's control file.
func FromControl(control []byte) (Package, error) {
	para := deb822.First(string(control))
	p := Package{Name: para.Value("Package"), Version: para.Value("Version")}
	replaces := para.Value("Replaces")
	if p.Name == "" {
		return p, fmt.Errorf("control file without a Package field")
	}
	d, err := debrel.Parse(replaces)
	if err != nil {
		return p, fmt.Errorf("package %s: Replaces: %w", p.Name, err)
	}
	p.Replaces = d
	return p, nil
}

// String is "name version".
func (p Package) String() string {
	return strings.TrimSpace(p.Name + " " + p.Version)
}

// ReplacesPackage tells whether p's Replaces names q at q's version, as
// dpkg's does_replace does: by package name (a virtual package does not
// count), with the version relation satisfied.
func (p Package) ReplacesPackage(q Package) bool {
	for _, rel := range p.Replaces.Relations {
		for _, poss := range rel.Possibilities {
			if poss.Name != q.Name {
				continue
			}
			if poss.Version == nil {
				return true
			}
			v, err := version.Parse(q.Version)
			if err == nil && poss.Version.SatisfiedBy(v) {
				return true
			}
		}
	}
	return false
}

// Kind is the type of a path in a package.
type Kind string

// The kinds of entries.
const (
	Dir     Kind = "d"
	File    Kind = "f" // a regular file or a hard link
	Symlink Kind = "l"
)

func (k Kind) String() string {
	switch k {
	case Dir:
		return "directory"
	case Symlink:
		return "symbolic link"
	}
	return "file"
}

// Entry is one path of a package: an image path and what the .deb has
// there.
type Entry struct {
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
	// Shipped is the path in the .deb when merged /usr moved it ("/bin/x"
	// for "/usr/bin/x"), and "" otherwise.
	Shipped string `json:"shipped,omitempty"`
}

// shipped is the path as the package ships it.
func (e Entry) shipped() string {
	return cmp.Or(e.Shipped, e.Path)
}

// Owner is a package's entry at a path, in a layer.
type Owner struct {
	Package Package
	Entry   Entry
	// Layer is the index of the layer, bottom first.
	Layer int
}

func (o Owner) describe() string {
	return fmt.Sprintf("%s %s of package %s", o.Entry.Kind, o.Entry.shipped(), o.Package)
}

// ConflictError is a path two packages cannot both have.
type ConflictError struct {
	// Path is the image path.
	Path string
	// Have is the entry that is there; New the one that would go over it.
	Have, New Owner
}

func (e *ConflictError) Error() string {
	h, n := e.Have, e.New
	merged := ""
	if h.Entry.shipped() != n.Entry.shipped() {
		merged = fmt.Sprintf(" (with merged /usr, %s and %s are the same path)", h.Entry.shipped(), n.Entry.shipped())
	}
	switch {
	case h.Entry.Kind == Dir:
		return fmt.Sprintf("%s would replace directory %s of package %s%s: dpkg refuses to install %s",
			n.describe(), h.Entry.shipped(), h.Package, merged, n.Package.Name)
	case n.Entry.Kind == Dir && h.Entry.Kind == Symlink:
		return fmt.Sprintf("directory %s of package %s would replace %s%s: dpkg would follow the link to a directory, which an image layer cannot",
			n.Entry.shipped(), n.Package, h.describe(), merged)
	case n.Entry.Kind == Dir:
		return fmt.Sprintf("directory %s of package %s would replace %s%s: dpkg refuses to install %s",
			n.Entry.shipped(), n.Package, h.describe(), merged, n.Package.Name)
	}
	return fmt.Sprintf("%s and %s are the same path %s%s, and neither package Replaces the other: dpkg refuses to install %s (trying to overwrite '%s', which is also in package %s)",
		h.describe(), n.describe(), e.Path, merged, n.Package.Name, n.Entry.shipped(), h.Package.Name)
}

// Resolve decides, for a path that package have holds and package
// incoming ships too, which is installed: incoming (true) or have
// (false). Directories are shared: two directories give true. Anything
// else dpkg refuses is a *ConflictError.
func Resolve(p string, have, incoming Owner) (bool, error) {
	hd, nd := have.Entry.Kind == Dir, incoming.Entry.Kind == Dir
	switch {
	case hd && nd, have.Package.Name == incoming.Package.Name && hd == nd:
		return true, nil
	case hd || nd:
		return false, &ConflictError{Path: p, Have: have, New: incoming}
	case incoming.Package.ReplacesPackage(have.Package):
		return true, nil
	case have.Package.ReplacesPackage(incoming.Package):
		return false, nil
	}
	return false, &ConflictError{Path: p, Have: have, New: incoming}
}

// List is what one package has in one layer, as the extraction writes it
// and Check reads it.
type List struct {
	Package string  `json:"package"`
	Entries []Entry `json:"entries"`
}

// WriteList writes l as JSON.
func WriteList(w io.Writer, l List) error {
	return json.NewEncoder(w).Encode(l)
}

// ReadList reads what WriteList writes; an entry of an unknown kind, or
// whose path is not absolute, is an error.
func ReadList(r io.Reader) (List, error) {
	var l List
	if err := json.NewDecoder(r).Decode(&l); err != nil {
		return l, err
	}
	for i, e := range l.Entries {
		if !slices.Contains([]Kind{Dir, File, Symlink}, e.Kind) || !strings.HasPrefix(e.Path, "/") {
			return l, fmt.Errorf("package %s: bad entry %+v", l.Package, e)
		}
		l.Entries[i].Path = path.Clean(e.Path)
	}
	return l, nil
}

// Takeover is a path whose installed entry is not the top layer's: a
// package that Replaces another is in a lower layer than the one it
// replaces, so the image must get the entry of package Package from layer
// Layer again, above the others.
type Takeover struct {
	Path    string
	Package string
	Layer   int
}

// Check applies the rules across layers: layers[i] are the Lists of layer
// i, bottom first, each already consistent within its layer; pkgs are the
// packages by name (their Replaces). It returns the entries to put on top,
// sorted by path, or the first *ConflictError in path order. A package
// with a List but not in pkgs is an error.
func Check(layers [][]List, pkgs map[string]Package) ([]Takeover, error) {
	byPath := map[string][]Owner{}
	for i, lists := range layers {
		for _, l := range lists {
			pkg, ok := pkgs[l.Package]
			if !ok {
				return nil, fmt.Errorf("layer %d: a list for package %s, which is not installed", i, l.Package)
			}
			seen := map[string]bool{}
			add := func(e Entry) {
				if seen[e.Path] {
					return
				}
				seen[e.Path] = true
				byPath[e.Path] = append(byPath[e.Path], Owner{Package: pkg, Entry: e, Layer: i})
			}
			for _, e := range l.Entries {
				add(e)
			}
			// The directories above each entry are the package's too,
			// listed or not (a .deb need not list them).
			for _, e := range l.Entries {
				for d := path.Dir(e.Path); d != "/" && d != "."; d = path.Dir(d) {
					if seen[d] {
						break
					}
					add(Entry{Path: d, Kind: Dir})
				}
			}
		}
	}
	var out []Takeover
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		owners := byPath[p]
		if len(owners) < 2 {
			continue
		}
		win, top := owners[0], owners[0]
		for _, o := range owners[1:] {
			incoming, err := Resolve(p, win, o)
			if err != nil {
				return nil, err
			}
			if incoming {
				win = o
			}
			if o.Layer >= top.Layer {
				top = o
			}
		}
		if win.Entry.Kind != Dir && (win.Layer != top.Layer || win.Package.Name != top.Package.Name) {
			out = append(out, Takeover{Path: p, Package: win.Package.Name, Layer: win.Layer})
		}
	}
	return out, nil
}
