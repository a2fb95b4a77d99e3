package fidelity

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/distrofile/distrofile/usrmerge"
)

// Origin names where an effect comes from: the package, the mechanism (one
// of the Mechanism constants) and the script line, trigger or file that
// says so. Attribution is best effort: Mechanism is MechUnknown when nothing
// names the path.
type Origin struct {
	Package   string `json:"package,omitempty"`
	Mechanism string `json:"mechanism"`
	// Source is where the evidence is: "redis-server.postinst:42", a
	// trigger, /var/lib/dpkg/alternatives/java, /usr/lib/tmpfiles.d/x.conf.
	Source string `json:"source,omitempty"`
	// Detail is the evidence itself: the script line, the alternative's name.
	Detail string `json:"detail,omitempty"`
}

func (o Origin) String() string {
	s := o.Mechanism
	if o.Package != "" {
		s = o.Package + ": " + s
	}
	if o.Source != "" {
		s += " (" + o.Source + ")"
	}
	return s
}

// The mechanisms an effect can come from.
const (
	MechAlternatives = "update-alternatives"
	MechAccounts     = "adduser/useradd/addgroup"
	MechSysusers     = "sysusers.d"
	MechUcf          = "ucf"
	MechLink         = "ln -s in a script"
	MechMkdir        = "mkdir in a script"
	MechChown        = "chown/chmod in a script"
	MechCopy         = "cp/mv/install in a script"
	MechWrite        = "file written by a script"
	MechStatOverride = "dpkg-statoverride"
	MechTmpfiles     = "tmpfiles.d"
	MechTrigger      = "trigger"
	MechEnmod        = "a2enmod/phpenmod-style enabler"
	MechScript       = "other script line"
	MechUnknown      = "unknown"
)

// TriggerOutput is a path pattern that a trigger or a well-known script
// command writes, whatever the script text says.
type TriggerOutput struct {
	Pattern string // as Exclusion.Pattern: exact, "dir/**" or a glob
	Origin  Origin
}

// TriggerOutputs are the outputs of triggers and of the commands scripts
// run through a helper (so that the path is not in the script's text). The
// first match wins.
var TriggerOutputs = []TriggerOutput{
	{"/etc/ld.so.cache", Origin{"libc-bin", MechTrigger, "libc-bin.triggers: ldconfig", "ldconfig"}},
	{"/usr/share/mime/**", Origin{"shared-mime-info", MechTrigger, "shared-mime-info.triggers: /usr/share/mime/packages", "update-mime-database"}},
	{"/usr/lib/*/gdk-pixbuf-2.0/2.10.0/loaders.cache", Origin{"libgdk-pixbuf-2.0-0", MechTrigger, "libgdk-pixbuf-2.0-0.triggers: gdk-pixbuf loaders dir", "gdk-pixbuf-query-loaders --update-cache"}},
	{"/etc/ssl/certs/java/**", Origin{"ca-certificates-java", MechTrigger, "ca-certificates-java.postinst / update-ca-certificates hook", "jks-keystore"}},
	{"/var/cache/fontconfig/**", Origin{"fontconfig", MechTrigger, "fontconfig.triggers: font directories", "fc-cache"}},
	{"/etc/ssl/certs/**", Origin{"ca-certificates", MechTrigger, "ca-certificates.postinst / trigger", "update-ca-certificates"}},
	{"/etc/ca-certificates.conf", Origin{"ca-certificates", MechWrite, "ca-certificates.postinst", "written from the debconf answer"}},
	{"/usr/share/glib-2.0/schemas/gschemas.compiled", Origin{"libglib2.0-0t64", MechTrigger, "libglib2.0-0t64.triggers", "glib-compile-schemas"}},
	{"/usr/lib/*/gio/modules/giomodule.cache", Origin{"libglib2.0-0t64", MechTrigger, "libglib2.0-0t64.triggers", "gio-querymodules"}},
	{"/usr/share/icons/*/icon-theme.cache", Origin{"gtk-update-icon-cache", MechTrigger, "gtk-update-icon-cache.triggers", "update-icon-caches"}},
	{"/usr/lib/locale/locale-archive", Origin{"locales", MechTrigger, "locales.postinst", "locale-gen"}},
	{"/usr/share/info/dir", Origin{"install-info", MechTrigger, "install-info.triggers", "update-info-dir"}},
	{"/var/cache/man/**", Origin{"man-db", MechTrigger, "man-db.triggers", "mandb"}},
	{"/etc/shells", Origin{"debianutils", MechTrigger, "debianutils.triggers: /usr/share/debianutils/shells.d", "update-shells"}},
	{"/var/lib/shells.state", Origin{"debianutils", MechTrigger, "debianutils.triggers: /usr/share/debianutils/shells.d", "update-shells"}},
	{"/usr/lib/jvm/*/lib/server/classes*.jsa", Origin{"openjdk", MechScript, "openjdk-*-jre-headless.postinst", "java -Xshare:dump (class data sharing archive)"}},
	{"/etc/sgml/catalog", Origin{"sgml-base", MechTrigger, "sgml-base.triggers", "update-catalog"}},
	{"/etc/xml/catalog", Origin{"xml-core", MechTrigger, "xml-core.triggers", "update-xmlcatalog"}},
	{"/etc/php/*/*/conf.d/*", Origin{"php-common", MechEnmod, "php*.postinst", "phpenmod"}},
	{"/etc/apache2/*-enabled/*", Origin{"apache2", MechEnmod, "apache2.postinst", "a2enmod/a2enconf/a2ensite"}},
	{"/etc/postgresql/*/main/**", Origin{"postgresql-common", MechScript, "postgresql-<v>.postinst", "pg_createcluster (the default cluster's configuration)"}},
	{"/var/log/postgresql/postgresql-*-main.log", Origin{"postgresql-common", MechScript, "postgresql-<v>.postinst", "pg_createcluster (the default cluster's log)"}},
	{"/etc/apt/apt.conf.d/02autoremove-postgresql", Origin{"postgresql-common", MechScript, "postgresql-common.postinst", "pg_updateaptconfig"}},
	{"/var/lib/systemd/catalog/database", Origin{"systemd", MechScript, "systemd.postinst", "journalctl --update-catalog"}},
	{"**/__pycache__/**", Origin{"python3", MechTrigger, "py3compile in the package's postinst / python3 trigger", "byte-compiled .pyc"}},
}

// Match reports whether the output's pattern matches p.
func (o TriggerOutput) Match(p string) bool {
	if name, ok := strings.CutPrefix(o.Pattern, "**/"); ok {
		name = strings.TrimSuffix(name, "/**")
		return strings.Contains(p, "/"+name+"/") || strings.HasSuffix(p, "/"+name)
	}
	return Exclusion{Pattern: o.Pattern}.Match(p)
}

// script is a maintainer script or a triggers file of a package, as
// logical lines: continuation lines joined, and shell variables that the
// script assigns once to a constant (USER="redis") expanded, so that
// `adduser --system \ … ${USER}` names the user it adds.
type script struct {
	pkg, name string // name: "redis-server.postinst"
	lines     []scriptLine
	funcs     map[string]string // shell function → the mechanism of its body
}

type scriptLine struct {
	n    int    // line number of the first physical line
	text string // joined and expanded
}

var (
	assignment = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)=["']?([^"'$\s;]*)["']?\s*$`)
	funcDef    = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)`)
	shellVar   = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
)

// parseScript reads a script into logical lines, expands its constant
// variables and classifies its shell functions by their bodies.
func parseScript(pkg, name, text string) script {
	s := script{pkg: pkg, name: name, funcs: map[string]string{}}
	vars, assigned := map[string]string{}, map[string]int{}
	var cur []string
	start := 0
	for i, line := range strings.Split(text, "\n") {
		if len(cur) == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur = append(cur, strings.TrimSpace(body))
			continue
		}
		cur = append(cur, strings.TrimSpace(line))
		joined := strings.Join(cur, " ")
		cur = cur[:0]
		if m := assignment.FindStringSubmatch(joined); m != nil {
			vars[m[1]] = m[2]
			assigned[m[1]]++
		}
		s.lines = append(s.lines, scriptLine{start, joined})
	}
	for i, l := range s.lines {
		s.lines[i].text = shellVar.ReplaceAllStringFunc(l.text, func(v string) string {
			name := strings.Trim(v, "${}")
			if assigned[name] == 1 && vars[name] != "" {
				return vars[name]
			}
			return v
		})
	}
	s.classifyFuncs()
	return s
}

// classifyFuncs gives each shell function the mechanism of the first line
// of its body that has one, so that a call `Setup_dir /var/lib/redis …`
// is a mkdir.
func (s *script) classifyFuncs() {
	for i, l := range s.lines {
		m := funcDef.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		for _, b := range s.lines[i+1:] {
			if b.text == "}" {
				break
			}
			if mech := classifyLine(b.text); mech != MechScript {
				s.funcs[m[1]] = mech
				break
			}
		}
	}
}

// mechanism classifies a line of the script.
func (s *script) mechanism(line string) string {
	if strings.HasSuffix(s.name, ".triggers") {
		return MechTrigger
	}
	if f := strings.Fields(line); len(f) > 0 {
		if mech, ok := s.funcs[f[0]]; ok {
			return mech
		}
	}
	return classifyLine(line)
}

// attributor names the origin of effects, from an apt root's dpkg database.
type attributor struct {
	merged     bool
	own        Owners
	scripts    []script          // the set's own: not in the base root alike
	oldScripts []script          // the base root's
	fixed      map[string]Origin // exact paths: alternatives, ucf
	tmpfiles   []tmpfilesLine
	sysusers   map[string]Origin // "u:name", "g:name"
}

// scriptKinds are the dpkg info files searched for effect paths.
var scriptKinds = []string{"postinst", "preinst", "triggers", "config"}

// newAttributor reads the set root's scripts and the databases that name
// effects. The scripts the base root does not have alike (those of the
// set's packages) come first: an effect is relative to the base root, so a
// line of the set's own scripts explains it better than one of a base
// package that names the same path (libnss-myhostname's edit of
// /etc/nsswitch.conf, not libc-bin's copy of it).
func newAttributor(base, t *Tree, own Owners) (*attributor, error) {
	a := &attributor{merged: t.Merged(), own: own, fixed: map[string]Origin{}, sysusers: map[string]Origin{}}
	for _, kind := range scriptKinds {
		for _, f := range t.Glob(infoDir + "/*." + kind) {
			b, err := t.ReadFile(f)
			if err != nil {
				return nil, err
			}
			s := parseScript(pkgOfInfo(f), path.Base(f), string(b))
			if inBase, err := base.ReadFile(f); err == nil && bytes.Equal(inBase, b) {
				a.oldScripts = append(a.oldScripts, s)
				continue
			}
			a.scripts = append(a.scripts, s)
		}
	}
	a.readAlternatives(t)
	a.readUcf(t)
	a.readTmpfiles(t)
	a.readSysusers(t)
	return a, nil
}

// readAlternatives records every link update-alternatives manages: the
// /etc/alternatives/<name> link and the link in the file system, for the
// master and each slave, attributed to the package owning the chosen
// alternative.
func (a *attributor) readAlternatives(t *Tree) {
	for _, f := range t.Glob("/var/lib/dpkg/alternatives/*") {
		b, err := t.ReadFile(f)
		if err != nil {
			continue
		}
		name := path.Base(f)
		links := alternativeLinks(name, string(b))
		pkg := ""
		if e, ok := t.Lookup("/etc/alternatives/" + name); ok && e.Kind == Symlink {
			pkg = a.own[ResolveTarget("/etc/alternatives/"+name, e.Target, a.merged)]
		}
		for link, alt := range links {
			a.fixed[Canon(link, a.merged)] = Origin{pkg, MechAlternatives, "/var/lib/dpkg/alternatives/" + name, alt}
		}
	}
}

// alternativeLinks parses an alternatives database file (mode; master
// link; pairs of slave name and slave link; an empty line; …) into
// link path → alternative name, including /etc/alternatives/<name>.
func alternativeLinks(name, db string) map[string]string {
	lines := strings.Split(db, "\n")
	out := map[string]string{}
	if len(lines) < 2 {
		return out
	}
	out[lines[1]] = name
	out["/etc/alternatives/"+name] = name
	for i := 2; i+1 < len(lines) && lines[i] != ""; i += 2 {
		out[lines[i+1]] = lines[i]
		out["/etc/alternatives/"+lines[i]] = lines[i]
	}
	return out
}

// readUcf records the files ucf installed, from its registry ("package
// path" lines).
func (a *attributor) readUcf(t *Tree) {
	b, _ := t.ReadFile("/var/lib/ucf/registry")
	for _, line := range strings.Split(string(b), "\n") {
		if pkg, p, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			a.fixed[Canon(strings.TrimSpace(p), a.merged)] = Origin{pkg, MechUcf, "/var/lib/ucf/registry", "ucf " + p}
		}
	}
}

type tmpfilesLine struct {
	path   string
	origin Origin
}

// readTmpfiles reads the tmpfiles.d files packages ship: systemd-tmpfiles
// --create, run from a postinst when systemd is installed, makes their
// paths; an image's entrypoint has no systemd to make them.
func (a *attributor) readTmpfiles(t *Tree) {
	a.configLines(t, "/usr/lib/tmpfiles.d/*.conf", MechTmpfiles, func(fs []string, o Origin) {
		a.tmpfiles = append(a.tmpfiles, tmpfilesLine{Canon(fs[1], a.merged), o})
	})
}

// readSysusers reads the sysusers.d files packages ship ("u name …", "g
// name …").
func (a *attributor) readSysusers(t *Tree) {
	a.configLines(t, "/usr/lib/sysusers.d/*.conf", MechSysusers, func(fs []string, o Origin) {
		switch fs[0] {
		case "u", "u!":
			a.sysusers["u:"+fs[1]] = o
			a.sysusers["g:"+fs[1]] = o
		case "g":
			a.sysusers["g:"+fs[1]] = o
		}
	})
}

// configLines calls fn with the fields (two or more) of every line that is
// not a comment in the files matching glob, and the line's origin.
func (a *attributor) configLines(t *Tree, glob, mech string, fn func(fields []string, o Origin)) {
	for _, f := range t.Glob(glob) {
		b, _ := t.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) < 2 || strings.HasPrefix(fs[0], "#") {
				continue
			}
			fn(fs, Origin{a.own[f], mech, f, strings.TrimSpace(line)})
		}
	}
}

// path names the origin of a path effect: an exact record (alternatives,
// ucf), else the trigger table, else the scripts and tmpfiles.d lines, in
// stages from the most to the least specific, the set's own scripts before
// the base root's (see newAttributor).
func (a *attributor) path(e Effect) Origin {
	p := e.Path
	if o, ok := a.fixed[p]; ok {
		return o
	}
	if e.Change != Overridden && e.Change != Chowned {
		for _, t := range TriggerOutputs {
			if t.Match(p) {
				return t.Origin
			}
		}
	}
	for _, scripts := range [][]script{a.scripts, a.oldScripts} {
		if o, ok := a.searchStages(scripts, e); ok {
			return o
		}
	}
	return Origin{Mechanism: MechUnknown}
}

// searchStages looks for p in scripts: the path itself; a tmpfiles.d line
// for it; for a directory, a mkdir of a path under it (mkdir -p
// /var/www/html makes /var/www); the parent directory; a tmpfiles.d line
// for a parent; the base name as a word.
func (a *attributor) searchStages(scripts []script, e Effect) (Origin, bool) {
	p := e.Path
	if o, ok := search(scripts, p, exactPath); ok {
		return o, true
	}
	if o, ok := a.tmpfilesLine(p, false); ok {
		return o, true
	}
	if e.Kind == Dir {
		if o, ok := search(scripts, p, pathUnder); ok && o.Mechanism == MechMkdir {
			o.Detail = "a path under it: " + o.Detail
			return o, true
		}
	}
	if dir := path.Dir(p); dir != "/" {
		if o, ok := search(scripts, dir, exactPath); ok {
			o.Detail = "parent directory: " + o.Detail
			return o, true
		}
	}
	if o, ok := a.tmpfilesLine(p, true); ok {
		o.Detail = "parent directory: " + o.Detail
		return o, true
	}
	if base := path.Base(p); len(base) >= 4 {
		if o, ok := search(scripts, base, word); ok {
			o.Detail = "base name: " + o.Detail
			return o, true
		}
	}
	return Origin{}, false
}

// tmpfilesLine finds the tmpfiles.d line that names p, or with under
// true, the deepest line that names one of its parents.
func (a *attributor) tmpfilesLine(p string, under bool) (Origin, bool) {
	best, found := "", Origin{}
	for _, tl := range a.tmpfiles {
		match := tl.path == p
		if under {
			match = strings.HasPrefix(p, tl.path+"/")
		}
		if match && len(tl.path) > len(best) {
			best, found = tl.path, tl.origin
		}
	}
	return found, best != ""
}

// matchMode is how search matches its needle.
type matchMode int

const (
	exactPath matchMode = iota // the path, not followed by more path characters
	pathUnder                  // the path followed by "/" and more
	word                       // a word (a base name, an account name)
)

// matcher returns the regular expression of needle in mode.
func matcher(needle string, mode matchMode) *regexp.Regexp {
	q := regexp.QuoteMeta(needle)
	switch mode {
	case exactPath:
		return regexp.MustCompile(q + `($|[^A-Za-z0-9_./-])`)
	case pathUnder:
		return regexp.MustCompile(q + `/[A-Za-z0-9_.-]`)
	}
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + q + `($|[^A-Za-z0-9_.-])`)
}

// search finds needle in the scripts' lines (a path also in its
// non-merged-/usr spelling, /bin/x for /usr/bin/x). A line that runs a
// command known to make something beats one that only names the needle
// (an assignment, a test): the first such line wins, else the first line.
func search(scripts []script, needle string, mode matchMode) (Origin, bool) {
	needles := []string{needle}
	if mode != word {
		if old, ok := usrmerge.Unmerged(needle); ok {
			needles = append(needles, old)
		}
	}
	var first *Origin
	for _, n := range needles {
		re := matcher(n, mode)
		for _, s := range scripts {
			for _, l := range s.lines {
				if strings.HasPrefix(l.text, "#") || !re.MatchString(l.text) {
					continue
				}
				o := Origin{s.pkg, s.mechanism(l.text), fmt.Sprintf("%s:%d", s.name, l.n), l.text}
				if o.Mechanism != MechScript {
					return o, true
				}
				if first == nil {
					first = &o
				}
			}
		}
	}
	if first != nil {
		return *first, true
	}
	return Origin{}, false
}

// lineKinds classify a script line by the command it runs; the first match
// wins.
var lineKinds = []struct {
	re   *regexp.Regexp
	mech string
}{
	{regexp.MustCompile(`update-alternatives`), MechAlternatives},
	{regexp.MustCompile(`\b(adduser|useradd|addgroup|groupadd|usermod)\b`), MechAccounts},
	{regexp.MustCompile(`systemd-sysusers`), MechSysusers},
	{regexp.MustCompile(`dpkg-statoverride`), MechStatOverride},
	{regexp.MustCompile(`\bucf(r)?\b`), MechUcf},
	{regexp.MustCompile(`systemd-tmpfiles`), MechTmpfiles},
	{regexp.MustCompile(`\b(a2en(mod|conf|site)|phpenmod|php[0-9.]*enmod)\b`), MechEnmod},
	{regexp.MustCompile(`\bln\b`), MechLink},
	{regexp.MustCompile(`\bmkdir\b|\binstall\b.*-d\b`), MechMkdir},
	{regexp.MustCompile(`\bch(own|mod|grp)\b`), MechChown},
	{regexp.MustCompile(`\b(cp|mv|install)\b`), MechCopy},
	{regexp.MustCompile(`\b(sed|echo|printf|cat|tee|touch)\b|(^|\s)>>?\s*[^\s&]`), MechWrite},
}

// classifyLine returns the mechanism of a script line, by the command it
// runs.
func classifyLine(line string) string {
	for _, k := range lineKinds {
		if k.re.MatchString(line) {
			return k.mech
		}
	}
	return MechScript
}

// account names the origin of an added user (or group): a sysusers.d line,
// else a script line that creates it.
func (a *attributor) account(name string, group bool) Origin {
	key := "u:" + name
	if group {
		key = "g:" + name
	}
	if o, ok := a.sysusers[key]; ok {
		return o
	}
	for _, scripts := range [][]script{a.scripts, a.oldScripts} {
		if o, ok := accountLine(scripts, name); ok {
			return o
		}
		// The account is made a few lines away from its name, through a
		// variable the script assigns more than once.
		if o, ok := search(scripts, name, word); ok {
			o.Detail = "name: " + o.Detail
			return o
		}
	}
	return Origin{Mechanism: MechUnknown}
}

// accountCommand matches the commands that add users and groups.
var accountCommand = regexp.MustCompile(`\b(adduser|useradd|addgroup|groupadd)\b`)

// accountLine finds a line that adds the account name.
func accountLine(scripts []script, name string) (Origin, bool) {
	re := matcher(name, word)
	for _, s := range scripts {
		for _, l := range s.lines {
			if accountCommand.MatchString(l.text) && re.MatchString(l.text) && !strings.HasPrefix(l.text, "#") {
				return Origin{s.pkg, MechAccounts, fmt.Sprintf("%s:%d", s.name, l.n), l.text}, true
			}
		}
	}
	return Origin{}, false
}
