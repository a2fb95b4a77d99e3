package fidelity

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Change says how an effect differs from the base root.
type Change string

// The changes an effect can be.
const (
	// Added: no package owns the path, and the base root has no such path
	// (or one of another kind, or a link elsewhere).
	Added Change = "added"
	// Changed: no package owns the path, and the base root has it with other
	// content, owner or mode (/etc/ld.so.cache, /etc/shells).
	Changed Change = "changed"
	// Modified: a package owns the file, and its content is not what dpkg
	// recorded when unpacking it (a script edited it).
	Modified Change = "modified"
	// Overridden: dpkg-statoverride gave a path a package owns another owner
	// or mode.
	Overridden Change = "statoverride"
	// Chowned: a path a package owns belongs to another user or group than
	// root (packages ship root's files), and not through dpkg-statoverride:
	// a script ran chown.
	Chowned Change = "chown"
)

// Effect is one path a package set's scripts and triggers leave.
type Effect struct {
	Path   string `json:"path"`
	Kind   Kind   `json:"kind"`
	Target string `json:"target,omitempty"` // a symlink's target, as stored
	// Resolved is a symlink's target as an absolute canonical path
	// (ResolveTarget).
	Resolved string `json:"resolved,omitempty"`
	SHA256   string `json:"sha256,omitempty"` // a regular file's content
	Change   Change `json:"change"`
	Owner    string `json:"owner"` // user:group, by name
	Mode     string `json:"mode"`  // octal permission bits
	Origin   Origin `json:"origin"`
}

// Effects are everything a package set leaves beyond its packages' files.
type Effects struct {
	Paths  []Effect        `json:"paths"`
	Users  []AccountEffect `json:"users"`
	Groups []AccountEffect `json:"groups"`
	// Excluded counts, per exclusion pattern, the paths it kept out.
	Excluded map[string]int `json:"excluded"`
}

// AccountEffect is a user or group the set added.
type AccountEffect struct {
	Account
	Origin Origin `json:"origin"`
}

// ComputeEffects compares the set root with the base root (both apt roots
// of the same suite and architecture) and returns the set's effects, each
// attributed to the package and script it comes from.
func ComputeEffects(base, set *Tree) (*Effects, error) {
	own, err := ReadOwners(set)
	if err != nil {
		return nil, err
	}
	attr, err := newAttributor(base, set, own)
	if err != nil {
		return nil, err
	}
	effs := &Effects{Excluded: map[string]int{}}
	users, groups := idNames(readAccounts(set, "/etc/passwd")), idNames(readAccounts(set, "/etc/group"))
	baseUsers, baseGroups := idNames(readAccounts(base, "/etc/passwd")), idNames(readAccounts(base, "/etc/group"))
	for _, p := range set.Paths() {
		if _, ok := own[p]; ok {
			continue
		}
		e, _ := set.Lookup(p)
		change, err := unownedChange(base, set, p, e, owner(e, users, groups), baseUsers, baseGroups)
		if err != nil {
			return nil, err
		}
		if change == "" {
			continue
		}
		if x, ok := excludedEntry(set, p, e); ok {
			effs.Excluded[x.Pattern]++
			continue
		}
		eff, err := newEffect(set, p, e, change, users, groups)
		if err != nil {
			return nil, err
		}
		effs.Paths = append(effs.Paths, eff)
	}
	mod, err := modifiedFiles(set, own)
	if err != nil {
		return nil, err
	}
	for _, p := range mod {
		e, _ := set.Lookup(p)
		eff, err := newEffect(set, p, e, Modified, users, groups)
		if err != nil {
			return nil, err
		}
		effs.Paths = append(effs.Paths, eff)
	}
	effs.Paths = append(effs.Paths, overridden(set, own)...)
	effs.Paths = append(effs.Paths, chowned(base, set, own, effs.Paths, users, groups, baseUsers, baseGroups)...)
	sort.Slice(effs.Paths, func(i, j int) bool { return effs.Paths[i].Path < effs.Paths[j].Path })
	for i := range effs.Paths {
		effs.Paths[i].Origin = attr.path(effs.Paths[i])
	}
	effs.Users = addedAccounts(base, set, "/etc/passwd", attr)
	effs.Groups = addedAccounts(base, set, "/etc/group", attr)
	return effs, nil
}

func newEffect(set *Tree, p string, e Entry, change Change, users, groups map[int]string) (Effect, error) {
	eff := Effect{Path: p, Kind: e.Kind, Target: e.Target, Change: change,
		Owner: owner(e, users, groups), Mode: fmt.Sprintf("%04o", modeBits(e.Mode))}
	switch e.Kind {
	case Symlink:
		eff.Resolved = ResolveTarget(p, e.Target, set.Merged())
	case File:
		d, err := set.Digest(p)
		if err != nil {
			return eff, err
		}
		eff.SHA256 = d
	}
	return eff, nil
}

// modeBits returns the permission bits as chmod's octal number.
func modeBits(m os.FileMode) uint32 {
	b := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		b |= 04000
	}
	if m&os.ModeSetgid != 0 {
		b |= 02000
	}
	if m&os.ModeSticky != 0 {
		b |= 01000
	}
	return b
}

// owner names an entry's owner and group, or gives their ids where the
// tree's /etc/passwd or /etc/group has no name for them.
func owner(e Entry, users, groups map[int]string) string {
	u, ok := users[e.UID]
	if !ok {
		u = fmt.Sprint(e.UID)
	}
	g, ok := groups[e.GID]
	if !ok {
		g = fmt.Sprint(e.GID)
	}
	return u + ":" + g
}

// unownedChange says whether the unowned path p of the set root is an
// effect: "" when the base root has it alike (same kind, link target,
// content, owner and mode).
func unownedChange(base, set *Tree, p string, e Entry, own string, baseUsers, baseGroups map[int]string) (Change, error) {
	b, ok := base.Lookup(p)
	if !ok || b.Kind != e.Kind {
		return Added, nil
	}
	if e.Kind == Symlink {
		if ResolveTarget(p, b.Target, base.Merged()) != ResolveTarget(p, e.Target, set.Merged()) {
			return Added, nil
		}
	}
	if own != owner(b, baseUsers, baseGroups) || e.Mode != b.Mode {
		return Changed, nil
	}
	if e.Kind != File {
		return "", nil
	}
	if e.Size != b.Size {
		return Changed, nil
	}
	d1, err := base.Digest(p)
	if err != nil {
		return "", err
	}
	d2, err := set.Digest(p)
	if err != nil {
		return "", err
	}
	if d1 != d2 {
		return Changed, nil
	}
	return "", nil
}

// modifiedFiles returns the owned regular files whose md5 is not the one
// dpkg recorded (in .md5sums, or in status for a conffile).
func modifiedFiles(set *Tree, own Owners) ([]string, error) {
	recs, err := readMD5s(set)
	if err != nil {
		return nil, err
	}
	var out []string
	for p, rec := range recs {
		e, ok := set.Lookup(p)
		if !ok || e.Kind != File {
			continue // a removed conffile, or a diverted file
		}
		if _, x := excluded(p); x {
			continue
		}
		sum, err := md5File(set, p)
		if err != nil {
			return nil, err
		}
		if sum != rec.md5 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func md5File(t *Tree, p string) (string, error) {
	if t.dir == "" {
		return "", fmt.Errorf("%s: md5 of a tar tree", p)
	}
	f, err := os.Open(filepath.Join(t.dir, filepath.FromSlash(p)))
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// overridden returns the owned paths dpkg-statoverride changed: the
// override's owner and mode are the effect.
func overridden(set *Tree, own Owners) []Effect {
	var out []Effect
	for _, o := range readStatOverrides(set) {
		e, exists := set.Lookup(o.Path)
		if _, owned := own[o.Path]; !exists || !owned {
			continue // an unowned path is an effect already
		}
		mode, _ := strconv.ParseUint(o.Mode, 8, 32)
		out = append(out, Effect{Path: o.Path, Kind: e.Kind, Change: Overridden,
			Owner: strings.TrimPrefix(o.User, "#") + ":" + strings.TrimPrefix(o.Group, "#"),
			Mode:  fmt.Sprintf("%04o", mode)})
	}
	return out
}

// addedAccounts returns the accounts of the set root's file that the base
// root's does not have, by name, sorted by id.
func addedAccounts(base, set *Tree, file string, attr *attributor) []AccountEffect {
	have := readAccounts(base, file)
	var out []AccountEffect
	for name, a := range readAccounts(set, file) {
		if _, ok := have[name]; !ok {
			out = append(out, AccountEffect{a, attr.account(name, file == "/etc/group")})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].ID < out[j].ID || out[i].ID == out[j].ID && out[i].Name < out[j].Name
	})
	return out
}

// chowned returns the owned paths that belong to a user or group the set
// added (and have no statoverride, already in effs): a package's data can
// only name accounts that exist before it is unpacked, so a script chowned
// them. (A path owned by an account of the base root, such as passwd's
// /usr/bin/chage root:shadow, is taken as shipped so by its package.) The
// owner and mode are the effect.
func chowned(base, set *Tree, own Owners, effs []Effect, users, groups, baseUsers, baseGroups map[int]string) []Effect {
	seen := map[string]bool{}
	for _, e := range effs {
		seen[e.Path] = true
	}
	newUID, newGID := map[int]bool{}, map[int]bool{}
	for id, n := range users {
		newUID[id] = baseUsers[id] != n
	}
	for id, n := range groups {
		newGID[id] = baseGroups[id] != n
	}
	var out []Effect
	for p := range own {
		e, ok := set.Lookup(p)
		if !ok || seen[p] || e.Kind == Symlink || !newUID[e.UID] && !newGID[e.GID] {
			continue
		}
		who := owner(e, users, groups)
		if _, x := excluded(p); x {
			continue
		}
		out = append(out, Effect{Path: p, Kind: e.Kind, Change: Chowned, Owner: who, Mode: fmt.Sprintf("%04o", modeBits(e.Mode))})
	}
	return out
}
