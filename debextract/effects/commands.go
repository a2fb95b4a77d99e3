package effects

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/debarch"
	"pault.ag/go/debian/version"
)

// standIn is a command that maintainer scripts run, done in Go on the
// image: the one table of what Distrofile reproduces of a command, and
// why (docs/effects.md is generated from it).
type standIn struct {
	run func(c *call) int
	// what the stand-in does, for the docs.
	doc string
}

// standIns are the commands the engine answers. A command of neither
// this table nor the image's shell scripts is not run: the build warns.
var standIns map[string]standIn

func init() {
	silent := func(doc string) standIn { return standIn{func(*call) int { return 0 }, doc} }
	standIns = map[string]standIn{
		"update-alternatives":      {updateAlternatives, "dpkg: --install/--set write the links of automatic mode (highest priority, the first installed on a tie), masters and slaves"},
		"distrofile-debconf":       {debconfCommand, "debconf's confmodule: the noninteractive frontend, answers are the templates' defaults"},
		"distrofile-lookup":        {lookup, "command -v, type, hash, which: look the command up in the image"},
		"which":                    {lookup, "debianutils: look the command up in the image"},
		"dpkg-trigger":             {dpkgTrigger, "dpkg: activates the trigger, processed after configuration"},
		"adduser":                  {adduser, "adduser: --system users and groups, ids from 100 up; USER GROUP adds a member"},
		"addgroup":                 {addgroup, "adduser: --system groups, ids from 100 up"},
		"useradd":                  {useradd, "passwd: -r users, ids from 999 down; -m makes the home"},
		"groupadd":                 {groupadd, "passwd: -r groups, ids from 999 down"},
		"usermod":                  {usermod, "passwd: -a -G adds supplementary groups"},
		"gpasswd":                  {gpasswd, "passwd: -a USER GROUP adds a member"},
		"update-passwd":            {updatePasswd, "base-passwd: adds the accounts of passwd.master and group.master the image lacks"},
		"pwconv":                   {func(c *call) int { c.e.accounts.shadow = true; return c.e.shadowNow(c) }, "passwd: /etc/shadow, a locked password for each account"},
		"grpconv":                  {func(c *call) int { c.e.accounts.gshadow = true; return c.e.shadowNow(c) }, "passwd: /etc/gshadow"},
		"pwck":                     silent("passwd: -r checks only"),
		"grpck":                    silent("passwd: -r checks only"),
		"perl":                     {perlCmd, "perl: `perl -e \"\"` (does perl run?) succeeds when the image has perl; no other program runs"},
		"getent":                   {getent, "libc-bin: passwd and group lookups"},
		"id":                       {id, "coreutils: -u/-g/-n of a user"},
		"ucf":                      {ucf, "ucf: installs the new configuration file when none is there"},
		"ucfr":                     silent("ucf: registers the file with its package; nothing in the image"),
		"ucfq":                     {func(*call) int { return 1 }, "ucf: no file is registered on a fresh install"},
		"mkdir":                    {mkdirCmd, "coreutils"},
		"ln":                       {lnCmd, "coreutils"},
		"chown":                    {chownCmd, "coreutils"},
		"chgrp":                    {chgrpCmd, "coreutils"},
		"chmod":                    {chmodCmd, "coreutils: octal and symbolic modes"},
		"rm":                       {rmCmd, "coreutils"},
		"rmdir":                    {rmdirCmd, "coreutils"},
		"touch":                    {touchCmd, "coreutils"},
		"cp":                       {cpCmd, "coreutils: files"},
		"mv":                       {mvCmd, "coreutils: files and links"},
		"install":                  {installCmd, "coreutils: -d, -m, -o, -g"},
		"cat":                      {catCmd, "coreutils"},
		"true":                     silent("coreutils"),
		"false":                    {func(*call) int { return 1 }, "coreutils"},
		"basename":                 {basenameCmd, "coreutils"},
		"dirname":                  {dirnameCmd, "coreutils"},
		"readlink":                 {readlinkCmd, "coreutils: -f resolves inside the image"},
		"sort":                     {sortCmd, "coreutils: lines, -r, -n, -u"},
		"dpkg":                     {dpkgCmd, "dpkg: --print-architecture, --compare-versions, --assert-*"},
		"dpkg-statoverride":        {statOverride, "dpkg: --add sets the owner and mode of the path"},
		"dpkg-maintscript-helper":  silent("dpkg: conffile moves and removals have nothing to do on a fresh install"),
		"dpkg-query":               {dpkgQuery, "dpkg: -W with --showformat, -s, -L (the files the package's md5sums list) about the image's packages"},
		"dpkg-divert":              {func(c *call) int { return dpkgDivert(c) }, "dpkg: --list lists nothing; a diversion is not reproduced (warning)"},
		"ldconfig":                 {func(c *call) int { c.e.ldconfig = true; return 0 }, "libc-bin: /etc/ld.so.cache is written in Go after the scripts"},
		"systemd-sysusers":         {func(c *call) int { return c.e.sysusersCmd(c) }, "systemd: applies sysusers.d (also done for every package after the scripts)"},
		"systemd-tmpfiles":         {func(c *call) int { return c.e.tmpfilesCmd(c) }, "systemd: --create applies tmpfiles.d (also done for every package after the scripts)"},
		"phpenmod":                 {phpenmod, "php-common: links /etc/php/V/SAPI/conf.d/PRIORITY-MOD.ini and records the state under /var/lib/php/modules"},
		"phpdismod":                silent("php-common: nothing is disabled on a fresh install"),
		"phpquery":                 {phpquery, "php-common: versions, SAPIs, registered modules and their state"},
		"date":                     {dateCmd, "coreutils: the build's epoch (SOURCE_DATE_EPOCH), in UTC, whatever the format asked"},
		"realpath":                 {realpathCmd, "coreutils: resolves inside the image; -s, -m"},
		"find":                     {findCmd, "findutils: paths, -mindepth, -maxdepth, -type, -name, -empty, -print, -printf %f/%p, -delete"},
		"java":                     {javaCmd, "ca-certificates-java: -version, and its -jar program that writes /etc/ssl/certs/java/cacerts (JKS, as Debian's)"},
		"a2enmod":                  {a2en, "apache2: links mods-enabled/MOD.load and .conf (after the modules it depends on) and the state a2query reads"},
		"a2enconf":                 {a2en, "apache2: links conf-enabled/NAME.conf and the state a2query reads"},
		"a2ensite":                 {a2en, "apache2: links sites-enabled/NAME.conf and the state a2query reads"},
		"pg_updatedicts":           {pgUpdateDicts, "postgresql-common: hunspell/myspell dictionaries in UTF-8 under /var/cache/postgresql/dicts, linked from each PostgreSQL's tsearch_data"},
		"update-locale":            {updateLocale, "locales: sets or unsets variables of the locale file its script names (/etc/locale.conf since trixie), as its Perl does"},
		"dpkg-realpath":            {dpkgRealpath, "dpkg: resolves a path inside the image"},
		"su":                       {suCmd, "util-linux: -c COMMAND runs in the interpreter (as root: owners are what scripts set explicitly)"},
		"getcap":                   {func(*call) int { return 0 }, "libcap2-bin: no file has capabilities before a script sets them"},
		"pg_lsclusters":            {func(*call) int { return 0 }, "postgresql-common: no cluster exists on a fresh install (none is created: see docs)"},
		"pg_checksystem":           silent("postgresql-common: checks the running system, nothing to write"),
		"systemd-machine-id-setup": silent("systemd: an image has no machine id; each container gets its own"),
		"journalctl":               silent("systemd: no journald runs in a container"),
		"sync":                     silent("coreutils: nothing to flush"),
		"mountpoint":               {mountpoint, "util-linux: /proc, /sys and /dev are mounted, as in a real install; nothing else"},
		"grep":                     {grepCmd, "grep: -q -v -c -E -F -x -w -i -l -s -e"},
		"egrep":                    {grepCmd, "grep"},
		"fgrep":                    {grepCmd, "grep"},
		"sed":                      {sedCmd, "sed: s, y, p, d, q with /regex/, N and $ addresses; -n -e -E -i"},
		"tr":                       {trCmd, "coreutils: SET1 SET2, -d, -s, the usual classes"},
		"head":                     {headCmd, "coreutils: -n, -c"},
		"cut":                      {cutCmd, "coreutils: -d -f"},
		"tail":                     {tailCmd, "coreutils: -n N"},
		"md5sum":                   {sumCmd(md5.New), "coreutils"},
		"sha1sum":                  {sumCmd(sha1.New), "coreutils"},
		"sha256sum":                {sumCmd(sha256.New), "coreutils"},
		"sha512sum":                {sumCmd(sha512.New), "coreutils"},
		"uniq":                     {uniqCmd, "coreutils"},
		"cmp":                      {cmpCmd, "diffutils: -s"},
		"mktemp":                   {mktempCmd, "coreutils: names counted up, the same in every build"},
		"stat":                     {statCmd, "coreutils: -c with %a %u %g %U %G %n %F"},
		"expr":                     {exprCmd, "coreutils: integer arithmetic and comparisons"},
		"uname":                    {unameCmd, "coreutils: -m is the image's machine, -s Linux; the kernel release is the build's"},
		"ischroot":                 {func(*call) int { return 1 }, "debianutils: an image is a system of its own, not a chroot"},
		"runlevel":                 {func(*call) int { return 1 }, "sysvinit: no runlevel in a build"},
		"pidof":                    {func(*call) int { return 1 }, "procps: no process runs in a build"},
		"sleep":                    silent("coreutils: a build does not wait"),
		"sysctl":                   silent("procps: kernel settings belong to the host, not the image"),
		"update-mime-database":     {updateMimeDatabase, "shared-mime-info: writes the shared MIME database of MIME-DIR/packages/*.xml (package mimedb): the per-type XML files, globs, globs2, magic, mime.cache and the rest, byte for byte as update-mime-database 2.4 does"},
		"update-ca-certificates":   silent("ca-certificates: the CA step (package cacerts) writes what it writes"),
		"restorecon":               silent("policycoreutils: no SELinux labels in an image"),
		"logger":                   silent("bsdutils: logs nothing"),
		// A container runs one program and no init: services are not
		// enabled or started, as in any image built by a Dockerfile.
		"deb-systemd-helper": silent("init-system-helpers: no init in a container"),
		"deb-systemd-invoke": silent("init-system-helpers: no init in a container"),
		"invoke-rc.d":        silent("init-system-helpers: no init in a container"),
		"update-rc.d":        silent("init-system-helpers: no init in a container"),
		"systemctl":          silent("systemd: no init in a container"),
		"service":            silent("init-system-helpers: no init in a container"),
		"start-stop-daemon":  silent("dpkg: no daemon is started in a build"),
		// Byte-code caches need Python to make: the build says they are
		// missing; Python compiles a module in memory when it imports it.
		"py3compile": {byteCompile, "python3: not reproduced (a warning): modules compile when imported"},
		"py3clean":   silent("python3: nothing to clean on a fresh install"),
		"python3":    {pythonCmd, "python3: byte-compiling (py_compile, compileall) is not reproduced (a warning); no other program runs"},
		"pycompile":  {byteCompile, "python: not reproduced (a warning): modules compile when imported"},
		"pyclean":    silent("python: nothing to clean on a fresh install"),
		// So do fontconfig's caches, binary images of fontconfig's own
		// structures: fontconfig scans the font directories without them.
		"fc-cache": {fontCache, "fontconfig: the caches in /var/cache/fontconfig are not made (a warning): fontconfig scans the fonts when a program starts"},
	}
}

// lookup prints where the image has each command (command -v), and fails
// when it has one of them not.
func lookup(c *call) int {
	status := 0
	for _, a := range c.args[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if _, ok := standIns[a]; ok && (a == "true" || a == "false") {
			fmt.Fprintln(c.stdout, a)
			continue
		}
		if p, ok := c.e.lookPath(a); ok {
			fmt.Fprintln(c.stdout, p)
			continue
		}
		status = 1
	}
	return status
}

// flags splits args into single-letter options (clustered: -pv), long
// options with their values (--home=x or --home x for those in withValue),
// and operands.
type flags struct {
	short    map[byte]string
	long     map[string]string
	operands []string
}

func parseFlags(args []string, withValue string, longWithValue ...string) flags {
	f := flags{short: map[byte]string{}, long: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			f.operands = append(f.operands, args[i+1:]...)
			return f
		case strings.HasPrefix(a, "--"):
			k, v, ok := strings.Cut(a[2:], "=")
			if !ok && contains(longWithValue, k) && i+1 < len(args) {
				i++
				v = args[i]
			}
			f.long[k] = v
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				ch := a[j]
				if strings.IndexByte(withValue, ch) >= 0 {
					v := a[j+1:]
					if v == "" && i+1 < len(args) {
						i++
						v = args[i]
					}
					f.short[ch] = v
					break
				}
				f.short[ch] = ""
			}
		default:
			f.operands = append(f.operands, a)
		}
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f flags) has(short byte, long string) bool {
	_, s := f.short[short]
	_, l := f.long[long]
	return s || l
}

func (f flags) value(short byte, long string) (string, bool) {
	if v, ok := f.short[short]; ok {
		return v, true
	}
	v, ok := f.long[long]
	return v, ok
}

func mkdirCmd(c *call) int {
	f := parseFlags(c.args[1:], "m", "mode")
	mode := 0o755
	if m, ok := f.value('m', "mode"); ok {
		n, err := parseMode(m, 0o755)
		if err != nil {
			return c.failf("%v", err)
		}
		mode = n
	}
	for _, p := range f.operands {
		if err := c.e.fs.mkdir(c.abs(p), 0o755, f.has('p', "parents")); err != nil {
			if f.has('p', "parents") {
				return c.failf("%v", err)
			}
			return c.failf("%v", err)
		}
		if _, ok := f.value('m', "mode"); ok {
			_ = c.e.fs.setAttr(c.abs(p), true, -1, -1, mode)
		}
	}
	return 0
}

func lnCmd(c *call) int {
	f := parseFlags(c.args[1:], "t", "target-directory")
	if !f.has('s', "symbolic") {
		return c.failf("hard links are not reproduced")
	}
	ops := f.operands
	if len(ops) == 1 {
		ops = append(ops, path.Base(ops[0]))
	}
	if len(ops) != 2 {
		return c.failf("want TARGET LINK")
	}
	target, link := ops[0], c.abs(ops[1])
	if !f.has('T', "no-target-directory") && !f.has('n', "no-dereference") && c.e.fs.isDir(link) {
		link = path.Join(link, path.Base(target))
	} else if f.has('n', "no-dereference") {
		if q, in, err := c.e.fs.stat(link, false); err == nil && in.kind == kindDir {
			link = path.Join(q, path.Base(target))
		}
	}
	if c.e.fs.exists(link) || isLink(c, link) {
		if !f.has('f', "force") {
			return c.failf("%s: File exists", link)
		}
	}
	if err := c.e.fs.symlink(target, link); err != nil {
		return c.failf("%v", err)
	}
	return 0
}

func isLink(c *call, p string) bool {
	q, err := c.e.fs.resolve(p, false)
	if err != nil {
		return false
	}
	in, err := c.e.fs.lstat(q)
	return err == nil && in.kind == kindLink
}

// owner parses USER[:GROUP] (or USER.GROUP) into ids, -1 when not given.
func owner(c *call, s string) (int, int, bool) {
	u, g, hasG := strings.Cut(s, ":")
	if !hasG {
		u, g, hasG = strings.Cut(s, ".")
		if hasG && c.e.accounts.user(s) != nil {
			u, g, hasG = s, "", false
		}
	}
	uid, gid := -1, -1
	if u != "" {
		id, ok := c.e.accounts.lookupUID(u)
		if !ok {
			return 0, 0, false
		}
		uid = id
	}
	if g != "" {
		id, ok := c.e.accounts.lookupGID(g)
		if !ok {
			return 0, 0, false
		}
		gid = id
	} else if hasG && uid >= 0 {
		if usr := c.e.accounts.userByID(uid); usr != nil {
			gid = usr.gid
		}
	}
	return uid, gid, true
}

func chownCmd(c *call) int {
	f := parseFlags(c.args[1:], "", "from", "reference")
	if len(f.operands) < 2 {
		return c.failf("want OWNER FILE...")
	}
	uid, gid, ok := owner(c, f.operands[0])
	if !ok {
		return c.failf("invalid user: %q", f.operands[0])
	}
	return c.eachPath(f.operands[1:], f.has('R', "recursive"), !f.has('h', "no-dereference"), func(p string, follow bool) error {
		return c.e.fs.setAttr(p, follow, uid, gid, -1)
	})
}

func chgrpCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	if len(f.operands) < 2 {
		return c.failf("want GROUP FILE...")
	}
	gid, ok := c.e.accounts.lookupGID(f.operands[0])
	if !ok {
		return c.failf("invalid group: %q", f.operands[0])
	}
	return c.eachPath(f.operands[1:], f.has('R', "recursive"), !f.has('h', "no-dereference"), func(p string, follow bool) error {
		return c.e.fs.setAttr(p, follow, -1, gid, -1)
	})
}

func chmodCmd(c *call) int {
	args := c.args[1:]
	recursive := false
	for len(args) > 0 && (args[0] == "-R" || args[0] == "--recursive" || args[0] == "-f" || args[0] == "-v") {
		recursive = recursive || args[0] != "-f" && args[0] != "-v"
		args = args[1:]
	}
	if len(args) < 2 {
		return c.failf("want MODE FILE...")
	}
	spec := args[0]
	return c.eachPath(args[1:], recursive, true, func(p string, follow bool) error {
		_, in, err := c.e.fs.stat(p, follow)
		if err != nil {
			return err
		}
		if in.kind == kindLink {
			return nil
		}
		m, err := parseMode(spec, unixPerm(in.mode))
		if err != nil {
			return err
		}
		return c.e.fs.setAttr(p, follow, -1, -1, m)
	})
}

// eachPath applies fn to each path (and, recursive, to what is beneath).
func (c *call) eachPath(ps []string, recursive, follow bool, fn func(p string, follow bool) error) int {
	status := 0
	var walk func(p string, follow bool) error
	walk = func(p string, follow bool) error {
		if err := fn(p, follow); err != nil {
			return err
		}
		if !recursive {
			return nil
		}
		q, in, err := c.e.fs.stat(p, follow)
		if err != nil || in.kind != kindDir {
			return err
		}
		ents, err := c.e.fs.readDir(q)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := walk(path.Join(q, e.name), false); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range ps {
		if err := walk(c.abs(p), follow); err != nil {
			status = c.failf("%v", err)
		}
	}
	return status
}

func rmCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	status := 0
	for _, p := range f.operands {
		err := c.e.fs.remove(c.abs(p), f.has('r', "recursive") || f.has('R', "recursive"))
		if err != nil && !f.has('f', "force") {
			status = c.failf("%v", err)
		}
	}
	return status
}

func rmdirCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	status := 0
	for _, p := range f.operands {
		if !c.e.fs.isDir(c.abs(p)) {
			status = c.failf("%s: not a directory", p)
			continue
		}
		if err := c.e.fs.remove(c.abs(p), false); err != nil && !f.has(0, "ignore-fail-on-non-empty") {
			status = c.failf("%v", err)
		}
	}
	return status
}

func touchCmd(c *call) int {
	f := parseFlags(c.args[1:], "dtr")
	for _, p := range f.operands {
		if c.e.fs.exists(c.abs(p)) {
			continue
		}
		if f.has('c', "no-create") {
			continue
		}
		if err := c.e.fs.writeFile(c.abs(p), nil, 0o644); err != nil {
			return c.failf("%v", err)
		}
	}
	return 0
}

func cpCmd(c *call) int {
	f := parseFlags(c.args[1:], "t", "target-directory")
	if len(f.operands) != 2 {
		return c.failf("want SOURCE DEST")
	}
	src, dst := c.abs(f.operands[0]), c.abs(f.operands[1])
	if c.e.fs.isDir(dst) {
		dst = path.Join(dst, path.Base(src))
	}
	_, in, err := c.e.fs.stat(src, true)
	if err != nil {
		return c.failf("%v", err)
	}
	data, err := c.e.fs.readFile(src)
	if err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.writeFile(dst, data, in.mode); err != nil {
		return c.failf("%v", err)
	}
	if f.has('p', "preserve") || f.has('a', "archive") {
		_ = c.e.fs.setAttr(dst, true, in.uid, in.gid, -1)
	}
	return 0
}

func mvCmd(c *call) int {
	f := parseFlags(c.args[1:], "tS", "target-directory", "suffix")
	if len(f.operands) != 2 {
		return c.failf("want SOURCE DEST")
	}
	src, dst := c.abs(f.operands[0]), c.abs(f.operands[1])
	q, err := c.e.fs.resolve(src, false)
	if err != nil {
		return c.failf("%v", err)
	}
	in, err := c.e.fs.lstat(q)
	if err != nil {
		return c.failf("%v", err)
	}
	if c.e.fs.isDir(dst) {
		dst = path.Join(dst, path.Base(src))
	}
	switch in.kind {
	case kindLink:
		err = c.e.fs.symlink(in.target, dst)
	case kindFile:
		var data []byte
		if data, err = c.e.fs.readFile(q); err == nil {
			err = c.e.fs.writeFile(dst, data, in.mode)
		}
	default:
		return c.failf("moving a directory is not reproduced")
	}
	if err != nil {
		return c.failf("%v", err)
	}
	_ = c.e.fs.remove(q, false)
	return 0
}

func installCmd(c *call) int {
	f := parseFlags(c.args[1:], "mogt", "mode", "owner", "group", "target-directory")
	mode := 0o755
	if m, ok := f.value('m', "mode"); ok {
		n, err := parseMode(m, 0o755)
		if err != nil {
			return c.failf("%v", err)
		}
		mode = n
	}
	uid, gid := -1, -1
	if o, ok := f.value('o', "owner"); ok {
		id, ok := c.e.accounts.lookupUID(o)
		if !ok {
			return c.failf("invalid user %q", o)
		}
		uid = id
	}
	if g, ok := f.value('g', "group"); ok {
		id, ok := c.e.accounts.lookupGID(g)
		if !ok {
			return c.failf("invalid group %q", g)
		}
		gid = id
	}
	if f.has('d', "directory") {
		for _, p := range f.operands {
			if err := c.e.fs.mkdir(c.abs(p), 0o755, true); err != nil {
				return c.failf("%v", err)
			}
			if err := c.e.fs.setAttr(c.abs(p), true, uid, gid, mode); err != nil {
				return c.failf("%v", err)
			}
		}
		return 0
	}
	if len(f.operands) != 2 {
		return c.failf("want SOURCE DEST")
	}
	src, dst := c.abs(f.operands[0]), c.abs(f.operands[1])
	if c.e.fs.isDir(dst) {
		dst = path.Join(dst, path.Base(src))
	}
	data, err := c.e.fs.readFile(src)
	if err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.writeFile(dst, data, 0o644); err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.setAttr(dst, true, uid, gid, mode); err != nil {
		return c.failf("%v", err)
	}
	return 0
}

func catCmd(c *call) int {
	if len(c.args) == 1 {
		_, _ = io.Copy(c.stdout, c.stdin)
		return 0
	}
	for _, p := range c.args[1:] {
		if p == "-" {
			_, _ = io.Copy(c.stdout, c.stdin)
			continue
		}
		data, err := c.e.fs.readFile(c.abs(p))
		if err != nil {
			return c.failf("%v", err)
		}
		_, _ = c.stdout.Write(data)
	}
	return 0
}

func basenameCmd(c *call) int {
	if len(c.args) < 2 {
		return c.failf("missing operand")
	}
	b := path.Base(c.args[1])
	if len(c.args) > 2 {
		b = strings.TrimSuffix(b, c.args[2])
	}
	fmt.Fprintln(c.stdout, b)
	return 0
}

func dirnameCmd(c *call) int {
	for _, a := range c.args[1:] {
		fmt.Fprintln(c.stdout, path.Dir(a))
	}
	return 0
}

func readlinkCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	status := 0
	for _, p := range f.operands {
		if f.has('f', "canonicalize") || f.has('e', "canonicalize-existing") || f.has('m', "canonicalize-missing") {
			q, err := c.e.fs.resolve(c.abs(p), true)
			if err != nil {
				status = 1
				continue
			}
			fmt.Fprintln(c.stdout, q)
			continue
		}
		q, err := c.e.fs.resolve(c.abs(p), false)
		if err != nil {
			status = 1
			continue
		}
		in, err := c.e.fs.lstat(q)
		if err != nil || in.kind != kindLink {
			status = 1
			continue
		}
		fmt.Fprintln(c.stdout, in.target)
	}
	return status
}

func sortCmd(c *call) int {
	f := parseFlags(c.args[1:], "tk")
	var in []byte
	if len(f.operands) == 0 {
		in, _ = io.ReadAll(io.LimitReader(c.stdin, maxFile))
	}
	for _, p := range f.operands {
		data, err := c.e.fs.readFile(c.abs(p))
		if err != nil {
			return c.failf("%v", err)
		}
		in = append(in, data...)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(in))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	num := f.has('n', "numeric-sort")
	less := func(a, b string) bool {
		if num {
			x, _ := strconv.ParseFloat(leadingNumber(a), 64)
			y, _ := strconv.ParseFloat(leadingNumber(b), 64)
			if x != y {
				return x < y
			}
		}
		return a < b
	}
	sortStable(lines, less)
	if f.has('r', "reverse") {
		for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
			lines[i], lines[j] = lines[j], lines[i]
		}
	}
	prev := ""
	for i, l := range lines {
		if f.has('u', "unique") && i > 0 && l == prev {
			continue
		}
		prev = l
		fmt.Fprintln(c.stdout, l)
	}
	return 0
}

func leadingNumber(s string) string {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || end == 0 && s[end] == '-') {
		end++
	}
	if end == 0 {
		return "0"
	}
	return s[:end]
}

func sortStable(lines []string, less func(a, b string) bool) {
	for i := 1; i < len(lines); i++ {
		for j := i; j > 0 && less(lines[j], lines[j-1]); j-- {
			lines[j], lines[j-1] = lines[j-1], lines[j]
		}
	}
}

// dpkgCmd answers what scripts ask dpkg itself.
func dpkgCmd(c *call) int {
	switch arg(c.args, 1) {
	case "--print-architecture":
		fmt.Fprintln(c.stdout, c.e.opt.Arch)
		return 0
	case "--print-foreign-architectures":
		return 0
	case "--compare-versions":
		if len(c.args) != 5 {
			return c.failf("--compare-versions needs three arguments")
		}
		if compareVersions(c.args[2], c.args[3], c.args[4]) {
			return 0
		}
		return 1
	case "--assert-multi-conffiles", "--assert-support-predepends", "--assert-working-epoch",
		"--assert-long-filenames", "--assert-multi-arch", "--assert-versioned-provides", "--assert-protected-field":
		return 0
	case "-l", "--list", "-s", "--status", "-L", "--listfiles", "-S", "--search":
		return dpkgQuery(c)
	}
	c.e.skipped(c)
	return 0
}

// compareVersions is dpkg --compare-versions: an empty version is older
// than any other (lt-nl and friends: newer).
func compareVersions(a, op, b string) bool {
	cmp := func() int {
		switch {
		case a == "" && b == "":
			return 0
		case a == "":
			if strings.HasSuffix(op, "-nl") {
				return 1
			}
			return -1
		case b == "":
			if strings.HasSuffix(op, "-nl") {
				return -1
			}
			return 1
		}
		va, err1 := version.Parse(a)
		vb, err2 := version.Parse(b)
		if err1 != nil || err2 != nil {
			return strings.Compare(a, b)
		}
		return version.Compare(va, vb)
	}()
	switch strings.TrimSuffix(op, "-nl") {
	case "lt", "<<":
		return cmp < 0
	case "le", "<=", "<":
		return cmp <= 0
	case "eq", "=":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "ge", ">=", ">":
		return cmp >= 0
	case "gt", ">>":
		return cmp > 0
	}
	return false
}

// dpkgDivert lists no diversion; one added with --no-rename only
// changes dpkg's database; one that renames a file is not reproduced.
func dpkgDivert(c *call) int {
	for _, a := range c.args[1:] {
		if a == "--list" || a == "--listpackage" || a == "--truename" || a == "--no-rename" || a == "--remove" {
			return 0
		}
	}
	c.e.skipped(c)
	return 0
}

// statOverride stands in for dpkg-statoverride: --add (with --update)
// sets the path's owner and mode; --list knows no override.
func statOverride(c *call) int {
	f := parseFlags(c.args[1:], "", "admindir", "root")
	switch {
	case f.has(0, "list"):
		return 1
	case f.has(0, "add"):
		if len(f.operands) != 4 {
			return c.failf("--add needs USER GROUP MODE PATH")
		}
		uid, ok1 := c.e.accounts.lookupUID(f.operands[0])
		gid, ok2 := c.e.accounts.lookupGID(f.operands[1])
		mode, err := strconv.ParseInt(f.operands[2], 8, 32)
		if !ok1 || !ok2 || err != nil {
			return c.failf("cannot add override %v", f.operands)
		}
		p := c.abs(f.operands[3])
		if c.e.fs.exists(p) {
			if err := c.e.fs.setAttr(p, true, uid, gid, int(mode)); err != nil {
				return c.failf("%v", err)
			}
		}
		return 0
	case f.has(0, "remove"):
		return 0
	}
	return c.failf("action not understood")
}

// ucf installs SRC as DEST when DEST does not exist, as ucf does on a
// fresh install.
func ucf(c *call) int {
	f := parseFlags(c.args[1:], "", "three-way", "state-dir", "src-dir")
	if f.has(0, "purge") {
		return 0
	}
	if len(f.operands) != 2 {
		return c.failf("want NEW DEST")
	}
	src, dst := c.abs(f.operands[0]), c.abs(f.operands[1])
	if c.e.fs.exists(dst) {
		return 0
	}
	data, err := c.e.fs.readFile(src)
	if err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.mkdir(path.Dir(dst), 0o755, true); err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.writeFile(dst, data, 0o644); err != nil {
		return c.failf("%v", err)
	}
	return 0
}

// parseMode applies a chmod mode (octal, or symbolic like u+x,go-w) to
// the permission bits cur.
func parseMode(spec string, cur int) (int, error) {
	if n, err := strconv.ParseInt(spec, 8, 32); err == nil {
		return int(n), nil
	}
	mode := cur
	for _, clause := range strings.Split(spec, ",") {
		i := 0
		who := 0
		for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
			who |= map[byte]int{'u': 0o4700, 'g': 0o2070, 'o': 0o1007, 'a': 0o7777}[clause[i]]
		}
		if who == 0 {
			who = 0o7777
		}
		if i >= len(clause) {
			return 0, fmt.Errorf("invalid mode %q", spec)
		}
		op := clause[i]
		if op != '+' && op != '-' && op != '=' {
			return 0, fmt.Errorf("invalid mode %q", spec)
		}
		bits := 0
		for _, ch := range clause[i+1:] {
			switch ch {
			case 'r':
				bits |= 0o444
			case 'w':
				bits |= 0o222
			case 'x':
				bits |= 0o111
			case 'X':
				if cur&0o111 != 0 {
					bits |= 0o111
				}
			case 's':
				bits |= 0o6000
			case 't':
				bits |= 0o1000
			default:
				return 0, fmt.Errorf("invalid mode %q", spec)
			}
		}
		bits &= who
		switch op {
		case '+':
			mode |= bits
		case '-':
			mode &^= bits
		case '=':
			mode = mode&^who | bits
		}
	}
	return mode, nil
}

// dateCmd prints the build's epoch: scripts print it, none keeps it.
func dateCmd(c *call) int {
	fmt.Fprintln(c.stdout, c.e.opt.Epoch.UTC().Format("Mon Jan _2 15:04:05 UTC 2006"))
	return 0
}

// realpathCmd resolves paths inside the image (-s: without following
// links, -m: missing components allowed).
func realpathCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	status := 0
	for _, p := range f.operands {
		p = c.abs(p)
		if f.has('s', "no-symlinks") || f.has('s', "strip") {
			fmt.Fprintln(c.stdout, path.Clean(p))
			continue
		}
		q, err := c.e.fs.resolve(p, true)
		if err != nil || !f.has('m', "canonicalize-missing") && !c.e.fs.exists(q) {
			status = 1
			continue
		}
		fmt.Fprintln(c.stdout, q)
	}
	return status
}

// findCmd stands in for the find expressions maintainer scripts use: the
// tests are ANDed, "!" negates the next one.
func findCmd(c *call) int {
	var roots []string
	args := c.args[1:]
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") && args[0] != "!" && args[0] != "(" {
		roots = append(roots, c.abs(args[0]))
		args = args[1:]
	}
	if len(roots) == 0 {
		roots = []string{c.dir}
	}
	minDepth, maxDepth := 0, 1<<30
	type test func(p string, in info, depth int) bool
	var tests []test
	var actions []func(p string, in info) error
	negate := false
	add := func(t test) {
		if negate {
			inner := t
			t = func(p string, in info, d int) bool { return !inner(p, in, d) }
			negate = false
		}
		tests = append(tests, t)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string { i++; return arg(args, i) }
		switch a {
		case "!", "-not":
			negate = true
		case "-mindepth":
			minDepth, _ = strconv.Atoi(val())
		case "-maxdepth":
			maxDepth, _ = strconv.Atoi(val())
		case "-type":
			want := map[string]kind{"f": kindFile, "d": kindDir, "l": kindLink}[val()]
			add(func(_ string, in info, _ int) bool { return in.kind == want })
		case "-name":
			pat := val()
			add(func(p string, _ info, _ int) bool { ok, _ := path.Match(pat, path.Base(p)); return ok })
		case "-empty":
			add(func(p string, in info, _ int) bool {
				if in.kind == kindDir {
					ents, _ := c.e.fs.readDir(p)
					return len(ents) == 0
				}
				return in.kind == kindFile && in.size == 0
			})
		case "-print":
			actions = append(actions, func(p string, _ info) error { fmt.Fprintln(c.stdout, p); return nil })
		case "-printf":
			format := val()
			actions = append(actions, func(p string, _ info) error {
				r := strings.NewReplacer("%f", path.Base(p), "%p", p, `\n`, "\n", "\\n", "\n")
				fmt.Fprint(c.stdout, strings.ReplaceAll(r.Replace(format), `\n`, "\n"))
				return nil
			})
		case "-delete":
			actions = append(actions, func(p string, _ info) error { return c.e.fs.remove(p, false) })
		default:
			c.e.skipped(c)
			return 0
		}
	}
	if len(actions) == 0 {
		actions = append(actions, func(p string, _ info) error { fmt.Fprintln(c.stdout, p); return nil })
	}
	status := 0
	var walk func(p string, depth int)
	walk = func(p string, depth int) {
		q, err := c.e.fs.resolve(p, depth == 0)
		if err != nil {
			return
		}
		in, err := c.e.fs.lstat(q)
		if err != nil {
			return
		}
		if in.kind == kindDir && depth < maxDepth {
			ents, _ := c.e.fs.readDir(q)
			for _, e := range ents {
				walk(path.Join(p, e.name), depth+1)
			}
		}
		if depth < minDepth {
			return
		}
		for _, t := range tests {
			if !t(p, in, depth) {
				return
			}
		}
		for _, act := range actions {
			if err := act(p, in); err != nil {
				status = c.failf("%v", err)
			}
		}
	}
	for _, r := range roots {
		if !c.e.fs.exists(r) {
			status = c.failf("'%s': No such file or directory", r)
			continue
		}
		walk(r, 0)
	}
	return status
}

// dpkgRealpath resolves a path inside the image (--root is the image).
func dpkgRealpath(c *call) int {
	var p string
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		if args[i] == "--root" || args[i] == "-r" {
			i++
			continue
		}
		if !strings.HasPrefix(args[i], "-") {
			p = args[i]
		}
	}
	q, err := c.e.fs.resolve(c.abs(p), true)
	if err != nil {
		return c.failf("%v", err)
	}
	fmt.Fprintln(c.stdout, q)
	return 0
}

// suCmd runs su's -c COMMAND with the interpreter.
func suCmd(c *call) int {
	for i, a := range c.args {
		if (a == "-c" || a == "--command") && i+1 < len(c.args) {
			c.e.mu.Unlock()
			status, err := c.e.run(c.ctx, script{pkg: c.sc.pkg, name: c.sc.name + " (su -c)", depth: c.sc.depth + 1}, []byte(c.args[i+1]), nil, c.rawStdin)
			c.e.mu.Lock()
			if err != nil {
				return c.failf("%v", err)
			}
			return status
		}
	}
	c.e.skipped(c)
	return 0
}

// mountpoint says /proc, /sys and /dev are mounted, as during a real
// install; no other directory is.
func mountpoint(c *call) int {
	for _, a := range c.args[1:] {
		switch path.Clean(a) {
		case "/proc", "/sys", "/dev":
			return 0
		}
	}
	return 1
}

// unameCmd answers uname for the image's architecture.
func unameCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	switch {
	case f.has('m', "machine"):
		a, _ := debarch.Lookup(c.e.opt.Arch)
		fmt.Fprintln(c.stdout, a.Uname)
	case f.has('r', "kernel-release"):
		fmt.Fprintln(c.stdout, "6.12.0")
	default:
		fmt.Fprintln(c.stdout, "Linux")
	}
	return 0
}

// byteCompile records that a package's Python byte-code is not compiled.
func byteCompile(c *call) int {
	c.e.warnf(c.sc.pkg, "Python byte-code (__pycache__) not compiled by %s: modules compile when imported", path.Base(c.args[0]))
	return 0
}

// fontCache warns that fc-cache's caches are not made.
func fontCache(c *call) int {
	c.e.warnf(c.sc.pkg, "fontconfig caches (/var/cache/fontconfig) not made by fc-cache: fontconfig scans the fonts when a program starts")
	return 0
}

// perlCmd answers the one perl command scripts use as a test, perl -e "".
func perlCmd(c *call) int {
	if len(c.args) == 3 && c.args[1] == "-e" && strings.TrimSpace(c.args[2]) == "" {
		if _, ok := c.e.lookPath("perl"); ok {
			return 0
		}
		return 127
	}
	c.e.skipped(c)
	return 0
}

// shadowNow writes the shadow files at once, as pwconv and grpconv do:
// the script goes on to chmod them.
func (e *engine) shadowNow(c *call) int {
	e.accounts.changed = true
	if err := e.accounts.writeShadow(e.fs); err != nil {
		return c.failf("%v", err)
	}
	return 0
}

// pythonCmd recognises Python run to byte-compile modules.
func pythonCmd(c *call) int {
	for _, a := range c.args[1:] {
		if strings.Contains(a, "py_compile") || strings.Contains(a, "compileall") {
			return byteCompile(c)
		}
	}
	c.e.skipped(c)
	return 0
}
