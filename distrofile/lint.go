package distrofile

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debsuite"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/distrofile/distrofile/usrmerge"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// LintRule is one check of the Distrofile: a name in BuildKit's CamelCase
// style, a one-line description and the page that documents it. Every
// build shows its findings as warnings; `docker buildx build
// --call=check` lists them.
type LintRule struct {
	Name        string
	Description string
	// URL documents the rule.
	URL string
}

// docsURL is where the repository's docs are published.
const docsURL = "https://github.com/distrofile/distrofile/blob/main/docs/"

// rule makes a rule documented in docs/language.md, under the anchor
// rule-<name in lower case>.
func rule(name, description string) LintRule {
	return LintRule{Name: name, Description: description, URL: docsURL + "language.md#rule-" + strings.ToLower(name)}
}

// The lint rules. Mistakes that make the build fail are errors of Parse or
// of the stage evaluation, not rules; these rules catch Distrofiles that
// build but probably do not do what their author meant.
//
// An INSTALL root that the closure of another root already pulls in needs
// the dependency edges: LintLocked (RuleInstallPulledIn) reads them from a
// Distrofile.lock.
var (
	RuleDuplicateInstall = rule("DuplicateInstall",
		"A package is INSTALLed more than once in a stage")
	RuleInstallExcluded = rule("InstallExcluded",
		"A package is both INSTALLed and EXCLUDEd")
	RuleUndefinedUser = rule("UndefinedUser",
		"USER names an account that neither USERADD/GROUPADD nor the defaults (root, nobody, nonroot) define")
	RuleEntrypointNotProvided = rule("EntrypointNotProvided",
		"The program the image runs is not written by any COPY, FILE or SYMLINK and cannot come from a package")
	RuleDropRemovesEntrypoint = rule("DropRemovesEntrypoint",
		"A DROP removes the program the image runs from the packages")
	RuleDuplicateExpose = rule("DuplicateExpose",
		"A port is EXPOSEd more than once")
	RuleWorkdirRelativePath = rule("WorkdirRelativePath",
		"WORKDIR is a relative path: its meaning depends on the WORKDIR before it")
	RuleEnvPathWithoutUsrBin = rule("EnvPathWithoutUsrBin",
		"ENV PATH does not contain /usr/bin, where packages install their programs")
	RuleDefaultAccountRedefined = rule("DefaultAccountRedefined",
		"USERADD or GROUPADD redefines a default account (nonroot, nobody, nogroup), which it replaces")
	RuleAccountsFileOverwritten = rule("AccountsFileOverwritten",
		"COPY or FILE writes /etc/passwd, /etc/group or their shadows over the accounts the build makes")
	RuleDirectoryRedeclared = rule("DirectoryRedeclared",
		"MKDIR asks for another mode or owner than the directory already has from a home, an earlier MKDIR or WORKDIR: the first one stays")
)

// RuleInstallPulledIn reports an INSTALL root that another root of the
// stage already depends on (directly or not): listing it is harmless but
// usually a sign that the author expected something else, and it pins
// nothing. The dependency edges come from Distrofile.lock.
var RuleInstallPulledIn = rule("InstallPulledIn",
	"An INSTALLed package is already a dependency of another INSTALLed package")

// RuleShellInImage reports a shell or a package manager in an image (a
// stage that no other stage uses): a distroless image is usually without
// them, and a package often pulls one in unnoticed. The closure comes
// from Distrofile.lock for --call=check, from the resolution in a build.
var RuleShellInImage = rule("ShellInImage",
	"The image contains a shell or a package manager, which a distroless image is usually without")

// RuleScriptNotReproduced is how --call=check lists what the effects step
// could not reproduce of the target's packages' maintainer scripts.
var RuleScriptNotReproduced = LintRule{Name: "ScriptEffectNotReproduced",
	Description: "A maintainer script of an installed package does something the build does not reproduce",
	URL:         docsURL + "effects.md"}

// LintRules lists every rule: Lint checks all but the last three,
// plan.LintLocked RuleInstallPulledIn and RuleShellInImage (which the
// frontend also checks on the closures it resolves), and the frontend
// reports RuleScriptNotReproduced from the effects step.
var LintRules = []LintRule{
	RuleDuplicateInstall, RuleInstallExcluded, RuleUndefinedUser, RuleEntrypointNotProvided,
	RuleDropRemovesEntrypoint, RuleDuplicateExpose, RuleWorkdirRelativePath, RuleEnvPathWithoutUsrBin,
	RuleDirectoryRedeclared, RuleDefaultAccountRedefined, RuleAccountsFileOverwritten,
	RuleInstallPulledIn, RuleShellInImage, RuleScriptNotReproduced,
}

// LintWarning is one finding of a rule, located on the Distrofile.
type LintWarning struct {
	Rule    LintRule
	Message string
	Ranges  []parser.Range
}

// Lint checks a parsed Distrofile whose stages evaluated without error
// (states as returned by EvalStages) and returns the findings, stage by
// stage in file order.
func Lint(df *Distrofile, states map[*Stage]*StageSpec) []LintWarning {
	var out []LintWarning
	for _, st := range df.Stages {
		s := states[st]
		if s == nil {
			continue
		}
		var base *StageSpec
		if st.From.Kind == FromStage {
			base = states[st.From.Stage]
		}
		l := &stageLinter{st: st, s: s, base: base}
		l.installs()
		l.users()
		l.program()
		l.exposes()
		l.workdirs()
		l.paths()
		l.dirs()
		l.accounts()
		out = append(out, l.out...)
	}
	return out
}

type stageLinter struct {
	st   *Stage
	s    *StageSpec // the stage after all its instructions
	base *StageSpec // the evaluated base stage for FROM <stage>, or nil
	out  []LintWarning
}

func (l *stageLinter) warn(r LintRule, rs []parser.Range, format string, args ...any) {
	l.out = append(l.out, LintWarning{Rule: r, Message: fmt.Sprintf(format, args...), Ranges: rs})
}

// lineOf is "line N" for the first range, or "the base stage" for none.
func lineOf(rs []parser.Range) string {
	if len(rs) == 0 {
		return "the base stage"
	}
	return "line " + strconv.Itoa(rs[0].Start.Line)
}

// rootKey identifies an INSTALL/EXCLUDE argument by package name and
// architecture qualifier (libc6:amd64 and libc6:i386 are two packages).
func rootKey(spec string) (key, name string) {
	name, _, arch, err := debresolve.ParseRoot(spec)
	if err != nil {
		return spec, spec
	}
	switch arch {
	case "any", "native", "all":
		arch = ""
	}
	if arch == "" {
		return name, name
	}
	return name + ":" + arch, name
}

func (l *stageLinter) installs() {
	seen := map[string]Root{}
	if l.base != nil {
		for _, r := range l.base.Roots {
			k, _ := rootKey(r.Package)
			if _, ok := seen[k]; !ok {
				seen[k] = Root{Package: r.Package} // no ranges: inherited
			}
		}
	}
	excluded := map[string][]parser.Range{}
	if l.base != nil {
		for _, x := range l.base.Excludes {
			excluded[x] = nil
		}
	}
	for _, c := range l.st.Commands {
		if x, ok := c.(*ExcludeCmd); ok {
			for _, p := range x.Packages {
				if _, dup := excluded[p]; !dup {
					excluded[p] = x.Location()
				}
			}
		}
	}
	for _, c := range l.st.Commands {
		in, ok := c.(*InstallCmd)
		if !ok {
			continue
		}
		for _, p := range in.Packages {
			k, name := rootKey(p)
			if prev, dup := seen[k]; dup {
				if prev.Package == p {
					l.warn(RuleDuplicateInstall, in.Location(), "%s is already INSTALLed on %s", p, lineOf(prev.Ranges))
				} else {
					l.warn(RuleDuplicateInstall, in.Location(), "%s is already INSTALLed on %s (as %s)", p, lineOf(prev.Ranges), prev.Package)
				}
				continue
			}
			seen[k] = Root{Package: p, Ranges: in.Location()}
			if rs, ex := excluded[name]; ex {
				l.warn(RuleInstallExcluded, in.Location(), "%s is INSTALLed but EXCLUDEd on %s: the build will fail", p, lineOf(rs))
			}
		}
	}
}

func (l *stageLinter) users() {
	if l.s.Image != "" {
		return // the image's /etc/passwd is not known here
	}
	for _, c := range l.st.Commands {
		u, ok := c.(*UserCmd)
		if !ok {
			continue
		}
		name, group, hasGroup := strings.Cut(u.User, ":")
		if !isID(name) && l.s.Accounts.user(name) == nil {
			l.warn(RuleUndefinedUser, u.Location(), "USER %s: no user %q in /etc/passwd (add it with USERADD, or use root, nobody, nonroot or a numeric uid)", u.User, name)
			continue
		}
		if hasGroup && !isID(group) && l.s.Accounts.group(group) == nil {
			l.warn(RuleUndefinedUser, u.Location(), "USER %s: no group %q in /etc/group (add it with GROUPADD, or use a numeric gid)", u.User, group)
		}
	}
}

func isID(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0
}

// packagePath reports whether a Debian package may install p: packages
// own /usr (but never /usr/local), the top-level /bin, /sbin and /lib*
// (links into /usr on merged systems), /etc, /var and /opt.
func packagePath(p string) bool {
	p = path.Clean(p)
	under := func(dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
	if under("/usr/local") {
		return false
	}
	for _, d := range []string{"/usr", "/bin", "/sbin", "/etc", "/var", "/opt"} {
		if under(d) {
			return true
		}
	}
	top, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return strings.HasPrefix(top, "lib")
}

// provides reports whether one of the stage's generated entries writes p:
// a FILE at p, a COPY to p or to a directory above it, or a SYMLINK at p or
// at a directory above it.
func provides(files []StageFile, p string) bool {
	p = path.Clean(p)
	for _, f := range files {
		switch f.Kind {
		case imagespec.KindFile:
			if path.Clean(f.Path) == p {
				return true
			}
		case imagespec.KindCopy, imagespec.KindSymlink:
			d := path.Clean(f.Path)
			if p == d || strings.HasPrefix(p, d+"/") || d == "/" {
				return true
			}
		}
	}
	return false
}

// program checks the stage's own ENTRYPOINT (or, without one, its CMD):
// its absolute program path must be written by the stage or be one a
// package can install.
func (l *stageLinter) program() {
	if l.s.Image != "" || len(l.s.Runs) > 0 {
		return // the image's files, or what a RUN writes, are not known here
	}
	var c Command
	var args []string
	for _, x := range l.st.Commands {
		switch x := x.(type) {
		case *EntrypointCmd:
			c, args = x, x.Args
		case *CmdCmd:
			if len(l.s.Config.Entrypoint) == 0 {
				c, args = x, x.Args
			}
		}
	}
	if c == nil || len(args) == 0 || !path.IsAbs(args[0]) {
		return
	}
	prog := args[0]
	what := "ENTRYPOINT"
	if _, ok := c.(*CmdCmd); ok {
		what = "CMD"
	}
	if provides(l.s.Files, prog) {
		return
	}
	if l.s.Distro != "" && len(l.s.Roots) > 0 && packagePath(prog) {
		l.dropped(c, what, prog)
		return
	}
	switch {
	case l.s.Distro == "":
		l.warn(RuleEntrypointNotProvided, c.Location(), "%s %s: nothing in this stage writes %s, and a stage without a package archive has no packages (COPY it or FILE it)", what, prog, prog)
	case len(l.s.Roots) == 0:
		l.warn(RuleEntrypointNotProvided, c.Location(), "%s %s: nothing in this stage writes %s, and the stage INSTALLs no package", what, prog, prog)
	case !packagePath(prog):
		l.warn(RuleEntrypointNotProvided, c.Location(), "%s %s: no COPY, FILE or SYMLINK writes %s, and Debian packages do not install there", what, prog, prog)
	}
}

// dropped warns when a DROP of the stage (or of its base) removes prog, a
// path that only packages provide, from the packages.
func (l *stageLinter) dropped(c Command, what, prog string) {
	if len(l.s.Drops) == 0 {
		return
	}
	final := path.Clean(prog)
	if debsuite.UsrMerged(l.s.Distro, l.s.Suite) {
		// Packages' /bin, /sbin and /lib* entries land under /usr, where
		// DROP globs are matched.
		final = usrmerge.Path(final)
	}
	drops := func(glob string) bool {
		d, err := debextract.NewDropper(glob)
		return err == nil && d.Dropped(final, false)
	}
	for _, x := range l.st.Commands {
		if d, ok := x.(*DropCmd); ok {
			for _, g := range d.Globs {
				if drops(g) {
					l.warn(RuleDropRemovesEntrypoint, c.Location(), "%s %s: DROP %s on %s removes %s from the packages", what, prog, g, lineOf(d.Location()), final)
					return
				}
			}
		}
	}
	if l.base != nil {
		for _, g := range l.base.Drops {
			if drops(g) {
				l.warn(RuleDropRemovesEntrypoint, c.Location(), "%s %s: DROP %s on the base stage removes %s from the packages", what, prog, g, final)
				return
			}
		}
	}
}

func (l *stageLinter) exposes() {
	seen := map[string][]parser.Range{}
	if l.base != nil {
		for _, p := range l.base.Config.ExposedPorts {
			seen[p] = nil
		}
	}
	for _, c := range l.st.Commands {
		e, ok := c.(*ExposeCmd)
		if !ok {
			continue
		}
		for _, p := range e.Ports {
			norm := p
			if !strings.Contains(norm, "/") {
				norm += "/tcp"
			}
			if prev, dup := seen[norm]; dup {
				l.warn(RuleDuplicateExpose, e.Location(), "EXPOSE %s: port %s is already exposed on %s", p, norm, lineOf(prev))
				continue
			}
			seen[norm] = e.Location()
		}
	}
}

func (l *stageLinter) workdirs() {
	wd := ""
	if l.base != nil {
		wd = l.base.Config.WorkingDir
	}
	for _, c := range l.st.Commands {
		w, ok := c.(*WorkdirCmd)
		if !ok {
			continue
		}
		abs := w.Path
		if !path.IsAbs(abs) {
			abs = path.Join("/", wd, w.Path)
			from := "the previous WORKDIR " + wd
			if wd == "" {
				from = "/"
			}
			l.warn(RuleWorkdirRelativePath, w.Location(), "WORKDIR %s is relative: it resolves to %s against %s; write the absolute path", w.Path, abs, from)
		}
		wd = path.Clean(abs)
	}
}

func (l *stageLinter) paths() {
	for _, c := range l.st.Commands {
		e, ok := c.(*EnvCmd)
		if !ok {
			continue
		}
		for _, kv := range e.Pairs {
			if kv.Key != "PATH" {
				continue
			}
			if !slices.ContainsFunc(strings.Split(kv.Value, ":"), func(d string) bool { return path.Clean(d) == "/usr/bin" }) {
				l.warn(RuleEnvPathWithoutUsrBin, e.Location(), "ENV PATH=%s has no /usr/bin: programs from packages will not be found by name (the default is %s)", kv.Value, strings.TrimPrefix(defaultPath, "PATH="))
			}
		}
	}
}

// dirs warns of an MKDIR of this stage that asks for another mode or owner
// than the directory already has from an account's home, an earlier MKDIR
// or a WORKDIR: directories that exist keep theirs (imagespec.File's
// Implicit), as in a Dockerfile's image.
func (l *stageLinter) dirs() {
	type decl struct {
		mode     os.FileMode
		uid, gid int
		where    string
	}
	known := map[string]decl{}
	for _, u := range l.s.Accounts.Users {
		if u.CreateHome && u.Home != "" && u.Home != "/" {
			known[path.Clean(u.Home)] = decl{0o750, u.UID, u.GID, "the home of " + u.Name}
		}
	}
	for _, f := range l.s.Files {
		if f.Kind != imagespec.KindDir {
			continue
		}
		p := path.Clean(f.Path)
		d, ok := known[p]
		if !ok {
			known[p] = decl{f.Mode, f.UID, f.GID, f.By.Instruction() + " on " + lineOf(f.By.Location())}
			continue
		}
		mk, isMkdir := f.By.(*MkdirCmd)
		if !isMkdir || !slices.Contains(l.st.Commands, f.By) || (d.mode == f.Mode && d.uid == f.UID && d.gid == f.GID) {
			continue
		}
		l.warn(RuleDirectoryRedeclared, mk.Location(), "MKDIR %s: %s already makes it %04o %d:%d; this MKDIR's %04o %d:%d is not applied",
			p, d.where, debextract.UnixMode(d.mode), d.uid, d.gid, debextract.UnixMode(f.Mode), f.UID, f.GID)
	}
}

// accountsFiles are the files the build writes from the accounts.
var accountsFiles = []string{"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow"}

// accounts reports the default accounts a USERADD or GROUPADD of this
// stage replaces, and a COPY or FILE that writes an accounts file.
func (l *stageLinter) accounts() {
	before := DefaultAccounts()
	if l.base != nil {
		before = l.base.Accounts
	}
	for _, c := range l.st.Commands {
		switch c := c.(type) {
		case *UserAddCmd:
			if u := before.user(c.Name); u != nil && before.isDefaultUser(*u) {
				l.warn(RuleDefaultAccountRedefined, c.Location(), "USERADD %s replaces the default user %s (uid %d)", c.Name, c.Name, u.UID)
			}
		case *GroupAddCmd:
			if g := before.group(c.Name); g != nil && before.isDefaultGroup(*g) {
				l.warn(RuleDefaultAccountRedefined, c.Location(), "GROUPADD %s replaces the default group %s (gid %d)", c.Name, c.Name, g.GID)
			}
		}
	}
	for _, f := range l.s.Files {
		if f.Kind != imagespec.KindFile && f.Kind != imagespec.KindCopy || !slices.Contains(l.st.Commands, f.By) {
			continue
		}
		targets := []string{path.Clean(f.Path)}
		if f.Kind == imagespec.KindCopy && strings.HasSuffix(f.Path, "/") {
			targets = nil
			for _, src := range f.Srcs {
				targets = append(targets, path.Join(f.Path, path.Base(src)))
			}
		}
		for _, p := range targets {
			if slices.Contains(accountsFiles, p) {
				l.warn(RuleAccountsFileOverwritten, f.By.Location(), "%s writes %s over the accounts the build makes from USERADD and GROUPADD (and that packages' scripts add to): add accounts with USERADD and GROUPADD", f.By.Instruction(), p)
			}
		}
	}
}
