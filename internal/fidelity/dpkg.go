package fidelity

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/internal/deb822"
)

// infoDir is dpkg's per-package database.
const infoDir = "/var/lib/dpkg/info"

// pkgOfInfo returns the package name of an info file
// ("/var/lib/dpkg/info/libc6:amd64.list" → "libc6").
func pkgOfInfo(p string) string {
	base := path.Base(p)
	base = base[:len(base)-len(path.Ext(base))]
	name, _, _ := strings.Cut(base, ":")
	return name
}

// Owners maps every path a package owns — the lines of its
// /var/lib/dpkg/info/*.list file, canonical for merged /usr, and the
// divert-to names of /var/lib/dpkg/diversions — to the owning package.
type Owners map[string]string

// ReadOwners reads the owners of the paths of an apt root.
func ReadOwners(t *Tree) (Owners, error) {
	merged := t.Merged()
	own := Owners{}
	for _, list := range t.Glob(infoDir + "/*.list") {
		b, err := t.ReadFile(list)
		if err != nil {
			return nil, err
		}
		pkg := pkgOfInfo(list)
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || line == "/." {
				continue
			}
			own[Canon(line, merged)] = pkg
		}
	}
	b, err := t.ReadFile("/var/lib/dpkg/diversions")
	if err == nil {
		for _, d := range parseDiversions(b) {
			own[Canon(d.to, merged)] = d.pkg
		}
	}
	return own, nil
}

type diversion struct{ from, to, pkg string }

// parseDiversions reads dpkg's diversions file: three lines per diversion,
// the diverted path, the divert-to path and the diverting package (":" for
// a local one).
func parseDiversions(b []byte) []diversion {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var ds []diversion
	for i := 0; i+2 < len(lines); i += 3 {
		ds = append(ds, diversion{lines[i], lines[i+1], lines[i+2]})
	}
	return ds
}

// md5Record is what dpkg recorded of a file a package owns: its md5 at
// unpack time, from the package's .md5sums or, for a conffile, from the
// Conffiles field of /var/lib/dpkg/status.
type md5Record struct{ pkg, md5 string }

// readMD5s returns the recorded md5 of every owned file, by canonical path.
func readMD5s(t *Tree) (map[string]md5Record, error) {
	merged := t.Merged()
	out := map[string]md5Record{}
	for _, f := range t.Glob(infoDir + "/*.md5sums") {
		b, err := t.ReadFile(f)
		if err != nil {
			return nil, err
		}
		pkg := pkgOfInfo(f)
		for _, line := range strings.Split(string(b), "\n") {
			sum, name, ok := strings.Cut(line, "  ")
			if ok {
				out[Canon(name, merged)] = md5Record{pkg, sum}
			}
		}
	}
	b, err := t.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		return out, nil
	}
	for pkg, cfs := range parseConffiles(b) {
		for name, sum := range cfs {
			out[Canon(name, merged)] = md5Record{pkg, sum}
		}
	}
	return out, nil
}

// parseConffiles reads the Conffiles fields of a dpkg status file: package
// → conffile → md5 (conffiles marked obsolete or newconffile are skipped).
func parseConffiles(b []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	// The paragraphs before a malformed line, if any, count.
	paras, _ := deb822.Parse(string(b))
	for _, p := range paras {
		pkg := p.Value("Package")
		for _, line := range strings.Split(p.Value("Conffiles"), "\n") {
			f := strings.Fields(line)
			if len(f) == 2 && len(f[1]) == 32 {
				if out[pkg] == nil {
					out[pkg] = map[string]string{}
				}
				out[pkg][f[0]] = f[1]
			}
		}
	}
	return out
}

// Account is a user or a group of /etc/passwd or /etc/group.
type Account struct {
	Name  string `json:"name"`
	ID    int    `json:"id"`
	Home  string `json:"home,omitempty"`
	Shell string `json:"shell,omitempty"`
}

// parseAccounts reads /etc/passwd (name:x:uid:gid:gecos:home:shell) or
// /etc/group (name:x:gid:members) lines.
func parseAccounts(b []byte) []Account {
	var out []Account
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 || strings.HasPrefix(line, "#") {
			continue
		}
		id, _ := strconv.Atoi(f[2])
		a := Account{Name: f[0], ID: id}
		if len(f) >= 7 {
			a.Home, a.Shell = f[5], f[6]
		}
		out = append(out, a)
	}
	return out
}

// readAccounts returns the accounts of file in t, by name.
func readAccounts(t *Tree, file string) map[string]Account {
	b, _ := t.ReadFile(file)
	out := map[string]Account{}
	for _, a := range parseAccounts(b) {
		out[a.Name] = a
	}
	return out
}

// idNames maps ids to names, from an /etc/passwd or /etc/group.
func idNames(accts map[string]Account) map[int]string {
	out := map[int]string{}
	names := make([]string, 0, len(accts))
	for n := range accts {
		names = append(names, n)
	}
	sort.Strings(names) // the first name wins for a shared id, stably
	for _, n := range names {
		if _, ok := out[accts[n].ID]; !ok {
			out[accts[n].ID] = n
		}
	}
	return out
}

// statOverride is a line of /var/lib/dpkg/statoverride: the owner, group
// and mode dpkg-statoverride gives an owned path.
type statOverride struct {
	User, Group, Mode, Path string
}

// readStatOverrides reads /var/lib/dpkg/statoverride.
func readStatOverrides(t *Tree) []statOverride {
	b, _ := t.ReadFile("/var/lib/dpkg/statoverride")
	var out []statOverride
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 {
			out = append(out, statOverride{f[0], f[1], f[2], Canon(f[3], t.Merged())})
		}
	}
	return out
}
