package distrofile

import (
	"fmt"
	"path"
	"strings"
)

// GROUPADD and USERADD (the accounts themselves: accounts.go).

// GroupAddCmd is GROUPADD [--gid=N] name.
type GroupAddCmd struct {
	loc
	Name string
	GID  *int
}

func parseGroupAdd(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) != 1 || !reAccount.MatchString(ws[0]) {
		return nil, fmt.Errorf("GROUPADD needs one group name (lower case letters, digits, '_' and '-')")
	}
	gid, err := in.flags.int("gid")
	if err != nil {
		return nil, err
	}
	return &GroupAddCmd{loc: in.loc, Name: ws[0], GID: gid}, nil
}

func (c *GroupAddCmd) apply(s *StageSpec) error { return s.Accounts.addGroup(c) }

// UserAddCmd is USERADD [--uid=N] [--gid=N] [--home=DIR] [--shell=PATH] [--groups=a,b] name.
type UserAddCmd struct {
	loc
	Name        string
	UID, GID    *int
	Home, Shell string
	Groups      []string
}

func parseUserAdd(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) != 1 || !reAccount.MatchString(ws[0]) {
		return nil, fmt.Errorf("USERADD needs one user name (lower case letters, digits, '_' and '-')")
	}
	c := &UserAddCmd{loc: in.loc, Name: ws[0], Home: in.flags.string("home"), Shell: in.flags.string("shell")}
	if c.UID, err = in.flags.int("uid"); err != nil {
		return nil, err
	}
	if c.GID, err = in.flags.int("gid"); err != nil {
		return nil, err
	}
	if g := in.flags.string("groups"); g != "" {
		c.Groups = strings.Split(g, ",")
	}
	for _, d := range []string{c.Home, c.Shell} {
		if d != "" && !path.IsAbs(d) {
			return nil, fmt.Errorf("USERADD: %q must be an absolute path", d)
		}
	}
	return c, nil
}

func (c *UserAddCmd) apply(s *StageSpec) error { return s.Accounts.addUser(c) }
