package fidelity

import (
	"path"
	"strings"
)

// Exclusion is a rule that keeps paths out of a set's effects, with the
// reason a distroless image does not need what it matches.
type Exclusion struct {
	// Pattern is an exact path, a subtree ("/var/lib/dpkg/**": the
	// directory and everything under it), a directory name at any depth
	// ("**/__pycache__/**": every directory of that name and everything
	// under it), or a path.Match glob ("/etc/*-"), matched against the
	// whole path.
	Pattern string
	Reason  string
}

// Match reports whether the rule matches p.
func (x Exclusion) Match(p string) bool {
	if name, ok := strings.CutPrefix(x.Pattern, "**/"); ok {
		name = strings.TrimSuffix(name, "/**")
		for _, c := range strings.Split(p, "/") {
			if ok, _ := path.Match(name, c); ok {
				return true
			}
		}
		return false
	}
	if dir, ok := strings.CutSuffix(x.Pattern, "/**"); ok {
		// The ancestor of p (or p) as deep as dir, matched against it.
		depth := strings.Count(dir, "/")
		parts := strings.SplitAfterN(p, "/", depth+2)
		if len(parts) <= depth {
			return false
		}
		anc := strings.TrimSuffix(strings.Join(parts[:depth+1], ""), "/")
		ok, _ := path.Match(dir, anc)
		return ok
	}
	if strings.ContainsAny(x.Pattern, "*?[") {
		ok, _ := path.Match(x.Pattern, p)
		return ok
	}
	return p == x.Pattern
}

// Exclusions are the paths the oracle does not count as effects. Each is
// bookkeeping of a tool the image does not carry (dpkg, apt, debconf, ucf,
// an init system), a log of the install run, or identity of the machine the
// root was made on; none is read by a program the image runs. The report
// counts what each rule dropped, so a rule that hides too much shows.
var Exclusions = []Exclusion{
	{"/var/lib/dpkg/**", "dpkg's database (status, info/, alternatives/, triggers/, statoverride, diversions); the image has status.d/ for scanners, and its alternatives and statoverrides are compared through their effects"},
	{"/var/lib/apt/**", "apt's state (lists, extended_states); the image has no apt"},
	{"/var/cache/apt/**", "apt's package cache; the image has no apt"},
	{"/var/cache/debconf/**", "debconf's databases (config.dat, templates.dat, passwords.dat); the image has no debconf, and what a script derives from an answer is an effect of its own"},
	{"/var/lib/ucf/**", "ucf's registry and its copies of the shipped files; the file ucf installs is an effect of its own"},
	{"/var/lib/php/modules/**", "phpenmod's registry of which module each SAPI has enabled, and by whom; the conf.d links are the effect"},
	{"/var/lib/apache2/**", "a2enmod/a2enconf/a2ensite's registry of what the maintainer scripts enabled; the *-enabled links are the effect"},
	{"**/__pycache__/**", "Python byte-code caches (py3compile, pycompile in python3's and python3-*'s postinst): Python compiles a module without its cache when it imports it, in memory when the directory is read-only; only start-up is slower. The build warns that they are not made (see docs/effects.md)"},
	{"/var/cache/fontconfig/**", "fontconfig's font caches (fc-cache in fontconfig's postinst and trigger): fontconfig scans the font directories without them, and writes a cache of its own under $XDG_CACHE_HOME when it can; only start-up is slower"},
	{"/var/lib/ca-certificates-java/pending", "ca-certificates-java's queue of certificate changes that its update-ca-certificates hook leaves for a JVM not yet configured; the build writes the trust store itself, from the same trust set"},
	{"/var/lib/systemd/catalog/**", "journalctl's index of systemd's message catalogs (journalctl --update-catalog in systemd.postinst): read by journalctl --catalog only, and a container has no journal"},
	{"/var/cache/ldconfig/aux-cache", "ldconfig's auxiliary cache: only makes the next ldconfig run faster; /etc/ld.so.cache is an effect"},
	{"/var/log/dpkg.log", "log of the install run"},
	{"/var/log/alternatives.log", "log of the install run"},
	{"/var/log/apt/**", "apt's logs of the install run"},
	{"/var/log/bootstrap.log", "mmdebstrap's log of the install run"},
	{"/var/log/fontconfig.log", "fc-cache's log of the install run (fontconfig.postinst); the cache it made is an effect"},
	{"/etc/machine-id", "identity of the machine (systemd); a container gets its own or none"},
	{"/var/lib/dbus/machine-id", "identity of the machine (dbus); a container gets its own or none"},
	{"/etc/hostname", "written by the container runtime at run time"},
	{"/etc/hosts", "written by the container runtime at run time"},
	{"/etc/resolv.conf", "written by the container runtime at run time"},
	{"/etc/ssh/ssh_host_*", "per-machine secret keys: must never be baked into an image"},
	{"/etc/ssl/private/ssl-cert-snakeoil.key", "per-machine secret key made by make-ssl-cert (ssl-cert.postinst): must never be baked into an image"},
	{"/etc/ssl/certs/ssl-cert-snakeoil.pem", "the certificate of that per-machine key (make-ssl-cert)"},
	{"/var/lib/postgresql/*/main/**", "a database cluster made by pg_createcluster (postgresql-<v>.postinst): instance data with its own system identifier, like a machine's identity; a container makes its own at first start (initdb). Its configuration under /etc/postgresql is counted"},
	{"/etc/*-", "backup copies the shadow tools write (/etc/passwd-, /etc/group-, /etc/shadow-, /etc/gshadow-, /etc/subuid-, …)"},
	{"/etc/passwd", "compared by account name (Users), not as a file"},
	{"/etc/group", "compared by account name (Groups), not as a file"},
	{"/etc/shadow", "password and ageing data: no program of a distroless image authenticates with a password, and the image carries no shadow file"},
	{"/etc/gshadow", "group passwords: as /etc/shadow"},
	{"/etc/.pwd.lock", "lock file of the shadow tools"},
	{"/etc/systemd/system/**", "enablement links made by deb-systemd-helper: no init system runs in a container, its entrypoint is the program"},
	{"/etc/systemd/user/**", "user-service enablement links made by deb-systemd-helper: no init system"},
	{"/var/lib/systemd/deb-systemd-helper-enabled/**", "deb-systemd-helper's record of enabled units: no init system"},
	{"/var/lib/systemd/deb-systemd-user-helper-enabled/**", "deb-systemd-helper's record of enabled user units: no init system"},
	{"/var/lib/systemd/deb-systemd-helper-masked/**", "deb-systemd-helper's record of masked units: no init system"},
	{"/etc/rc?.d/*", "SysV init runlevel links made by update-rc.d: no init system"},
	{"/etc/rcS.d/*", "SysV init runlevel links made by update-rc.d: no init system"},
	{"/var/lib/polkit-1/**", "polkit's state: no session or system bus in a container"},
	{"/tmp/**", "scratch space; the image has an empty /tmp"},
	{"/var/tmp/**", "scratch space of the install run"},
	{"/root/.*", "root's dot files written while installing (e.g. by a tool run as root)"},
}

// excluded returns the rule that excludes p, if any.
func excluded(p string) (Exclusion, bool) {
	for _, x := range Exclusions {
		if x.Match(p) {
			return x, true
		}
	}
	return Exclusion{}, false
}

// excludedEntry returns the rule that excludes p, or, for a symlink, its
// target: the hash link of an excluded certificate is excluded with it.
func excludedEntry(t *Tree, p string, e Entry) (Exclusion, bool) {
	if x, ok := excluded(p); ok {
		return x, true
	}
	if e.Kind == Symlink {
		return excluded(ResolveTarget(p, e.Target, t.Merged()))
	}
	return Exclusion{}, false
}
