package effects

import (
	"fmt"

	"github.com/distrofile/distrofile/internal/deb822"
)

// confmodule is what a maintainer script gets when it sources debconf's
// shell library: each db_* function asks the debconf stand-in, which
// answers as the noninteractive frontend does on a fresh install: a
// question's value is what a script set, else its template's default, and
// no question is shown (db_input returns 30).
const confmodule = `# Distrofile's stand-in for debconf's confmodule
db_get() { RET=$(distrofile-debconf get "$1"); }
db_metaget() { RET=$(distrofile-debconf metaget "$1" "$2"); }
db_fget() { RET=false; }
db_set() { distrofile-debconf set "$1" "$2"; }
db_input() { return 30; }
db_capb() { RET=""; }
db_version() { RET=2.0; }
db_go() { return 0; }
db_stop() { return 0; }
db_title() { return 0; }
db_settitle() { return 0; }
db_fset() { return 0; }
db_subst() { return 0; }
db_register() { return 0; }
db_unregister() { return 0; }
db_reset() { return 0; }
db_clear() { return 0; }
db_purge() { return 0; }
db_beginblock() { return 0; }
db_endblock() { return 0; }
db_progress() { return 0; }
db_info() { return 0; }
db_data() { return 0; }
db_x_loadtemplatefile() { return 0; }
db_x_save() { return 0; }
`

// confmoduleReplacements are the image files a script reads that the
// engine answers itself.
func confmoduleReplacements() map[string]string {
	return map[string]string{
		"/usr/share/debconf/confmodule":    confmodule,
		"/usr/share/debconf/confmodule.sh": confmodule,
	}
}

// debconf holds the questions of the installed packages' templates.
type debconf struct {
	defaults map[string]string
	set      map[string]string
}

func newDebconf(pkgs []*pkgState) *debconf {
	d := &debconf{defaults: map[string]string{}, set: map[string]string{}}
	for _, p := range pkgs {
		t, ok := p.ctl.Files["templates"]
		if !ok {
			continue
		}
		// The templates before a malformed line count, as debconf's
		// reader would have read them.
		paras, _ := deb822.Parse(string(t))
		for _, para := range paras {
			if name := para.Value("Template"); name != "" {
				d.defaults[name] = para.Value("Default")
			}
		}
	}
	return d
}

// debconfCommand answers the confmodule stand-in's questions.
func debconfCommand(c *call) int {
	d := c.e.debconf
	switch arg(c.args, 1) {
	case "get":
		q := arg(c.args, 2)
		if v, ok := d.set[q]; ok {
			fmt.Fprint(c.stdout, v)
			return 0
		}
		if v, ok := d.defaults[q]; ok {
			fmt.Fprint(c.stdout, v)
			return 0
		}
		return 10
	case "set":
		d.set[arg(c.args, 2)] = arg(c.args, 3)
		return 0
	case "metaget":
		return 0
	}
	return c.failf("unknown request %q", arg(c.args, 1))
}
