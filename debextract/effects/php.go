package effects

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// The layout php-common's tools (phpenmod, phpquery) work on.
const (
	phpLibDir   = "/usr/lib/php"
	phpEtcDir   = "/etc/php"
	phpStateDir = "/var/lib/php/modules"
)

var phpVersionDir = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// priorityLine is the "; priority=NN" line of a module's ini file.
var priorityLine = regexp.MustCompile(`(?m)^;[ \t]*priority[ \t]*=[ \t]*([0-9]+)[ \t]*$`)

// phpVersions lists the PHP versions installed (/usr/lib/php/N.N),
// newest first.
func phpVersions(c *call) []string {
	ents, _ := c.e.fs.readDir(phpLibDir)
	var vs []string
	for _, e := range ents {
		if e.kind == kindDir && phpVersionDir.MatchString(e.name) {
			vs = append(vs, e.name)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(vs)))
	return vs
}

// phpSAPIs lists the SAPIs of a version (/usr/lib/php/V/sapi/*).
func phpSAPIs(c *call, v string) []string {
	ents, _ := c.e.fs.readDir(path.Join(phpLibDir, v, "sapi"))
	var ss []string
	for _, e := range ents {
		ss = append(ss, e.name)
	}
	return ss
}

// phpArgs parses phpenmod's and phpquery's options.
type phpArgs struct {
	versions, sapis []string
	maint, quiet    bool
	register        bool
	mods            []string
	action          string
}

func parsePHPArgs(c *call) phpArgs {
	var pa phpArgs
	v, s := "ALL", "ALL"
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-v":
			i++
			v = arg(args, i)
		case "-s":
			i++
			s = arg(args, i)
		case "-m":
			if c.args[0] == "phpquery" || path.Base(c.args[0]) == "phpquery" {
				i++
				pa.mods = append(pa.mods, arg(args, i))
			} else {
				pa.maint = true
			}
		case "-q":
			pa.quiet = true
		case "-r":
			pa.register = true
		case "-f", "-p":
		case "-V", "-S", "-M", "-d":
			pa.action = a
		default:
			pa.mods = append(pa.mods, a)
		}
	}
	if v == "ALL" {
		pa.versions = phpVersions(c)
	} else {
		pa.versions = []string{v}
	}
	if s != "ALL" {
		pa.sapis = []string{s}
	}
	return pa
}

// phpenmod stands in for php-common's phpenmod: for each module, version
// and SAPI, the conf.d link PRIORITY-MOD.ini → mods-available/MOD.ini
// (PRIORITY from the ini's "; priority=" line, else 20), and the state
// files phpquery reads.
func phpenmod(c *call) int {
	pa := parsePHPArgs(c)
	status := 0
	for _, mod := range pa.mods {
		for _, v := range pa.versions {
			ini := path.Join(phpEtcDir, v, "mods-available", mod+".ini")
			data, err := c.e.fs.readFile(ini)
			if err != nil {
				fmt.Fprintf(c.stderr, "WARNING: Module %s ini file doesn't exist under %s\n", mod, path.Dir(ini))
				status = 1
				continue
			}
			prio := "20"
			if m := priorityLine.FindSubmatch(data); m != nil {
				prio = string(m[1])
			}
			sapis := pa.sapis
			if sapis == nil {
				sapis = phpSAPIs(c, v)
			}
			for _, s := range sapis {
				confd := path.Join(phpEtcDir, v, s, "conf.d")
				if !c.e.fs.isDir(confd) {
					fmt.Fprintf(c.stderr, "WARNING: Directory %s doesn't exist, not enabling the module\n", confd)
					status = 1
					continue
				}
				link := path.Join(confd, prio+"-"+mod+".ini")
				if !isLink(c, link) {
					if err := c.e.fs.symlink(ini, link); err != nil {
						return c.failf("%v", err)
					}
				}
				by := "enabled_by_admin"
				if pa.maint {
					by = "enabled_by_maint"
				}
				state := path.Join(phpStateDir, v, s, by)
				if err := c.e.fs.mkdir(state, 0o755, true); err != nil {
					return c.failf("%v", err)
				}
				if err := c.e.fs.writeFile(path.Join(state, mod), nil, 0o644); err != nil {
					return c.failf("%v", err)
				}
			}
			if pa.register {
				reg := path.Join(phpStateDir, v, "registry")
				if err := c.e.fs.mkdir(reg, 0o755, true); err != nil {
					return c.failf("%v", err)
				}
				if err := c.e.fs.writeFile(path.Join(reg, mod), nil, 0o644); err != nil {
					return c.failf("%v", err)
				}
			}
		}
	}
	return status
}

// phpquery stands in for php-common's phpquery: -V versions, -S SAPIs,
// -M registered modules, and -v V -s S -m MOD a module's state (0
// enabled, 1 not, 32/33 disabled by the administrator/a script).
func phpquery(c *call) int {
	pa := parsePHPArgs(c)
	switch pa.action {
	case "-V":
		fmt.Fprintln(c.stdout, strings.Join(pa.versions, "\n"))
		return 0
	case "-S":
		for _, v := range pa.versions {
			for _, s := range phpSAPIs(c, v) {
				fmt.Fprintln(c.stdout, s)
			}
		}
		return 0
	case "-M":
		for _, v := range pa.versions {
			ents, _ := c.e.fs.readDir(path.Join(phpStateDir, v, "registry"))
			for _, e := range ents {
				fmt.Fprintln(c.stdout, e.name)
			}
		}
		return 0
	}
	if len(pa.mods) != 1 || len(pa.versions) != 1 || len(pa.sapis) != 1 {
		return c.failf("want -v VERSION -s SAPI -m MODULE")
	}
	v, s, mod := pa.versions[0], pa.sapis[0], pa.mods[0]
	state := path.Join(phpStateDir, v, s)
	switch {
	case c.e.fs.exists(path.Join(state, "disabled_by_admin", mod)):
		return 32
	case c.e.fs.exists(path.Join(state, "disabled_by_maint", mod)):
		return 33
	}
	ents, _ := c.e.fs.readDir(path.Join(phpEtcDir, v, s, "conf.d"))
	for _, e := range ents {
		if _, name, ok := strings.Cut(e.name, "-"); ok && name == mod+".ini" {
			if !pa.quiet {
				fmt.Fprintf(c.stdout, "%s (Enabled for %s by maintainer script)\n", mod, s)
			}
			return 0
		}
	}
	return 1
}
