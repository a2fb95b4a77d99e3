package effects

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// altDir is update-alternatives' --altdir.
const altDir = "/etc/alternatives"

// choice is one alternative of a link group.
type choice struct {
	path     string
	priority int
	slaves   map[string]string // slave name → path
	order    int               // installation order, for ties
}

// linkGroup is one name of update-alternatives, in automatic mode unless
// --set chose.
type linkGroup struct {
	name, link string
	slaveLinks map[string]string // slave name → link
	choices    map[string]*choice
	manual     string
}

// alternatives is update-alternatives' database of the image.
type alternatives struct {
	groups map[string]*linkGroup
	n      int
}

func newAlternatives() *alternatives {
	return &alternatives{groups: map[string]*linkGroup{}}
}

// best is the choice automatic mode makes: the highest priority; between
// equal priorities, the one installed first stays.
func (g *linkGroup) best() *choice {
	if c, ok := g.choices[g.manual]; ok {
		return c
	}
	var b *choice
	for _, c := range g.choices {
		if b == nil || c.priority > b.priority || c.priority == b.priority && c.order < b.order {
			b = c
		}
	}
	return b
}

// updateAlternatives stands in for update-alternatives: --install and
// --set change the links as it would (masters and slaves); the queries
// answer from the database; --remove and --auto have nothing to undo on a
// fresh install.
func updateAlternatives(c *call) int {
	a := c.e.alts
	args := c.args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		switch args[0] {
		case "--quiet", "--verbose", "--debug", "--force":
			args = args[1:]
			continue
		case "--altdir", "--admindir", "--instdir", "--root", "--log":
			if len(args) < 2 {
				return c.failf("%s needs an argument", args[0])
			}
			args = args[2:]
			continue
		}
		break
	}
	if len(args) == 0 {
		return c.failf("no action")
	}
	switch args[0] {
	case "--install":
		if len(args) < 5 {
			return c.failf("--install needs <link> <name> <path> <priority>")
		}
		prio, err := strconv.Atoi(args[4])
		if err != nil {
			return c.failf("priority %q is not a number", args[4])
		}
		link, name, p := args[1], args[2], args[3]
		g := a.groups[name]
		if g == nil {
			g = &linkGroup{name: name, slaveLinks: map[string]string{}, choices: map[string]*choice{}}
			a.groups[name] = g
		}
		g.link = link
		a.n++
		ch := &choice{path: p, priority: prio, slaves: map[string]string{}, order: a.n}
		rest := args[5:]
		for len(rest) > 0 {
			if rest[0] != "--slave" || len(rest) < 4 {
				return c.failf("unexpected %q after --install", rest[0])
			}
			g.slaveLinks[rest[2]] = rest[1]
			ch.slaves[rest[2]] = rest[3]
			rest = rest[4:]
		}
		if !c.e.fs.exists(p) {
			c.e.warnf(c.sc.pkg, "%s: update-alternatives: alternative path %s doesn't exist: %s not installed", c.sc.name, p, name)
			return 2
		}
		if old, ok := g.choices[p]; ok {
			ch.order = old.order
		}
		g.choices[p] = ch
		return a.apply(c, g)
	case "--set":
		if len(args) < 3 {
			return c.failf("--set needs <name> <path>")
		}
		g := a.groups[args[1]]
		if g == nil || g.choices[args[2]] == nil {
			return c.failf("alternative %s for %s not registered", args[2], args[1])
		}
		g.manual = args[2]
		return a.apply(c, g)
	case "--auto":
		if g := a.groups[arg(args, 1)]; g != nil {
			g.manual = ""
			return a.apply(c, g)
		}
		return 0
	case "--remove", "--remove-all", "--config", "--set-selections", "--get-selections", "--all":
		return 0
	case "--query", "--display":
		g := a.groups[arg(args, 1)]
		if g == nil {
			fmt.Fprintf(c.stderr, "update-alternatives: error: no alternatives for %s\n", arg(args, 1))
			return 2
		}
		if b := g.best(); b != nil {
			fmt.Fprintf(c.stdout, "Name: %s\nLink: %s\nStatus: auto\nBest: %s\nValue: %s\n", g.name, g.link, b.path, b.path)
		}
		return 0
	case "--list":
		g := a.groups[arg(args, 1)]
		if g == nil {
			return 2
		}
		var ps []string
		for p := range g.choices {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for _, p := range ps {
			fmt.Fprintln(c.stdout, p)
		}
		return 0
	}
	return c.failf("action %s not understood", args[0])
}

// arg is args[i], or "".
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// apply writes g's links for its best choice: <link> →
// /etc/alternatives/<name> → <path>, and the same for each slave the
// choice has (a slave whose path does not exist is left out, as
// update-alternatives does).
func (a *alternatives) apply(c *call, g *linkGroup) int {
	b := g.best()
	if b == nil {
		return 0
	}
	if err := c.e.fs.mkdir(altDir, 0o755, true); err != nil {
		return c.failf("%v", err)
	}
	if !a.link(c, g.name, g.link, b.path) {
		return 2
	}
	names := make([]string, 0, len(g.slaveLinks))
	for n := range g.slaveLinks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p, ok := b.slaves[n]
		if !ok || !c.e.fs.exists(p) {
			_ = c.e.fs.remove(path.Join(altDir, n), false)
			continue
		}
		a.link(c, n, g.slaveLinks[n], p)
	}
	return 0
}

// link makes link → /etc/alternatives/name → target; a link path that is
// a file or a directory of a package is left alone, as
// update-alternatives does.
func (a *alternatives) link(c *call, name, link, target string) bool {
	v := c.e.fs
	if err := v.symlink(target, path.Join(altDir, name)); err != nil {
		c.failf("%v", err)
		return false
	}
	q, err := v.resolve(link, false)
	if err != nil {
		c.failf("%v", err)
		return false
	}
	if in, err := v.lstat(q); err == nil && in.kind != kindLink {
		c.e.warnf(c.sc.pkg, "%s: update-alternatives: %s exists and is not a link: left alone", c.sc.name, link)
		return true
	}
	if err := v.mkdir(path.Dir(q), 0o755, true); err != nil {
		c.failf("%v", err)
		return false
	}
	if err := v.symlink(path.Join(altDir, name), q); err != nil {
		c.failf("%v", err)
		return false
	}
	return true
}
