package effects

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/imageroot"
	"github.com/distrofile/distrofile/internal/deb822"
	"pault.ag/go/debian/dependency"
)

// Options say what the effects are computed for.
type Options struct {
	// Arch is the image's Debian architecture ("amd64"), what `dpkg
	// --print-architecture` says.
	Arch string
	// Epoch is the build's time (SOURCE_DATE_EPOCH): what date says.
	Epoch time.Time
}

// File is one entry of the effects layer.
type File struct {
	// Path is absolute.
	Path string
	// Dir, Link (Target set) or a regular file (Data).
	Dir      bool
	Target   string
	Data     []byte
	Mode     fs.FileMode
	UID, GID int
}

// Result is what the maintainer scripts, triggers and declarative files
// of the installed packages leave in the image.
type Result struct {
	// Files, sorted by path.
	Files []File
	// Warnings name the package and what was not reproduced.
	Warnings []string
	// Scripts counts the maintainer scripts read.
	Scripts int
}

// String is the helper's summary line.
func (r *Result) String() string {
	return fmt.Sprintf("effects: %d scripts, %d files, %d warnings", r.Scripts, len(r.Files), len(r.Warnings))
}

// pkgState is one installed package.
type pkgState struct {
	name, version, arch string
	ctl                 *debextract.ControlArchive
	para                deb822.Paragraph
	script              string // the maintainer script running
}

// engine runs the stand-ins of one image.
type engine struct {
	mu           sync.Mutex // held by the handlers: see execHandler
	opt          Options
	fs           *vfs
	pkgs         []*pkgState
	byName       map[string]*pkgState
	accounts     *accounts
	alts         *alternatives
	debconf      *debconf
	activated    map[string]bool // explicit triggers activated
	ldconfig     bool            // ldconfig was asked for
	replacements map[string]string
	warnings     []string
	scripts      int
	temps        int             // mktemp's counter
	applied      map[string]bool // sysusers.d and tmpfiles.d files applied by a command
}

func (e *engine) warnf(p *pkgState, format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if p != nil {
		w = p.name + ": " + w
	}
	if !slices.Contains(e.warnings, w) {
		e.warnings = append(e.warnings, w)
	}
}

// Run computes the effects of installing pkgs (their control archives)
// into the image img (the package layers and the generated files), as
// dpkg would on a fresh install through apt: each preinst with "install",
// each postinst with "configure" in dependency order, then the triggers
// they activate, then what Debian's declarative files ask for.
func Run(ctx context.Context, img *imageroot.Root, pkgs []*debextract.ControlArchive, opt Options) (*Result, error) {
	e := &engine{
		opt: opt, fs: newVFS(img), byName: map[string]*pkgState{},
		activated: map[string]bool{}, replacements: confmoduleReplacements(), applied: map[string]bool{},
	}
	for _, ca := range pkgs {
		p := &pkgState{name: ca.Package, version: ca.Version, arch: ca.Architecture, ctl: ca, para: paragraph(ca.Files["control"])}
		if p.arch == "all" {
			p.arch = opt.Arch
		}
		e.pkgs = append(e.pkgs, p)
		e.byName[p.name] = p
	}
	e.pkgs = configureOrder(e.pkgs, e.byName)
	var err error
	if e.accounts, err = loadAccounts(e.fs); err != nil {
		return nil, err
	}
	e.accounts.lastChange = max(0, opt.Epoch.Unix()/86400)
	e.alts = newAlternatives()
	e.debconf = newDebconf(e.pkgs)
	// apt preconfigures (the config scripts) before dpkg unpacks; each
	// preinst runs before its package is unpacked.
	for _, p := range e.pkgs {
		if err := e.maintscript(ctx, p, "config", "configure", ""); err != nil {
			return nil, err
		}
	}
	for _, p := range e.pkgs {
		if err := e.maintscript(ctx, p, "preinst", "install"); err != nil {
			return nil, err
		}
	}
	for _, p := range e.pkgs {
		if err := e.maintscript(ctx, p, "postinst", "configure", ""); err != nil {
			return nil, err
		}
	}
	e.nativeEffects()
	if err := e.runTriggers(ctx); err != nil {
		return nil, err
	}
	if err := e.declarative(); err != nil {
		return nil, err
	}
	e.ldconfigEffects()
	if err := e.accounts.write(e.fs); err != nil {
		return nil, err
	}
	return e.result(), nil
}

// nativePackages are the packages whose maintainer scripts do not run:
// what they do is done in Go by another step, from the same inputs, and
// by nativeEffects here.
var nativePackages = map[string]string{
	"ca-certificates": "the CA step (package cacerts) writes what update-ca-certificates writes, with COPY'd local CAs; this step makes /usr/local/share/ca-certificates as its postinst does",
}

// nativeEffects does what the scripts of nativePackages do besides what
// another step writes: ca-certificates' postinst makes
// /usr/local/share/ca-certificates, where local CAs go, with the mode and
// group of /usr/local. Its mkdir has no -p: on every Debian root
// base-files' postinst has made /usr/local/share (0755 root:root, unless
// /etc/staff-group-for-usr-local), which an image without base-files
// lacks; it is made here as base-files makes it.
func (e *engine) nativeEffects() {
	if e.byName["ca-certificates"] == nil {
		return
	}
	for _, d := range []string{"/usr/local", "/usr/local/share"} {
		if !e.fs.exists(d) {
			if err := e.fs.mkdir(d, 0o755, true); err != nil {
				return
			}
		}
	}
	const local = "/usr/local/share/ca-certificates"
	_, in, err := e.fs.stat("/usr/local", true)
	if err != nil || e.fs.exists(local) || !e.fs.isDir("/usr/local/share") {
		return
	}
	if err := e.fs.mkdir(local, 0o755, false); err == nil {
		_ = e.fs.setAttr(local, true, 0, in.gid, unixPerm(in.mode))
	}
}

// maintscript runs p's script name, if it ships one.
func (e *engine) maintscript(ctx context.Context, p *pkgState, name string, args ...string) error {
	data, ok := p.ctl.Files[name]
	if _, native := nativePackages[p.name]; !ok || native {
		return nil
	}
	e.scripts++
	p.script = name
	_, err := e.run(ctx, script{pkg: p, name: name}, data, args, strings.NewReader(""))
	return err
}

// paragraph reads the first deb822 paragraph of a control file; none when
// it is malformed.
func paragraph(b []byte) deb822.Paragraph {
	paras, _ := deb822.Parse(string(b))
	if len(paras) == 0 {
		return deb822.Paragraph{}
	}
	return paras[0]
}

// configureOrder sorts pkgs so that a package comes after what it
// (pre-)depends on, as dpkg configures them; ties keep the given order and
// a dependency cycle is broken where it is met.
func configureOrder(pkgs []*pkgState, byName map[string]*pkgState) []*pkgState {
	provides := map[string][]*pkgState{}
	for _, p := range pkgs {
		for _, name := range relationNames(p.para.Value("Provides")) {
			provides[name] = append(provides[name], p)
		}
	}
	var out []*pkgState
	state := map[*pkgState]int{} // 1 visiting, 2 done
	var visit func(p *pkgState)
	visit = func(p *pkgState) {
		if state[p] != 0 {
			return
		}
		state[p] = 1
		for _, field := range []string{"Pre-Depends", "Depends"} {
			for _, name := range relationNames(p.para.Value(field)) {
				if d, ok := byName[name]; ok {
					visit(d)
				}
				for _, d := range provides[name] {
					visit(d)
				}
			}
		}
		state[p] = 2
		out = append(out, p)
	}
	for _, p := range pkgs {
		visit(p)
	}
	return out
}

// relationNames lists the package names a relationship field names.
func relationNames(field string) []string {
	if strings.TrimSpace(field) == "" {
		return nil
	}
	dep, err := dependency.Parse(field)
	if err != nil {
		return nil
	}
	var names []string
	for _, r := range dep.Relations {
		for _, p := range r.Possibilities {
			names = append(names, p.Name)
		}
	}
	return names
}

// result collects what the stand-ins wrote.
func (e *engine) result() *Result {
	res := &Result{Warnings: e.warnings, Scripts: e.scripts}
	e.keepParents()
	paths := make([]string, 0, len(e.fs.nodes))
	for p := range e.fs.nodes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		n := e.fs.nodes[p]
		if n.kind == kindGone {
			if _, err := e.fs.img.Lstat(p); err == nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("a maintainer script removed %s, which a package ships: it stays", p))
			}
			continue
		}
		res.Files = append(res.Files, File{Path: p, Dir: n.kind == kindDir, Target: n.target, Data: n.data, Mode: n.mode, UID: n.uid, GID: n.gid})
	}
	return res
}

// call is one command a script runs.
type call struct {
	e              *engine
	sc             script
	ctx            context.Context
	args           []string
	stdin          io.Reader
	rawStdin       io.Reader // for a script the command runs, which reads it without the lock
	stdout, stderr io.Writer
	dir            string
}

// abs makes p absolute against the command's directory.
func (c *call) abs(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(c.dir, p)
}

// failf prints a command's error and returns status 1.
func (c *call) failf(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", c.args[0], fmt.Sprintf(format, args...))
	return 1
}

// keepParents adds the directories above what the stand-ins wrote, with
// the owner and mode the image gives them: the layer must not replace a
// package directory's (/var/lib/redis, 0750 redis) with a default one.
func (e *engine) keepParents() {
	for p, n := range e.fs.nodes {
		if n.kind == kindGone {
			continue
		}
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := e.fs.nodes[d]; ok {
				continue
			}
			in, err := e.fs.lstat(d)
			if err != nil || in.kind != kindDir {
				continue
			}
			e.fs.nodes[d] = &node{kind: kindDir, mode: in.mode, uid: in.uid, gid: in.gid}
		}
	}
}

// cleanPath is path.Clean of an absolute path.
func cleanPath(p string) string { return path.Clean("/" + p) }
