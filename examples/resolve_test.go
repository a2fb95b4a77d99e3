package examples

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
)

// resolveVertex matches the resolve step of an unlocked build in buildx's
// plain output: "#12 [distrofile] resolve stage 0 amd64: 2 roots (…)".
var resolveVertex = regexp.MustCompile(`(?m)^(#[0-9]+) \[distrofile\] resolve stage 0 [a-z0-9]+: 2 roots \(tzdata netbase\)$`)

// TestE2EUnlockedRebuildReadsNoIndex: without a lock, the resolution is a
// build step whose inputs are the Packages files pinned by sha256. A
// rebuild fetches the InRelease files (never cached, by design), finds that
// step CACHED, and neither fetches nor reads a Packages index in the
// frontend (its "[distrofile] fetch Packages …" vertices).
func TestE2EUnlockedRebuildReadsNoIndex(t *testing.T) {
	e := e2eEnv(t)
	ctx := withSyntax(t, e, "FROM debian:trixie\nINSTALL tzdata netbase\n")
	args := []string{"-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR=" + e.mirror, "-o", "type=cacheonly", "."}
	out, err := buildx(t, ctx, args...)
	if err != nil {
		t.Fatalf("first build: %v\n%s", err, out)
	}
	if !resolveVertex.MatchString(out) {
		t.Fatalf("no resolve step in the first build:\n%s", out)
	}
	out, err = buildx(t, ctx, args...)
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if !strings.Contains(out, "[distrofile] fetch InRelease trixie") {
		t.Errorf("the rebuild did not fetch InRelease (was it locked?):\n%s", out)
	}
	m := resolveVertex.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no resolve step in the rebuild:\n%s", out)
	}
	if stepRan(out, m[1]) {
		t.Errorf("the resolve step (%s) ran again:\n%s", m[1], out)
	}
	if strings.Contains(out, "[distrofile] fetch Packages") {
		t.Errorf("the rebuild read a Packages index in the frontend:\n%s", out)
	}
}

// TestE2EResolveStepFallsBack: an archive that announces by-hash indexes
// but lacks them makes the resolve step fail (its inputs are fetched by
// hash); the frontend then fetches the indexes itself, falling back to
// their canonical names as apt does, and the build succeeds. (Before the
// fallback fetch had a cache key of its own, BuildKit answered it with the
// failed by-hash fetch and such an archive could not be used.)
func TestE2EResolveStepFallsBack(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	deb := debtest.Deb{Control: debtest.Control("hello", "1.0-1", "all"), Entries: debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/hello/stamp", 0o644, stamp+"\n"),
	})}.MustBytes()
	sum := sha256.Sum256(deb)
	a := archivetest.New()
	if err := a.AddSuite(archivetest.Suite{Root: "repo", Dist: "stable", Suite: "stable", Date: now.Add(-time.Hour), Key: key,
		Packages: map[string]string{"main/amd64": archivetest.Stanza("hello", "1.0-1", "Architecture: all",
			"Filename: pool/main/h/hello/hello_1.0-1_all.deb", fmt.Sprintf("Size: %d", len(deb)), "SHA256: "+hex.EncodeToString(sum[:]))}}); err != nil {
		t.Fatal(err)
	}
	a.Set("repo/pool/main/h/hello/hello_1.0-1_all.deb", deb)
	removed := 0
	for p := range a.Files {
		if strings.Contains(p, "/by-hash/") {
			delete(a.Files, p)
			removed++
		}
	}
	if removed == 0 {
		t.Fatal("the archive has no by-hash files to remove")
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	dir := withRepo(t, e, srv.URL, key, "INSTALL hello\n")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "-o", "type=cacheonly", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The resolve step's input (by hash) failed, then the frontend's own
	// fetch by hash, then the one by the canonical name did it.
	if !strings.Contains(out, "[distrofile] index stable/main/binary-amd64/Packages.gz") || !strings.Contains(out, "[distrofile] fetch Packages stable/main/binary-amd64") {
		t.Fatalf("want the resolve step's input, then the frontend's own fetch of the index:\n%s", out)
	}
}
