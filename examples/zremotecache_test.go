package examples

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// This file's name puts its test last in the package (go test runs a
// package's files in name order): it empties the builder's cache, which
// would only make the tests after it slower.

// TestE2ERemoteCache is the CI way to build: --cache-to a registry, a
// builder that has lost its cache (docker buildx prune -af), and a rebuild
// with --cache-from. The packages come from a signed archive on loopback
// that counts the requests: the rebuild must download no .deb and no
// Packages index, and run no extraction, every step coming from the
// registry.
func TestE2ERemoteCache(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	var pkgs []repoPackage
	for _, name := range []string{"hello", "world"} {
		pkgs = append(pkgs, stampedPackage(name, "all", stamp, nil))
	}
	a := signedRepo(t, now, key, pkgs...)
	var mu sync.Mutex
	debs, indexes := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		switch {
		case strings.HasSuffix(r.URL.Path, ".deb"):
			debs++
		case strings.Contains(r.URL.Path, "/Packages"), strings.Contains(r.URL.Path, "/by-hash/"):
			indexes++
		}
		mu.Unlock()
		a.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	// downloads returns the .debs and the Packages indexes requested since
	// it was last called.
	downloads := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		d, i := debs, indexes
		debs, indexes = 0, 0
		return d, i
	}
	dir := withRepo(t, e, srv.URL, key, "INSTALL hello world\n")

	ref := fmt.Sprintf("%s/distrofile-cache-test:%s", e.registry, stamp)
	args := []string{"-f", "Distrofile", "--platform", "linux/amd64", "-o", "type=cacheonly"}
	out, err := buildx(t, dir, append(args, "--cache-to", "type=registry,mode=max,ref="+ref, ".")...)
	if err != nil {
		t.Fatalf("build with --cache-to: %v\n%s", err, out)
	}
	if d, i := downloads(); d < 2 || i < 1 {
		t.Fatalf("the first build downloaded %d .debs and %d indexes, want 2 and 1:\n%s", d, i, out)
	}
	if prune, err := exec.Command("docker", "buildx", "prune", "-af").CombinedOutput(); err != nil {
		t.Fatalf("docker buildx prune -af: %v\n%s", err, prune)
	}
	out, err = buildx(t, dir, append(args, "--cache-from", "type=registry,ref="+ref, ".")...)
	if err != nil {
		t.Fatalf("rebuild with --cache-from: %v\n%s", err, out)
	}
	// Unlocked, the frontend reads InRelease again; the resolve step, and
	// so the index it read, come from the cache (llbgen.Plan.Resolved).
	if d, i := downloads(); d != 0 || i != 0 {
		t.Errorf("the rebuild downloaded %d .debs and %d Packages indexes", d, i)
	}
	steps := extractVertex.FindAllStringSubmatch(out, -1)
	if len(steps) == 0 {
		t.Errorf("no extraction step in the rebuild")
	}
	// A step is CACHED, or CANCELED when BuildKit found what depends on it
	// in the cache first (it could not have run without its .debs), or
	// only loaded: none may have run (stepRan).
	for _, m := range steps {
		if stepRan(out, m[1]) {
			t.Errorf("the rebuild ran %q", m[0])
		}
	}
	if t.Failed() {
		t.Logf("the rebuild:\n%s", out)
	}
}
