package debextract

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
	b := debtest.Deb{Control: debtest.Control("pb", "1", "amd64") + "Replaces: pa (<< 2)\n", Entries: []debtest.Entry{
		debtest.Dir("./", 0755),
		{Name: "./usr/", Type: '5', Mode: 0755, ModTime: t2},
		{Name: "./usr/bin/", Type: '5', Mode: 0755, ModTime: t2},
		debtest.File("./usr/bin/tool", 0755, "from b"),
		debtest.File("./usr/bin/link", 0644, "now a file"),
		debtest.File("./etc/b.conf", 0644, "b"), // etc/ is not listed: a's metadata stays
	}}.MustBytes()
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

// debWith is a package with extra control fields ("Replaces: a") and
// entries, with their parent directories.
func debWith(name, version, fields string, entries ...debtest.Entry) []byte {
	return debtest.Deb{Control: debtest.Control(name, version, "amd64") + fields, Entries: debtest.WithParents(entries)}.MustBytes()
}

// TestLayerOwners: two packages of one layer that ship the same path get
// dpkg's rules (package owners), in either order.
func TestLayerOwners(t *testing.T) {
	file := func(body string) debtest.Entry { return debtest.File("./usr/bin/x", 0755, body) }
	tests := []struct {
		name     string
		opt      Options
		debs     [][]byte
		want     string // usr/bin/x's content, or
		wantErr  string // the conflict
		wantList map[string][]string
	}{
		{name: "file over file refused",
			debs:    [][]byte{debWith("pa", "1", "", file("a")), debWith("pb", "1", "", file("b"))},
			wantErr: "file /usr/bin/x of package pa 1 and file /usr/bin/x of package pb 1 are the same path /usr/bin/x, and neither package Replaces the other: dpkg refuses to install pb (trying to overwrite '/usr/bin/x', which is also in package pa)"},
		{name: "the later Replaces the earlier",
			debs: [][]byte{debWith("pa", "1", "", file("a")), debWith("pb", "1", "Replaces: pa (<< 2)\n", file("b"))},
			want: "b", wantList: map[string][]string{"pa": {"d /usr", "d /usr/bin"}, "pb": {"d /usr", "d /usr/bin", "f /usr/bin/x"}}},
		{name: "the earlier Replaces the later: it stays",
			debs: [][]byte{debWith("pa", "1", "Replaces: pb\n", file("a")), debWith("pb", "1", "", file("b"))},
			want: "a", wantList: map[string][]string{"pa": {"d /usr", "d /usr/bin", "f /usr/bin/x"}, "pb": {"d /usr", "d /usr/bin"}}},
		{name: "a versioned Replaces that does not hold",
			debs:    [][]byte{debWith("pa", "2", "", file("a")), debWith("pb", "1", "Replaces: pa (<< 2)\n", file("b"))},
			wantErr: "neither package Replaces the other"},
		{name: "a virtual package does not count",
			debs:    [][]byte{debWith("pa", "1", "Provides: v\n", file("a")), debWith("pb", "1", "Replaces: v\n", file("b"))},
			wantErr: "neither package Replaces the other"},
		{name: "symbolic link over file",
			debs:    [][]byte{debWith("pa", "1", "", file("a")), debWith("pb", "1", "", debtest.Symlink("./usr/bin/x", "y"))},
			wantErr: "file /usr/bin/x of package pa 1 and symbolic link /usr/bin/x of package pb 1 are the same path"},
		{name: "file over another package's directory",
			debs:    [][]byte{debWith("pa", "1", "", debtest.File("./usr/bin/x/y", 0644, "")), debWith("pb", "1", "Replaces: pa\n", file("b"))},
			wantErr: "file /usr/bin/x of package pb 1 would replace directory /usr/bin/x of package pa 1: dpkg refuses to install pb"},
		{name: "directory over another package's file",
			debs:    [][]byte{debWith("pa", "1", "", file("a")), debWith("pb", "1", "", debtest.Dir("./usr/bin/x", 0755))},
			wantErr: "directory /usr/bin/x of package pb 1 would replace file /usr/bin/x of package pa 1"},
		{name: "entries beneath another package's symbolic link",
			debs:    [][]byte{debWith("pa", "1", "", debtest.Symlink("./usr/bin/x", "/opt")), debWith("pb", "1", "", debtest.File("./usr/bin/x/y", 0644, ""))},
			wantErr: "directory /usr/bin/x of package pb 1 would replace symbolic link /usr/bin/x of package pa 1"},
		{name: "merged /usr makes two paths one", opt: Options{UsrMerge: true},
			debs:    [][]byte{debWith("pa", "1", "", debtest.File("./bin/x", 0755, "a")), debWith("pb", "1", "", file("b"))},
			wantErr: "file /bin/x of package pa 1 and file /usr/bin/x of package pb 1 are the same path /usr/bin/x (with merged /usr, /bin/x and /usr/bin/x are the same path)"},
		{name: "merged /usr, with Replaces", opt: Options{UsrMerge: true},
			debs: [][]byte{debWith("pa", "1", "Replaces: pb\n", debtest.File("./bin/x", 0755, "a")), debWith("pb", "1", "", file("b"))},
			want: "a", wantList: map[string][]string{"pa": {"f /usr/bin/x /bin/x"}, "pb": {"d /usr", "d /usr/bin"}}},
		{name: "directories are shared",
			debs: [][]byte{debWith("pa", "1", "", debtest.File("./usr/bin/x", 0644, "a")), debWith("pb", "1", "", debtest.File("./usr/bin/z", 0644, "b"))},
			want: "a", wantList: map[string][]string{"pa": {"d /usr", "d /usr/bin", "f /usr/bin/x"}, "pb": {"d /usr", "d /usr/bin", "f /usr/bin/z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, reverse := range []bool{false, true} {
				debs := slices.Clone(tt.debs)
				if reverse {
					slices.Reverse(debs)
				}
				e := newEnv(t)
				l, err := NewLayer(e.out, tt.opt)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range debs {
					if _, err = l.Extract(bytes.NewReader(d)); err != nil {
						break
					}
				}
				lists := l.Lists()
				if cerr := l.Close(); err == nil {
					err = cerr
				}
				if tt.wantErr != "" {
					want := tt.wantErr
					if reverse { // the other package is the one refused
						want = "package pa "
					}
					if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "package pb 1") {
						t.Fatalf("reverse %v: err = %v, want %q", reverse, err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("reverse %v: %v", reverse, err)
				}
				if got := readFile(t, filepath.Join(e.out, "usr/bin/x")); got != tt.want {
					t.Errorf("reverse %v: usr/bin/x is %q, want %q", reverse, got, tt.want)
				}
				got := map[string][]string{}
				for _, l := range lists {
					got[l.Package] = []string{}
					for _, en := range l.Entries {
						got[l.Package] = append(got[l.Package], strings.TrimSpace(fmt.Sprintf("%s %s %s", string(en.Kind), en.Path, en.Shipped)))
					}
				}
				if !reflect.DeepEqual(got, tt.wantList) {
					t.Errorf("reverse %v: lists %v, want %v", reverse, got, tt.wantList)
				}
				e.checkOutside(t)
			}
		})
	}
}

func TestLayerConflicts(t *testing.T) {
	a := deb("liba", debtest.WithParents([]debtest.Entry{debtest.File("./usr/lib/x/y", 0644, "y")})...)
	// The same within one package keeps its old message.
	e := newEnv(t)
	_, err := e.layer(t, Options{}, deb("one", debtest.Dir("./d/", 0755), debtest.File("./d", 0644, "")))
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "would replace directory d with a non-directory") || strings.Contains(err.Error(), "package") {
		t.Fatalf("err = %v", err)
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
