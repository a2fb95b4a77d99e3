package effects

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/google/shlex"
)

// The directories of systemd's declarative files: a file of /etc
// replaces the one of the same name under /usr/lib.
var (
	sysusersDirs = []string{"/usr/lib/sysusers.d", "/etc/sysusers.d"}
	tmpfilesDirs = []string{"/usr/lib/tmpfiles.d", "/etc/tmpfiles.d"}
)

// declarative applies every sysusers.d and tmpfiles.d file of the image,
// as systemd-sysusers and systemd-tmpfiles --create would at boot: a
// container has no boot, so the accounts and the run-time directories a
// program expects are made in the image.
func (e *engine) declarative() error {
	for _, f := range confFiles(e.fs, sysusersDirs) {
		if !e.applied[f] {
			e.applySysusers(f, nil)
		}
	}
	for _, f := range confFiles(e.fs, tmpfilesDirs) {
		if !e.applied[f] {
			e.applyTmpfiles(f, nil)
		}
	}
	return nil
}

// confFiles lists the *.conf files of dirs, a later directory's file
// replacing an earlier one's of the same name, sorted by name.
func confFiles(v *vfs, dirs []string) []string {
	byName := map[string]string{}
	for _, d := range dirs {
		ents, _ := v.readDir(d)
		for _, e := range ents {
			if strings.HasSuffix(e.name, ".conf") {
				byName[e.name] = path.Join(d, e.name)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// confLines returns the fields of each line of a sysusers.d or
// tmpfiles.d file (quoted as the shell quotes).
func (e *engine) confLines(file string, p *pkgState) [][]string {
	data, err := e.fs.readFile(file)
	if err != nil {
		e.warnf(p, "%s: %v", file, err)
		return nil
	}
	var out [][]string
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f, err := shlex.Split(l)
		if err != nil || len(f) < 2 {
			e.warnf(p, "%s:%d: not understood: %s", file, i+1, l)
			continue
		}
		out = append(out, f)
	}
	return out
}

// field is f[i] with "-" and a missing field meaning "".
func field(f []string, i int) string {
	if i >= len(f) || f[i] == "-" {
		return ""
	}
	return f[i]
}

// applySysusers adds the users and groups of a sysusers.d file that do
// not exist (ids: the given one, else the highest free from 999 down, a
// user's group taking the user's id when free, as systemd-sysusers does).
func (e *engine) applySysusers(file string, p *pkgState) {
	e.applied[file] = true
	a := e.accounts
	for _, f := range e.confLines(file, p) {
		name := f[1]
		idField := field(f, 2)
		switch f[0] {
		case "g":
			if a.findGroup(name) != nil {
				continue
			}
			gid, err := strconv.Atoi(idField)
			if err != nil || a.groupByID(gid) != nil {
				if gid, err = a.freeID(sysIDMin, sysIDMax, false, false, true); err != nil {
					e.warnf(p, "%s: group %s: %v", file, name, err)
					continue
				}
			}
			a.addGroup(&group{name: name, gid: gid})
		case "u", "u!":
			if a.findUser(name) != nil {
				continue
			}
			uidS, gidS, _ := strings.Cut(idField, ":")
			uid, err := strconv.Atoi(uidS)
			if err != nil || a.userByID(uid) != nil {
				if uid, err = a.freeID(sysIDMin, sysIDMax, false, true, a.findGroup(name) == nil); err != nil {
					e.warnf(p, "%s: user %s: %v", file, name, err)
					continue
				}
			}
			var gid int
			switch {
			case gidS != "":
				id, ok := a.lookupGID(gidS)
				if !ok {
					e.warnf(p, "%s: user %s: no group %s", file, name, gidS)
					continue
				}
				gid = id
			case a.findGroup(name) != nil:
				gid = a.findGroup(name).gid
			default:
				gid = uid
				if a.groupByID(gid) != nil {
					gid, _ = a.freeID(sysIDMin, sysIDMax, false, false, true)
				}
				a.addGroup(&group{name: name, gid: gid})
			}
			home, shell := field(f, 4), field(f, 5)
			if home == "" {
				home = "/"
			}
			if shell == "" {
				shell = "/usr/sbin/nologin"
			}
			a.addUser(&user{name: name, uid: uid, gid: gid, gecos: field(f, 3), home: home, shell: shell})
		case "m":
			u, g := a.user(name), a.group(idField)
			if g == nil && idField != "" {
				gid, err := a.freeID(sysIDMin, sysIDMax, false, false, true)
				if err == nil {
					g = &group{name: idField, gid: gid}
					a.addGroup(g)
				}
			}
			if u != nil && g != nil {
				a.addMember(g, name)
			}
		case "r":
		default:
			e.warnf(p, "%s: sysusers type %q not reproduced", file, f[0])
		}
	}
}

// tmpfilesSpecifiers are the specifiers of paths that do not depend on
// the machine, with their values for the system instance.
var tmpfilesSpecifiers = map[byte]string{
	't': "/run", 'S': "/var/lib", 'C': "/var/cache", 'L': "/var/log", 'T': "/tmp", 'V': "/var/tmp", 'h': "/root", '%': "%",
}

// expandSpecifiers expands p's specifiers, false when one depends on the
// machine (%m, %H, %b…).
func expandSpecifiers(p string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		i++
		if i >= len(p) {
			return "", false
		}
		v, ok := tmpfilesSpecifiers[p[i]]
		if !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// applyTmpfiles does what systemd-tmpfiles --create does for the lines a
// program sees: d and D make directories (and set the mode and owner
// given), f makes files, L links, z and Z set the mode and owner of what
// exists. Lines that clean, copy or write to kernel files do nothing in
// an image and are skipped, and so are the paths of one machine (%m, %b:
// an image is no machine).
func (e *engine) applyTmpfiles(file string, p *pkgState) {
	e.applied[file] = true
	for _, f := range e.confLines(file, p) {
		typ := strings.TrimRight(f[0], "!-=~^$+")
		target, ok := expandSpecifiers(f[1])
		if !ok {
			continue // a path of one machine (%m, %b, %H…): no image has it
		}
		target = path.Clean(target)
		mode := -1
		if m := field(f, 2); m != "" && m != ":" {
			n, err := strconv.ParseInt(strings.TrimLeft(m, "~:"), 8, 32)
			if err == nil {
				mode = int(n)
			}
		}
		uid, gid := -1, -1
		if u := strings.TrimPrefix(field(f, 3), ":"); u != "" {
			if id, ok := e.accounts.lookupUID(u); ok {
				uid = id
			} else {
				e.warnf(p, "%s: %s: no user %s", file, target, u)
			}
		}
		if g := strings.TrimPrefix(field(f, 4), ":"); g != "" {
			if id, ok := e.accounts.lookupGID(g); ok {
				gid = id
			} else {
				e.warnf(p, "%s: %s: no group %s", file, target, g)
			}
		}
		var err error
		switch typ {
		case "d", "D", "v", "q", "Q":
			if !e.fs.isDir(target) {
				err = e.fs.mkdir(target, 0o755, true)
			}
			if err == nil && (mode >= 0 || uid >= 0 || gid >= 0) {
				err = e.fs.setAttr(target, true, uid, gid, mode)
			}
		case "f", "F":
			if !e.fs.exists(target) || typ == "F" {
				if err = e.fs.mkdir(path.Dir(target), 0o755, true); err == nil {
					err = e.fs.writeFile(target, []byte(unescapeArg(field(f, 6))), 0o644)
				}
				if err == nil && (mode >= 0 || uid >= 0 || gid >= 0) {
					err = e.fs.setAttr(target, true, uid, gid, mode)
				}
			}
		case "L":
			linkTarget := field(f, 6)
			if linkTarget == "" {
				linkTarget = path.Join("/usr/share/factory", target)
			}
			if !e.fs.exists(target) && !isLinkV(e.fs, target) || strings.Contains(f[0], "+") && !e.fs.isDir(target) {
				if err = e.fs.mkdir(path.Dir(target), 0o755, true); err == nil {
					err = e.fs.symlink(linkTarget, target)
				}
			}
		case "z", "Z":
			if e.fs.exists(target) && (mode >= 0 || uid >= 0 || gid >= 0) {
				err = e.fs.setAttr(target, true, uid, gid, mode)
			}
		case "e", "x", "X", "r", "R", "w", "a", "A", "h", "H", "t", "T", "c", "b", "p", "C":
			continue // cleaning, kernel files, devices and attributes: nothing a fresh image needs
		default:
			e.warnf(p, "%s: tmpfiles type %q not reproduced", file, f[0])
		}
		if err != nil {
			e.warnf(p, "%s: %s: %v", file, target, err)
		}
	}
}

// isLinkV reports whether p (its parents resolved) is a symbolic link.
func isLinkV(v *vfs, p string) bool {
	q, err := v.resolve(p, false)
	if err != nil {
		return false
	}
	in, err := v.lstat(q)
	return err == nil && in.kind == kindLink
}

// unescapeArg undoes the C escapes of a tmpfiles.d argument.
func unescapeArg(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`)
	return r.Replace(s)
}

// sysusersCmd stands in for systemd-sysusers [FILE...].
func (e *engine) sysusersCmd(c *call) int {
	e.applyNamed(c, sysusersDirs, e.applySysusers)
	return 0
}

// tmpfilesCmd stands in for systemd-tmpfiles --create [FILE...].
func (e *engine) tmpfilesCmd(c *call) int {
	if contains(c.args, "--create") {
		e.applyNamed(c, tmpfilesDirs, e.applyTmpfiles)
	}
	return 0
}

// applyNamed applies the files a command names (all of dirs' when it
// names none).
func (e *engine) applyNamed(c *call, dirs []string, apply func(file string, p *pkgState)) {
	files := c.nonOptions()
	if len(files) == 0 {
		files = confFiles(e.fs, dirs)
	}
	for _, f := range files {
		apply(e.findConf(f, dirs), c.sc.pkg)
	}
}

// nonOptions are the command's arguments that are not options.
func (c *call) nonOptions() []string {
	var out []string
	for _, a := range c.args[1:] {
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

// findConf resolves a configuration file named on a command line: a path,
// or a name looked up in dirs (the last one that has it).
func (e *engine) findConf(name string, dirs []string) string {
	if strings.Contains(name, "/") {
		return name
	}
	found := ""
	for _, d := range dirs {
		if e.fs.exists(path.Join(d, name)) {
			found = path.Join(d, name)
		}
	}
	if found == "" {
		return fmt.Sprintf("%s/%s", dirs[0], name)
	}
	return found
}
