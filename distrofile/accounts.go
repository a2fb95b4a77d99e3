package distrofile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/imagespec"
)

// Accounts are a stage's users and groups: distroless's defaults (root,
// nobody, nonroot) plus GROUPADD and USERADD.
type Accounts struct {
	imagespec.Accounts
}

// DefaultAccounts are the accounts of every image: root, nobody and
// nonroot, as in distroless.
func DefaultAccounts() Accounts {
	return Accounts{imagespec.Accounts{
		Users: []imagespec.User{
			{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/sbin/nologin"},
			{Name: "nobody", UID: 65534, GID: 65534, Home: "/nonexistent", Shell: "/sbin/nologin"},
			{Name: "nonroot", UID: 65532, GID: 65532, Home: "/home/nonroot", Shell: "/sbin/nologin", CreateHome: true},
		},
		Groups: []imagespec.Group{
			{Name: "root", GID: 0},
			{Name: "nogroup", GID: 65534},
			{Name: "nonroot", GID: 65532},
		},
	}}
}

func (a Accounts) clone() Accounts {
	c := Accounts{imagespec.Accounts{Users: slices.Clone(a.Users), Groups: slices.Clone(a.Groups)}}
	for i := range c.Groups {
		c.Groups[i].Members = slices.Clone(c.Groups[i].Members)
	}
	return c
}

func (a *Accounts) user(name string) *imagespec.User {
	for i := range a.Users {
		if a.Users[i].Name == name {
			return &a.Users[i]
		}
	}
	return nil
}

func (a *Accounts) group(name string) *imagespec.Group {
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			return &a.Groups[i]
		}
	}
	return nil
}

func (a *Accounts) groupByID(gid int) *imagespec.Group {
	for i := range a.Groups {
		if a.Groups[i].GID == gid {
			return &a.Groups[i]
		}
	}
	return nil
}

func (a *Accounts) uidUsed(uid int) bool {
	return slices.ContainsFunc(a.Users, func(u imagespec.User) bool { return u.UID == uid })
}

// freeID returns the first id ≥ 1000 that used does not report.
func freeID(used func(int) bool) int {
	id := 1000
	for used(id) {
		id++
	}
	return id
}

func (a *Accounts) addGroup(c *GroupAddCmd) error {
	old := a.group(c.Name)
	if old != nil && !a.isDefaultGroup(*old) {
		return fmt.Errorf("GROUPADD: group %q already exists", c.Name)
	}
	oldGID := -1
	if old != nil {
		// A default group (nonroot, nogroup) is redefined: it goes, and
		// its users follow it to the new gid.
		oldGID = old.GID
		a.Groups = slices.DeleteFunc(a.Groups, func(g imagespec.Group) bool { return g.Name == c.Name })
	}
	gid := 0
	if c.GID != nil {
		gid = *c.GID
		if g := a.groupByID(gid); g != nil {
			return fmt.Errorf("GROUPADD: gid %d is already used by group %q", gid, g.Name)
		}
	} else {
		gid = freeID(func(id int) bool { return a.groupByID(id) != nil })
	}
	a.Groups = append(a.Groups, imagespec.Group{Name: c.Name, GID: gid})
	for i := range a.Users {
		if a.Users[i].GID == oldGID {
			a.Users[i].GID = gid
		}
	}
	return nil
}

// addUser adds a user like `useradd --create-home --user-group` would.
func (a *Accounts) addUser(c *UserAddCmd) error {
	if old := a.user(c.Name); old != nil {
		u := *old // DeleteFunc moves the elements
		if !a.isDefaultUser(u) {
			return fmt.Errorf("USERADD: user %q already exists", c.Name)
		}
		// A default account (nonroot, nobody) is redefined: it goes, with
		// its own group when nothing else uses that group.
		a.Users = slices.DeleteFunc(a.Users, func(x imagespec.User) bool { return x.Name == c.Name })
		if g := a.group(c.Name); g != nil && g.GID == u.GID && a.isDefaultGroup(*g) && len(g.Members) == 0 &&
			!slices.ContainsFunc(a.Users, func(x imagespec.User) bool { return x.GID == g.GID }) {
			a.Groups = slices.DeleteFunc(a.Groups, func(x imagespec.Group) bool { return x.Name == c.Name })
		}
	}
	uid := 0
	if c.UID != nil {
		uid = *c.UID
		if a.uidUsed(uid) {
			return fmt.Errorf("USERADD: uid %d is already used", uid)
		}
	} else {
		uid = freeID(func(id int) bool { return a.uidUsed(id) || a.groupByID(id) != nil })
	}
	gid := uid
	switch {
	case c.GID != nil:
		gid = *c.GID
		if a.groupByID(gid) == nil {
			if a.group(c.Name) != nil {
				return fmt.Errorf("USERADD: no group with gid %d, and a group named %q exists already", gid, c.Name)
			}
			a.Groups = append(a.Groups, imagespec.Group{Name: c.Name, GID: gid})
		}
	case a.group(c.Name) != nil:
		return fmt.Errorf("USERADD: a group named %q exists: give --gid=%d to use it", c.Name, a.group(c.Name).GID)
	default:
		if g := a.groupByID(gid); g != nil {
			gid = freeID(func(id int) bool { return a.groupByID(id) != nil })
		}
		a.Groups = append(a.Groups, imagespec.Group{Name: c.Name, GID: gid})
	}
	for _, gn := range c.Groups {
		g := a.group(gn)
		if g == nil {
			return fmt.Errorf("USERADD --groups: no group named %q (add it with GROUPADD first)", gn)
		}
		g.Members = append(g.Members, c.Name)
	}
	home := c.Home
	if home == "" {
		home = "/home/" + c.Name
	}
	shell := c.Shell
	if shell == "" {
		shell = "/sbin/nologin"
	}
	a.Users = append(a.Users, imagespec.User{Name: c.Name, UID: uid, GID: gid, Home: home, Shell: shell, CreateHome: true})
	return nil
}

// owner resolves "user[:group]" (names or numbers) to ids; "" is root.
func (a *Accounts) owner(spec string) (int, int, error) {
	if spec == "" {
		return 0, 0, nil
	}
	us, gs, hasGroup := strings.Cut(spec, ":")
	var uid, gid int
	if n, err := strconv.Atoi(us); err == nil && n >= 0 {
		uid = n
		if u := a.userByID(n); u != nil {
			gid = u.GID
		} else {
			gid = n
		}
	} else if u := a.user(us); u != nil {
		uid, gid = u.UID, u.GID
	} else {
		return 0, 0, fmt.Errorf("owner %q: no user %q (add it with USERADD before this line)", spec, us)
	}
	if hasGroup {
		if n, err := strconv.Atoi(gs); err == nil && n >= 0 {
			gid = n
		} else if g := a.group(gs); g != nil {
			gid = g.GID
		} else {
			return 0, 0, fmt.Errorf("owner %q: no group %q (add it with GROUPADD before this line)", spec, gs)
		}
	}
	return uid, gid, nil
}

func (a *Accounts) userByID(uid int) *imagespec.User {
	for i := range a.Users {
		if a.Users[i].UID == uid {
			return &a.Users[i]
		}
	}
	return nil
}

// redefinable are the default accounts a USERADD or GROUPADD may redefine
// (distroless users routinely give nonroot another uid); root may not be.
var redefinable = []string{"nonroot", "nobody", "nogroup"}

// isDefaultUser reports whether u is a default account as DefaultAccounts
// makes it (its group may have been redefined), and may be redefined.
func (a *Accounts) isDefaultUser(u imagespec.User) bool {
	return slices.Contains(redefinable, u.Name) && slices.ContainsFunc(DefaultAccounts().Users, func(d imagespec.User) bool {
		d.GID = u.GID
		return d == u
	})
}

// isDefaultGroup is isDefaultUser for groups.
func (a *Accounts) isDefaultGroup(g imagespec.Group) bool {
	return slices.Contains(redefinable, g.Name) && slices.ContainsFunc(DefaultAccounts().Groups, func(d imagespec.Group) bool {
		return d.Name == g.Name && d.GID == g.GID && len(g.Members) == 0
	})
}
