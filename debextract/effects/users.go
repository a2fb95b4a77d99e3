package effects

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/debextract"
)

// unixPerm is m's permission bits as chmod's octal number.
func unixPerm(m fs.FileMode) int { return int(debextract.UnixMode(m)) }

// makeHome creates a home directory owned by the user, as adduser and
// useradd -m do; an existing directory keeps its owner.
func makeHome(c *call, home string, uid, gid, mode int) {
	if home == "" || home == "/nonexistent" || c.e.fs.exists(home) {
		return
	}
	if err := c.e.fs.mkdir(home, fs.FileMode(mode), true); err != nil {
		c.e.warnf(c.sc.pkg, "%s: home %s: %v", c.sc.name, home, err)
		return
	}
	_ = c.e.fs.setAttr(home, true, uid, gid, mode)
}

// adduser stands in for Debian's adduser: "adduser --system [options]
// NAME" (uid the lowest free from 100, primary group nogroup unless
// --group, --ingroup or --gid; --group makes a group of the same name and
// id when that id is free; home /nonexistent unless --home, made 0755
// unless --no-create-home), "adduser [--system] --group NAME" (a group),
// and "adduser USER GROUP" (a member). An existing account is left alone.
func adduser(c *call) int {
	f := parseFlags(c.args[1:], "", "home", "shell", "ingroup", "gid", "uid", "gecos", "comment",
		"firstuid", "lastuid", "firstgid", "lastgid", "conf", "add-extra-groups", "allow-bad-names", "add_extra_groups")
	a := c.e.accounts
	if len(f.operands) == 2 && !f.has(0, "system") {
		u, g := a.user(f.operands[0]), a.group(f.operands[1])
		if u == nil || g == nil {
			return c.failf("the user %q or the group %q does not exist", f.operands[0], f.operands[1])
		}
		a.addMember(g, u.name)
		return 0
	}
	if len(f.operands) != 1 {
		return c.failf("want one NAME")
	}
	name := f.operands[0]
	if f.has(0, "group") && !f.has(0, "system") || f.has(0, "group") && f.has(0, "system") && c.args[0] == "addgroup" {
		return addSystemGroup(c, name, f)
	}
	if !f.has(0, "system") {
		c.e.warnf(c.sc.pkg, "%s: adduser of a non-system user %s: made as a system user", c.sc.name, name)
	}
	if a.user(name) != nil { // base-passwd's fixed accounts exist already
		return 0
	}
	gid := nogroupGID
	uid, err := a.freeID(firstSystemID, lastSystemID, true, true, f.has(0, "group"))
	if err != nil {
		if uid, err = a.freeID(firstSystemID, lastSystemID, true, true, false); err != nil {
			return c.failf("%v", err)
		}
	}
	if v, ok := f.long["uid"]; ok {
		if uid, err = strconv.Atoi(v); err != nil {
			return c.failf("bad --uid %q", v)
		}
	}
	switch {
	case f.has(0, "group"):
		if g := a.group(name); g != nil {
			gid = g.gid
		} else {
			gid = uid
			if a.groupByID(gid) != nil {
				if gid, err = a.freeID(firstSystemID, lastSystemID, true, false, true); err != nil {
					return c.failf("%v", err)
				}
			}
			a.addGroup(&group{name: name, gid: gid})
		}
	case f.long["ingroup"] != "":
		g := a.group(f.long["ingroup"])
		if g == nil {
			return c.failf("the group %q does not exist", f.long["ingroup"])
		}
		gid = g.gid
	case f.long["gid"] != "":
		id, ok := a.lookupGID(f.long["gid"])
		if !ok {
			return c.failf("the group %q does not exist", f.long["gid"])
		}
		gid = id
	default:
		a.group("nogroup")
	}
	home := "/nonexistent"
	if h, ok := f.long["home"]; ok {
		home = h
	}
	shell := "/usr/sbin/nologin"
	if s, ok := f.long["shell"]; ok {
		shell = s
	}
	gecos := f.long["gecos"]
	if gc, ok := f.long["comment"]; ok {
		gecos = gc
	}
	a.addUser(&user{name: name, uid: uid, gid: gid, gecos: gecos, home: home, shell: shell})
	if !f.has(0, "no-create-home") {
		makeHome(c, home, uid, gid, 0o755)
	}
	return 0
}

// addSystemGroup adds a system group with the lowest free id from 100
// (or --gid), unless it exists.
func addSystemGroup(c *call, name string, f flags) int {
	a := c.e.accounts
	if a.findGroup(name) != nil {
		return 0
	}
	if gid, ok := baseGroups[name]; ok && f.long["gid"] == "" {
		a.addGroup(&group{name: name, gid: gid})
		return 0
	}
	gid, err := a.freeID(firstSystemID, lastSystemID, true, false, true)
	if err != nil {
		return c.failf("%v", err)
	}
	if v, ok := f.long["gid"]; ok {
		if gid, err = strconv.Atoi(v); err != nil {
			return c.failf("bad --gid %q", v)
		}
	}
	a.addGroup(&group{name: name, gid: gid})
	return 0
}

// addgroup stands in for addgroup: "addgroup [--system] NAME" and
// "addgroup USER GROUP".
func addgroup(c *call) int {
	f := parseFlags(c.args[1:], "", "gid", "conf")
	if len(f.operands) == 2 {
		u, g := c.e.accounts.user(f.operands[0]), c.e.accounts.group(f.operands[1])
		if u == nil || g == nil {
			return c.failf("the user %q or the group %q does not exist", f.operands[0], f.operands[1])
		}
		c.e.accounts.addMember(g, u.name)
		return 0
	}
	if len(f.operands) != 1 {
		return c.failf("want one NAME")
	}
	return addSystemGroup(c, f.operands[0], f)
}

// useradd stands in for useradd (-r: the highest free id from 999 down;
// a group of the user's name unless -g or -N; -m makes the home).
func useradd(c *call) int {
	f := parseFlags(c.args[1:], "cdgGsuKbefkp", "comment", "home-dir", "gid", "groups", "shell", "uid", "key", "base-dir", "expiredate", "inactive", "skel", "password")
	a := c.e.accounts
	if len(f.operands) != 1 {
		return c.failf("want one NAME")
	}
	name := f.operands[0]
	if a.findUser(name) != nil {
		return c.failf("user '%s' already exists", name)
	}
	lo, hi, up := 1000, 59999, true
	if f.has('r', "system") {
		lo, hi, up = sysIDMin, sysIDMax, false
	}
	uid, err := a.freeID(lo, hi, up, true, false)
	if err != nil {
		return c.failf("%v", err)
	}
	if v, ok := f.value('u', "uid"); ok {
		if uid, err = strconv.Atoi(v); err != nil {
			return c.failf("bad uid %q", v)
		}
	}
	var gid int
	if g, ok := f.value('g', "gid"); ok {
		id, ok := a.lookupGID(g)
		if !ok {
			return c.failf("group '%s' does not exist", g)
		}
		gid = id
	} else if f.has('N', "no-user-group") {
		gid = 100
		a.group("users")
	} else if g := a.group(name); g != nil {
		gid = g.gid
	} else {
		gid = uid
		if a.groupByID(gid) != nil {
			if gid, err = a.freeID(lo, hi, up, false, true); err != nil {
				return c.failf("%v", err)
			}
		}
		a.addGroup(&group{name: name, gid: gid})
	}
	home, _ := f.value('d', "home-dir")
	if home == "" {
		home = "/home/" + name
	}
	shell, _ := f.value('s', "shell")
	gecos, _ := f.value('c', "comment")
	a.addUser(&user{name: name, uid: uid, gid: gid, gecos: gecos, home: home, shell: shell})
	if gs, ok := f.value('G', "groups"); ok {
		for _, g := range strings.Split(gs, ",") {
			if gr := a.group(g); gr != nil {
				a.addMember(gr, name)
			}
		}
	}
	if f.has('m', "create-home") {
		makeHome(c, home, uid, gid, 0o700)
	}
	return 0
}

// groupadd stands in for groupadd (-r: the highest free id from 999
// down; -f: an existing group is not an error).
func groupadd(c *call) int {
	f := parseFlags(c.args[1:], "gKp", "gid", "key", "password")
	a := c.e.accounts
	if len(f.operands) != 1 {
		return c.failf("want one NAME")
	}
	name := f.operands[0]
	if a.findGroup(name) != nil {
		if f.has('f', "force") {
			return 0
		}
		return c.failf("group '%s' already exists", name)
	}
	lo, hi, up := 1000, 59999, true
	if f.has('r', "system") {
		lo, hi, up = sysIDMin, sysIDMax, false
	}
	gid, err := a.freeID(lo, hi, up, false, true)
	if err != nil {
		return c.failf("%v", err)
	}
	if v, ok := f.value('g', "gid"); ok {
		if gid, err = strconv.Atoi(v); err != nil {
			return c.failf("bad gid %q", v)
		}
	} else if base, ok := baseGroups[name]; ok {
		gid = base
	}
	a.addGroup(&group{name: name, gid: gid})
	return 0
}

// usermod stands in for "usermod -a -G GROUPS USER".
func usermod(c *call) int {
	f := parseFlags(c.args[1:], "GgdslcueLfp", "groups", "gid", "home", "shell", "login", "comment", "uid")
	a := c.e.accounts
	if len(f.operands) != 1 || a.user(f.operands[0]) == nil {
		return c.failf("want an existing USER")
	}
	gs, ok := f.value('G', "groups")
	if !ok || len(f.short)+len(f.long) > 2 {
		c.e.skipped(c)
		return 0
	}
	for _, g := range strings.Split(gs, ",") {
		gr := a.group(g)
		if gr == nil {
			return c.failf("group '%s' does not exist", g)
		}
		a.addMember(gr, f.operands[0])
	}
	return 0
}

// gpasswd stands in for "gpasswd -a USER GROUP".
func gpasswd(c *call) int {
	if len(c.args) == 4 && c.args[1] == "-a" {
		u, g := c.e.accounts.user(c.args[2]), c.e.accounts.group(c.args[3])
		if u == nil || g == nil {
			return c.failf("no such user or group")
		}
		c.e.accounts.addMember(g, u.name)
		return 0
	}
	c.e.skipped(c)
	return 0
}

// getent answers passwd and group lookups (exit 2: not found).
func getent(c *call) int {
	if len(c.args) < 2 {
		return c.failf("want DATABASE [KEY]")
	}
	a := c.e.accounts
	keys := c.args[2:]
	switch c.args[1] {
	case "passwd":
		if len(keys) == 0 {
			for _, u := range a.users {
				fmt.Fprintln(c.stdout, u.line())
			}
			return 0
		}
		for _, k := range keys {
			u := a.findUser(k)
			if u == nil {
				return 2
			}
			fmt.Fprintln(c.stdout, u.line())
		}
		return 0
	case "group":
		if len(keys) == 0 {
			for _, g := range a.groups {
				fmt.Fprintln(c.stdout, g.line())
			}
			return 0
		}
		for _, k := range keys {
			g := a.findGroup(k)
			if g == nil {
				return 2
			}
			fmt.Fprintln(c.stdout, g.line())
		}
		return 0
	case "shadow", "gshadow":
		return 2
	}
	c.e.skipped(c)
	return 2
}

// findUser looks a user up by name or uid, without adding base-passwd's.
func (a *accounts) findUser(k string) *user {
	for _, u := range a.users {
		if u.name == k || strconv.Itoa(u.uid) == k {
			return u
		}
	}
	return nil
}

// findGroup looks a group up by name or gid, without adding base-passwd's.
func (a *accounts) findGroup(k string) *group {
	for _, g := range a.groups {
		if g.name == k || strconv.Itoa(g.gid) == k {
			return g
		}
	}
	return nil
}

// id answers "id [-u|-g|-n] [USER]" (root when no user is named).
func id(c *call) int {
	f := parseFlags(c.args[1:], "")
	name := "root"
	if len(f.operands) > 0 {
		name = f.operands[0]
	}
	u := c.e.accounts.findUser(name)
	if u == nil {
		fmt.Fprintf(c.stderr, "id: '%s': no such user\n", name)
		return 1
	}
	switch {
	case f.has('u', "user") && f.has('n', "name"):
		fmt.Fprintln(c.stdout, u.name)
	case f.has('u', "user"):
		fmt.Fprintln(c.stdout, u.uid)
	case f.has('g', "group"):
		fmt.Fprintln(c.stdout, u.gid)
	default:
		fmt.Fprintf(c.stdout, "uid=%d(%s) gid=%d\n", u.uid, u.name, u.gid)
	}
	return 0
}

// updatePasswd stands in for base-passwd's update-passwd: the accounts of
// passwd.master and group.master that the image lacks are added, with
// their fixed ids.
func updatePasswd(c *call) int {
	a := c.e.accounts
	if b, err := c.e.fs.readFile("/usr/share/base-passwd/group.master"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, ":")
			if len(f) != 4 || a.findGroup(f[0]) != nil {
				continue
			}
			if gid, err := strconv.Atoi(f[2]); err == nil {
				a.addGroup(&group{name: f[0], gid: gid})
			}
		}
	}
	if b, err := c.e.fs.readFile("/usr/share/base-passwd/passwd.master"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, ":")
			if len(f) != 7 || a.findUser(f[0]) != nil {
				continue
			}
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 == nil && err2 == nil {
				a.addUser(&user{f[0], uid, gid, f[4], f[5], f[6]})
			}
		}
	}
	return 0
}
