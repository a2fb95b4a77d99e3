package examples

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

// TestE2EDirectories: directories as a Dockerfile's image has them. In
// examples/python3 (USER nonroot, WORKDIR /home/nonroot) the home stays
// 65532:65532 0750 and Python writes a file named héllo there as nonroot;
// WORKDIR /tmp keeps 1777, and a new WORKDIR after USER app is app's.
func TestE2EDirectories(t *testing.T) {
	e := e2eEnv(t)
	build := func(name, src string) string {
		t.Helper()
		dir := withSyntax(t, e, src)
		image := e.registry + "/examples/dirs-" + name + ":e2e"
		out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
			"--provenance=false", "--push", "-t", image, ".")
		if err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		return image
	}
	src, err := os.ReadFile("python3/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	python := build("python3", string(src))
	const home = `import os; open("héllo", "w").write("x"); s = os.stat("."); print("home", os.getcwd(), s.st_uid, s.st_gid, oct(s.st_mode & 0o7777), os.path.exists("héllo"))`
	if out, err := runIn(t, python, "/usr/bin/python3", "-c", home); err != nil || !strings.Contains(out, "home /home/nonroot 65532 65532 0o750 True") {
		t.Errorf("nonroot's home in examples/python3: %v\n%s", err, out)
	}

	app := build("app", "FROM debian:trixie\nINSTALL python3\nUSERADD --uid=1000 app\nUSER app\nWORKDIR /app\nWORKDIR /tmp\nENTRYPOINT [\"/usr/bin/python3\"]\n")
	const dirs = `import os; a = os.stat("/app"); t = os.stat("/tmp"); print("dirs", a.st_uid, a.st_gid, oct(a.st_mode & 0o7777), oct(t.st_mode & 0o7777), os.getcwd()); open("/app/f", "w")`
	if out, err := runIn(t, app, "/usr/bin/python3", "-c", dirs); err != nil || !strings.Contains(out, "dirs 1000 1000 0o755 0o1777 /tmp") {
		t.Errorf("WORKDIR /app as app, then WORKDIR /tmp: %v\n%s", err, out)
	}
}

// TestE2EPackageDirKept: WORKDIR and MKDIR on a directory a package ships
// (here 2770, a loopback archive's package) leave it as the package has
// it; a new directory under it is made as asked.
func TestE2EPackageDirKept(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	vault := stampedPackage("vault", "amd64", stamp, nil, debtest.Dir("./srv/vault", 0o2770), debtest.File("./srv/vault/README", 0o644, "x"))
	a := signedRepo(t, now, key, vault)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	dir := withRepo(t, e, srv.URL, key, "INSTALL vault\nMKDIR --mode=0700 /srv/vault\nWORKDIR /srv/vault\nMKDIR --owner=nonroot /srv/vault/data\n")
	tarFile := filepath.Join(t.TempDir(), "image.tar")
	if out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--output", "type=tar,dest="+tarFile, "."); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	hdrs, _ := tarEntries(t, tarFile)
	if h := hdrs["/srv/vault"]; h == nil || h.Mode&0o7777 != 0o2770 || h.Uid != 0 {
		t.Errorf("/srv/vault = %s, want the package's 0:0 2770", describe(h))
	}
	if h := hdrs["/srv/vault/data"]; h == nil || h.Uid != 65532 || h.Mode&0o7777 != 0o755 {
		t.Errorf("/srv/vault/data = %s, want 65532:65532 0755", describe(h))
	}
}
