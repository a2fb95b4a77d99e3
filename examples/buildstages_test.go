package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rerunVertices returns the names of the vertices of plain progress
// output that ran (stepRan), in the order they first appear.
func rerunVertices(out string) []string {
	var ran []string
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#(\d+) (.+)$`).FindAllStringSubmatch(out, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			if stepRan(out, m[1]) {
				ran = append(ran, m[2])
			}
		}
	}
	return ran
}

// TestE2EGoApp builds examples/go-app (Go with Debian's golang-go in a
// build stage, shipped on the static set), runs it, and changes one line
// of its source: the rebuild runs the RUN again and no extraction, no
// generated files and no effects step.
func TestE2EGoApp(t *testing.T) {
	e := e2eEnv(t)
	image, _, size := buildExample(t, e, "go-app")
	out, err := runIn(t, image, "/app")
	if err != nil || !strings.Contains(out, "hello from nonroot (uid 65532), 14:00 CEST in Paris") {
		t.Fatalf("/app: %v\n%s", err, out)
	}
	if out, err := runIn(t, image, "/usr/bin/go", "version"); err == nil {
		t.Errorf("the Go toolchain is in the image:\n%s", out)
	}
	if size > 20e6 {
		t.Errorf("the image is %.1f MB: the toolchain leaked into it", float64(size)/1e6)
	}

	// The edit loop: main.go changes.
	src, err := os.ReadFile("go-app/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	for _, f := range []string{"go.mod", "main.go"} {
		dt, err := os.ReadFile(filepath.Join("go-app", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "main.go" {
			// A change no earlier build made: the RUN must run.
			dt = []byte(strings.Replace(string(dt), "hello from", "hi from", 1) + fmt.Sprintf("\n// edited %d\n", time.Now().UnixNano()))
		}
		if err := os.WriteFile(filepath.Join(dir, f), dt, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edited := e.registry + "/examples/go-app:edited"
	out, err = buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--provenance=false", "--push", "-t", edited, ".")
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	ran := rerunVertices(out)
	var runs, merges int
	for _, v := range ran {
		switch {
		case strings.HasPrefix(v, "RUN "):
			runs++
		case strings.HasPrefix(v, "[distrofile] merge "):
			merges++
		case strings.HasPrefix(v, "extract "), v == "[distrofile] generated files", v == "[distrofile] generated files and update-ca-certificates",
			strings.HasPrefix(v, "[distrofile] maintainer scripts"), strings.HasPrefix(v, "[distrofile] the C.utf8 locale"):
			t.Errorf("a one-line change re-ran %q", v)
		}
	}
	if runs != 1 {
		t.Errorf("the rebuild ran %d RUN steps, want the build's one; it ran %q", runs, ran)
	}
	// The build stage's merge stays cached (llbgen.Plan.CopiesAbove): only
	// the final stage's, whose COPY --from changed, runs again.
	if merges > 1 {
		t.Errorf("the rebuild ran %d merges, want the final stage's alone; it ran %q", merges, ran)
	}
	t.Logf("re-run after a one-line change: %q", ran)
	if out, err := runIn(t, edited, "/app"); err != nil || !strings.Contains(out, "hi from nonroot") {
		t.Errorf("edited /app: %v\n%s", err, out)
	}
}

// TestE2ECApp builds examples/c-app (gcc and zlib1g-dev in the build
// stage) and runs the program, linked against zlib, in an image that has
// zlib1g and libc6 but no compiler, no headers and no shell.
func TestE2ECApp(t *testing.T) {
	e := e2eEnv(t)
	image, _, _ := buildExample(t, e, "c-app")
	out, err := runIn(t, image, "/app")
	if err != nil || !regexp.MustCompile(`zlib 1\.\d+\.\d+: 54 bytes -> \d+ bytes`).MatchString(out) {
		t.Fatalf("/app: %v\n%s", err, out)
	}
	fs, _ := readImage(t, e.registry, "examples/c-app", "e2e")
	for _, p := range []string{"/usr/bin/gcc", "/usr/include/zlib.h", "/usr/bin/ld"} {
		if _, h := fs.resolve(p); h != nil {
			t.Errorf("%s is in the image", p)
		}
	}
	if _, h := fs.resolve("/var/lib/dpkg/status.d/zlib1g"); h == nil {
		t.Error("zlib1g is not recorded in status.d")
	}
}

// TestE2EImageStage uses pushed images as a stage and as a COPY source:
// the stage inherits the image's config, adds a file and runs a program
// of the image; the COPY takes a program out of another image.
func TestE2EImageStage(t *testing.T) {
	e := e2eEnv(t)
	goApp, _, _ := buildExample(t, e, "go-app")
	cApp, _, _ := buildExample(t, e, "c-app")
	src := "ARG BASE\nFROM docker-image://${BASE} AS base\nFILE /etc/greeting <<EOF\nbonjour\nEOF\nRUN [\"/app\"]\nENV MODE=prod\n" +
		"FROM base\nCOPY --from=" + cApp + " /app /capp\nHEALTHCHECK --interval=5s CMD [\"/app\"]\n"
	dir := withSyntax(t, e, src)
	image := e.registry + "/examples/image-stage:e2e"
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "BASE="+goApp, "--no-cache-filter=base", "--provenance=false", "--push", "-t", image, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if !strings.Contains(out, "hello from nonroot (uid 65532)") {
		t.Errorf("the RUN of the image's /app printed nothing:\n%s", out)
	}
	_, cfg := pushed(t, e.registry, "examples/image-stage", "e2e")
	if cfg.Config.User != "nonroot" || strings.Join(cfg.Config.Entrypoint, " ") != "/app" || !strings.Contains(strings.Join(cfg.Config.Env, " "), "MODE=prod") {
		t.Errorf("config not inherited: %+v", cfg.Config)
	}
	if h := cfg.Config.Healthcheck; h == nil || strings.Join(h.Test, " ") != "CMD /app" || h.Interval != 5e9 {
		t.Errorf("HEALTHCHECK --interval=5s CMD [\"/app\"]: %+v", h)
	}
	if out, err := runIn(t, image, "/app"); err != nil || !strings.Contains(out, "hello from nonroot") {
		t.Errorf("/app: %v\n%s", err, out)
	}
	fs, _ := readImage(t, e.registry, "examples/image-stage", "e2e")
	if h := fs.hdrs["/capp"]; h == nil || h.Size < 1000 {
		t.Errorf("/capp from the c-app image: %s", describe(h))
	}
	if fs.bodies["/etc/greeting"] != "bonjour\n" {
		t.Errorf("/etc/greeting = %q", fs.bodies["/etc/greeting"])
	}
}

// TestE2EOnBase installs packages on top of a pushed image (examples/c-app,
// through examples/on-base's ARG BASE): the image's packages count as
// installed, the new ones are layers on top that Syft sees beside the
// base's; a downgrade of a base package is refused naming both versions;
// the lock pins the base image's digest.
func TestE2EOnBase(t *testing.T) {
	e := e2eEnv(t)
	syft := os.Getenv("DISTROFILE_SYFT")
	if syft == "" {
		t.Fatal("DISTROFILE_E2E=1 needs DISTROFILE_SYFT (hack/test builds bin/syft from hack/tools/syft)")
	}
	cApp, _, _ := buildExample(t, e, "c-app")
	image, _, _ := buildExample(t, e, "on-base", "--build-arg", "BASE="+cApp)
	if out, err := runIn(t, image, "/app"); err != nil || !strings.Contains(out, "zlib ") {
		t.Errorf("the base's program: %v\n%s", err, out)
	}

	src, err := os.ReadFile("on-base/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--build-arg", "BASE="+cApp,
		"--provenance=false", "-o", "type=oci,dest=image.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, x := range extractions(out) {
		if x.name == "libc6" || x.name == "zlib1g" {
			t.Errorf("%s of the base image was extracted again", x.name)
		}
	}
	seen, _ := syftDebs(t, syft, filepath.Join(dir, "image.tar"))
	for _, n := range []string{"libc6", "zlib1g", "libzstd1", "tzdata"} {
		if seen[n] == "" {
			t.Errorf("syft does not list %s (it lists %v)", n, seen)
		}
	}

	// A downgrade of the base's libc6 is refused on the INSTALL line.
	down := strings.Replace(string(src), "INSTALL libzstd1 tzdata", "INSTALL libzstd1 libc6=2.41-12", 1)
	out, err = buildx(t, withSyntax(t, e, down), "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--build-arg", "BASE="+cApp, ".")
	if err == nil || !regexp.MustCompile(`libc6 \S+ of the base image would have to be downgraded to 2\.41-12 \(INSTALL libc6=2\.41-12\)`).MatchString(out) ||
		!strings.Contains(out, ">>> INSTALL libzstd1 libc6=2.41-12") {
		t.Errorf("downgrade: %v\n%s", err, out)
	}

	// The lock records the base's digest; a locked build uses it.
	out, err = buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--build-arg", "BASE="+cApp,
		"--target="+"distrofile.lock", "-o", dir, ".")
	if err != nil {
		t.Fatalf("lock: %v\n%s", err, out)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "Distrofile.lock"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"image_digest": "(sha256:[0-9a-f]{64})"`).FindSubmatch(lock)
	if m == nil {
		t.Fatalf("no image digest in the lock:\n%s", lock)
	}
	out, err = buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--build-arg", "BASE="+cApp, "--output=type=cacheonly", ".")
	if err != nil || !strings.Contains(out, "@"+string(m[1])) {
		t.Errorf("the locked build does not pin the base by %s: %v\n%s", m[1], err, out)
	}
}

// statusFileBase is a stand-in for a regular Debian image: its packages
// are in /var/lib/dpkg/status (here one, fake-base), not in status.d.
const statusFileBase = `FROM scratch
FILE /etc/os-release <<EOF
ID=debian
VERSION_CODENAME=trixie
EOF
FILE /var/lib/dpkg/status <<EOF
Package: fake-base
Status: install ok installed
Version: 1
Architecture: all
Description: a package of the base image

EOF
`

// TestE2EOnStatusFileBase installs on an image that keeps its dpkg
// database in /var/lib/dpkg/status: the new packages' stanzas are
// appended to it, in the same form, and no status.d appears.
func TestE2EOnStatusFileBase(t *testing.T) {
	e := e2eEnv(t)
	base := e.registry + "/examples/status-file-base:e2e"
	if out, err := buildx(t, withSyntax(t, e, statusFileBase), "-f", "Distrofile", "--provenance=false", "--push", "-t", base, "."); err != nil {
		t.Fatalf("base: %v\n%s", err, out)
	}
	image := e.registry + "/examples/on-status-file:e2e"
	out, err := buildx(t, withSyntax(t, e, "FROM docker-image://"+base+"\nINSTALL libzstd1\n"), "-f", "Distrofile",
		"--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--provenance=false", "--push", "-t", image, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fs, _ := readImage(t, e.registry, "examples/on-status-file", "e2e")
	status := fs.bodies["/var/lib/dpkg/status"]
	for _, want := range []string{"Package: fake-base\nStatus: install ok installed\n", "\n\nPackage: libzstd1\nStatus: install ok installed\n", "\n\nPackage: libc6\nStatus: install ok installed\n"} {
		if !strings.Contains(status, want) {
			t.Errorf("/var/lib/dpkg/status lacks %q:\n%s", want, status)
		}
	}
	for p := range fs.hdrs {
		if strings.HasPrefix(p, "/var/lib/dpkg/status.d/") {
			t.Errorf("%s on an image without status.d", p)
		}
	}
}

// TestE2ERunMounts: RUN's bind, tmpfs, secret and cache mounts and its
// ARG and ENV, as a Dockerfile's, in a stage that INSTALLs dash for the
// shell form; the result is taken with COPY --from.
func TestE2ERunMounts(t *testing.T) {
	e := e2eEnv(t)
	src := `FROM debian:trixie AS work
INSTALL dash coreutils
ARG GREETING=hello
ENV WHO=world
MKDIR /out
RUN --mount=type=bind,target=/ctx --mount=type=tmpfs,target=/scratch --mount=type=secret,id=token,env=TOKEN --mount=type=cache,target=/cache \
    echo "$GREETING $WHO, a token of ${#TOKEN} characters" > /scratch/x && cat /scratch/x /ctx/input.txt > /out/result && \
    echo run >> /cache/runs && test ! -e /out/leak
FROM scratch
COPY --from=work /out/result /result
`
	dir := withSyntax(t, e, src)
	if err := os.WriteFile(filepath.Join(dir, "input.txt"), []byte("from the context\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	tarFile := filepath.Join(t.TempDir(), "image.tar")
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--secret", "id=token,src="+filepath.Join(dir, "token"),
		"--output", "type=tar,dest="+tarFile, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, bodies := tarEntries(t, tarFile)
	if got := bodies["/result"]; got != "hello world, a token of 6 characters\nfrom the context\n" {
		t.Errorf("/result = %q", got)
	}
	if strings.Contains(out, "s3cret") {
		t.Error("the secret is in the build output")
	}
}
