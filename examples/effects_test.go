package examples

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crypto/tls"

	"github.com/distrofile/distrofile/internal/debtest"
	"github.com/distrofile/distrofile/internal/fidelity"
)

// TestE2EJavaTrustStore: the JRE's trust store holds Debian's CAs and a
// private CA the Distrofile COPYs, and a Java TLS client in the image
// trusts a loopback server signed by it.
func TestE2EJavaTrustStore(t *testing.T) {
	e := e2eEnv(t)
	caPEM, cert := testPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from a private CA")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	image, _, _ := buildExampleWith(t, e, "java", func(dir string) {
		class, err := os.ReadFile("testdata/javatls/TLSClient.class")
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"private-ca.crt": caPEM, "TLSClient.class": class} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	out, err := runIn(t, image, "/usr/bin/keytool", "-list", "-cacerts", "-storepass", "changeit")
	if err != nil {
		t.Fatalf("keytool: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Your keystore contains (\d+) entries`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keytool printed no entry count:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 100 {
		t.Errorf("the trust store has %d entries, want at least 100", n)
	}
	if !strings.Contains(out, "debian:private-ca.pem") {
		t.Errorf("the COPY'd CA is not in the trust store:\n%s", out)
	}
	// ENV LANG=C.UTF-8 needs the C.utf8 locale, which libc-bin ships and
	// the image takes alone (Java says ANSI_X3.4-1968 without it).
	out, err = runIn(t, image, "/usr/bin/java", "-XshowSettings:properties", "-version")
	if err != nil || !strings.Contains(out, "sun.jnu.encoding = UTF-8") {
		t.Errorf("java with LANG=C.UTF-8: %v\n%s", err, out)
	}
	out, err = runIn(t, image, "/usr/bin/java", "-cp", "/app", "TLSClient", srv.URL)
	if err != nil || !strings.Contains(out, "200 OK: hello from a private CA") {
		t.Errorf("the Java client does not trust the private CA: %v\n%s", err, out)
	}
}

// effectsDistrofile installs runtimes whose maintainer scripts make what
// their programs need: PHP's php link, php.ini and modules, node's js
// link, redis' account and directories.
const effectsDistrofile = `FROM debian:trixie
INSTALL php8.4-cli nodejs redis-server
`

// TestE2EScriptEffects checks, through buildx, what the packages' own
// maintainer scripts leave: `php -m` lists what it lists in a real apt
// root, /usr/bin/js runs node, redis has its user; and an arm64 build gets
// the same effects without emulation.
func TestE2EScriptEffects(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, effectsDistrofile)
	image := e.registry + "/e2e/effects:amd64"
	if out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--provenance=false", "--push", "-t", image, "."); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	// php -m, against the apt root's.
	got, err := runIn(t, image, "/usr/bin/php", "-m")
	if err != nil {
		t.Fatalf("php -m: %v\n%s", err, got)
	}
	roots := fidelity.AptRoots{Mirror: e.mirror, Log: testLog{t}}
	root, err := roots.Root(context.Background(), []string{"php8.4-cli"})
	if err != nil {
		t.Fatalf("apt root: %v", err)
	}
	want, err := exec.Command("chroot", root, "/usr/bin/php", "-m").CombinedOutput()
	if err != nil {
		t.Fatalf("php -m in the apt root: %v\n%s", err, want)
	}
	if w := phpModules(string(want)); !strings.Contains(w, "\nctype\n") || !strings.Contains(w, "\ntokenizer\n") {
		t.Fatalf("php -m in the apt root lists no ctype or tokenizer:\n%s", w)
	}
	if g, w := phpModules(got), phpModules(string(want)); g != w {
		t.Errorf("php -m in the image:\n%s\nin the apt root:\n%s", g, w)
	}

	if out, err := runIn(t, image, "/usr/bin/js", "-e", "console.log('node ' + process.version)"); err != nil || !strings.Contains(out, "node v") {
		t.Errorf("/usr/bin/js: %v\n%s", err, out)
	}

	// The files, for both architectures.
	effects := map[string]map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		tarFile := filepath.Join(t.TempDir(), arch+".tar")
		if out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--platform", "linux/"+arch, "--output", "type=tar,dest="+tarFile, "."); err != nil {
			t.Fatalf("%s build: %v\n%s", arch, err, out)
		}
		hdrs, bodies := tarEntries(t, tarFile)
		if !strings.Contains(bodies["/etc/passwd"], "\nredis:x:") {
			t.Errorf("%s: no redis user:\n%s", arch, bodies["/etc/passwd"])
		}
		if h := hdrs["/var/lib/redis"]; h == nil || h.Mode&0o7777 != 0o750 || h.Uid == 0 {
			t.Errorf("%s: /var/lib/redis = %+v, want 0750 owned by redis", arch, h)
		}
		if h := hdrs["/etc/ld.so.cache"]; h == nil || !strings.HasPrefix(bodies["/etc/ld.so.cache"], "glibc-ld.so.cache1.1") {
			t.Errorf("%s: no ld.so.cache", arch)
		}
		m := map[string]string{}
		for name, h := range hdrs {
			if strings.HasPrefix(name, "/etc/alternatives/") || strings.HasPrefix(name, "/etc/php/") || name == "/usr/bin/js" || name == "/usr/bin/php" || strings.HasPrefix(name, "/var/lib/redis") {
				m[name] = fmt.Sprintf("%c %o %d:%d %s", h.Typeflag, h.Mode&0o7777, h.Uid, h.Gid, strings.ReplaceAll(h.Linkname, "arm64", "amd64"))
			}
		}
		effects[arch] = m
	}
	if len(effects["amd64"]) < 20 {
		t.Errorf("only %d effect paths on amd64: %v", len(effects["amd64"]), effects["amd64"])
	}
	for p, v := range effects["amd64"] {
		if effects["arm64"][p] != v {
			t.Errorf("%s: amd64 %q, arm64 %q", p, v, effects["arm64"][p])
		}
	}
	for p := range effects["arm64"] {
		if _, ok := effects["amd64"][p]; !ok {
			t.Errorf("%s: only on arm64", p)
		}
	}
}

// phpModules is php -m's module list, from a build's output or the
// command's, sorted, one per line.
func phpModules(out string) string {
	var mods []string
	for _, l := range strings.Split(out, "\n") {
		// buildx prefixes a RUN's output: "#7 0.123 ctype".
		if m := regexp.MustCompile(`^#\d+ \d+\.\d+ (.*)$`).FindStringSubmatch(l); m != nil {
			l = m[1]
		}
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !strings.Contains(l, " ") || strings.HasPrefix(l, "[") || l == "Zend OPcache" {
			mods = append(mods, l)
		}
	}
	return strings.Join(mods, "\n")
}

// TestE2EEffectsWarnings: on a loopback archive, a package whose postinst
// adds a user (reproduced) and runs a program of its own (not): the image
// has the user and its home, the build warns about the program on the
// INSTALL line, and --call=check lists the same warning.
func TestE2EEffectsWarnings(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	frobd := stampedPackage("frobd", "amd64", stamp, nil, debtest.File("./usr/sbin/frobnicate", 0o755, "\x7fELF"))
	frobd.deb.ControlEntries = []debtest.Entry{debtest.File("./postinst", 0o755,
		"#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n\tadduser --system --group --home /var/lib/frobd frobd\n\tfrobnicate --now\nfi\n")}
	a := signedRepo(t, now, key, frobd)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	dir := withRepo(t, e, srv.URL, key, "INSTALL frobd\n")

	tarFile := filepath.Join(t.TempDir(), "image.tar")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--output", "type=tar,dest="+tarFile, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const warning = "not reproduced from the maintainer scripts: frobd: postinst: did not run `frobnicate --now`"
	if !strings.Contains(out, warning) {
		t.Errorf("the build does not warn %q:\n%s", warning, out)
	}
	hdrs, bodies := tarEntries(t, tarFile)
	if !strings.Contains(bodies["/etc/passwd"], "\nfrobd:x:100:100::/var/lib/frobd:/usr/sbin/nologin\n") {
		t.Errorf("no frobd user:\n%s", bodies["/etc/passwd"])
	}
	if h := hdrs["/var/lib/frobd"]; h == nil || h.Uid != 100 || h.Mode&0o777 != 0o755 {
		t.Errorf("/var/lib/frobd = %+v", h)
	}
	if !strings.Contains(bodies[llbgenEffectsWarnings], "frobnicate --now") {
		t.Errorf("the image does not record the warning: %q", bodies[llbgenEffectsWarnings])
	}
	out, _ = buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--call=check", ".")
	if !strings.Contains(out, "ScriptEffectNotReproduced") || !strings.Contains(out, "frobnicate --now") {
		t.Errorf("--call=check does not list the warning:\n%s", out)
	}
}

// llbgenEffectsWarnings is llbgen.EffectsWarningsFile.
const llbgenEffectsWarnings = "/var/lib/distrofile/effects-warnings.json"
