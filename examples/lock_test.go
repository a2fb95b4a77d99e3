package examples

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
)

// TestE2ELockfile writes Distrofile.lock with buildx alone (--target=
// distrofile.lock -o), checks that the CLI writes the same pins, rebuilds
// with the lock (no InRelease, no index fetched), and shows that a stale
// lock stops the build with what changed unless DISTROFILE_LOCK=update.
func TestE2ELockfile(t *testing.T) {
	e := e2eEnv(t)
	ctx := withSyntax(t, e, "FROM debian:trixie AS runtime\nINSTALL tzdata netbase\nFROM runtime AS app\nINSTALL ca-certificates\n")
	// The Distrofile lives in a subdirectory of the context (-f sub/Distrofile):
	// the lock is read from and written beside it.
	sub := filepath.Join(ctx, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(ctx, "Distrofile"), filepath.Join(sub, "Distrofile")); err != nil {
		t.Fatal(err)
	}
	mirror := "DISTROFILE_MIRROR=" + e.mirror
	l, data := lockWithTarget(t, ctx, "sub", "-f", "sub/Distrofile", "--build-arg", mirror)
	app := l.Stage("app")
	if len(l.Stages) != 2 || app == nil || app.Arch("amd64") == nil {
		t.Fatalf("lock:\n%s", data)
	}
	names := map[string]bool{}
	for _, p := range app.Arch("amd64").Packages {
		names[p.Name] = true
		if len(p.SHA256) != 64 || p.Size <= 0 || !strings.HasPrefix(p.Path, "pool/") {
			t.Errorf("bad pin %+v", p)
		}
	}
	for _, n := range []string{"tzdata", "netbase", "ca-certificates", "openssl"} {
		if !names[n] {
			t.Errorf("app closure lacks %s:\n%s", n, data)
		}
	}

	// The CLI pins the same packages (sources' dates may differ only if
	// the mirror was updated in between).
	cli := exec.Command("go", "run", "../cmd/distrofile", "lock", "-f", filepath.Join(sub, "Distrofile"), "--arch", "amd64", "-o", "-")
	cli.Env = append(os.Environ(), mirror)
	cliOut, err := cli.Output()
	if err != nil {
		t.Fatalf("distrofile lock: %v", err)
	}
	cl, err := debresolve.ParseLock(cliOut)
	if err != nil {
		t.Fatal(err)
	}
	if string(cliOut) != string(data) {
		for i, s := range cl.Stages {
			if fmt.Sprint(s.Archs[0].Packages) != fmt.Sprint(l.Stages[i].Archs[0].Packages) {
				t.Fatalf("the CLI's lock differs from buildx's:\n%s\n%s", cliOut, data)
			}
		}
	}

	// A build with the matching lock fetches no InRelease and no index.
	out, err := buildx(t, ctx, "-f", "sub/Distrofile", "--build-arg", mirror, "-o", "type=cacheonly", ".")
	if err != nil {
		t.Fatalf("locked build: %v\n%s", err, out)
	}
	if strings.Contains(out, "fetch InRelease") || strings.Contains(out, "fetch Packages") {
		t.Fatalf("a locked build fetched archive metadata:\n%s", out)
	}
	if !strings.Contains(out, "[distrofile] load "+debresolve.LockFileName) {
		t.Fatalf("the build did not read the lock:\n%s", out)
	}

	// A stale lock stops the build and says what changed.
	df := filepath.Join(sub, "Distrofile")
	src, _ := os.ReadFile(df)
	if err := os.WriteFile(df, []byte(strings.Replace(string(src), "INSTALL ca-certificates", "INSTALL ca-certificates libcap2-bin", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = buildx(t, ctx, "-f", "sub/Distrofile", "--build-arg", mirror, "-o", "type=cacheonly", ".")
	if err == nil || !strings.Contains(out, `Distrofile.lock is stale for stage "app": INSTALL: added libcap2-bin`) {
		t.Fatalf("stale lock: err %v\n%s", err, out)
	}
	// ... unless asked to re-resolve.
	out, err = buildx(t, ctx, "-f", "sub/Distrofile", "--build-arg", mirror, "--build-arg", "DISTROFILE_LOCK=update", "-o", "type=cacheonly", ".")
	if err != nil || !strings.Contains(out, "fetch InRelease") {
		t.Fatalf("DISTROFILE_LOCK=update: err %v\n%s", err, out)
	}
}

// testArchiveKey returns the time now, a signing key for a loopback archive
// and a stamp to put in its packages: unique content per call, so that
// BuildKit's cache never has it (two tests within one second used to get
// the same stamp, and the second found the first's .deb cached).
func testArchiveKey(t *testing.T) (time.Time, *openpgp.Entity, string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	key, err := archivetest.NewKey("distrofile e2e archive", now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return now, key, rand.Text()
}

// lockWithTarget writes Distrofile.lock through the frontend's lock target
// (docker buildx build ARGS --target=distrofile.lock -o OUT . in dir) and
// returns it, parsed and as written.
func lockWithTarget(t *testing.T, dir, out string, args ...string) (*debresolve.Lock, []byte) {
	t.Helper()
	if o, err := buildx(t, dir, append(args, "--target=distrofile.lock", "-o", out, ".")...); err != nil {
		t.Fatalf("writing the lock: %v\n%s", err, o)
	}
	data, err := os.ReadFile(filepath.Join(dir, out, debresolve.LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	l, err := debresolve.ParseLock(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return l, data
}

// withKeyring writes key's armored public key to keys/archive.asc in the
// build context dir, for SOURCE --keyring=keys/archive.asc.
func withKeyring(t *testing.T, dir string, key *openpgp.Entity) {
	t.Helper()
	pub, err := archivetest.ArmoredPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys/archive.asc"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestE2ESourceAndTamperedDeb builds FROM scratch with a SOURCE on a signed
// archive served on loopback (keyring from the build context): a good
// package installs, and a .deb whose bytes do not match the sha256 of the
// index stops the build naming the package.
func TestE2ESourceAndTamperedDeb(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	deb := func(name string) []byte {
		return debtest.Deb{Control: debtest.Control(name, "1.0-1", "all"), Entries: debtest.WithParents([]debtest.Entry{
			debtest.File("./usr/share/"+name+"/stamp", 0o644, stamp+"\n"),
		})}.MustBytes()
	}
	good, evil := deb("hello"), deb("evil")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	tampered := append([]byte(nil), evil...)
	tampered[len(tampered)-1] ^= 0xff
	a := archivetest.New()
	if err := a.AddSuite(archivetest.Suite{Root: "repo", Dist: "stable", Suite: "stable", Date: now.Add(-time.Hour), Key: key,
		Packages: map[string]string{"main/amd64": strings.Join([]string{
			archivetest.Stanza("hello", "1.0-1", "Architecture: all", "Filename: pool/main/h/hello/hello_1.0-1_all.deb",
				fmt.Sprintf("Size: %d", len(good)), "SHA256: "+sum(good)),
			archivetest.Stanza("evil", "1.0-1", "Architecture: all", "Filename: pool/main/e/evil/evil_1.0-1_all.deb",
				fmt.Sprintf("Size: %d", len(evil)), "SHA256: "+sum(evil)),
		}, "\n")}}); err != nil {
		t.Fatal(err)
	}
	a.Set("repo/pool/main/h/hello/hello_1.0-1_all.deb", good)
	a.Set("repo/pool/main/e/evil/evil_1.0-1_all.deb", tampered)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		name, pkg, flag, want string
		ok                    bool
	}{
		{"good", "hello", "--keyring=keys/archive.asc", "", true},
		{"insecure", "hello", "--insecure", "is --insecure: its InRelease signature is NOT checked", true},
		{"tampered", "evil", "--keyring=keys/archive.asc", "evil 1.0-1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := withSyntax(t, e, fmt.Sprintf("FROM scratch\nSOURCE %s/repo stable main %s\nINSTALL %s\n", srv.URL, tc.flag, tc.pkg))
			withKeyring(t, dir, key)
			out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "-o", "type=cacheonly", ".")
			if tc.ok {
				if err != nil || !strings.Contains(out, tc.want) {
					t.Fatalf("%v (want %q in the output)\n%s", err, tc.want, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("a .deb that does not match its sha256 was accepted:\n%s", out)
			}
			if !strings.Contains(out, "digest mismatch") && !strings.Contains(out, "checksum") || !strings.Contains(out, tc.want) || !strings.Contains(out, "/pool/main/e/evil/evil_1.0-1_all.deb") {
				t.Fatalf("the error does not say which package failed its checksum:\n%s", out)
			}
			t.Logf("tampered .deb output:\n%s", lastLines(out, 12))
		})
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// TestE2ELockMultiArch locks two platforms in one file and builds both from
// it: one closure per architecture, Architecture: all packages fetched once.
func TestE2ELockMultiArch(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL tzdata libc6\n")
	mirror := "DISTROFILE_MIRROR=" + e.mirror
	plat := "--platform=linux/amd64,linux/arm64"
	l, data := lockWithTarget(t, dir, ".", "-f", "Distrofile", plat, "--build-arg", mirror)
	s := l.Stage("0")
	if s == nil || s.Arch("amd64") == nil || s.Arch("arm64") == nil {
		t.Fatalf("lock:\n%s", data)
	}
	for _, a := range s.Archs {
		for _, p := range a.Packages {
			if p.Arch != a.Arch && p.Arch != "all" {
				t.Errorf("%s closure has %s:%s", a.Arch, p.Name, p.Arch)
			}
		}
	}
	out, err := buildx(t, dir, "-f", "Distrofile", plat, "--build-arg", mirror, "-o", "type=cacheonly", ".")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, "fetch InRelease") {
		t.Fatalf("a locked build fetched InRelease:\n%s", out)
	}
	// Vertices are named "fetch <name> <version>": libc6 once per
	// architecture, the arch:all tzdata once for both.
	vertices := func(name string) int {
		ids := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 3 && strings.HasPrefix(f[0], "#") && f[1] == "fetch" && f[2] == name {
				ids[f[0]] = true
			}
		}
		return len(ids)
	}
	if libc, tz := vertices("libc6"), vertices("tzdata"); libc != 2 || tz != 1 {
		t.Fatalf("fetch vertices: libc6 %d (want 2), tzdata %d (want 1):\n%s", libc, tz, out)
	}
}

// TestE2ESnapshotLayout builds FROM debian:trixie@<stamp> against a loopback
// snapshot service: every default source is read from
// <root>/debian{,-security}/<stamp>/, and an InRelease that Debian's keys did
// not sign is refused, naming its URL.
func TestE2ESnapshotLayout(t *testing.T) {
	e := e2eEnv(t)
	const stamp = "20250520T000000Z"
	date := time.Date(2025, 5, 19, 20, 0, 0, 0, time.UTC)
	key, err := archivetest.NewKey("not debian", date.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a := archivetest.New()
	for _, s := range []archivetest.Suite{
		{Root: "archive/debian/" + stamp, Dist: "trixie", Suite: "testing", Date: date, Key: key, Packages: map[string]string{"main/amd64": archivetest.Stanza("hello", "1")}},
		{Root: "archive/debian/" + stamp, Dist: "trixie-updates", Suite: "testing-updates", Date: date, Key: key, Packages: map[string]string{"main/amd64": ""}},
		{Root: "archive/debian-security/" + stamp, Dist: "trixie-security", Suite: "testing-security", Date: date, Key: key, Packages: map[string]string{"main/amd64": ""}},
	} {
		if err := a.AddSuite(s); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	dir := withSyntax(t, e, "FROM debian:trixie@"+stamp+"\nINSTALL hello\n")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--build-arg", "DISTROFILE_SNAPSHOT_MIRROR="+srv.URL+"/archive", "-o", "type=cacheonly", ".")
	want := "InRelease " + srv.URL + "/archive/debian/" + stamp + "/dists/trixie/InRelease: signature check failed"
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("err %v; want %q in:\n%s", err, want, out)
	}
	srv.Close() // waits for the handlers: a.Requests is final
	for _, p := range []string{"archive/debian/" + stamp + "/dists/trixie-updates/InRelease", "archive/debian-security/" + stamp + "/dists/trixie-security/InRelease"} {
		if a.Requests[p] == 0 {
			t.Errorf("%s was not fetched", p)
		}
	}
}
