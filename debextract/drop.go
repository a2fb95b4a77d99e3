package debextract

import (
	"fmt"
	"path"
	"strings"
)

// Names of the presets that NewDropper accepts besides globs.
const (
	// DropDocs drops /usr/share/doc, /usr/share/man, /usr/share/info,
	// /usr/share/lintian and /usr/share/gtk-doc, but keeps every
	// /usr/share/doc/*/copyright file (scanners read licences there) and
	// the directories and symbolic links on the way to them.
	DropDocs = "docs"
	// DropLocales drops everything beneath /usr/share/locale and
	// /usr/lib/locale except /usr/share/locale/locale.alias and the C.UTF-8
	// locale, /usr/lib/locale/C.utf8 and its contents. The two
	// directories themselves are kept.
	DropLocales = "locales"
)

// presets maps a preset name to its drop and keep globs.
var presets = map[string]struct{ drop, keep []string }{
	DropDocs: {
		drop: []string{"/usr/share/doc", "/usr/share/man", "/usr/share/info", "/usr/share/lintian", "/usr/share/gtk-doc"},
		keep: []string{"/usr/share/doc/*/copyright"},
	},
	DropLocales: {
		drop: []string{"/usr/share/locale/**", "/usr/lib/locale/**"},
		keep: []string{"/usr/share/locale/locale.alias", "/usr/lib/locale/C.utf8"},
	},
}

// DropVersion is the version of what decides which entries Options.Drop
// removes from a package: the glob syntax and matching, the presets and
// UsrMerge's path rewriting. It must grow whenever any of them changes
// what is dropped, because Distrofile.lock records ScanDrops' answers
// and the frontend trusts them only for the same version.
const DropVersion = 1

// maxGlobComponents bounds the number of components of a glob.
const maxGlobComponents = 64

// A Dropper decides which paths Options.Drop removes. It is made of rules,
// one per glob or preset given to NewDropper; a path is dropped when any
// rule drops it.
//
// A rule drops a path when the path or one of its ancestors matches one
// of the rule's drop globs (a dropped directory drops its subtree), unless
// the rule keeps it. A preset keeps a path when the path or one of its
// ancestors matches one of its keep globs, and also keeps a directory or
// symbolic link whose path could lead to such a match (for DropDocs,
// /usr/share/doc and /usr/share/doc/<pkg>), so that what is kept still has
// its parents. A glob given by the user has no keep globs.
//
// A Dropper is safe for concurrent use.
type Dropper struct {
	rules []dropRule
}

type dropRule struct {
	drop, keep []glob
}

// glob is a compiled glob: its path components. A component "**"
// matches any number of components, zero included; any other component
// is a path.Match pattern for exactly one component.
type glob []string

// NewDropper compiles Options.Drop specifications. Each is DropDocs,
// DropLocales or a glob matched against the absolute, final path of an
// entry (after UsrMerge), such as "/usr/share/doc/*" or
// "/usr/share/**/*.mo":
//
//   - it must start with "/"; a trailing "/" is ignored, and so are empty
//     components; "." and ".." components are rejected;
//   - "*" matches any run of characters within one component, "?" one
//     character, "[...]" a character class and "\" quotes the next
//     character, as with path.Match;
//   - a component that is exactly "**" matches zero or more whole
//     components ("/a/**/b" matches /a/b and /a/x/y/b), or one or more
//     when it is the last one ("/usr/share/locale/**" matches everything
//     beneath /usr/share/locale but not the directory itself); "**"
//     inside a longer component is rejected.
//
// The root "/" itself is never dropped.
func NewDropper(specs ...string) (*Dropper, error) {
	d := &Dropper{}
	for _, s := range specs {
		if p, ok := presets[s]; ok {
			var r dropRule
			for _, g := range p.drop {
				r.drop = append(r.drop, mustGlob(g))
			}
			for _, g := range p.keep {
				r.keep = append(r.keep, mustGlob(g))
			}
			d.rules = append(d.rules, r)
			continue
		}
		g, err := compileGlob(s)
		if err != nil {
			return nil, err
		}
		d.rules = append(d.rules, dropRule{drop: []glob{g}})
	}
	return d, nil
}

// keepOnly adds a rule that drops every path but those matching one of
// the globs only, their contents and what leads to them (Options.Only).
func (d *Dropper) keepOnly(only []string) error {
	r := dropRule{drop: []glob{mustGlob("/**")}}
	for _, s := range only {
		g, err := compileGlob(s)
		if err != nil {
			return err
		}
		r.keep = append(r.keep, g)
	}
	d.rules = append(d.rules, r)
	return nil
}

// ValidateDrop reports whether spec is a valid Options.Drop
// specification, with the error NewDropper would return.
func ValidateDrop(spec string) error {
	_, err := NewDropper(spec)
	return err
}

func mustGlob(s string) glob {
	g, err := compileGlob(s)
	if err != nil {
		panic(err)
	}
	return g
}

func compileGlob(s string) (glob, error) {
	bad := func(why string) error { return fmt.Errorf("drop pattern %s: %s", quote(s), why) }
	if !strings.HasPrefix(s, "/") {
		return nil, bad(`not "docs", "locales" or an absolute path glob starting with "/"`)
	}
	var g glob
	for _, c := range strings.Split(s, "/") {
		switch {
		case c == "":
			continue
		case c == "." || c == "..":
			return nil, bad(`"." and ".." components are not allowed`)
		case c == "**":
			if len(g) > 0 && g[len(g)-1] == "**" {
				continue // "**/**" is "**"
			}
		case strings.Contains(c, "**"):
			return nil, bad(`"**" must be a whole path component`)
		case strings.IndexByte(c, 0) >= 0:
			return nil, bad("NUL byte")
		default:
			if _, err := path.Match(c, ""); err != nil {
				return nil, bad(err.Error())
			}
		}
		g = append(g, c)
	}
	if len(g) == 0 {
		return nil, bad("matches the root")
	}
	if len(g) > maxGlobComponents {
		return nil, bad(fmt.Sprintf("more than %d components", maxGlobComponents))
	}
	return g, nil
}

// prefixes returns, for each i in 0..len(comps), whether g matches
// comps[:i]: a dynamic programme in O(len(g)·len(comps)).
func (g glob) prefixes(comps []string) []bool {
	// cur[i]: g[:j] matches comps[:i], for the current j.
	cur := make([]bool, len(comps)+1)
	next := make([]bool, len(comps)+1)
	cur[0] = true
	for j, pc := range g {
		if pc == "**" {
			// A final "**" matches one or more components, any other
			// "**" zero or more.
			last := j == len(g)-1
			seen := false
			for i := range cur {
				if last {
					next[i] = seen
					seen = seen || cur[i]
				} else {
					seen = seen || cur[i]
					next[i] = seen
				}
			}
		} else {
			next[0] = false
			for i := 1; i <= len(comps); i++ {
				next[i] = cur[i-1] && componentMatch(pc, comps[i-1])
			}
		}
		cur, next = next, cur
	}
	return cur
}

func componentMatch(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

// selfOrAncestor reports whether g matches comps or one of its non-root
// prefixes.
func (g glob) selfOrAncestor(comps []string) bool {
	for _, ok := range g.prefixes(comps)[1:] {
		if ok {
			return true
		}
	}
	return false
}

// leadsTo reports whether some path beneath comps (or comps itself) could
// match g: comps matches a proper prefix of g.
func (g glob) leadsTo(comps []string) bool {
	for j := 0; j < len(g); j++ {
		if g[:j].prefixes(comps)[len(comps)] {
			return true
		}
	}
	return false
}

// Dropped reports whether the entry at the absolute path p (such as
// "/usr/share/doc/x/changelog.gz") is dropped. container must be true for
// directories and symbolic links, which a preset keeps when they lead to a
// kept path, and false for other entries.
func (d *Dropper) Dropped(p string, container bool) bool {
	if d == nil || len(d.rules) == 0 {
		return false
	}
	comps := components(p)
	if len(comps) == 0 {
		return false
	}
	for _, r := range d.rules {
		if r.drops(comps, container) {
			return true
		}
	}
	return false
}

// droppedBy sets hit[i] for every rule i that drops the entry at p.
func (d *Dropper) droppedBy(p string, container bool, hit []bool) {
	comps := components(p)
	if len(comps) == 0 {
		return
	}
	for i, r := range d.rules {
		if !hit[i] && r.drops(comps, container) {
			hit[i] = true
		}
	}
}

// components splits an absolute path into its non-empty components.
func components(p string) []string {
	var comps []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			comps = append(comps, c)
		}
	}
	return comps
}

func (r dropRule) drops(comps []string, container bool) bool {
	dropped := false
	for _, g := range r.drop {
		if g.selfOrAncestor(comps) {
			dropped = true
			break
		}
	}
	if !dropped {
		return false
	}
	for _, g := range r.keep {
		if g.selfOrAncestor(comps) || container && g.leadsTo(comps) {
			return false
		}
	}
	return true
}
