package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/internal/debtest"
)

// build compiles the command as it ships: static. When the tests run with
// the liblzma decoder (go test -tags liblzma), it is built by
// hack/build-helper, as released: cgo, liblzma and libc linked in
// statically. Otherwise it is the pure-Go build, without cgo.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "distrofile-extract")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if strings.HasPrefix(debextract.XZDecoder(), "liblzma") {
		cmd = exec.Command("../../hack/build-helper", bin)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	return bin
}

// TestStatic: the helper needs no dynamic loader and no shared library.
func TestStatic(t *testing.T) {
	f, err := elf.Open(build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: not a static executable", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) != 0 {
		t.Errorf("needs %v (%v)", libs, err)
	}
}

// TestReleasedDecoder: the helper as released decodes xz with liblzma 5.8
// or later, which is a third faster than 5.4 (hack/liblzma); a build
// linked against an older system liblzma fails here.
func TestReleasedDecoder(t *testing.T) {
	if !strings.HasPrefix(debextract.XZDecoder(), "liblzma") {
		t.Skip("pure-Go build: run with -tags liblzma (hack/test does)")
	}
	out, stderr, code := runCmd(t, build(t), "--version")
	var major, minor, patch int
	if code != 0 {
		t.Fatalf("--version: exit %d: %s", code, stderr)
	}
	if _, err := fmt.Sscanf(out, "xz: liblzma %d.%d.%d", &major, &minor, &patch); err != nil {
		t.Fatalf("--version printed %q: %v", out, err)
	}
	if major < 5 || major == 5 && minor < 8 {
		t.Errorf("the helper links liblzma %d.%d.%d; want 5.8 or later (hack/liblzma)", major, minor, patch)
	}
}

func TestCommand(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	deb := filepath.Join(dir, "hello.deb")
	d := debtest.Deb{
		Control: debtest.Control("hello", "1.0-1", "amd64"),
		Entries: debtest.WithParents([]debtest.Entry{
			debtest.File("./bin/hello", 0755, "hello"),
			debtest.Symlink("./usr/bin/hi", "hello"),
		}),
		Md5sums: true,
	}
	if err := os.WriteFile(deb, d.MustBytes(), 0644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.deb")
	if err := os.WriteFile(garbage, []byte("not a package"), 0644); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, string, int) { return runCmd(t, bin, args...) }

	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0755); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run("--usrmerge", "--dpkg-status", "--max-mtime=1000000000", deb, out)
	if code != 0 || stdout != "hello 1.0-1 amd64: 1 files, 2 dirs, 1 links\n" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	fi, err := os.Stat(filepath.Join(out, "usr/bin/hello"))
	if err != nil || !fi.ModTime().Equal(time.Unix(1000000000, 0)) {
		t.Fatalf("usr/bin/hello: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(out, "var/lib/dpkg/status.d/hello.md5sums")); err != nil {
		t.Fatal(err)
	}

	out2 := filepath.Join(dir, "out2")
	if err := os.Mkdir(out2, 0755); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(garbage, out2)
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "distrofile-extract: "+garbage+": ar archive: ") {
		t.Fatalf("garbage: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	if _, stderr, code = run(deb); code != 1 || !strings.Contains(stderr, "usage:") {
		t.Fatalf("missing argument: exit %d, stderr %q", code, stderr)
	}
	if _, _, code = run("--no-such-flag", deb, out); code != 1 {
		t.Fatalf("bad flag: exit %d", code)
	}
}

// TestScratchRoot runs the command as the only file of an otherwise empty
// root file system (plus its input and output), as in the BuildKit
// ExecOp: no libc, no /tmp, no /etc, no environment.
func TestScratchRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	bin := build(t)
	root := t.TempDir()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	d := debtest.Deb{
		Control: debtest.Control("scratch", "2", "all"),
		Entries: debtest.WithParents([]debtest.Entry{debtest.File("./etc/motd", 0644, "hi\n")}),
	}
	for name, data := range map[string][]byte{"extract": b, "in.deb": d.MustBytes()} {
		if err := os.WriteFile(filepath.Join(root, name), data, 0755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "out"), 0755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/extract", "--dpkg-status", "/in.deb", "/out")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "scratch 2 all: 1 files, 1 dirs, 0 links\n" {
		t.Fatalf("%v: %s", err, out)
	}
	if got, err := os.ReadFile(filepath.Join(root, "out/etc/motd")); err != nil || string(got) != "hi\n" {
		t.Fatalf("motd %q %v", got, err)
	}
}

// runCmd runs the helper with an empty environment (it must need nothing
// from it) and returns its output and exit code.
func runCmd(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = []string{}
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func writeDeb(t *testing.T, dir, name string, entries ...debtest.Entry) string {
	t.Helper()
	p := filepath.Join(dir, name+".deb")
	d := debtest.Deb{Control: debtest.Control(name, "1.0", "amd64"), Entries: debtest.WithParents(entries), Md5sums: true}
	if err := os.WriteFile(p, d.MustBytes(), 0644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mkdir(t *testing.T, p string) string {
	t.Helper()
	if err := os.MkdirAll(p, 0755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSeveralPackages extracts packages into one layer, with --drop.
func TestSeveralPackages(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	a := writeDeb(t, dir, "pkg-a",
		debtest.File("./usr/bin/tool", 0755, "a"),
		debtest.File("./usr/share/doc/pkg-a/copyright", 0644, "MIT"),
		debtest.File("./usr/share/doc/pkg-a/changelog.gz", 0644, "changes"),
		debtest.File("./usr/share/locale/de/LC_MESSAGES/a.mo", 0644, "de"),
	)
	b := writeDeb(t, dir, "pkg-b",
		debtest.File("./usr/bin/tool-b", 0755, "b"),
		debtest.File("./usr/share/man/man1/tool.1.gz", 0644, "man"),
		debtest.File("./usr/lib/x/y", 0644, "y"),
	)
	c := writeDeb(t, dir, "pkg-c", debtest.File("./usr/lib/x", 0644, "x"))

	out := mkdir(t, filepath.Join(dir, "out"))
	stdout, stderr, code := runCmd(t, bin, "--dpkg-status", "--drop=docs", "--drop=locales", "--drop=/usr/bin/nothing*", "--max-mtime=1000000000", a, b, out)
	want := "pkg-a 1.0 amd64: 2 files, 6 dirs, 0 links, 4 dropped (9 bytes)\n" +
		"pkg-b 1.0 amd64: 2 files, 5 dirs, 0 links, 3 dropped (3 bytes)\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for p, want := range map[string]string{
		"usr/bin/tool":                     "a",
		"usr/bin/tool-b":                   "b",
		"usr/share/doc/pkg-a/copyright":    "MIT",
		"usr/lib/x/y":                      "y",
		"var/lib/dpkg/status.d/pkg-a":      debtest.Control("pkg-a", "1.0", "amd64"),
		"var/lib/dpkg/status.d/pkg-b":      debtest.Control("pkg-b", "1.0", "amd64"),
		"usr/share/doc/pkg-a/changelog.gz": "",
		"usr/share/man":                    "",
		"usr/share/locale/de":              "",
	} {
		got, err := os.ReadFile(filepath.Join(out, p))
		if want == "" {
			if err == nil || !os.IsNotExist(err) {
				t.Errorf("%s not dropped: %v", p, err)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(string(got), want) {
			t.Errorf("%s: %q %v", p, got, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(out, "var/lib/dpkg/status.d")); err != nil || !fi.ModTime().Equal(time.Unix(1000000000, 0)) {
		t.Errorf("status.d: %v %v", fi, err)
	}

	// A directory of one package replaced by another's file: both named.
	out2 := mkdir(t, filepath.Join(dir, "out2"))
	stdout, stderr, code = runCmd(t, bin, a, b, c, out2)
	if code != 1 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stderr, c+": data.tar.xz: ./usr/lib/x: conflicting entry: file /usr/lib/x of package pkg-c 1.0 would replace directory /usr/lib/x of package pkg-b 1.0: dpkg refuses to install pkg-c") {
		t.Fatalf("conflict: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Bad uses.
	for _, args := range [][]string{
		{"--drop=usr/share/doc", a, out},
		{"--drop=/a/**b", a, out},
		{"--tar", a, b, out},
		{"--tar", "--drop=docs", a, out},
		{"--ca-certificates", "--usrmerge", dir, out},
		{"--ca-certificates", "--tar", dir, out},
		{out},
	} {
		if _, stderr, code := runCmd(t, bin, args...); code != 1 || !strings.Contains(stderr, "usage:") && !strings.Contains(stderr, "drop pattern") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestScanDrops writes, per package, the --drop specifications that
// remove something from it, and extracts nothing.
func TestScanDrops(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	a := writeDeb(t, dir, "pkg-a",
		debtest.File("./usr/share/doc/pkg-a/copyright", 0644, "MIT"),
		debtest.File("./usr/share/doc/pkg-a/changelog.gz", 0644, "changes"),
		debtest.File("./lib/x/y.mo", 0644, "y"),
	)
	b := writeDeb(t, dir, "pkg-b", debtest.File("./usr/share/doc/pkg-b/copyright", 0644, "MIT"))
	out := mkdir(t, filepath.Join(dir, "out"))
	scan := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := runCmd(t, bin, append(append([]string{"--scan-drops"}, args...), a, b, out)...)
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		got, err := os.ReadFile(filepath.Join(out, "drops.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(got)
	}
	if got, want := scan("--usrmerge", "--drop=docs", "--drop=/usr/lib/**/*.mo", "--drop=/lib/**/*.mo", "--drop=locales"), `[["docs","/usr/lib/**/*.mo"],[]]`+"\n"; got != want {
		t.Errorf("merged: %s, want %s", got, want)
	}
	if got, want := scan("--drop=/usr/lib/**/*.mo", "--drop=/lib/**/*.mo"), `[["/lib/**/*.mo"],[]]`+"\n"; got != want {
		t.Errorf("unmerged: %s, want %s", got, want)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 1 {
		t.Errorf("output: %v", ents)
	}
	for _, args := range [][]string{
		{"--scan-drops", "--dpkg-status", "--drop=docs", a, out},
		{"--scan-drops", "--max-mtime=1", "--drop=docs", a, out},
		{"--scan-drops", "--ca-owners=", "--drop=docs", a, out},
		{"--scan-drops", "--tar", a, out},
		{"--scan-drops", "--drop=docs", filepath.Join(dir, "missing.deb"), out},
	} {
		if _, stderr, code := runCmd(t, bin, args...); code != 1 || !strings.Contains(stderr, "distrofile-extract: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestSeveralLayers extracts layers separated by "," into their own
// directories, in parallel: the same files as one run per layer, and the
// first failing layer's error.
func TestSeveralLayers(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	var debs []string
	for i := range 6 {
		debs = append(debs, writeDeb(t, dir, fmt.Sprintf("pkg-%d", i), debtest.File(fmt.Sprintf("./usr/lib/f%d", i), 0644, strings.Repeat("x", i*1000))))
	}
	var args, outs []string
	for i := 0; i < 6; i += 2 {
		if i > 0 {
			args = append(args, ",")
		}
		o := mkdir(t, filepath.Join(dir, fmt.Sprintf("out%d", i)))
		outs = append(outs, o)
		args = append(args, debs[i], debs[i+1], o)
	}
	stdout, stderr, code := runCmd(t, bin, append([]string{"--dpkg-status"}, args...)...)
	if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 6 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for i := range 6 {
		if !strings.Contains(stdout, fmt.Sprintf("pkg-%d 1.0 amd64: 1 files", i)) {
			t.Errorf("no summary for pkg-%d in %q", i, stdout)
		}
		o := outs[i/2]
		if b, err := os.ReadFile(filepath.Join(o, fmt.Sprintf("usr/lib/f%d", i))); err != nil || len(b) != i*1000 {
			t.Errorf("pkg-%d in %s: %d bytes, %v", i, o, len(b), err)
		}
		if _, err := os.Stat(filepath.Join(o, "var/lib/dpkg/status.d", fmt.Sprintf("pkg-%d", i))); err != nil {
			t.Errorf("status of pkg-%d: %v", i, err)
		}
		// Nothing of another layer's packages.
		other := outs[(i/2+1)%3]
		if _, err := os.Stat(filepath.Join(other, fmt.Sprintf("usr/lib/f%d", i))); err == nil {
			t.Errorf("pkg-%d also in %s", i, other)
		}
	}

	// A broken package fails the run and is named.
	bad := filepath.Join(dir, "bad.deb")
	if err := os.WriteFile(bad, []byte("!<arch>\nnot a deb"), 0644); err != nil {
		t.Fatal(err)
	}
	o1, o2 := mkdir(t, filepath.Join(dir, "b1")), mkdir(t, filepath.Join(dir, "b2"))
	_, stderr, code = runCmd(t, bin, debs[0], o1, ",", bad, o2)
	if code != 1 || !strings.Contains(stderr, bad+": ") {
		t.Errorf("bad layer: exit %d, stderr %q", code, stderr)
	}
	for _, args := range [][]string{
		{debs[0], o1, ","},
		{debs[0], o1, ",", o2},
		{",", debs[0], o1},
		{debs[0], o1, ",", ",", debs[1], o2},
	} {
		if _, stderr, code := runCmd(t, bin, args...); code != 1 || !strings.Contains(stderr, "usage:") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestCACertificates runs --ca-certificates on a fake image root.
func TestCACertificates(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	host, err := os.ReadFile("/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt")
	if err != nil {
		t.Skip("no ca-certificates on this machine")
	}
	mkdir(t, filepath.Join(root, "usr/share/ca-certificates/mozilla"))
	if err := os.WriteFile(filepath.Join(root, "usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt"), host, 0644); err != nil {
		t.Fatal(err)
	}
	mkdir(t, filepath.Join(root, "usr/local/share/ca-certificates"))
	// A local certificate given as a link out of the root: resolved
	// inside the root, where it does not exist, so it is not read.
	if err := os.Symlink("/etc/ssl/certs/ca-certificates.crt", filepath.Join(root, "usr/local/share/ca-certificates/host.crt")); err != nil {
		t.Fatal(err)
	}

	var outs []string
	for i := 0; i < 2; i++ {
		out := mkdir(t, filepath.Join(dir, fmt.Sprint("out", i)))
		stdout, stderr, code := runCmd(t, bin, "--ca-certificates", "--max-mtime=1700000000", root, out)
		if code != 0 || stdout != "ca-certificates: 1 certificates (0 local), 1 .pem links, 1 hash links\n" || stderr != "" {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		outs = append(outs, out)
	}
	bundle, err := os.ReadFile(filepath.Join(outs[0], "etc/ssl/certs/ca-certificates.crt"))
	if err != nil || string(bundle) != string(host) {
		t.Fatalf("bundle %d bytes, %v", len(bundle), err)
	}
	if target, err := os.Readlink(filepath.Join(outs[0], "etc/ssl/certs/ISRG_Root_X1.pem")); err != nil || target != "/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" {
		t.Errorf("pem link -> %q %v", target, err)
	}
	// ISRG Root X1's subject hash, as in Debian's /etc/ssl/certs.
	if target, err := os.Readlink(filepath.Join(outs[0], "etc/ssl/certs/4042bcee.0")); err != nil || target != "ISRG_Root_X1.pem" {
		t.Errorf("hash link -> %q %v", target, err)
	}
	conf, err := os.ReadFile(filepath.Join(outs[0], "etc/ca-certificates.conf"))
	if err != nil || !strings.HasSuffix(string(conf), "#\nmozilla/ISRG_Root_X1.crt\n") || !strings.HasPrefix(string(conf), "# This file lists certificates") {
		t.Errorf("conf %q %v", conf, err)
	}
	// Deterministic: same names, modes and times in both outputs.
	walk := func(out string) string {
		var b strings.Builder
		_ = filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			r, _ := filepath.Rel(out, p)
			if r != "." && !fi.ModTime().Equal(time.Unix(1700000000, 0)) {
				t.Errorf("%s: mtime %v", r, fi.ModTime())
			}
			fmt.Fprintf(&b, "%s %v %d\n", r, fi.Mode(), fi.Size())
			return nil
		})
		return b.String()
	}
	if a, b := walk(outs[0]), walk(outs[1]); a != b || !strings.Contains(a, "etc/ssl/certs/ca-certificates.crt -rw-r--r--") {
		t.Errorf("outputs differ or wrong modes:\n%s\n%s", a, b)
	}
	// --tar with --ca-certificates-root: the generated files and the CA
	// files in one output directory.
	tarball, err := debtest.Tar([]debtest.Entry{
		debtest.Dir("./etc/", 0755),
		debtest.File("./etc/passwd", 0644, "root:x:0:0:root:/root:/sbin/nologin\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "files.tar")
	if err := os.WriteFile(in, tarball, 0644); err != nil {
		t.Fatal(err)
	}
	out := mkdir(t, filepath.Join(dir, "gen"))
	stdout, stderr, code := runCmd(t, bin, "--tar", "--max-mtime=1700000000", "--ca-certificates-root="+root, in, out)
	if code != 0 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, "ca-certificates: 1 certificates") || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, p := range []string{"etc/passwd", "etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/4042bcee.0", "etc/ca-certificates.conf"} {
		if _, err := os.Lstat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
	if _, stderr, code := runCmd(t, bin, "--ca-certificates-root="+root, in, out); code != 1 || !strings.Contains(stderr, "goes with --tar") {
		t.Errorf("without --tar: exit %d, stderr %q", code, stderr)
	}
}

// TestCAOwnersExit: a package that --ca-owners does not name and that ships
// a certificate where update-ca-certificates reads fails the run with
// debextract.ExitCAFiles, which the frontend tells from other failures;
// named, it is extracted.
func TestCAOwnersExit(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	deb := writeDeb(t, dir, "corp-ca", debtest.File("./usr/local/share/ca-certificates/corp.crt", 0644, "x"))
	for _, tc := range []struct {
		owners string
		code   int
	}{{"--ca-owners=", debextract.ExitCAFiles}, {"--ca-owners=ca-certificates", debextract.ExitCAFiles}, {"--ca-owners=ca-certificates,corp-ca", 0}} {
		out := filepath.Join(dir, strings.TrimPrefix(tc.owners, "--ca-owners="))
		if err := os.MkdirAll(out, 0755); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runCmd(t, bin, tc.owners, deb, out)
		if code != tc.code {
			t.Errorf("%s: exit %d (%s), want %d", tc.owners, code, stderr, tc.code)
		}
		if code != 0 && !strings.Contains(stderr, "package corp-ca ships /usr/local/share/ca-certificates/corp.crt") {
			t.Errorf("%s: stderr %q does not name the package and the path", tc.owners, stderr)
		}
	}
}

// TestOwnersAcrossLayers: two packages in different layers that ship the
// same path get the rules they get in one layer (package owners): the
// extraction writes each layer's lists, and the effects step refuses the
// conflict, or puts the replacing package's file on top when it is in the
// lower layer.
func TestOwnersAcrossLayers(t *testing.T) {
	bin := build(t)
	for _, tt := range []struct {
		name        string
		aFields     string // pkg-a is in the lower layer
		bFields     string
		bEntry      debtest.Entry
		wantErr     string
		wantOnTop   string // usr/bin/tool in the effects layer
		wantNoTakes bool
	}{
		{name: "refused", bEntry: debtest.File("./usr/bin/tool", 0755, "b"),
			wantErr: "packages conflict: file /usr/bin/tool of package pkg-a 1.0 and file /usr/bin/tool of package pkg-b 1.0 are the same path /usr/bin/tool, and neither package Replaces the other"},
		{name: "the lower layer's package Replaces the upper's", aFields: "Replaces: pkg-b\n", bEntry: debtest.File("./usr/bin/tool", 0755, "b"),
			wantOnTop: "a"},
		{name: "the upper layer's package Replaces the lower's", bFields: "Replaces: pkg-a (<< 2)\n", bEntry: debtest.File("./usr/bin/tool", 0755, "b"),
			wantNoTakes: true},
		{name: "a file over a directory of another layer", bFields: "Replaces: pkg-a\n", bEntry: debtest.File("./usr/bin", 0644, "b"),
			wantErr: "packages conflict: file /usr/bin of package pkg-b 1.0 would replace directory /usr/bin of package pkg-a 1.0"},
		{name: "merged /usr", bEntry: debtest.File("./bin/tool", 0755, "b"),
			wantErr: "file /usr/bin/tool of package pkg-a 1.0 and file /bin/tool of package pkg-b 1.0 are the same path /usr/bin/tool (with merged /usr, /usr/bin/tool and /bin/tool are the same path)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			deb := func(name, fields string, e debtest.Entry) string {
				p := filepath.Join(dir, name+".deb")
				d := debtest.Deb{Control: debtest.Control(name, "1.0", "amd64") + fields, Entries: debtest.WithParents([]debtest.Entry{e})}
				if err := os.WriteFile(p, d.MustBytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			a := deb("pkg-a", tt.aFields, debtest.File("./usr/bin/tool", 0o755, "a"))
			b := deb("pkg-b", tt.bFields, tt.bEntry)
			l0, l1, lists, eff := mkdir(t, filepath.Join(dir, "l0")), mkdir(t, filepath.Join(dir, "l1")), filepath.Join(dir, "lists"), mkdir(t, filepath.Join(dir, "eff"))
			if _, stderr, code := runCmd(t, bin, "--usrmerge", "--lists="+lists, a, l0, ",", b, l1); code != 0 {
				t.Fatalf("extract: exit %d, %s", code, stderr)
			}
			_, stderr, code := runCmd(t, bin, "--effects", "--arch=amd64", "--root="+l0, "--root="+l1, "--lists="+lists, a, b, eff)
			if tt.wantErr != "" {
				if code != 1 || !strings.Contains(stderr, tt.wantErr) {
					t.Fatalf("exit %d, stderr %q, want %q", code, stderr, tt.wantErr)
				}
				// The frontend's second run gets the message in a file.
				diag := filepath.Join(dir, "why")
				if _, _, code := runCmd(t, bin, "--effects", "--arch=amd64", "--root="+l0, "--root="+l1, "--lists="+lists, "--diagnose="+diag, a, b, mkdir(t, filepath.Join(dir, "eff2"))); code != 0 {
					t.Fatalf("diagnose: exit %d", code)
				}
				if why, err := os.ReadFile(diag); err != nil || !strings.Contains(string(why), tt.wantErr) {
					t.Fatalf("diagnose wrote %q, %v", why, err)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d, %s", code, stderr)
			}
			got, err := os.ReadFile(filepath.Join(eff, "usr/bin/tool"))
			if tt.wantNoTakes {
				if !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the effects layer has usr/bin/tool: %q, %v", got, err)
				}
				return
			}
			if string(got) != tt.wantOnTop {
				t.Fatalf("effects layer's usr/bin/tool: %q, %v; want %q", got, err, tt.wantOnTop)
			}
			if fi, err := os.Stat(filepath.Join(eff, "usr/bin/tool")); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("mode %v, %v", fi.Mode(), err)
			}
		})
	}
}
