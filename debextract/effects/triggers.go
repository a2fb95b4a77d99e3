package effects

import (
	"context"
	"strings"
)

// interests returns the triggers p's triggers file declares an interest
// in (names, or absolute paths for file triggers).
func (p *pkgState) interests() []string {
	return triggerLines(p.ctl.Files["triggers"], "interest")
}

// activates returns the triggers p's triggers file activates on unpack.
func (p *pkgState) activates() []string {
	return triggerLines(p.ctl.Files["triggers"], "activate")
}

// triggerLines returns the names of the lines of a triggers file whose
// directive is verb, verb-await or verb-noawait.
func triggerLines(data []byte, verb string) []string {
	var names []string
	for _, l := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		if f[0] == verb || f[0] == verb+"-await" || f[0] == verb+"-noawait" {
			names = append(names, f[1])
		}
	}
	return names
}

// dpkgTrigger stands in for dpkg-trigger: the named trigger is activated
// and processed after the packages are configured.
func dpkgTrigger(c *call) int {
	for _, a := range c.args[1:] {
		if !strings.HasPrefix(a, "-") {
			c.e.activated[a] = true
		}
	}
	return 0
}

// runTriggers runs "postinst triggered NAMES" for every package
// interested in a trigger that was activated: by a package's triggers
// file, by dpkg-trigger, or, for a file trigger, by a package shipping
// something under its path (on a fresh install every file is new). A
// trigger a triggered script activates again is processed in another
// round, as dpkg does, up to a bound.
func (e *engine) runTriggers(ctx context.Context) error {
	for _, p := range e.pkgs {
		for _, name := range p.activates() {
			e.activated[name] = true
		}
	}
	done := map[*pkgState]map[string]bool{}
	for range 4 {
		ran := false
		for _, p := range e.pkgs {
			var names []string
			for _, name := range p.interests() {
				if done[p][name] {
					continue
				}
				fileTrigger := strings.HasPrefix(name, "/")
				if fileTrigger && e.shipped(name) || !fileTrigger && e.activated[name] {
					names = append(names, name)
				}
			}
			if len(names) == 0 || p.ctl.Files["postinst"] == nil {
				continue
			}
			if done[p] == nil {
				done[p] = map[string]bool{}
			}
			for _, n := range names {
				done[p][n] = true
			}
			ran = true
			if err := e.maintscript(ctx, p, "postinst", "triggered", strings.Join(names, " ")); err != nil {
				return err
			}
		}
		if !ran {
			return nil
		}
		for p := range done {
			for n := range done[p] {
				if !strings.HasPrefix(n, "/") && e.activated[n] {
					delete(e.activated, n)
				}
			}
		}
	}
	return nil
}

// shipped reports whether a package of the image ships the path p or
// something beneath it.
func (e *engine) shipped(p string) bool {
	_, err := e.fs.img.Lstat(p)
	return err == nil
}
