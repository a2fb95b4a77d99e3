package effects

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/layertest"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/imageroot"
)

// testPkg is a package for the engine: its control fields and scripts.
type testPkg struct {
	name, deps string
	files      map[string]string // control.tar members: "postinst", "triggers"…
}

// image writes an image layer (see layertest.Write).
func image(t testing.TB, files map[string]string) string {
	t.Helper()
	return layertest.Write(t, files)
}

// merged is a merged-/usr image base with the generated accounts.
func merged() map[string]string {
	return map[string]string{
		"bin": "@usr/bin", "sbin": "@usr/sbin", "lib": "@usr/lib", "usr/bin/": "", "usr/sbin/": "", "usr/lib/": "",
		"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\n",
		"tmp/":       "", "var/lib/": "",
	}
}

func run(t *testing.T, arch string, files map[string]string, pkgs ...testPkg) *Result {
	t.Helper()
	img, err := imageroot.Open(image(t, files))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var ctls []*debextract.ControlArchive
	for _, p := range pkgs {
		ca := &debextract.ControlArchive{Package: p.name, Version: "1.0-1", Architecture: arch, Files: map[string][]byte{}}
		ctl := "Package: " + p.name + "\nVersion: 1.0-1\nArchitecture: " + arch + "\n"
		if p.deps != "" {
			ctl += "Depends: " + p.deps + "\n"
		}
		ca.Files["control"] = []byte(ctl)
		for n, c := range p.files {
			ca.Files[n] = []byte(c)
		}
		ctls = append(ctls, ca)
	}
	res, err := Run(context.Background(), img, ctls, Options{Arch: arch, Epoch: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// files maps each path of res to its link target, "dir" or its content.
func files(res *Result) map[string]string {
	m := map[string]string{}
	for _, f := range res.Files {
		switch {
		case f.Dir:
			m[f.Path] = "dir"
		case f.Target != "":
			m[f.Path] = "@" + f.Target
		default:
			m[f.Path] = string(f.Data)
		}
	}
	return m
}

func find(res *Result, p string) *File {
	for i := range res.Files {
		if res.Files[i].Path == p {
			return &res.Files[i]
		}
	}
	return nil
}

func TestAlternatives(t *testing.T) {
	img := merged()
	for p, c := range map[string]string{
		"usr/bin/mawk": "", "usr/bin/gawk": "", "usr/bin/nc.openbsd": "",
		"usr/lib/aarch64-linux-gnu/blas/libblas.so.3": "",
		"usr/lib/jvm/java-21-openjdk-arm64/bin/java":  "", "usr/lib/jvm/java-21-openjdk-arm64/bin/keytool": "",
		"usr/share/man/man1/nc_openbsd.1.gz": "",
	} {
		img[p] = c
	}
	res := run(t, "arm64", img,
		testPkg{name: "mawk", files: map[string]string{"postinst": "#!/bin/sh\nset -e\nupdate-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n  --slave /usr/bin/nawk nawk /usr/bin/mawk\n"}},
		testPkg{name: "gawk", files: map[string]string{"postinst": "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n update-alternatives --install /usr/bin/awk awk /usr/bin/gawk 10 --slave /usr/bin/nawk nawk /usr/bin/gawk\nfi\n"}},
		testPkg{name: "libblas3", files: map[string]string{"postinst": "#!/bin/sh\nset -e\nmultiarch=aarch64-linux-gnu\nupdate-alternatives --install /usr/lib/$multiarch/libblas.so.3 libblas.so.3-$multiarch /usr/lib/$multiarch/blas/libblas.so.3 10\n"}},
		testPkg{name: "netcat-openbsd", files: map[string]string{"postinst": "#!/bin/sh\nupdate-alternatives --install /bin/nc nc /bin/nc.openbsd 50 --slave /usr/share/man/man1/nc.1.gz nc.1.gz /usr/share/man/man1/nc_openbsd.1.gz --slave /bin/netcat netcat /bin/nc.openbsd\n"}},
		testPkg{name: "openjdk-21-jre-headless", files: map[string]string{"postinst": "#!/bin/sh\nset -e\nbasedir=/usr/lib/jvm/java-21-openjdk-arm64\njre_tools='java jpackage keytool rmiregistry'\nfor i in $jre_tools; do\n  update-alternatives --install /usr/bin/$i $i $basedir/bin/$i 2111 || true\ndone\n"}},
		testPkg{name: "editor", files: map[string]string{"postinst": "update-alternatives --install /usr/bin/editor editor /usr/bin/missing 10\n"}},
	)
	m := files(res)
	for path, want := range map[string]string{
		"/usr/bin/awk":                                     "@/etc/alternatives/awk",
		"/etc/alternatives/awk":                            "@/usr/bin/gawk",
		"/etc/alternatives/nawk":                           "@/usr/bin/gawk",
		"/usr/lib/aarch64-linux-gnu/libblas.so.3":          "@/etc/alternatives/libblas.so.3-aarch64-linux-gnu",
		"/etc/alternatives/libblas.so.3-aarch64-linux-gnu": "@/usr/lib/aarch64-linux-gnu/blas/libblas.so.3",
		"/usr/bin/nc":                                      "@/etc/alternatives/nc",
		"/usr/bin/netcat":                                  "@/etc/alternatives/netcat",
		"/usr/share/man/man1/nc.1.gz":                      "@/etc/alternatives/nc.1.gz",
		"/etc/alternatives/java":                           "@/usr/lib/jvm/java-21-openjdk-arm64/bin/java",
		"/etc/alternatives/keytool":                        "@/usr/lib/jvm/java-21-openjdk-arm64/bin/keytool",
		"/usr/bin/java":                                    "@/etc/alternatives/java",
		"/etc/alternatives/jpackage":                       "",
		"/usr/bin/editor":                                  "",
		"/bin/nc":                                          "",
	} {
		if m[path] != want {
			t.Errorf("%s = %q, want %q", path, m[path], want)
		}
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "editor: postinst: update-alternatives: alternative path /usr/bin/missing doesn't exist") {
		t.Errorf("no warning for a missing alternative: %q", res.Warnings)
	}
}

func TestAlternativesMawkAlone(t *testing.T) {
	img := merged()
	img["usr/bin/mawk"] = ""
	res := run(t, "amd64", img, testPkg{name: "mawk", files: map[string]string{"postinst": "update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5\n"}})
	if got := files(res)["/etc/alternatives/awk"]; got != "@/usr/bin/mawk" {
		t.Errorf("awk -> %q", got)
	}
	if len(run(t, "amd64", img, testPkg{name: "perl"}).Files) != 0 {
		t.Error("a package without scripts has effects")
	}
}

func TestTzdata(t *testing.T) {
	img := merged()
	img["usr/share/zoneinfo/Etc/UTC"] = "TZif"
	img["usr/share/debconf/confmodule"] = "# the real one execs debconf's frontend\nexit 99\n"
	templates := "Template: tzdata/Areas\nType: select\nChoices: Africa, Etc\nDescription: Area\n\nTemplate: tzdata/Zones/Etc\nType: select\nChoices: UTC\nDescription: Zone\n"
	config := "#!/bin/sh\nset -e\n. /usr/share/debconf/confmodule\nif [ ! -L /etc/localtime ]; then\n db_set tzdata/Areas Etc\n db_set tzdata/Zones/Etc UTC\nfi\n"
	postinst := `#!/bin/sh
set -e
umask 022
. /usr/share/debconf/confmodule
db_version 2.0
if [ "$1" = configure ]; then
	db_get tzdata/Areas && AREA="$RET"
	db_get "tzdata/Zones/$AREA" && ZONE="$RET"
	TIMEZONE="$AREA/$ZONE"
	ln -nsf "/usr/share/zoneinfo/$TIMEZONE" "$DPKG_ROOT/etc/localtime.dpkg-new" && \
		mv -f "$DPKG_ROOT/etc/localtime.dpkg-new" "$DPKG_ROOT/etc/localtime"
	which restorecon >/dev/null 2>&1 && restorecon "$DPKG_ROOT/etc/localtime"
	if test -f "$DPKG_ROOT/etc/timezone"; then
		echo "$TIMEZONE" > "$DPKG_ROOT/etc/timezone"
	fi
	UTdate=$(LC_ALL=C TZ=UTC0 date)
	echo "Universal Time is now:  $UTdate."
fi
`
	res := run(t, "amd64", img, testPkg{name: "tzdata", files: map[string]string{"templates": templates, "config": config, "postinst": postinst}})
	m := files(res)
	if m["/etc/localtime"] != "@/usr/share/zoneinfo/Etc/UTC" {
		t.Errorf("/etc/localtime = %q (warnings %q)", m["/etc/localtime"], res.Warnings)
	}
	if _, ok := m["/etc/timezone"]; ok {
		t.Error("trixie's tzdata writes no /etc/timezone on a fresh system")
	}
	if _, ok := m["/etc/localtime.dpkg-new"]; ok {
		t.Error("the moved link is still there")
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
}

func TestAccounts(t *testing.T) {
	img := merged()
	img["etc/redis/redis.conf"] = "bind 127.0.0.1\n"
	img["usr/lib/sysusers.d/systemd-network.conf"] = "g systemd-journal 999 -\nu systemd-network 998 \"systemd Network Management\"\ng taken 100\n"
	img["usr/lib/tmpfiles.d/redis.conf"] = "d /run/redis 0755 redis redis -\nL /etc/mtab - - - - ../proc/self/mounts\nd /run/%m - - - -\nR /tmp/x - - - -\n"
	postinst := `#!/bin/sh
set -eu
USER="redis"
Setup_dir () {
	DIR="${1}"; MODE="${2}"; GROUP="${3}"
	mkdir -p ${DIR}
	if ! dpkg-statoverride --list ${DIR} >/dev/null 2>&1; then
		chown ${USER}:${GROUP} ${DIR}
		chmod ${MODE} ${DIR}
	fi
}
if [ "$1" = "configure" ]; then
	adduser --system --home /var/lib/redis --quiet --group ${USER} || true
	Setup_dir /var/log/redis 2750 adm
	Setup_dir /var/lib/redis 750 ${USER}
	dpkg-statoverride --update --add ${USER} ${USER} 640 /etc/redis/redis.conf
	getent group www-data >/dev/null || addgroup --system web
	useradd -r -M -s /usr/sbin/nologin -d /nonexistent svc
	groupadd -r -f shadow
fi
`
	res := run(t, "amd64", img, testPkg{name: "redis-server", files: map[string]string{"postinst": postinst}})
	m := files(res)
	for _, line := range []string{"redis:x:100:100::/var/lib/redis:/usr/sbin/nologin", "systemd-network:x:998:997:systemd Network Management:/:/usr/sbin/nologin", "svc:x:999:999::/nonexistent:/usr/sbin/nologin"} {
		if !strings.Contains(m["/etc/passwd"], line+"\n") {
			t.Errorf("passwd has no %q:\n%s", line, m["/etc/passwd"])
		}
	}
	for _, line := range []string{"redis:x:100:", "adm:x:4:", "web:x:101:", "systemd-journal:x:998:", "systemd-network:x:997:", "taken:x:996:", "shadow:x:42:"} {
		if !strings.Contains(m["/etc/group"], line+"\n") {
			t.Errorf("group has no %q:\n%s", line, m["/etc/group"])
		}
	}
	for p, want := range map[string][3]int{
		"/var/lib/redis": {0o750, 100, 100}, "/var/log/redis": {0o2750, 100, 4},
		"/etc/redis/redis.conf": {0o640, 100, 100}, "/run/redis": {0o755, 100, 100},
	} {
		f := find(res, p)
		if f == nil || unixPerm(f.Mode) != want[0] || f.UID != want[1] || f.GID != want[2] {
			t.Errorf("%s = %+v, want %o %d:%d", p, f, want[0], want[1], want[2])
		}
	}
	if f := find(res, "/etc/redis/redis.conf"); f == nil || string(f.Data) != "bind 127.0.0.1\n" {
		t.Errorf("redis.conf lost its content: %+v", f)
	}
	if m["/etc/mtab"] != "@../proc/self/mounts" {
		t.Errorf("/etc/mtab = %q", m["/etc/mtab"])
	}
	if _, ok := m["/run/%m"]; ok || len(res.Warnings) != 0 {
		t.Errorf("a machine's path was made, or warnings: %q", res.Warnings)
	}
	// The parents of what the scripts wrote keep the image's attributes.
	if f := find(res, "/var/lib"); f == nil || !f.Dir || unixPerm(f.Mode) != 0o755 {
		t.Errorf("/var/lib = %+v", f)
	}
}

func TestPHPModules(t *testing.T) {
	img := merged()
	img["usr/lib/php/8.4/sapi/cli"] = ""
	img["usr/lib/php/8.4/php.ini-production.cli"] = "[PHP]\n"
	img["usr/share/php8.4-common/common/ctype.ini"] = "; configuration for php common module\n; priority=20\nextension=ctype.so\n"
	img["usr/share/php8.4-opcache/opcache/opcache.ini"] = "; priority=10\nzend_extension=opcache.so\n"
	img["etc/php/8.4/cli/conf.d/"] = ""
	img["usr/sbin/phpenmod"] = "#!/bin/sh\n# the real one needs sed and find\nexit 3\n"
	img["usr/sbin/phpquery"] = "#!/bin/sh\nexit 3\n"
	img["usr/lib/php/php-maintscript-helper"] = `#!/bin/sh
if [ -n "${EXPORT_PHP_MAINTSCRIPT_HELPER:-}" ] ; then
	return
else
	EXPORT_PHP_MAINTSCRIPT_HELPER=1
fi
php_invoke()
(
    CMD=$1; VERSION=$2; SAPI=$3; MOD=$4
    [ -x "/usr/sbin/php$CMD" ] || return 1
    if [ "$SAPI" = ALL ]; then
	sapi_list=$(phpquery -S -v "$VERSION")
	"php$CMD" -q -v "$VERSION" -m -r "$MOD" || return 1
    else
	sapi_list=$SAPI
    fi
    for sapi in $sapi_list; do
	phpquery_ret=0
	phpquery -v "$VERSION" -s "$sapi" -m "$MOD" > /dev/null 2>&1 || phpquery_ret=$?
	[ "$phpquery_ret" -eq 32 ] && return 0
	"php$CMD" -m -v "$VERSION" -s "$sapi" -q "$MOD" > /dev/null 2>&1 || return 1
    done
)
`
	common := `#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    inidir=/etc/php/8.4/mods-available
    if [ -e /usr/lib/php/php-maintscript-helper ] ; then
	. /usr/lib/php/php-maintscript-helper
	for dsoname in ctype; do
	    inifile=${dsoname}.ini
	    ucf /usr/share/php8.4-common/common/${inifile} ${inidir}/${inifile}
	    ucfr --force php8.4-common ${inidir}/${inifile}
	    php_invoke enmod 8.4 ALL ${dsoname}
	done
    fi
fi
exit 0
`
	opcache := strings.NewReplacer("php8.4-common/common", "php8.4-opcache/opcache", "ctype", "opcache").Replace(common)
	cli := `#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    phpini="/etc/php/8.4/cli/php.ini"
    ucf /usr/lib/php/8.4/php.ini-production.cli $phpini
    . /usr/lib/php/php-maintscript-helper
    mods=$(phpquery -M -v 8.4)
    for mod in $mods; do
	php_invoke enmod 8.4 cli $mod
    done
fi
`
	res := run(t, "amd64", img,
		testPkg{name: "php8.4-cli", deps: "php8.4-common", files: map[string]string{"postinst": cli}},
		testPkg{name: "php8.4-common", files: map[string]string{"postinst": common}},
		testPkg{name: "php8.4-opcache", deps: "php8.4-common", files: map[string]string{"postinst": opcache}},
	)
	m := files(res)
	for p, want := range map[string]string{
		"/etc/php/8.4/cli/php.ini":                  "[PHP]\n",
		"/etc/php/8.4/mods-available/ctype.ini":     img["usr/share/php8.4-common/common/ctype.ini"],
		"/etc/php/8.4/cli/conf.d/20-ctype.ini":      "@/etc/php/8.4/mods-available/ctype.ini",
		"/etc/php/8.4/cli/conf.d/10-opcache.ini":    "@/etc/php/8.4/mods-available/opcache.ini",
		"/var/lib/php/modules/8.4/registry/opcache": "",
	} {
		if got, ok := m[p]; !ok || got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
}

func TestTriggers(t *testing.T) {
	img := merged()
	img["usr/lib/gdk-pixbuf/loaders/libpng.so"] = ""
	res := run(t, "amd64", img,
		testPkg{name: "libc-bin", files: map[string]string{"triggers": "interest-noawait ldconfig\n", "postinst": "#!/bin/sh\nif [ \"$1\" = triggered ]; then echo \"$2\" > /tmp/libc-bin; fi\n"}},
		testPkg{name: "libfoo1", files: map[string]string{"triggers": "activate-noawait ldconfig\n"}},
		testPkg{name: "pixbuf", files: map[string]string{"triggers": "interest /usr/lib/gdk-pixbuf/loaders\ninterest /usr/share/nothing\n", "postinst": "#!/bin/sh\n[ \"$1\" = triggered ] && echo \"$2\" > /tmp/pixbuf\ndpkg-trigger later\n"}},
		testPkg{name: "late", files: map[string]string{"triggers": "interest later\n", "postinst": "#!/bin/sh\n[ \"$1\" = triggered ] && touch /tmp/late\n"}},
	)
	m := files(res)
	for p, want := range map[string]string{"/tmp/libc-bin": "ldconfig\n", "/tmp/pixbuf": "/usr/lib/gdk-pixbuf/loaders\n", "/tmp/late": ""} {
		if got, ok := m[p]; !ok || got != want {
			t.Errorf("%s = %q, want %q (warnings %q)", p, got, want, res.Warnings)
		}
	}
}

func TestNotReproducedWarns(t *testing.T) {
	img := merged()
	img["usr/sbin/setcap"] = "\x7fELF"
	res := run(t, "amd64", img,
		testPkg{name: "perlish", files: map[string]string{"postinst": "#!/usr/bin/perl\nprint 1;\n"}},
		testPkg{name: "daemon", files: map[string]string{"postinst": "#!/bin/sh\nset -e\ndeb-systemd-helper enable x.service\nsetcap cap_net_raw+ep /usr/bin/ping\n"}},
		testPkg{name: "broken", files: map[string]string{"postinst": "#!/bin/sh\nif then fi\n"}},
	)
	ws := strings.Join(res.Warnings, "\n")
	for _, want := range []string{
		"perlish: postinst: not a shell script (#!/usr/bin/perl): not read",
		"daemon: postinst: did not run `setcap cap_net_raw+ep /usr/bin/ping`",
		"broken: postinst:",
	} {
		if !strings.Contains(ws, want) {
			t.Errorf("no warning %q in:\n%s", want, ws)
		}
	}
	if strings.Contains(ws, "deb-systemd-helper") {
		t.Errorf("service management warned about: %s", ws)
	}
}

func TestConfigureOrder(t *testing.T) {
	res := run(t, "amd64", merged(),
		testPkg{name: "a", deps: "b | c, virt", files: map[string]string{"postinst": "echo a >> /tmp/order\n"}},
		testPkg{name: "b", files: map[string]string{"postinst": "echo b >> /tmp/order\n"}},
		testPkg{name: "d", files: map[string]string{"postinst": "echo d >> /tmp/order\n"}},
	)
	if got := files(res)["/tmp/order"]; got != "b\na\nd\n" {
		t.Errorf("order = %q", got)
	}
}

// testEngine is an engine over an image, for the stand-ins' own tests.
func testEngine(t *testing.T, files map[string]string) *engine {
	t.Helper()
	img, err := imageroot.Open(image(t, files))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	e := &engine{fs: newVFS(img), activated: map[string]bool{}, replacements: confmoduleReplacements(), applied: map[string]bool{}, opt: Options{Arch: "amd64"}}
	if e.accounts, err = loadAccounts(e.fs); err != nil {
		t.Fatal(err)
	}
	e.alts = newAlternatives()
	e.debconf = &debconf{defaults: map[string]string{}, set: map[string]string{}}
	return e
}

func TestApacheLocaleQueries(t *testing.T) {
	img := merged()
	for p, c := range map[string]string{
		"etc/apache2/mods-available/access_compat.load":    "# Depends: authn_core\nLoadModule access_compat_module x.so\n",
		"etc/apache2/mods-available/authn_core.load":       "LoadModule authn_core_module x.so\n",
		"etc/apache2/mods-available/alias.load":            "LoadModule alias_module x.so\n",
		"etc/apache2/mods-available/alias.conf":            "Alias /icons/ /usr/share/apache2/icons/\n",
		"etc/apache2/mods-enabled/":                        "",
		"etc/apache2/conf-available/charset.conf":          "",
		"etc/apache2/sites-available/000-default.conf":     "",
		"var/lib/dpkg/status.d/python3.13-minimal.md5sums": "0123  usr/lib/python3.13/os.py\n4567  usr/bin/python3.13\n",
	} {
		img[p] = c
	}
	postinst := `#!/bin/sh
set -e
trap "rm -f /tmp/x" 0 2 3 15
for m in access_compat alias; do a2enmod -m -q $m; done
a2enconf -m -q charset
a2ensite -q 000-default
update-locale --no-checks LANG=C.UTF-8
dpkg-query -f '${Version} ${Status}\n' -W python3.13-minimal > /tmp/version
dpkg -L python3.13-minimal:amd64 | sed -n '/\.py$/p' > /tmp/py
dpkg-query -W nothere 2>/dev/null || echo absent > /tmp/absent
su -s /bin/sh root -c 'echo from su > /tmp/su'
`
	res := run(t, "amd64", img, testPkg{name: "python3.13-minimal", files: map[string]string{"postinst": postinst}})
	m := files(res)
	for p, want := range map[string]string{
		"/etc/apache2/mods-enabled/access_compat.load":        "@../mods-available/access_compat.load",
		"/etc/apache2/mods-enabled/authn_core.load":           "@../mods-available/authn_core.load",
		"/etc/apache2/mods-enabled/alias.conf":                "@../mods-available/alias.conf",
		"/etc/apache2/conf-enabled/charset.conf":              "@../conf-available/charset.conf",
		"/etc/apache2/sites-enabled/000-default.conf":         "@../sites-available/000-default.conf",
		"/var/lib/apache2/module/enabled_by_maint/authn_core": "",
		"/var/lib/apache2/site/enabled_by_admin/000-default":  "",
		"/etc/default/locale":                                 "#  File generated by update-locale\nLANG=C.UTF-8\n",
		"/tmp/version":                                        "1.0-1 install ok installed\n",
		"/tmp/py":                                             "/usr/lib/python3.13/os.py\n",
		"/tmp/absent":                                         "absent\n",
		"/tmp/su":                                             "from su\n",
	} {
		if got, ok := m[p]; !ok || got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
}

// TestNativeCACertificates: ca-certificates' scripts do not run (the CA
// step writes the bundle), but the directory its postinst makes for
// local CAs is made, with /usr/local's mode and group.
func TestNativeCACertificates(t *testing.T) {
	tree := merged()
	tree["usr/local/share/"] = ""
	dir := image(t, tree)
	if err := os.Chmod(filepath.Join(dir, "usr/local"), 0o2775|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "usr/local"), 0, 50); err != nil {
		t.Fatal(err)
	}
	img, err := imageroot.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	ca := &debextract.ControlArchive{Package: "ca-certificates", Version: "1", Architecture: "all",
		Files: map[string][]byte{"control": []byte("Package: ca-certificates\n"), "postinst": []byte("touch /tmp/ran\n")}}
	res, err := Run(context.Background(), img, []*debextract.ControlArchive{ca}, Options{Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files(res)["/tmp/ran"]; ok {
		t.Error("ca-certificates' postinst ran")
	}
	f := find(res, "/usr/local/share/ca-certificates")
	if f == nil || !f.Dir || unixPerm(f.Mode) != 0o2775 || f.GID != 50 {
		t.Errorf("/usr/local/share/ca-certificates = %+v", f)
	}
	// An image without base-files has no /usr/local/share: it is made as
	// base-files makes it.
	img2, err := imageroot.Open(image(t, merged()))
	if err != nil {
		t.Fatal(err)
	}
	defer img2.Close()
	res, err = Run(context.Background(), img2, []*debextract.ControlArchive{ca}, Options{Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/usr/local", "/usr/local/share", "/usr/local/share/ca-certificates"} {
		if f := find(res, p); f == nil || !f.Dir || unixPerm(f.Mode) != 0o755 || f.UID != 0 || f.GID != 0 {
			t.Errorf("without base-files, %s = %+v", p, f)
		}
	}
}

// TestCachesWarned: the caches that need the package's own program to make
// (Python byte-code, fontconfig's) are not made, and the build says so.
func TestCachesWarned(t *testing.T) {
	for _, tc := range []struct{ script, warning string }{
		{"py3compile -p python3-foo", "python3-foo: Python byte-code (__pycache__) not compiled by py3compile"},
		{"pycompile -p foo", "not compiled by pycompile"},
		{"python3 -m compileall -q /usr/lib/python3/dist-packages", "Python byte-code"},
		{"fc-cache -s -v 1>/var/log/fontconfig.log 2>&1 || printf 'fc-cache failed'", "fontconfig caches (/var/cache/fontconfig) not made by fc-cache"},
	} {
		files := merged()
		files["usr/bin/python3"] = "#!"
		files["var/log/"] = ""
		res := run(t, "amd64", files, testPkg{name: "python3-foo", files: map[string]string{"postinst": "#!/bin/sh\nset -e\n" + tc.script + "\n"}})
		if !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warning) {
			t.Errorf("%s: warnings %q, want %q", tc.script, res.Warnings, tc.warning)
		}
	}
}

// TestUpdateLocale: update-locale as its Perl does, into the file the
// image's update-locale names.
func TestUpdateLocale(t *testing.T) {
	trixie := "#!/usr/bin/perl\nmy $locale_file  = \"/etc/locale.conf\";\n"
	for _, tc := range []struct {
		name, script, old, args, file, want string
	}{
		{"new, trixie", trixie, "", "--no-checks LANG", "/etc/locale.conf", "#  File generated by update-locale\n"},
		{"new, bookworm", "#!/usr/bin/perl\n", "", "LANG=C.UTF-8", "/etc/default/locale", "#  File generated by update-locale\nLANG=C.UTF-8\n"},
		{"set again", trixie, "# x\nLANG=C\nLC_ALL=C", "LANG=en_US.UTF-8", "/etc/locale.conf", "# x\nLANG=en_US.UTF-8\nLC_ALL=C\n"},
		{"unset", trixie, "LANG=C\nLC_ALL=C\n", "LANG", "/etc/locale.conf", "#LANG=C\nLC_ALL=C\n"},
		{"reset", trixie, "LANG=C\nLC_ALL=C\n", "--reset LANGUAGE=en", "/etc/locale.conf", "#LANG=C\n#LC_ALL=C\nLANGUAGE=en\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := merged()
			img["usr/sbin/update-locale"] = tc.script
			if tc.old != "" {
				img[strings.TrimPrefix(tc.file, "/")] = tc.old
			}
			res := run(t, "amd64", img, testPkg{name: "locales", files: map[string]string{"postinst": "#!/bin/sh\nset -e\nupdate-locale " + tc.args + "\n"}})
			if got := files(res)[tc.file]; got != tc.want {
				t.Errorf("%s = %q, want %q (warnings %q)", tc.file, got, tc.want, res.Warnings)
			}
		})
	}
}

// TestPgUpdateDicts: PostgreSQL's dictionaries from hunspell's.
func TestPgUpdateDicts(t *testing.T) {
	img := merged()
	img["usr/share/hunspell/en_US.aff"] = "SET UTF-8\nTRY abc\n"
	img["usr/share/hunspell/en_US.dic"] = "1\nword\n"
	img["usr/share/hunspell/de_DE.aff"] = "SET ISO8859-1\n"
	img["usr/share/hunspell/de_DE.dic"] = "1\nwort\n"
	img["usr/share/hunspell/fr.aff"] = "SET UTF-8\n" // no .dic
	img["usr/lib/postgresql/17/bin/"] = ""
	img["usr/share/postgresql/17/tsearch_data/"] = ""
	res := run(t, "amd64", img, testPkg{name: "postgresql-common", files: map[string]string{"postinst": "#!/bin/sh\nset -e\npg_updatedicts\n"}})
	m := files(res)
	for p, want := range map[string]string{
		"/var/cache/postgresql/dicts/en_us.affix":          "SET UTF-8\nTRY abc\n",
		"/var/cache/postgresql/dicts/en_us.dict":           "1\nword\n",
		"/usr/share/postgresql/17/tsearch_data/en_us.dict": "@/var/cache/postgresql/dicts/en_us.dict",
	} {
		if m[p] != want {
			t.Errorf("%s = %q, want %q", p, m[p], want)
		}
	}
	if _, ok := m["/var/cache/postgresql/dicts/de_de.affix"]; ok || !strings.Contains(strings.Join(res.Warnings, "\n"), `de_DE.aff is in "ISO8859-1"`) {
		t.Errorf("ISO8859-1 dictionary converted, or no warning: %q", res.Warnings)
	}
	if f := find(res, "/var/cache/postgresql/dicts"); f == nil || !f.Dir {
		t.Error("no /var/cache/postgresql/dicts")
	}
}

// TestKeepPackageDirs: a directory the packages have gets their owner and
// mode back, with its parents; one the result has, or no package has,
// stays as it is.
func TestKeepPackageDirs(t *testing.T) {
	dir := image(t, map[string]string{"srv/vault/": "", "srv/vault/README": "x", "var/lib/app/": ""})
	if err := os.Chmod(filepath.Join(dir, "srv/vault"), 0o2770|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "srv/vault"), 0, 50); err != nil {
		t.Fatal(err)
	}
	pkgs, err := imageroot.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer pkgs.Close()
	res := &Result{Files: []File{{Path: "/var/lib/app", Dir: true, Mode: 0o700, UID: 7, GID: 7}}}
	res.KeepPackageDirs(pkgs, []string{"/srv/vault", "/var/lib/app", "/home/nonroot"})
	if f := find(res, "/srv/vault"); f == nil || unixPerm(f.Mode) != 0o2770 || f.GID != 50 {
		t.Errorf("/srv/vault = %+v", f)
	}
	if f := find(res, "/srv"); f == nil || !f.Dir || unixPerm(f.Mode) != 0o755 {
		t.Errorf("/srv = %+v", f)
	}
	if f := find(res, "/var/lib/app"); f == nil || f.UID != 7 || unixPerm(f.Mode) != 0o700 {
		t.Errorf("/var/lib/app, which a script changed = %+v", f)
	}
	if find(res, "/home/nonroot") != nil || find(res, "/home") != nil {
		t.Error("a directory no package has was added")
	}
}
