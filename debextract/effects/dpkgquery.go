package effects

import (
	"fmt"
	"regexp"
	"strings"
)

// installed returns the package a dpkg query names ("name" or
// "name:arch"), nil when the image does not install it.
func (e *engine) installed(name string) *pkgState {
	n, arch, _ := strings.Cut(name, ":")
	p := e.byName[n]
	if p == nil || arch != "" && arch != "any" && arch != p.arch && !(arch == "all" && p.ctl.Architecture == "all") {
		return nil
	}
	return p
}

// dpkgFormatVar is one ${field} of a dpkg-query format.
var dpkgFormatVar = regexp.MustCompile(`\$\{([^}:;]+(?::[^};]+)?)(?:;-?\d+)?\}`)

// format expands a dpkg-query --showformat for p.
func (p *pkgState) format(f string) string {
	f = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(f)
	return dpkgFormatVar.ReplaceAllStringFunc(f, func(m string) string {
		field := dpkgFormatVar.FindStringSubmatch(m)[1]
		switch strings.ToLower(field) {
		case "package":
			return p.name
		case "binary:package":
			if p.ctl.Architecture == "all" {
				return p.name
			}
			return p.name + ":" + p.arch
		case "status":
			return "install ok installed"
		case "db:status-abbrev":
			return "ii "
		case "db:status-want":
			return "install"
		case "db:status-status":
			return "installed"
		case "architecture":
			return p.ctl.Architecture
		case "version":
			return p.version
		}
		return p.para.Value(field)
	})
}

// files lists what p ships, from its md5sums (regular files; dpkg -L
// also lists directories, which no status file records).
func (e *engine) files(p *pkgState) []string {
	data, err := e.fs.readFile("/var/lib/dpkg/status.d/" + p.name + ".md5sums")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range lines(data) {
		if _, f, ok := strings.Cut(l, "  "); ok {
			out = append(out, "/"+f)
		}
	}
	return out
}

// dpkgQuery answers dpkg-query (and dpkg's query actions): -W/--show with
// --showformat, -s/--status, -L/--listfiles, about the image's packages.
func dpkgQuery(c *call) int {
	e := c.e
	var action, format string
	var names []string
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-W" || a == "--show":
			action = "show"
		case a == "-s" || a == "--status":
			action = "status"
		case a == "-L" || a == "--listfiles":
			action = "list"
		case a == "-f" || a == "--showformat":
			i++
			format = arg(args, i)
		case strings.HasPrefix(a, "--showformat="):
			format = strings.TrimPrefix(a, "--showformat=")
		case strings.HasPrefix(a, "-f") && len(a) > 2:
			format = a[2:]
		case a == "--admindir" || a == "--root":
			i++
		case strings.HasPrefix(a, "--admindir=") || strings.HasPrefix(a, "--root="):
		case strings.HasPrefix(a, "-"):
			e.skipped(c)
			return 0
		default:
			names = append(names, a)
		}
	}
	if action == "" || len(names) == 0 {
		e.skipped(c)
		return 0
	}
	if format == "" {
		format = "${binary:Package}\t${Version}\n"
	}
	status := 0
	for _, n := range names {
		p := e.installed(n)
		if p == nil {
			fmt.Fprintf(c.stderr, "dpkg-query: package '%s' is not installed\n", n)
			status = 1
			continue
		}
		switch action {
		case "show":
			fmt.Fprint(c.stdout, p.format(format))
		case "status":
			fmt.Fprintf(c.stdout, "Package: %s\nStatus: install ok installed\nVersion: %s\nArchitecture: %s\n\n", p.name, p.version, p.ctl.Architecture)
		case "list":
			for _, f := range e.files(p) {
				fmt.Fprintln(c.stdout, f)
			}
		}
	}
	return status
}
