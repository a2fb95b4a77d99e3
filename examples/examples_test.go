// Package examples holds the example Distrofiles and their end-to-end tests:
// each example is built the way a user builds it — `docker buildx build -f
// Distrofile .` with a `# syntax=` line naming the frontend image in a
// registry — against the real Debian archive, and then run.
//
// The tests need a buildx builder, a registry and the frontend image; `make
// test` (hack/test) starts them and sets DISTROFILE_E2E=1. Without that
// variable the tests skip, and with it any missing piece is a failure.
package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type env struct {
	frontend, registry, mirror string
}

func e2eEnv(t *testing.T) env {
	t.Helper()
	if os.Getenv("DISTROFILE_E2E") != "1" {
		t.Skip("end-to-end test: run `make test` (DISTROFILE_E2E=1 with a builder, a registry and the frontend image)")
	}
	e := env{
		frontend: os.Getenv("DISTROFILE_FRONTEND_IMAGE"),
		registry: os.Getenv("DISTROFILE_REGISTRY"),
		mirror:   os.Getenv("DISTROFILE_MIRROR"),
	}
	if e.frontend == "" || e.registry == "" || e.mirror == "" {
		t.Fatalf("DISTROFILE_E2E=1 needs DISTROFILE_FRONTEND_IMAGE, DISTROFILE_REGISTRY and DISTROFILE_MIRROR (got %+v)", e)
	}
	return e
}

// withSyntax copies an example directory (or a Distrofile text) into a
// temporary build context whose Distrofile's first line names the frontend
// image under test, as a user's would name a published one.
func withSyntax(t *testing.T, e env, distrofile string) string {
	t.Helper()
	dir := t.TempDir()
	lines := strings.SplitAfter(distrofile, "\n")
	if strings.HasPrefix(lines[0], "# syntax=") {
		lines = lines[1:]
	}
	dt := "# syntax=" + e.frontend + "\n" + strings.Join(lines, "")
	if err := os.WriteFile(filepath.Join(dir, "Distrofile"), []byte(dt), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildx runs `docker buildx build` in dir and returns its combined output.
// extraction is one package of an extraction vertex of a build.
type extraction struct{ name, version string }

// extractVertex is an extraction vertex in the plain progress output:
// "#42 extract libperl5.40 5.40.1-6, perl 5.40.1-6" (an ExecOp extracts the
// packages of one source, or a few small ones, each into its own layer).
var extractVertex = regexp.MustCompile(`(?m)^#(\d+) extract (.+)$`)

// extractions lists the packages of the build's extraction vertices, run or
// cached, each vertex once.
func extractions(out string) []extraction {
	var xs []extraction
	seen := map[string]bool{}
	for _, m := range extractVertex.FindAllStringSubmatch(out, -1) {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		for _, p := range strings.Split(m[2], ", ") {
			if name, version, ok := strings.Cut(p, " "); ok {
				xs = append(xs, extraction{name, version})
			}
		}
	}
	return xs
}

// stepState reports whether vertex n (its number, "12" or "#12") of plain
// progress output ended as state ("CACHED", "CANCELED").
func stepState(out, n, state string) bool {
	return strings.Contains(out, "\n#"+strings.TrimPrefix(n, "#")+" "+state+"\n")
}

// stepRan tells whether vertex n ran: it ended (DONE or ERROR) without
// being CACHED. A cached step whose outputs BuildKit loads may start
// without a status line of its own (two outputs of one extraction, the
// layer and its lists, loaded at once), so "not CACHED" alone does not
// mean it ran; a step that ran prints DONE.
func stepRan(out, n string) bool {
	n = strings.TrimPrefix(n, "#")
	return !stepState(out, n, "CACHED") && (strings.Contains(out, "\n#"+n+" DONE ") || strings.Contains(out, "\n#"+n+" ERROR"))
}

func buildx(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("docker", append([]string{"buildx", "build", "--progress=plain"}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("docker buildx build %s: %v in %s", strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond))
	return out.String(), err
}

// runIn builds `FROM image` + `RUN argv` and returns the build output: the
// way to run a program inside an image without a container engine.
func runIn(t *testing.T, image string, argv ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	js, _ := json.Marshal(argv)
	df := fmt.Sprintf("FROM %s\nRUN %s\n", image, js)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	return buildx(t, dir, "--no-cache", "--output=type=cacheonly", ".")
}

type manifest struct {
	MediaType string `json:"mediaType"`
	Config    struct {
		Digest string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
	} `json:"layers"`
}

type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User       string   `json:"User"`
		Entrypoint []string `json:"Entrypoint"`
		WorkingDir string   `json:"WorkingDir"`
		Env        []string `json:"Env"`
		// Healthcheck is the image's HEALTHCHECK: Test and the durations
		// in nanoseconds.
		Healthcheck *struct {
			Test     []string `json:"Test"`
			Interval int64    `json:"Interval"`
		} `json:"Healthcheck"`
	} `json:"config"`
	RootFS struct {
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

func registryGet(t *testing.T, url, accept string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dt, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, dt)
	}
	return dt
}

// pushed returns the manifest and config of a single-platform image.
func pushed(t *testing.T, registry, repo, tag string) (manifest, imageConfig) {
	t.Helper()
	var m manifest
	dt := registryGet(t, fmt.Sprintf("http://%s/v2/%s/manifests/%s", registry, repo, tag),
		"application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	if err := json.Unmarshal(dt, &m); err != nil {
		t.Fatal(err)
	}
	var c imageConfig
	if err := json.Unmarshal(registryGet(t, fmt.Sprintf("http://%s/v2/%s/blobs/%s", registry, repo, m.Config.Digest), "*/*"), &c); err != nil {
		t.Fatal(err)
	}
	return m, c
}

func TestE2EPerl(t *testing.T) {
	e := e2eEnv(t)
	src, err := os.ReadFile("perl/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	image := e.registry + "/examples/perl:e2e"
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"--provenance=false", "--push", "-t", image, ".")
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}

	// One layer per package plus the locale, generated files and effects.
	pkgs := map[string]bool{}
	for _, x := range extractions(out) {
		pkgs[x.name+" "+x.version] = true
	}
	for _, want := range []string{"perl ", "libhtml-parser-perl ", "libc6 ", "ca-certificates ", "tzdata ", "netbase "} {
		found := false
		for p := range pkgs {
			found = found || strings.HasPrefix(p, want)
		}
		if !found {
			t.Errorf("no extraction of %q in the build output", want)
		}
	}
	m, cfg := pushed(t, e.registry, "examples/perl", "e2e")
	if len(m.Layers) != len(pkgs)+3 {
		t.Errorf("%d layers for %d packages: want one per package plus the C.utf8 locale, the generated files and the effects", len(m.Layers), len(pkgs))
	}
	if cfg.OS != "linux" || cfg.Architecture != "amd64" || cfg.Config.User != "app" ||
		strings.Join(cfg.Config.Entrypoint, " ") != "/usr/bin/perl" || cfg.Config.WorkingDir != "/app" {
		t.Errorf("image config: %+v", cfg)
	}
	var size int64
	for _, l := range m.Layers {
		size += l.Size
	}
	t.Logf("%d packages, %d layers, %.1f MB compressed", len(pkgs), len(m.Layers), float64(size)/1e6)

	// The image runs: perl with HTML::Parser, as the non-root user.
	out, err = runIn(t, image, "/usr/bin/perl", "-MHTML::Parser", "-e", `print qq(ok uid=$<\n)`)
	if err != nil || !strings.Contains(out, "ok uid=1337") {
		t.Fatalf("perl -MHTML::Parser did not print ok as uid 1337: %v\n%s", err, out)
	}
	// No shell, no dpkg.
	for _, prog := range []string{"/bin/sh", "/usr/bin/dpkg", "/usr/bin/apt-get"} {
		out, err := runIn(t, image, prog, "--version")
		if err == nil || !strings.Contains(out, "no such file or directory") {
			t.Errorf("%s: want it missing from a distroless image, got %v:\n%s", prog, err, out)
		}
	}
}

func TestE2EErrorsNameTheLine(t *testing.T) {
	e := e2eEnv(t)
	for _, tc := range []struct {
		name, distrofile string
		want             []string
	}{
		{"unknown instruction", "FROM debian:trixie\n\nINSTAL perl\n",
			[]string{"Distrofile:4", "4 | >>> INSTAL perl", "unknown instruction INSTAL (did you mean INSTALL?)"}},
		{"unknown package", "FROM debian:trixie\nINSTALL netbase\nINSTALL perll\n",
			[]string{"Distrofile:4", "4 | >>> INSTALL perll", `unknown package "perll" (did you mean "perl"?)`}},
		{"shell form without a shell", "FROM debian:trixie\nINSTALL netbase\nRUN echo hi\n",
			[]string{"Distrofile:4", "4 | >>> RUN echo hi", "RUN in shell form runs /bin/sh -c, and this stage has no /bin/sh: INSTALL dash, or use the exec form"}},
		{"install after run", "FROM debian:trixie\nINSTALL dash\nRUN echo hi\nINSTALL perl\n",
			[]string{"Distrofile:5", "5 | >>> INSTALL perl", "INSTALL after RUN: a stage's archive, packages and accounts are in place before its first RUN (line 4)"}},
		{"image tag as a suite", "FROM debian:trixie-slim\n",
			[]string{"Distrofile:2", `"trixie-slim" is not a debian suite`, "FROM docker-image://debian:trixie-slim"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := withSyntax(t, e, tc.distrofile)
			out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, ".")
			if err == nil {
				t.Fatalf("build succeeded:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestE2ECheck(t *testing.T) {
	e := e2eEnv(t)
	good := withSyntax(t, e, "FROM debian:trixie AS app\nINSTALL netbase\n")
	if out, err := buildx(t, good, "-f", "Distrofile", "--call=check", "."); err != nil || strings.Contains(out, "fallback") {
		t.Errorf("--call=check of a good Distrofile: %v\n%s", err, out)
	}
	out, err := buildx(t, good, "-f", "Distrofile", "--call=targets", ".")
	if err != nil || !strings.Contains(out, "app") {
		t.Errorf("--call=targets: %v\n%s", err, out)
	}
	bad := withSyntax(t, e, "FROM debian:trixie\nMKDIR --owner=nobodyx /x\n")
	out, err = buildx(t, bad, "-f", "Distrofile", "--call=check", ".")
	if err == nil || !strings.Contains(out, `no user "nobodyx"`) || !strings.Contains(out, "Distrofile:3") {
		t.Errorf("--call=check of a bad Distrofile: %v\n%s", err, out)
	}
}

// TestE2ECheckWithLock: with Distrofile.lock present, --call=check reports
// an INSTALL root that another root already pulls in.
func TestE2ECheckWithLock(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL perl\nINSTALL perl-base\n")
	if out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--target=distrofile.lock", "-o", ".", "."); err != nil {
		t.Fatalf("lock: %v\n%s", err, out)
	}
	out, _ := buildx(t, dir, "-f", "Distrofile", "--call=check", ".")
	if !strings.Contains(out, "InstallPulledIn") || !strings.Contains(out, "perl-base") {
		t.Errorf("--call=check with a lock does not report perl-base as pulled in by perl:\n%s", out)
	}
}
