package effects

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Where a system account's id is taken from, as Debian's tools do it.
const (
	// adduser's FIRST_SYSTEM_UID/GID and LAST_SYSTEM_UID/GID
	// (/etc/adduser.conf): the lowest free id wins.
	firstSystemID, lastSystemID = 100, 999
	// useradd -r, groupadd -r and systemd-sysusers (SYS_UID_MIN,
	// SYS_UID_MAX in login.defs; systemd's SYSTEM_UID_MAX): the highest
	// free id wins.
	sysIDMin, sysIDMax = 101, 999
	// nogroup is the primary group of an adduser --system user without
	// --group or --ingroup.
	nogroupGID = 65534
)

// basePasswd are the fixed accounts of base-passwd's passwd.master and
// group.master: an apt root has them all, a Distrofile image only root,
// nobody and nonroot. One of them that a maintainer script, a sysusers.d
// or a tmpfiles.d line names is added with its fixed id when missing.
var basePasswd = map[string][2]int{ // name → uid, gid
	"daemon": {1, 1}, "bin": {2, 2}, "sys": {3, 3}, "sync": {4, 65534}, "games": {5, 60}, "man": {6, 12},
	"lp": {7, 7}, "mail": {8, 8}, "news": {9, 9}, "uucp": {10, 10}, "proxy": {13, 13}, "www-data": {33, 33},
	"backup": {34, 34}, "list": {38, 38}, "irc": {39, 39}, "_apt": {42, 65534},
}

// baseGroups are base-passwd's fixed groups.
var baseGroups = map[string]int{
	"daemon": 1, "bin": 2, "sys": 3, "adm": 4, "tty": 5, "disk": 6, "lp": 7, "mail": 8, "news": 9, "uucp": 10,
	"man": 12, "proxy": 13, "kmem": 15, "dialout": 20, "fax": 21, "voice": 22, "cdrom": 24, "floppy": 25,
	"tape": 26, "sudo": 27, "audio": 29, "dip": 30, "www-data": 33, "backup": 34, "operator": 37, "list": 38,
	"irc": 39, "src": 40, "shadow": 42, "utmp": 43, "video": 44, "sasl": 45, "plugdev": 46, "staff": 50,
	"games": 60, "users": 100, "nogroup": 65534,
}

// user is one /etc/passwd line.
type user struct {
	name        string
	uid, gid    int
	gecos, home string
	shell       string
}

// group is one /etc/group line.
type group struct {
	name    string
	gid     int
	members []string
}

// accounts are the image's /etc/passwd and /etc/group.
type accounts struct {
	users   []*user
	groups  []*group
	changed bool
	// shadow and gshadow: the image has (or pwconv and grpconv made)
	// /etc/shadow and /etc/gshadow, kept in step with passwd and group.
	shadow, gshadow bool
	// lastChange is the day of the "last password change" field.
	lastChange int64
}

// loadAccounts reads the image's passwd and group files (the generated
// ones: root, nobody, nonroot and USERADD/GROUPADD).
func loadAccounts(v *vfs) (*accounts, error) {
	a := &accounts{}
	if b, err := v.readFile("/etc/passwd"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, ":")
			if len(f) != 7 {
				continue
			}
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil {
				continue
			}
			a.users = append(a.users, &user{f[0], uid, gid, f[4], f[5], f[6]})
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if b, err := v.readFile("/etc/group"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, ":")
			if len(f) != 4 {
				continue
			}
			gid, err := strconv.Atoi(f[2])
			if err != nil {
				continue
			}
			var members []string
			if f[3] != "" {
				members = strings.Split(f[3], ",")
			}
			a.groups = append(a.groups, &group{f[0], gid, members})
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	a.shadow, a.gshadow = v.exists("/etc/shadow"), v.exists("/etc/gshadow")
	return a, nil
}

func (a *accounts) user(name string) *user {
	for _, u := range a.users {
		if u.name == name {
			return u
		}
	}
	if ids, ok := basePasswd[name]; ok {
		g := a.group(name)
		gid := ids[1]
		if g != nil {
			gid = g.gid
		}
		u := &user{name, ids[0], gid, name, "/nonexistent", "/usr/sbin/nologin"}
		a.users = append(a.users, u)
		a.changed = true
		return u
	}
	return nil
}

func (a *accounts) group(name string) *group {
	for _, g := range a.groups {
		if g.name == name {
			return g
		}
	}
	if gid, ok := baseGroups[name]; ok {
		g := &group{name: name, gid: gid}
		a.groups = append(a.groups, g)
		a.changed = true
		return g
	}
	return nil
}

func (a *accounts) userByID(uid int) *user {
	for _, u := range a.users {
		if u.uid == uid {
			return u
		}
	}
	return nil
}

func (a *accounts) groupByID(gid int) *group {
	for _, g := range a.groups {
		if g.gid == gid {
			return g
		}
	}
	return nil
}

// freeID returns a free id in [lo, hi], the lowest (up) or the highest,
// free among users (uid), groups (gid) or both.
func (a *accounts) freeID(lo, hi int, up, uid, gid bool) (int, error) {
	for i := range hi - lo + 1 {
		id := lo + i
		if !up {
			id = hi - i
		}
		if uid && a.userByID(id) != nil || gid && a.groupByID(id) != nil {
			continue
		}
		return id, nil
	}
	return 0, fmt.Errorf("no free id in %d–%d", lo, hi)
}

func (a *accounts) addUser(u *user) {
	a.users = append(a.users, u)
	a.changed = true
}

func (a *accounts) addGroup(g *group) {
	a.groups = append(a.groups, g)
	a.changed = true
}

// addMember adds user to group's member list.
func (a *accounts) addMember(g *group, user string) {
	if !slices.Contains(g.members, user) {
		g.members = append(g.members, user)
		a.changed = true
	}
}

// lookupUID returns the uid of a name or number.
func (a *accounts) lookupUID(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if u := a.user(s); u != nil {
		return u.uid, true
	}
	return 0, false
}

// lookupGID returns the gid of a name or number.
func (a *accounts) lookupGID(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if g := a.group(s); g != nil {
		return g.gid, true
	}
	return 0, false
}

func (u *user) line() string {
	return fmt.Sprintf("%s:x:%d:%d:%s:%s:%s", u.name, u.uid, u.gid, u.gecos, u.home, u.shell)
}

func (g *group) line() string {
	return fmt.Sprintf("%s:x:%d:%s", g.name, g.gid, strings.Join(g.members, ","))
}

// write writes passwd and group back when a stand-in changed them, and
// shadow and gshadow where the image has them.
func (a *accounts) write(v *vfs) error {
	if !a.changed {
		return nil
	}
	if err := a.writeShadow(v); err != nil {
		return err
	}
	var p, g strings.Builder
	for _, u := range a.users {
		p.WriteString(u.line() + "\n")
	}
	for _, gr := range a.groups {
		g.WriteString(gr.line() + "\n")
	}
	if err := v.writeFile("/etc/passwd", []byte(p.String()), 0o644); err != nil {
		return err
	}
	return v.writeFile("/etc/group", []byte(g.String()), 0o644)
}

// writeShadow writes /etc/shadow and /etc/gshadow as pwconv and grpconv
// would: a locked password ("*") for each account that has no line yet,
// mode 0640, group shadow.
func (a *accounts) writeShadow(v *vfs) error {
	write := func(p string, names []string, line func(name string) string) error {
		old := map[string]string{}
		if b, err := v.readFile(p); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if n, _, ok := strings.Cut(l, ":"); ok {
					old[n] = l
				}
			}
		}
		var out strings.Builder
		for _, n := range names {
			l, ok := old[n]
			if !ok {
				l = line(n)
			}
			out.WriteString(l + "\n")
		}
		if err := v.writeFile(p, []byte(out.String()), 0o640); err != nil {
			return err
		}
		gid := 42
		if g := a.findGroup("shadow"); g != nil {
			gid = g.gid
		}
		return v.setAttr(p, false, 0, gid, 0o640)
	}
	if a.shadow {
		var names []string
		for _, u := range a.users {
			names = append(names, u.name)
		}
		if err := write("/etc/shadow", names, func(n string) string { return fmt.Sprintf("%s:*:%d:0:99999:7:::", n, a.lastChange) }); err != nil {
			return err
		}
	}
	if a.gshadow {
		var names []string
		members := map[string]string{}
		for _, g := range a.groups {
			names = append(names, g.name)
			members[g.name] = strings.Join(g.members, ",")
		}
		if err := write("/etc/gshadow", names, func(n string) string { return n + ":*::" + members[n] }); err != nil {
			return err
		}
	}
	return nil
}
