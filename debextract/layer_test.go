package debextract

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

func deb(name string, entries ...debtest.Entry) []byte {
	return debtest.Deb{Control: debtest.Control(name, "1", "amd64"), Entries: entries}.MustBytes()
}

// layer extracts the packages into e.out as one layer.
func (e env) layer(t *testing.T, opt Options, debs ...[]byte) ([]*Result, error) {
	t.Helper()
	l, err := NewLayer(e.out, opt)
	if err != nil {
		t.Fatal(err)
	}
	var res []*Result
	for _, d := range debs {
		r, err := l.Extract(bytes.NewReader(d))
		if err != nil {
			l.Close()
			return res, err
		}
		res = append(res, r)
	}
	return res, l.Close()
}

func TestLayer(t *testing.T) {
	t1 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	a := deb("pa",
		debtest.Dir("./", 0755),
		debtest.Entry{Name: "./usr/", Type: '5', Mode: 0755, ModTime: t1},
		debtest.Entry{Name: "./usr/bin/", Type: '5', Mode: 0755, ModTime: t1},
		debtest.File("./usr/bin/tool", 0755, "from a"),
		debtest.Symlink("./usr/bin/link", "tool"),
		debtest.Entry{Name: "./etc/", Type: '5', Mode: 0750, ModTime: t1},
		debtest.File("./etc/a.conf", 0644, "a"),
	)
	b := deb("pb",
		debtest.Dir("./", 0755),
		debtest.Entry{Name: "./usr/", Type: '5', Mode: 0755, ModTime: t2},
		debtest.Entry{Name: "./usr/bin/", Type: '5', Mode: 0755, ModTime: t2},
		debtest.File("./usr/bin/tool", 0755, "from b"),
		debtest.File("./usr/bin/link", 0644, "now a file"),
		debtest.File("./etc/b.conf", 0644, "b"), // etc/ is not listed: a's metadata stays
	)
	e := newEnv(t)
	res, err := e.layer(t, Options{DpkgStatus: true}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Package != "pa" || res[1].Package != "pb" {
		t.Fatalf("results %v", res)
	}
	if got := readFile(t, filepath.Join(e.out, "usr/bin/tool")); got != "from b" {
		t.Errorf("tool %q", got)
	}
	if fi, _ := lstat(t, filepath.Join(e.out, "usr/bin/link")); !fi.Mode().IsRegular() {
		t.Errorf("link not replaced: %v", fi.Mode())
	}
	for _, f := range []string{"etc/a.conf", "etc/b.conf", "var/lib/dpkg/status.d/pa", "var/lib/dpkg/status.d/pb"} {
		if !exists(filepath.Join(e.out, f)) {
			t.Errorf("%s missing", f)
		}
	}
	// Directory metadata: the last package listing a directory wins, and
	// nothing written by a later package disturbs an earlier one's.
	for p, want := range map[string]time.Time{"usr": t2, "usr/bin": t2, "etc": t1, "var/lib/dpkg/status.d": debtest.DefaultModTime} {
		if fi, _ := lstat(t, filepath.Join(e.out, p)); !fi.ModTime().Equal(want) {
			t.Errorf("%s mtime %v, want %v", p, fi.ModTime(), want)
		}
	}
	if fi, _ := lstat(t, filepath.Join(e.out, "etc")); fi.Mode().Perm() != 0750 {
		t.Errorf("etc mode %v", fi.Mode())
	}
	e.checkOutside(t)
}

func TestLayerConflicts(t *testing.T) {
	a := deb("liba", debtest.WithParents([]debtest.Entry{debtest.File("./usr/lib/x/y", 0644, "y")})...)
	b := deb("libb", debtest.WithParents([]debtest.Entry{debtest.File("./usr/lib/x", 0644, "x")})...)
	e := newEnv(t)
	_, err := e.layer(t, Options{}, a, b)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "package libb would replace directory usr/lib/x of package liba with a non-directory") {
		t.Fatalf("err = %v", err)
	}
	// The same within one package keeps its old message.
	e = newEnv(t)
	_, err = e.layer(t, Options{}, deb("one", debtest.Dir("./d/", 0755), debtest.File("./d", 0644, "")))
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "would replace directory d with a non-directory") || strings.Contains(err.Error(), "package") {
		t.Fatalf("err = %v", err)
	}
	// A directory replaces an earlier package's file.
	e = newEnv(t)
	if _, err := e.layer(t, Options{}, b, a); err != nil {
		t.Fatal(err)
	}
	if fi, _ := lstat(t, filepath.Join(e.out, "usr/lib/x")); !fi.IsDir() {
		t.Errorf("usr/lib/x is not a directory")
	}
	// Hard links only reach files of the same package.
	e = newEnv(t)
	c := deb("pc", debtest.Hardlink("./usr/lib/h", "./usr/lib/x/y"))
	if _, err := e.layer(t, Options{}, a, c); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("cross-package hard link: %v", err)
	}
	e.checkOutside(t)
	// A closed layer refuses more work.
	l, err := NewLayer(e.tmp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Extract(bytes.NewReader(a)); err == nil {
		t.Fatal("extract after close")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLayer(filepath.Join(e.tmp, "missing"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing dir: %v", err)
	}
}
