// Package debsuite is the one table of Debian suites: each codename's
// alias, release number, /usr layout and the suites beside it on the
// archive (-updates) and on the security archive. Everything that takes
// a fact from a suite's name (FROM debian:<suite>) reads it here, so that
// FROM debian:oldstable gets the same facts as FROM debian:bookworm.
//
// It imports nothing of this module.
package debsuite

import "slices"

// Suite is one Debian suite.
type Suite struct {
	// Codename is the suite's codename, as in its InRelease ("trixie").
	Codename string
	// Alias is the suite's name by status ("stable"), as of the table
	// (December 2026); "" when it has none. Aliases move at every release:
	// a snapshot of an older date has another suite behind an alias.
	Alias string
	// Version is the release number, os-release's VERSION_ID and
	// /etc/debian_version without the point release ("13"); "" for
	// unstable and experimental.
	Version string
	// UsrMerged says whether base-files makes /bin, /sbin and /lib* links
	// into /usr (trixie and later).
	UsrMerged bool
	// Updates says whether the archive has a <suite>-updates suite.
	Updates bool
	// Security is the security archive's suite for <suite>, as a suffix:
	// "-security" (bullseye and later), "/updates" (buster), or "" when
	// there is none (unstable, experimental).
	Security string
}

// table holds Debian's suites from buster on, oldest first.
var table = []Suite{
	{Codename: "buster", Version: "10", Updates: true, Security: "/updates"},
	{Codename: "bullseye", Alias: "oldoldstable", Version: "11", Updates: true, Security: "-security"},
	{Codename: "bookworm", Alias: "oldstable", Version: "12", Updates: true, Security: "-security"},
	{Codename: "trixie", Alias: "stable", Version: "13", UsrMerged: true, Updates: true, Security: "-security"},
	{Codename: "forky", Alias: "testing", Version: "14", UsrMerged: true, Updates: true, Security: "-security"},
	{Codename: "duke", Version: "15", UsrMerged: true, Updates: true, Security: "-security"},
	{Codename: "sid", Alias: "unstable", UsrMerged: true},
	{Codename: "rc-buggy", Alias: "experimental", UsrMerged: true},
}

// All returns every suite of the table, oldest first.
func All() []Suite { return slices.Clone(table) }

// Lookup returns the suite named name, a codename ("bookworm") or an
// alias ("oldstable").
func Lookup(name string) (Suite, bool) {
	for _, s := range table {
		if name == s.Codename || name != "" && name == s.Alias {
			return s, true
		}
	}
	return Suite{}, false
}

// Codename returns the codename of name, a codename or an alias; a name
// the table does not know is returned as it is.
func Codename(name string) string {
	if s, ok := Lookup(name); ok {
		return s.Codename
	}
	return name
}

// UsrMerged says whether the root of FROM <distro>:<suite> has /bin,
// /sbin and /lib* as links into /usr: for debian, by the table, and for a
// suite it does not know (a newer one) and every other distribution, yes.
func UsrMerged(distro, suite string) bool {
	if distro != "debian" {
		return true
	}
	s, ok := Lookup(suite)
	return !ok || s.UsrMerged
}

// Pockets returns the suites of FROM debian:<name>, spelled from name as
// given (stable-updates for stable): on the archive, name and, where it
// exists, name-updates; on the security archive, its security suite, ""
// when there is none. A name the table does not know gets name-updates
// and name-security.
func Pockets(name string) (archive []string, security string) {
	s, ok := Lookup(name)
	if !ok {
		s = Suite{Updates: true, Security: "-security"}
	}
	archive = []string{name}
	if s.Updates {
		archive = append(archive, name+"-updates")
	}
	if s.Security != "" {
		security = name + s.Security
	}
	return archive, security
}
