package examples

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
)

// TestE2EMissingDeb: a .deb the lock pins that the mirror no longer has
// (404) fails the build with an error naming the package, the URL, the
// HTTP status, the lock's date and what to do, on the INSTALL line; a
// .deb whose content changed is still a digest mismatch, with the package
// and the URL.
func TestE2EMissingDeb(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	r := &updateRepo{a: archivetest.New(), key: key, now: now}
	r.set(t, map[string][]repoDeb{"stable": {
		{name: "app", version: "1", fields: []string{"Depends: libgone"}, entries: []debtest.Entry{debtest.File("./usr/bin/app", 0o755, stamp)}},
		{name: "libgone", version: "1.0-1", entries: []debtest.Entry{debtest.File("./usr/lib/libgone.so.1", 0o644, stamp)}},
	}})
	var mode atomic.Int32 // 0: serve, 1: 404 for libgone, 2: other bytes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/libgone_") {
			switch mode.Load() {
			case 1:
				http.NotFound(w, req)
				return
			case 2:
				w.Write([]byte("not the package"))
				return
			}
		}
		r.a.Handler().ServeHTTP(w, req)
	}))
	defer srv.Close()
	src := "FROM scratch AS app\nSOURCE " + srv.URL + "/repo stable main --keyring=keys/archive.asc\n" +
		"SOURCE " + srv.URL + "/repo stable-security main --keyring=keys/archive.asc\nINSTALL app\n"
	dir := withSyntax(t, e, src)
	withKeyring(t, dir, key)
	lock, _ := lockWithTarget(t, dir, ".", "-f", "Distrofile")
	date := lock.Stage("app").Sources[0].Date

	mode.Store(1)
	out, err := buildx(t, dir, "-f", "Distrofile", "--output=type=cacheonly", ".")
	want := "package libgone 1.0-1: " + srv.URL + "/repo/pool/main/l/libgone/libgone_1.0-1_amd64.deb answers HTTP 404: the mirror no longer has the version Distrofile.lock pins (its sources date from " + date + ";"
	if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "distrofile lock --update libgone") || !strings.Contains(out, "Distrofile:5") {
		t.Fatalf("a 404: %v\n%s", err, out)
	}
	mode.Store(2)
	out, err = buildx(t, dir, "-f", "Distrofile", "--output=type=cacheonly", ".")
	if err == nil || !strings.Contains(out, "package libgone 1.0-1: "+srv.URL) || !strings.Contains(out, "changed or tampered with") || !strings.Contains(out, "digest mismatch") {
		t.Fatalf("changed content: %v\n%s", err, out)
	}
}

// TestE2EMissingDebReal: a lock that pins the trixie release's tzdata
// (2025b-4), which Debian's mirrors no longer have, fails with the clear
// error, not a digest mismatch of an empty page.
func TestE2EMissingDebReal(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie AS app\nINSTALL tzdata\n")
	_, data := lockWithTarget(t, dir, ".", "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror)
	sum := make([]byte, 32)
	rand.Read(sum) // never in a cache: the build must fetch it
	re := regexp.MustCompile(`\{"name":"tzdata","version":"[^"]+","arch":"all","suite":"[^"]+","source":\d+,"path":"[^"]+","sha256":"[0-9a-f]{64}"`)
	old := re.Find(data)
	if old == nil {
		t.Fatalf("no tzdata in the lock:\n%s", data)
	}
	aged := `{"name":"tzdata","version":"2025b-4","arch":"all","suite":"trixie","source":0,"path":"pool/main/t/tzdata/tzdata_2025b-4_all.deb","sha256":"` + hex.EncodeToString(sum) + `"`
	if err := os.WriteFile(filepath.Join(dir, "Distrofile.lock"), []byte(strings.Replace(string(data), string(old), aged, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--output=type=cacheonly", ".")
	if err == nil || !strings.Contains(out, "package tzdata 2025b-4: "+e.mirror+"/pool/main/t/tzdata/tzdata_2025b-4_all.deb answers HTTP 404") ||
		!strings.Contains(out, ">>> INSTALL tzdata") {
		t.Fatalf("the release's tzdata: %v\n%s", err, out)
	}
}
