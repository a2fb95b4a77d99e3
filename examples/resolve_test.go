package examples

import (
	"regexp"
	"strings"
	"testing"
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
	if !strings.Contains(out, "\n"+m[1]+" CACHED\n") {
		t.Errorf("the resolve step (%s) ran again:\n%s", m[1], out)
	}
	if strings.Contains(out, "[distrofile] fetch Packages") {
		t.Errorf("the rebuild read a Packages index in the frontend:\n%s", out)
	}
}
