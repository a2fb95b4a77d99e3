package examples

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildExample builds examples/<name> as a user would, pushes it and
// checks its structure (checkStructure); it returns the image reference,
// its layer count besides the C.utf8 locale, the generated files and the
// effects (the packages' layers, and the COPYs') and its size.
func buildExample(t *testing.T, e env, name string, args ...string) (string, int, int64) {
	t.Helper()
	return buildExampleWith(t, e, name, nil, args...)
}

// buildExampleWith is buildExample with prepare run on the build context
// (e.g. to build the example's program into it) before the build.
func buildExampleWith(t *testing.T, e env, name string, prepare func(dir string), args ...string) (string, int, int64) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(name, "Distrofile"))
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	// The rest of the example directory is its build context.
	entries, err := os.ReadDir(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Name() == "Distrofile" || !en.Type().IsRegular() {
			continue
		}
		dt, err := os.ReadFile(filepath.Join(name, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, en.Name()), dt, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if prepare != nil {
		prepare(dir)
	}
	image := e.registry + "/examples/" + name + ":e2e"
	cmd := append([]string{"-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR=" + e.mirror, "--provenance=false", "--push", "-t", image}, args...)
	out, err := buildx(t, dir, append(cmd, ".")...)
	if err != nil {
		t.Fatalf("build of examples/%s failed: %v\n%s", name, err, out)
	}
	// What every image must have (accounts, /tmp, os-release, no shell).
	locale := checkStructure(t, e.registry, "examples/"+name, "e2e")
	m, _ := pushed(t, e.registry, "examples/"+name, "e2e")
	var size, compressed int64
	for _, l := range m.Layers {
		compressed += l.Size
		size += layerSize(t, e.registry, "examples/"+name, l.Digest)
	}
	t.Logf("examples/%s: %d layers, %.1f MB (%.1f MB compressed)", name, len(m.Layers), float64(size)/1e6, float64(compressed)/1e6)
	n := len(m.Layers) - 2 // the generated files and the effects
	if locale {
		n-- // the C.utf8 locale's layer
	}
	return image, n, size
}

// layerSize is the uncompressed size of a pushed gzip layer.
func layerSize(t *testing.T, registry, repo, digest string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + registry + "/v2/" + repo + "/blobs/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("layer %s: %v", digest, err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatalf("layer %s: %v", digest, err)
	}
	return n
}

func TestE2EPerlModules(t *testing.T) {
	e := e2eEnv(t)
	image, _, size := buildExample(t, e, "perl")
	out, err := runIn(t, image, "/usr/bin/perl", "-MHTML::Parser", "-MClone", "-MTry::Tiny", "-MDevel::StackTrace", "-MCrypt::Bcrypt",
		"-e", `print qq(modules ok as $<\n)`)
	if err != nil || !strings.Contains(out, "modules ok as 1337") {
		t.Fatalf("perl modules: %v\n%s", err, out)
	}
	if size > 107e6 {
		t.Errorf("examples/perl is %d bytes (layer tars, uncompressed); the seed article's image is under 107 MB", size)
	}
}

func TestE2EPython3(t *testing.T) {
	e := e2eEnv(t)
	image, _, _ := buildExample(t, e, "python3")
	out, err := runIn(t, image, "/usr/bin/python3", "-c",
		"import ssl, sqlite3, json, socket, os; print('python ok', socket.getaddrinfo('localhost', 80)[0][4][0], sqlite3.sqlite_version, json.dumps(os.getuid()))")
	if err != nil || !strings.Contains(out, "python ok 127.0.0.1") || !strings.Contains(out, " 65532") {
		t.Fatalf("python3: %v\n%s", err, out)
	}
}

// TestE2ENginx checks `nginx -t`, then runs nginx in a build step and
// fetches its page from the test: the step ends when nginx has logged the
// request (examples/testdata/runwatch).
func TestE2ENginx(t *testing.T) {
	e := e2eEnv(t)
	image, _, _ := buildExample(t, e, "nginx")
	if out, err := runIn(t, image, "/usr/sbin/nginx", "-t"); err != nil || !strings.Contains(out, "test is successful") {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}

	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "runwatch"), "./testdata/runwatch")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build runwatch: %v\n%s", err, out)
	}
	df := "FROM " + image + "\nCOPY runwatch /runwatch\n" +
		`RUN ["/runwatch", "90s", "/var/log/nginx/access.log", "GET /index.html", "--", "/usr/sbin/nginx", "-g", "daemon off;"]` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := buildx(t, dir, "--no-cache", "--output=type=cacheonly", ".")
		done <- result{out, err}
	}()
	var body string
	for body == "" {
		select {
		case r := <-done:
			t.Fatalf("the nginx step ended before serving a page: %v\n%s", r.err, r.out)
		case <-ctx.Done():
			t.Fatal("nginx did not answer on 127.0.0.1:8080")
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get("http://127.0.0.1:8080/index.html")
		if err != nil {
			continue
		}
		dt, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET /index.html: %s\n%s", resp.Status, dt)
		}
		body = string(dt)
	}
	if !strings.Contains(body, "Hello from nginx in a distroless image.") {
		t.Errorf("page: %q", body)
	}
	r := <-done
	if r.err != nil {
		t.Errorf("the nginx step failed after serving: %v\n%s", r.err, r.out)
	}
}

// TestE2EBig builds examples/big (~150 packages, beyond the 64-layer
// budget) and runs several of its programs.
func TestE2EBig(t *testing.T) {
	e := e2eEnv(t)
	image, layers, size := buildExample(t, e, "big")
	if layers > 64 {
		t.Errorf("%d package layers, want at most 64", layers)
	}
	t.Logf("examples/big: %d package layers, %.0f MB", layers, float64(size)/1e6)
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/python3", "-c", "import numpy; print('numpy', numpy.dot(numpy.ones(3), numpy.ones(3)))"}, "numpy 3.0"},
		{[]string{"/usr/bin/ruby", "-e", "puts 'ruby ' + (6*7).to_s"}, "ruby 42"},
		{[]string{"/usr/bin/git", "--version"}, "git version"},
		{[]string{"/usr/bin/curl", "--version"}, "curl "},
		{[]string{"/usr/bin/jq", "-n", "1+1"}, "2"},
		{[]string{"/usr/bin/psql", "--version"}, "psql (PostgreSQL)"},
	} {
		out, err := runIn(t, image, c.argv...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v\n%s", c.argv, err, out)
		}
	}
}
