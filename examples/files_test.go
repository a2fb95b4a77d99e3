package examples

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tarEntries reads a tar exported by `-o type=tar` into name → header/body.
func tarEntries(t *testing.T, file string) (map[string]*tar.Header, map[string]string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdrs, bodies := map[string]*tar.Header{}, map[string]string{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		hdrs[name] = h
		if h.Typeflag == tar.TypeReg {
			dt, _ := io.ReadAll(tr)
			bodies[name] = string(dt)
		}
	}
	return hdrs, bodies
}

const filesDistrofile = `ARG SUITE=trixie
FROM debian:${SUITE} AS base
INSTALL netbase

FROM base AS app
ARG SUITE
GROUPADD --gid=2000 crew
USERADD --uid=1500 --groups=crew svc
MKDIR --mode=0750 --owner=svc /data
FILE --mode=0600 --owner=svc:crew /etc/app.conf <<EOF
suite=${SUITE}
EOF
COPY --chown=svc hello.txt /data/
COPY --from=base /etc/protocols /copied/protocols
SYMLINK /data/hello.txt /hello
ENV GREETING=hi
USER svc
WORKDIR /data

FROM scratch AS unused
`

// TestE2EFilesAndStages builds a multi-stage Distrofile with --target and
// checks every generated file, owner and mode in the exported root.
func TestE2EFilesAndStages(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, filesDistrofile)
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := buildx(t, dir, "-f", "Distrofile", "--target=app", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"-o", "type=tar,dest=root.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	hdrs, bodies := tarEntries(t, filepath.Join(dir, "root.tar"))
	want := func(name string, typ byte, mode int64, uid, gid int) {
		t.Helper()
		h, ok := hdrs[name]
		if !ok {
			t.Errorf("%s missing", name)
			return
		}
		if h.Typeflag != typ || h.Mode&0o7777 != mode || h.Uid != uid || h.Gid != gid {
			t.Errorf("%s: type %c mode %o %d:%d, want type %c mode %o %d:%d", name, h.Typeflag, h.Mode&0o7777, h.Uid, h.Gid, typ, mode, uid, gid)
		}
	}
	want("/tmp", tar.TypeDir, 0o1777, 0, 0)
	want("/data", tar.TypeDir, 0o750, 1500, 1500)
	want("/etc/app.conf", tar.TypeReg, 0o600, 1500, 2000)
	want("/data/hello.txt", tar.TypeReg, 0o644, 1500, 1500)
	want("/home/svc", tar.TypeDir, 0o750, 1500, 1500)
	want("/home/nonroot", tar.TypeDir, 0o750, 65532, 65532)
	want("/etc/services", tar.TypeReg, 0o644, 0, 0)
	want("/copied/protocols", tar.TypeReg, 0o644, 0, 0)
	for _, l := range []string{"/bin", "/sbin", "/lib", "/lib64"} {
		if h := hdrs[l]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "usr"+l {
			t.Errorf("%s: want a symlink to usr%s, got %+v", l, l, h)
		}
	}
	if h := hdrs["/hello"]; h == nil || h.Linkname != "/data/hello.txt" {
		t.Errorf("/hello: %+v", h)
	}
	if got := bodies["/etc/app.conf"]; got != "suite=trixie\n" {
		t.Errorf("/etc/app.conf = %q", got)
	}
	if got := bodies["/data/hello.txt"]; got != "hello\n" {
		t.Errorf("/data/hello.txt = %q", got)
	}
	for _, line := range []string{"root:x:0:0:root:/root:/sbin/nologin\n", "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", "svc:x:1500:1500:svc:/home/svc:/sbin/nologin\n"} {
		if !strings.Contains(bodies["/etc/passwd"], line) {
			t.Errorf("/etc/passwd lacks %q:\n%s", line, bodies["/etc/passwd"])
		}
	}
	if !strings.Contains(bodies["/etc/group"], "crew:x:2000:svc\n") || !strings.Contains(bodies["/etc/group"], "svc:x:1500:\n") {
		t.Errorf("/etc/group:\n%s", bodies["/etc/group"])
	}
	if _, ok := hdrs["/var/lib/dpkg/status.d/netbase"]; !ok {
		t.Errorf("no dpkg status for netbase")
	}
	if _, ok := hdrs["/bin/sh"]; ok {
		t.Errorf("/bin/sh in a netbase-only image")
	}
}

// TestE2EForeignArch builds for arm64 on this amd64 builder: the helper runs
// natively (no emulator), the packages and the config are arm64.
func TestE2EForeignArch(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL libc6\nENTRYPOINT [\"/usr/lib/ld-linux-aarch64.so.1\"]\n")
	image := e.registry + "/examples/arm64:e2e"
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform=linux/arm64", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"--provenance=false", "--push", "-t", image, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if !slices.ContainsFunc(extractions(out), func(x extraction) bool { return x.name == "libc6" }) {
		t.Errorf("no libc6 extraction in the build:\n%s", out)
	}
	_, cfg := pushed(t, e.registry, "examples/arm64", "e2e")
	if cfg.Architecture != "arm64" || cfg.OS != "linux" {
		t.Errorf("config: %+v", cfg)
	}
	out, err = buildx(t, dir, "-f", "Distrofile", "--platform=linux/arm64", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"-o", "type=tar,dest=root.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	hdrs, _ := tarEntries(t, filepath.Join(dir, "root.tar"))
	if _, ok := hdrs["/usr/lib/ld-linux-aarch64.so.1"]; !ok {
		t.Errorf("no arm64 loader in the root")
	}
}

// TestE2EMultiPlatform: two platforms in one build give one image index.
func TestE2EMultiPlatform(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL libc6 tzdata\n")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform=linux/amd64,linux/arm64", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"--provenance=false", "--push", "-t", e.registry+"/examples/multi:e2e", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var index struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			Platform struct{ Architecture, OS string } `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(registryGet(t, "http://"+e.registry+"/v2/examples/multi/manifests/e2e", "application/vnd.oci.image.index.v1+json"), &index); err != nil {
		t.Fatal(err)
	}
	archs := map[string]bool{}
	for _, m := range index.Manifests {
		archs[m.Platform.OS+"/"+m.Platform.Architecture] = true
	}
	if len(index.Manifests) != 2 || !archs["linux/amd64"] || !archs["linux/arm64"] {
		t.Errorf("index: %+v", index)
	}
	// tzdata (Architecture: all) is extracted once for both platforms.
	n := 0
	for _, x := range extractions(out) {
		if x.name == "tzdata" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("tzdata extracted %d times, want once", n)
	}
}

// TestE2EDropDocs: DROP docs removes documentation inside extraction but
// keeps every package's copyright file.
func TestE2EDropDocs(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL netbase tzdata libc6\nDROP docs /usr/share/zoneinfo/Asia/**\n")
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "-o", "type=tar,dest=root.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	hdrs, _ := tarEntries(t, filepath.Join(dir, "root.tar"))
	for _, keep := range []string{"/usr/share/doc/netbase/copyright", "/usr/share/doc/libc6/copyright", "/usr/share/zoneinfo/Europe/Brussels", "/usr/share/zoneinfo/Asia"} {
		if _, ok := hdrs[keep]; !ok {
			t.Errorf("%s dropped", keep)
		}
	}
	for name := range hdrs {
		if strings.HasPrefix(name, "/usr/share/man/") || strings.HasPrefix(name, "/usr/share/zoneinfo/Asia/") ||
			strings.HasPrefix(name, "/usr/share/doc/") && !strings.HasSuffix(name, "/copyright") && strings.Count(name, "/") > 4 {
			t.Errorf("%s kept despite DROP", name)
		}
	}
}
