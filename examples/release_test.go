package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EFrontendReleaseKeepsCache: a new release of the frontend image
// (here the same binaries under a new image digest, as a rebuild of the
// release with an unchanged helper gives) must find every extraction and
// the resolve step cached: they are keyed on the helper's and the
// frontend binary's content, not on the image (pitfall P10). Were the
// steps' roots the frontend image itself, every package would be extracted
// again after each release.
func TestE2EFrontendReleaseKeepsCache(t *testing.T) {
	e := e2eEnv(t)
	// The release: the frontend image under a new digest (a label more).
	rel := t.TempDir()
	dockerfile := fmt.Sprintf("FROM %s\nLABEL org.distrofile.test.release=%q\n", e.frontend, time.Now().Format(time.RFC3339Nano))
	if err := os.WriteFile(filepath.Join(rel, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	release := e.registry + "/distrofile-release-test:" + strings.ReplaceAll(t.Name(), "/", "-")
	if out, err := buildx(t, rel, "--provenance=false", "--output", "type=image,name="+release+",push=true", "."); err != nil {
		t.Fatalf("building the release image: %v\n%s", err, out)
	}

	// Unlocked, so that the resolve step runs as well.
	const distrofile = "FROM debian:trixie\nINSTALL tzdata netbase\n"
	args := []string{"-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR=" + e.mirror, "-o", "type=cacheonly", "."}
	out, err := buildx(t, withSyntax(t, e, distrofile), args...)
	if err != nil {
		t.Fatalf("build with %s: %v\n%s", e.frontend, err, out)
	}
	newer := e
	newer.frontend = release
	out, err = buildx(t, withSyntax(t, newer, distrofile), args...)
	if err != nil {
		t.Fatalf("build with %s: %v\n%s", release, err, out)
	}
	if !strings.Contains(out, release) {
		t.Fatalf("the second build did not run the release image %s:\n%s", release, out)
	}
	steps := extractVertex.FindAllStringSubmatch(out, -1)
	if len(steps) == 0 {
		t.Fatalf("no extraction in the second build:\n%s", out)
	}
	if m := resolveVertex.FindStringSubmatch(out); m == nil {
		t.Errorf("no resolve step in the second build:\n%s", out)
	} else {
		steps = append(steps, []string{m[0], strings.TrimPrefix(m[1], "#"), "resolve"})
	}
	for _, m := range steps {
		if stepRan(out, m[1]) {
			t.Errorf("after the frontend release, %q ran again", m[0])
		}
	}
}
