package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

// build compiles the command as it ships: static, without cgo.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "distrofile-extract")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
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

	run := func(args ...string) (string, string, int) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Env = []string{} // it must need nothing from its environment
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
