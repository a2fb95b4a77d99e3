package examples

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// manifestDigest is the registry's digest of a pushed tag.
func manifestDigest(t *testing.T, registry, repo, tag string) string {
	t.Helper()
	req, _ := http.NewRequest("HEAD", fmt.Sprintf("http://%s/v2/%s/manifests/%s", registry, repo, tag), nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HEAD %s:%s: %s", repo, tag, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// TestE2EReproducible builds the same Distrofile twice, the second time
// with every extraction and generated file re-run (--no-cache): the image
// digests must be equal. With SOURCE_DATE_EPOCH they must be equal again,
// and differ from the default epoch's.
func TestE2EReproducible(t *testing.T) {
	e := e2eEnv(t)
	src, err := os.ReadFile(filepath.Join("python3", "Distrofile"))
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	build := func(tag string, args ...string) string {
		t.Helper()
		cmd := append([]string{"-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR=" + e.mirror, "--provenance=false", "--push",
			"-t", e.registry + "/examples/repro:" + tag}, args...)
		out, err := buildx(t, dir, append(cmd, ".")...)
		if err != nil {
			t.Fatalf("build %s: %v\n%s", tag, err, out)
		}
		return manifestDigest(t, e.registry, "examples/repro", tag)
	}
	a := build("a")
	b := build("b", "--no-cache")
	if a != b {
		t.Errorf("rebuilding with --no-cache changed the image: %s != %s", a, b)
	}
	c := build("c", "--build-arg", "SOURCE_DATE_EPOCH=1700000000")
	d := build("d", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "--no-cache")
	if c != d {
		t.Errorf("with SOURCE_DATE_EPOCH, rebuilding changed the image: %s != %s", c, d)
	}
	if c == a {
		t.Errorf("SOURCE_DATE_EPOCH did not change the image")
	}
	t.Logf("digests: default %s, SOURCE_DATE_EPOCH %s", a, c)
}
