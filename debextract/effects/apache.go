package effects

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// apacheKinds are what a2enmod, a2enconf and a2ensite enable: the
// directories under /etc/apache2, the file suffixes, and the state
// directory under /var/lib/apache2.
var apacheKinds = map[string]struct{ dir, state string }{
	"a2enmod":  {"mods", "module"},
	"a2enconf": {"conf", "conf"},
	"a2ensite": {"sites", "site"},
}

// apacheDepends is a module's "# Depends:" line.
var apacheDepends = regexp.MustCompile(`(?m)^#\s*Depends:\s*(.*)$`)

// a2en stands in for apache2's a2enmod, a2enconf and a2ensite (perl
// programs): the links NAME.load and NAME.conf (modules, after the
// modules their "# Depends:" line names), NAME.conf (configurations and
// sites) in the *-enabled directory, and the state file that a2query
// reads (enabled_by_maint with -m, else enabled_by_admin).
func a2en(c *call) int {
	kind := apacheKinds[path.Base(c.args[0])]
	maint := false
	var names []string
	for _, a := range c.args[1:] {
		switch a {
		case "-m":
			maint = true
		case "-q", "-f", "-p":
		default:
			names = append(names, strings.TrimSuffix(strings.TrimSuffix(a, ".conf"), ".load"))
		}
	}
	by := "enabled_by_admin"
	if maint {
		by = "enabled_by_maint"
	}
	status := 0
	done := map[string]bool{}
	var enable func(name string) int
	enable = func(name string) int {
		if done[name] {
			return 0
		}
		done[name] = true
		avail := "/etc/apache2/" + kind.dir + "-available/"
		var files []string
		if kind.dir == "mods" {
			load, err := c.e.fs.readFile(avail + name + ".load")
			if err != nil {
				fmt.Fprintf(c.stderr, "ERROR: Module %s does not exist!\n", name)
				return 1
			}
			if m := apacheDepends.FindSubmatch(load); m != nil {
				for _, dep := range strings.Fields(strings.ReplaceAll(string(m[1]), ",", " ")) {
					if st := enable(dep); st != 0 {
						return st
					}
				}
			}
			files = append(files, name+".load")
			if c.e.fs.exists(avail + name + ".conf") {
				files = append(files, name+".conf")
			}
		} else {
			if !c.e.fs.exists(avail + name + ".conf") {
				fmt.Fprintf(c.stderr, "ERROR: %s %s does not exist!\n", kind.state, name)
				return 1
			}
			files = append(files, name+".conf")
		}
		enabled := "/etc/apache2/" + kind.dir + "-enabled/"
		for _, f := range files {
			if isLink(c, enabled+f) {
				continue
			}
			if err := c.e.fs.mkdir(enabled, 0o755, true); err != nil {
				return c.failf("%v", err)
			}
			if err := c.e.fs.symlink("../"+kind.dir+"-available/"+f, enabled+f); err != nil {
				return c.failf("%v", err)
			}
		}
		state := path.Join("/var/lib/apache2", kind.state, by)
		if err := c.e.fs.mkdir(state, 0o755, true); err != nil {
			return c.failf("%v", err)
		}
		if err := c.e.fs.writeFile(path.Join(state, name), nil, 0o644); err != nil {
			return c.failf("%v", err)
		}
		return 0
	}
	for _, n := range names {
		if st := enable(n); st != 0 {
			status = st
		}
	}
	return status
}
