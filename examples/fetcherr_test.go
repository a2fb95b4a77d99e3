package examples

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
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
	dir := withUpdateRepo(t, e, srv.URL, key)
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

// TestE2ESnapshotFallback: a locked .deb of Debian's archive that the
// mirror no longer has is fetched from the snapshot archive at the date
// the lock records for its source (MIRROR --snapshot), verified by the
// same sha256, with a warning; the image has the package.
func TestE2ESnapshotFallback(t *testing.T) {
	e := e2eEnv(t)
	_, _, stamp := testArchiveKey(t)
	deb := debtest.Deb{Control: debtest.Control("libgone", "1.0-1", "amd64"),
		Entries: debtest.WithParents([]debtest.Entry{debtest.File("./usr/lib/libgone/stamp", 0o644, stamp)})}
	data := deb.MustBytes()
	sum := sha256.Sum256(data)
	const date, stampDir = "2026-09-12T07:55:41Z", "20260912T075541Z"
	path := "pool/main/l/libgone/libgone_1.0-1_amd64.deb"
	mirror := httptest.NewServer(http.NotFoundHandler())
	defer mirror.Close()
	var snapshotHits atomic.Int32
	snapshot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/archive/debian/"+stampDir+"/"+path {
			http.NotFound(w, r)
			return
		}
		snapshotHits.Add(1)
		w.Write(data)
	}))
	defer snapshot.Close()

	dir := withSyntax(t, e, "FROM debian:trixie\nMIRROR --snapshot="+snapshot.URL+"/archive "+mirror.URL+"/debian\nINSTALL libgone\n")
	in := debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: []string{"libgone"}}
	src := func(root, suite string) debresolve.LockSource {
		return debresolve.LockSource{URL: mirror.URL + "/" + root, Suite: suite, Components: []string{"main"}, Date: date, InReleaseSHA256: strings.Repeat("0", 64)}
	}
	lock := &debresolve.Lock{Stages: []*debresolve.LockStage{{Stage: "0", Inputs: in, InputsSHA256: in.Digest(),
		Sources: []debresolve.LockSource{src("debian", "trixie"), src("debian", "trixie-updates"), src("debian-security", "trixie-security")},
		Archs: []*debresolve.LockArch{{Arch: "amd64", Roots: []string{"libgone"}, Packages: []debresolve.LockPackage{
			{Name: "libgone", Version: "1.0-1", Arch: "amd64", Suite: "trixie", Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Depends: []string{}}}}}}}}
	lock.Finish()
	if err := os.WriteFile(filepath.Join(dir, "Distrofile.lock"), lock.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	tarFile := filepath.Join(t.TempDir(), "image.tar")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--output", "type=tar,dest="+tarFile, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if snapshotHits.Load() == 0 || !strings.Contains(out, "answers HTTP 404: fetching it from the snapshot archive as of "+date) {
		t.Errorf("no fallback to the snapshot (%d requests):\n%s", snapshotHits.Load(), out)
	}
	_, bodies := tarEntries(t, tarFile)
	if bodies["/usr/lib/libgone/stamp"] != stamp {
		t.Errorf("the package's file: %q", bodies["/usr/lib/libgone/stamp"])
	}

	// Without the snapshot mirror: the clear error.
	if err := os.WriteFile(filepath.Join(dir, "Distrofile"), []byte("# syntax="+e.frontend+"\nFROM debian:trixie\nMIRROR "+mirror.URL+"/debian\nINSTALL libgone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deb2 := debtest.Deb{Control: debtest.Control("libgone", "1.0-1", "amd64"),
		Entries: debtest.WithParents([]debtest.Entry{debtest.File("./usr/lib/libgone/stamp", 0o644, stamp+"2")})}
	sum2 := sha256.Sum256(deb2.MustBytes()) // never fetched: not in any cache
	lock.Stages[0].Archs[0].Packages[0].SHA256 = hex.EncodeToString(sum2[:])
	if err := os.WriteFile(filepath.Join(dir, "Distrofile.lock"), lock.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--output=type=cacheonly", ".")
	if err == nil || !strings.Contains(out, "answers HTTP 404: the mirror no longer has the version Distrofile.lock pins (its sources date from "+date) ||
		!strings.Contains(out, "configure a snapshot mirror (MIRROR --snapshot=<url> or --build-arg DISTROFILE_SNAPSHOT_MIRROR)") || !strings.Contains(out, "Distrofile:4") {
		t.Errorf("without a snapshot mirror: %v\n%s", err, out)
	}
}

// TestE2EExtractionRefused: a package whose data.tar leaves the root is
// refused, and buildx's final error line says so, naming the package and
// the entry, on the INSTALL line that pulled it in.
func TestE2EExtractionRefused(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	r := &updateRepo{a: archivetest.New(), key: key, now: now}
	r.set(t, map[string][]repoDeb{"stable": {
		{name: "app", version: "1", fields: []string{"Depends: evil"}, entries: []debtest.Entry{debtest.File("./usr/bin/app", 0o755, stamp)}},
		{name: "evil", version: "6.6-6", entries: []debtest.Entry{debtest.File("./usr/lib/evil/ok", 0o644, stamp), debtest.File("./usr/../../escape", 0o644, "x")}},
	}})
	srv := httptest.NewServer(r.a.Handler())
	defer srv.Close()
	dir := withUpdateRepo(t, e, srv.URL, key)
	out, err := buildx(t, dir, "-f", "Distrofile", "--output=type=cacheonly", ".")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if err == nil || !strings.Contains(last, "extraction refused: package evil 6.6-6") || !strings.Contains(last, "escape") || !strings.Contains(out, ">>> INSTALL app") {
		t.Fatalf("a hostile package: %v\nlast line: %s\n%s", err, last, out)
	}
	t.Logf("buildx's last line: %s", last)
}

// TestE2EPackageConflicts: two packages that ship the same path get
// dpkg's rules whatever the layering (package owners): without Replaces
// the build fails naming both packages and the path, on the INSTALL line,
// with a layer per package and with both in one layer
// (DISTROFILE_MAX_LAYERS=1); with Replaces the replacing package's file is
// the image's either way, also when its layer is below the other's.
func TestE2EPackageConflicts(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	for _, tt := range []struct {
		name     string
		replaces string // tool-a's Replaces
		want     string // usr/bin/tool's content, or
		wantErr  string // buildx's last line
	}{
		{name: "no Replaces", wantErr: "are the same path /usr/bin/tool, and neither package Replaces the other"},
		{name: "tool-a Replaces tool-b", replaces: "Replaces: tool-b", want: "a" + stamp},
	} {
		r := &updateRepo{a: archivetest.New(), key: key, now: now}
		fields := []string{}
		if tt.replaces != "" {
			fields = append(fields, tt.replaces)
		}
		r.set(t, map[string][]repoDeb{"stable": {
			{name: "app", version: "1", fields: []string{"Depends: tool-a, tool-b"}, entries: []debtest.Entry{debtest.File("./usr/bin/app", 0o755, stamp)}},
			{name: "tool-a", version: "1", fields: fields, entries: []debtest.Entry{debtest.File("./usr/bin/tool", 0o755, "a"+stamp)}},
			{name: "tool-b", version: "2", entries: []debtest.Entry{debtest.File("./usr/bin/tool", 0o755, "b"+stamp)}},
		}})
		srv := httptest.NewServer(r.a.Handler())
		dir := withUpdateRepo(t, e, srv.URL, key)
		for _, layers := range []string{"", "1"} {
			args := []string{"-f", "Distrofile"}
			if layers != "" {
				args = append(args, "--build-arg", "DISTROFILE_MAX_LAYERS="+layers)
			}
			out := t.TempDir()
			log, err := buildx(t, dir, append(args, "--output=type=local,dest="+out, ".")...)
			lines := strings.Split(strings.TrimSpace(log), "\n")
			last := lines[len(lines)-1]
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(last, tt.wantErr) || !strings.Contains(last, "package tool-a 1") || !strings.Contains(last, "package tool-b 2") || !strings.Contains(log, ">>> INSTALL app") {
					t.Fatalf("%s, max layers %q: %v\nlast line: %s\n%s", tt.name, layers, err, last, log)
				}
				t.Logf("%s, max layers %q: buildx's last line: %s", tt.name, layers, last)
				continue
			}
			if err != nil {
				t.Fatalf("%s, max layers %q: %v\n%s", tt.name, layers, err, log)
			}
			if got, err := os.ReadFile(filepath.Join(out, "usr/bin/tool")); err != nil || string(got) != tt.want {
				t.Errorf("%s, max layers %q: usr/bin/tool is %q, %v; want %q", tt.name, layers, got, err, tt.want)
			}
		}
		srv.Close()
	}
}
