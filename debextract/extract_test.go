package debextract

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

var (
	t2010 = time.Date(2010, 5, 6, 7, 8, 9, 0, time.UTC)
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2030 = time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
)

// env is a temporary directory holding the output directory "out" and a
// directory "outside" with a file "secret" that no extraction may touch.
type env struct {
	tmp, out, outside string
}

func newEnv(t *testing.T) env {
	t.Helper()
	tmp := t.TempDir()
	e := env{tmp: tmp, out: filepath.Join(tmp, "out"), outside: filepath.Join(tmp, "outside")}
	for _, d := range []string{e.out, e.outside} {
		if err := os.Mkdir(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.outside, "secret"), []byte("secret"), 0644); err != nil {
		t.Fatal(err)
	}
	return e
}

// checkOutside fails unless tmp holds only out and outside, and outside
// holds only the untouched secret (one link, same content).
// checkOutputKinds fails t unless the output holds only directories,
// regular files and symbolic links, and the output directory itself kept
// its mode.
func (e env) checkOutputKinds(t *testing.T) {
	t.Helper()
	_ = filepath.WalkDir(e.out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if d.Type()&^(fs.ModeDir|fs.ModeSymlink) != 0 {
			t.Errorf("%s has type %v", p, d.Type())
		}
		return nil
	})
	if fi, err := os.Lstat(e.out); err != nil || fi.Mode() != fs.ModeDir|0o755 {
		t.Errorf("output directory changed: %v %v", fi.Mode(), err)
	}
}

func (e env) checkOutside(t *testing.T) {
	t.Helper()
	if got := names(t, e.tmp); got != "out,outside" {
		t.Errorf("temporary directory holds %s, want out,outside", got)
	}
	if got := names(t, e.outside); got != "secret" {
		t.Errorf("outside holds %s, want secret", got)
	}
	b, err := os.ReadFile(filepath.Join(e.outside, "secret"))
	if err != nil || string(b) != "secret" {
		t.Errorf("secret changed: %q, %v", b, err)
	}
	if _, st := lstat(t, filepath.Join(e.outside, "secret")); st.Nlink != 1 || st.Mode&0777 != 0644 || st.Uid != 0 {
		t.Errorf("secret's inode changed: nlink %d mode %o uid %d", st.Nlink, st.Mode&07777, st.Uid)
	}
}

func names(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range ents {
		s = append(s, e.Name())
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func lstat(t *testing.T, p string) (os.FileInfo, *syscall.Stat_t) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi, fi.Sys().(*syscall.Stat_t)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func pkg(entries ...debtest.Entry) debtest.Deb {
	return debtest.Deb{Control: debtest.Control("hello", "1.0-1", "amd64"), Entries: entries}
}

func (e env) extract(t *testing.T, d debtest.Deb, opt Options) (*Result, error) {
	t.Helper()
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return Extract(bytes.NewReader(b), e.out, opt)
}

func (e env) mustExtract(t *testing.T, d debtest.Deb, opt Options) *Result {
	t.Helper()
	res, err := e.extract(t, d, opt)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return res
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCompressions(t *testing.T) {
	for _, dc := range []string{"xz", "gz", "zst", "bz2", "none"} {
		for _, cc := range []string{"xz", "gz", "zst", "none"} {
			t.Run(dc+"/"+cc, func(t *testing.T) {
				e := newEnv(t)
				d := pkg(debtest.WithParents([]debtest.Entry{
					debtest.File("./usr/bin/hello", 0755, strings.Repeat("hello world\n", 1000)),
					debtest.Symlink("./usr/bin/hi", "hello"),
				})...)
				d.DataCompression, d.ControlCompression, d.Md5sums = dc, cc, true
				res := e.mustExtract(t, d, Options{})
				if got := readFile(t, filepath.Join(e.out, "usr/bin/hello")); got != strings.Repeat("hello world\n", 1000) {
					t.Fatalf("content %q...", got[:20])
				}
				if res.Package != "hello" || res.Version != "1.0-1" || res.Architecture != "amd64" ||
					string(res.Control) != d.Control || !bytes.Equal(res.Md5sums, debtest.Md5sums(d.Entries)) ||
					res.DataMember != "data.tar"+debtest.Ext(dc) {
					t.Fatalf("result %+v", res)
				}
				if res.Files != 1 || res.Dirs != 2 || res.Symlinks != 1 || res.Bytes != 12000 {
					t.Fatalf("counts %s, %d bytes", res, res.Bytes)
				}
				if got := res.String(); got != "hello 1.0-1 amd64: 1 files, 2 dirs, 1 links" {
					t.Fatalf("String() = %q", got)
				}
				e.checkOutside(t)
			})
		}
	}
}

func TestModesAndOwners(t *testing.T) {
	e := newEnv(t)
	withOwner := func(en debtest.Entry, uid, gid int) debtest.Entry {
		en.UID, en.GID = uid, gid
		return en
	}
	d := pkg(
		debtest.Dir("./", 0755),
		debtest.Dir("./usr/", 0755),
		debtest.Dir("./usr/bin/", 0755),
		withOwner(debtest.File("./usr/bin/suid", 04755, "x"), 0, 42),
		withOwner(debtest.File("./usr/bin/sgid", 02755, "x"), 0, 42),
		withOwner(debtest.Dir("./tmp/", 01777), 0, 0),
		withOwner(debtest.Dir("./srv/", 02755), 0, 42),
		withOwner(debtest.File("./srv/private", 0600, "p"), 1000, 1001),
		withOwner(debtest.Symlink("./srv/link", "private"), 0, 42),
		debtest.File("./srv/none", 0000+0400, "r"),
	)
	e.mustExtract(t, d, Options{})
	for _, c := range []struct {
		path     string
		mode     os.FileMode
		uid, gid uint32
	}{
		{"usr/bin/suid", os.ModeSetuid | 0755, 0, 42},
		{"usr/bin/sgid", os.ModeSetgid | 0755, 0, 42},
		{"tmp", os.ModeDir | os.ModeSticky | 0777, 0, 0},
		{"srv", os.ModeDir | os.ModeSetgid | 0755, 0, 42},
		{"srv/private", 0600, 1000, 1001},
		{"srv/link", os.ModeSymlink | 0777, 0, 42},
		{"srv/none", 0400, 0, 0},
	} {
		fi, st := lstat(t, filepath.Join(e.out, c.path))
		if fi.Mode() != c.mode || st.Uid != c.uid || st.Gid != c.gid {
			t.Errorf("%s: mode %v owner %d:%d, want %v %d:%d", c.path, fi.Mode(), st.Uid, st.Gid, c.mode, c.uid, c.gid)
		}
	}
	// The root entry never changes the output directory itself.
	if fi, _ := lstat(t, e.out); fi.Mode() != os.ModeDir|0755 {
		t.Errorf("out: mode %v", fi.Mode())
	}
}

// TestOwnersInSetgidDirectories: a file is chowned only when it needs it;
// in a set-group-ID directory that was there before (the output directory
// itself, or one of a former extraction) a new file would get the
// directory's group, so it is chowned too. Modes the umask would cut are
// set exactly.
func TestOwnersInSetgidDirectories(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	e := newEnv(t)
	if err := os.Chown(e.out, 0, 42); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(e.out, os.ModeSetgid|0755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.out, "var/mail"), 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(e.out, "var/mail"), 0, 8); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(e.out, "var/mail"), os.ModeSetgid|0775); err != nil {
		t.Fatal(err)
	}
	d := pkg(
		debtest.File("./top", 0644, "t"),
		debtest.Dir("./var/", 0755),
		debtest.Dir("./var/mail/", 02775),
		debtest.File("./var/mail/box", 0666, "m"),
		debtest.File("./usr/bin/tool", 0755, "x"),
	)
	e.mustExtract(t, d, Options{})
	for _, c := range []struct {
		path     string
		mode     os.FileMode
		uid, gid uint32
	}{
		{"top", 0644, 0, 0},
		{"var/mail/box", 0666, 0, 0},
		{"usr/bin/tool", 0755, 0, 0},
	} {
		fi, st := lstat(t, filepath.Join(e.out, c.path))
		if fi.Mode() != c.mode || st.Uid != c.uid || st.Gid != c.gid {
			t.Errorf("%s: mode %v owner %d:%d, want %v %d:%d", c.path, fi.Mode(), st.Uid, st.Gid, c.mode, c.uid, c.gid)
		}
	}
}

func TestRootEntryIgnored(t *testing.T) {
	e := newEnv(t)
	root := debtest.Dir("./", 0700)
	root.UID, root.GID, root.ModTime = 7, 7, t2010
	e.mustExtract(t, pkg(root, debtest.File("./f", 0644, "")), Options{})
	fi, st := lstat(t, e.out)
	if fi.Mode() != os.ModeDir|0755 || st.Uid != 0 || st.Gid != 0 || fi.ModTime().Equal(t2010) {
		t.Fatalf("output directory changed: %v %d:%d %v", fi.Mode(), st.Uid, st.Gid, fi.ModTime())
	}
}

func TestDirectoryMetadataAppliedLast(t *testing.T) {
	e := newEnv(t)
	dir := func(name string, mode int64) debtest.Entry {
		d := debtest.Dir(name, mode)
		d.ModTime = t2010
		d.GID = 42
		return d
	}
	d := pkg(
		dir("./a/", 0555),
		dir("./a/b/", 0750),
		debtest.File("./a/b/c", 0644, "c"),
		debtest.File("./a/d", 0644, "d"),
		debtest.Symlink("./a/b/s", "c"),
	)
	e.mustExtract(t, d, Options{})
	for p, mode := range map[string]os.FileMode{"a": 0555, "a/b": 0750} {
		fi, st := lstat(t, filepath.Join(e.out, p))
		if !fi.ModTime().Equal(t2010) || fi.Mode().Perm() != mode || st.Gid != 42 {
			t.Errorf("%s: mtime %v mode %v gid %d, want %v %v 42", p, fi.ModTime(), fi.Mode(), st.Gid, t2010, mode)
		}
	}
}

func TestMTimes(t *testing.T) {
	at := func(en debtest.Entry, tm time.Time) debtest.Entry {
		en.ModTime = tm
		return en
	}
	entries := []debtest.Entry{
		at(debtest.Dir("./d/", 0755), t2030),
		at(debtest.File("./d/new", 0644, "n"), t2030),
		at(debtest.File("./d/old", 0644, "o"), t2010),
		at(debtest.Symlink("./d/link", "/nonexistent/target"), t2030),
		at(debtest.Hardlink("./d/hard", "./d/new"), t2010),
	}
	for _, c := range []struct {
		name               string
		max                time.Time
		wantNew, wantOld   time.Time
		wantStatus, wantSD time.Time
	}{
		{"clamped", t2020, t2020, t2010, t2020, t2020},
		{"unclamped", time.Time{}, t2030, t2010, t2030, t2030},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			d := pkg(entries...)
			d.Control = debtest.Control("hello", "1", "all")
			// The control member's mtime is debtest.DefaultModTime (2024).
			e.mustExtract(t, d, Options{MaxMTime: c.max, DpkgStatus: true})
			check := func(p string, want time.Time) {
				t.Helper()
				fi, _ := lstat(t, filepath.Join(e.out, p))
				if !fi.ModTime().Equal(want) {
					t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), want)
				}
			}
			check("d", c.wantNew)
			check("d/new", c.wantNew)
			check("d/hard", c.wantNew)
			check("d/link", c.wantNew)
			check("d/old", c.wantOld)
			ctl := debtest.DefaultModTime
			if !c.max.IsZero() && ctl.After(c.max) {
				ctl = c.max
			}
			check("var", ctl)
			check("var/lib/dpkg/status.d", ctl)
			check("var/lib/dpkg/status.d/hello", ctl)
		})
	}
}

func TestSymlinks(t *testing.T) {
	e := newEnv(t)
	long := "/usr/lib/" + strings.Repeat("very-long-target-component/", 10) + "x"
	d := pkg(
		debtest.Symlink("./abs", "/etc/alternatives/editor"),
		debtest.Symlink("./rel", "../lib/x86_64-linux-gnu/libfoo.so.1"),
		debtest.Symlink("./root", "/"),
		debtest.Symlink("./long", long),
		debtest.Symlink("./dot", "."),
	)
	res := e.mustExtract(t, d, Options{})
	for name, want := range map[string]string{
		"abs": "/etc/alternatives/editor", "rel": "../lib/x86_64-linux-gnu/libfoo.so.1",
		"root": "/", "long": long, "dot": ".",
	} {
		got, err := os.Readlink(filepath.Join(e.out, name))
		if err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
		}
	}
	if res.Symlinks != 5 {
		t.Errorf("Symlinks = %d", res.Symlinks)
	}
	e.checkOutside(t)
}

func TestHardlinks(t *testing.T) {
	e := newEnv(t)
	long := "./usr/share/" + strings.Repeat("a-long-directory-name/", 6) + "file"
	d := pkg(debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/bin/perl5.40.1", 0755, "perl"),
		debtest.Hardlink("./usr/bin/perl", "./usr/bin/perl5.40.1"),
		debtest.File(long, 0644, "long"),
		debtest.Hardlink("./usr/bin/l", long),
		debtest.Hardlink("./usr/bin/l2", "usr/bin/l"), // a link to a link, no "./"
		debtest.Hardlink("./usr/bin/perl", "./usr/bin/perl5.40.1"),
	})...)
	res := e.mustExtract(t, d, Options{})
	a, _ := lstat(t, filepath.Join(e.out, "usr/bin/perl5.40.1"))
	b, st := lstat(t, filepath.Join(e.out, "usr/bin/perl"))
	if !os.SameFile(a, b) || st.Nlink != 2 {
		t.Fatalf("perl is not a hard link of perl5.40.1 (nlink %d)", st.Nlink)
	}
	c, _ := lstat(t, filepath.Join(e.out, long))
	l, st := lstat(t, filepath.Join(e.out, "usr/bin/l2"))
	if !os.SameFile(c, l) || st.Nlink != 3 {
		t.Fatalf("long-name hard links broken (nlink %d)", st.Nlink)
	}
	if res.Hardlinks != 4 || res.Files != 2 {
		t.Fatalf("counts %s", res)
	}
}

func TestLongNames(t *testing.T) {
	e := newEnv(t)
	name := "./usr/share/doc/" + strings.Repeat("x", 120) + "/" + strings.Repeat("y", 150)
	d := pkg(debtest.File(name, 0644, "long"))
	d.DataCompression = "none"
	e.mustExtract(t, d, Options{})
	if got := readFile(t, filepath.Join(e.out, name)); got != "long" {
		t.Fatalf("got %q", got)
	}
}

func TestUsrMerge(t *testing.T) {
	entries := []debtest.Entry{
		debtest.Dir("./", 0755),
		debtest.Dir("./bin/", 0755),
		debtest.File("./bin/ls", 0755, "ls"),
		debtest.Dir("./sbin/", 0755),
		debtest.Hardlink("./sbin/ls2", "./bin/ls"),
		debtest.Dir("./lib/", 0755),
		debtest.Dir("./lib/x86_64-linux-gnu/", 0755),
		debtest.File("./lib/x86_64-linux-gnu/libc.so.6", 0644, "libc"),
		debtest.Dir("./lib64/", 0755),
		debtest.Symlink("./lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
		debtest.Dir("./usr/", 0755),
		debtest.Dir("./usr/bin/", 0755),
		debtest.File("./usr/bin/cat", 0755, "cat"),
		debtest.Dir("./binary/", 0755),
		debtest.File("./binary/x", 0644, "x"),
	}
	t.Run("on", func(t *testing.T) {
		e := newEnv(t)
		res := e.mustExtract(t, pkg(entries...), Options{UsrMerge: true})
		if got := names(t, e.out); got != "binary,usr" {
			t.Fatalf("top level: %s", got)
		}
		for _, p := range []string{"usr/bin/ls", "usr/bin/cat", "usr/sbin/ls2", "usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib64/ld-linux-x86-64.so.2", "binary/x"} {
			if !exists(filepath.Join(e.out, p)) {
				t.Errorf("%s missing", p)
			}
		}
		a, _ := lstat(t, filepath.Join(e.out, "usr/bin/ls"))
		b, _ := lstat(t, filepath.Join(e.out, "usr/sbin/ls2"))
		if !os.SameFile(a, b) {
			t.Errorf("usr/sbin/ls2 is not a hard link to usr/bin/ls")
		}
		if target, _ := os.Readlink(filepath.Join(e.out, "usr/lib64/ld-linux-x86-64.so.2")); target != "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" {
			t.Errorf("symlink target rewritten: %q", target)
		}
		if res.Dirs != 6 { // ./, usr, usr/bin, lib/x86_64-linux-gnu, binary — the root is not counted
			t.Logf("dirs %d", res.Dirs)
		}
	})
	t.Run("off", func(t *testing.T) {
		e := newEnv(t)
		e.mustExtract(t, pkg(entries...), Options{})
		if got := names(t, e.out); got != "bin,binary,lib,lib64,sbin,usr" {
			t.Fatalf("top level: %s", got)
		}
		a, _ := lstat(t, filepath.Join(e.out, "bin/ls"))
		b, _ := lstat(t, filepath.Join(e.out, "sbin/ls2"))
		if !os.SameFile(a, b) || !a.Mode().IsRegular() {
			t.Errorf("sbin/ls2 is not a hard link to bin/ls")
		}
	})
	t.Run("base-files symlinks kept", func(t *testing.T) {
		e := newEnv(t)
		e.mustExtract(t, pkg(
			debtest.Dir("./", 0755),
			debtest.Symlink("./bin", "usr/bin"),
			debtest.Symlink("./lib64", "usr/lib64"),
			debtest.Dir("./usr/", 0755),
			debtest.Dir("./usr/bin/", 0755),
		), Options{UsrMerge: true})
		for name, want := range map[string]string{"bin": "usr/bin", "lib64": "usr/lib64"} {
			if got, err := os.Readlink(filepath.Join(e.out, name)); err != nil || got != want {
				t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
			}
		}
	})
}

func TestDpkgStatus(t *testing.T) {
	t.Run("with md5sums", func(t *testing.T) {
		e := newEnv(t)
		d := pkg(debtest.WithParents([]debtest.Entry{debtest.File("./usr/bin/hello", 0755, "hi")})...)
		d.Md5sums = true
		e.mustExtract(t, d, Options{DpkgStatus: true, MaxMTime: t2020})
		sd := filepath.Join(e.out, "var/lib/dpkg/status.d")
		if got := readFile(t, filepath.Join(sd, "hello")); got != d.Control {
			t.Errorf("status file %q, want %q", got, d.Control)
		}
		if got := readFile(t, filepath.Join(sd, "hello.md5sums")); got != string(debtest.Md5sums(d.Entries)) {
			t.Errorf("md5sums %q", got)
		}
		for _, p := range []string{"var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/status.d"} {
			fi, st := lstat(t, filepath.Join(e.out, p))
			if fi.Mode() != os.ModeDir|0755 || st.Uid != 0 || st.Gid != 0 || !fi.ModTime().Equal(t2020) {
				t.Errorf("%s: %v %d:%d %v", p, fi.Mode(), st.Uid, st.Gid, fi.ModTime())
			}
		}
		for _, p := range []string{"hello", "hello.md5sums"} {
			fi, st := lstat(t, filepath.Join(sd, p))
			if fi.Mode() != 0644 || st.Uid != 0 || !fi.ModTime().Equal(t2020) {
				t.Errorf("%s: %v %d %v", p, fi.Mode(), st.Uid, fi.ModTime())
			}
		}
	})
	t.Run("no md5sums, no trailing newline", func(t *testing.T) {
		e := newEnv(t)
		d := pkg(debtest.File("./f", 0644, ""))
		d.Control = "Package: libfoo1\nVersion: 2\nArchitecture: arm64"
		res := e.mustExtract(t, d, Options{DpkgStatus: true})
		sd := filepath.Join(e.out, "var/lib/dpkg/status.d")
		if got := names(t, sd); got != "libfoo1" {
			t.Fatalf("status.d holds %s", got)
		}
		if got := readFile(t, filepath.Join(sd, "libfoo1")); got != d.Control+"\n" {
			t.Errorf("status %q", got)
		}
		if res.Md5sums != nil || res.Architecture != "arm64" {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("off", func(t *testing.T) {
		e := newEnv(t)
		e.mustExtract(t, pkg(debtest.File("./f", 0644, "")), Options{})
		if got := names(t, e.out); got != "f" {
			t.Fatalf("out holds %s", got)
		}
	})
	t.Run("hostile package name", func(t *testing.T) {
		e := newEnv(t)
		d := pkg(debtest.File("./f", 0644, ""))
		d.Control = "Package: ../../../evil\nVersion: 1\n"
		_, err := e.extract(t, d, Options{DpkgStatus: true})
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("err = %v, want ErrFormat", err)
		}
		e.checkOutside(t)
	})
}

// hostile describes one hostile or malformed package.
type hostile struct {
	name    string
	entries func(e env) []debtest.Entry
	deb     func(e env) []byte // overrides entries
	opt     Options
	want    error // nil: must succeed
	check   func(t *testing.T, e env, res *Result)
}

func TestHostile(t *testing.T) {
	escape := func(e env) string { return "." + e.outside } // "./tmp/.../outside" through "./evil -> /"
	cases := []hostile{
		{name: "dotdot", want: ErrUnsafe,
			entries: func(env) []debtest.Entry { return []debtest.Entry{debtest.File("../x", 0644, "x")} }},
		{name: "dotdot after clean", want: ErrUnsafe,
			entries: func(env) []debtest.Entry { return []debtest.Entry{debtest.File("./a/../../x", 0644, "x")} }},
		{name: "absolute dotdot", want: ErrUnsafe,
			entries: func(env) []debtest.Entry { return []debtest.Entry{debtest.File("/../../x", 0644, "x")} }},
		{name: "dotdot into outside", want: ErrUnsafe,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.File("./../outside/secret", 0644, "pwned")}
			}},
		{name: "absolute name is relative to out",
			entries: func(env) []debtest.Entry { return []debtest.Entry{debtest.File("/etc/hostname", 0644, "h")} },
			check: func(t *testing.T, e env, _ *Result) {
				if readFile(t, filepath.Join(e.out, "etc/hostname")) != "h" {
					t.Error("etc/hostname not written under out")
				}
			}},
		{name: "write through symlink to /", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./evil", "/"),
					debtest.File("./evil"+escape(e)[1:]+"/pwned", 0644, "pwned"),
				}
			}},
		{name: "replace through symlink to /", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./evil", "/"),
					debtest.File("./evil"+escape(e)[1:]+"/secret", 0644, "pwned"),
				}
			}},
		{name: "etc/passwd through symlink", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./evil", e.outside),
					debtest.File("./evil/etc/passwd", 0644, "root::0:0::/:/bin/sh\n"),
				}
			}},
		{name: "relative symlink up", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./up", ".."),
					debtest.File("./up/outside/pwned", 0644, "pwned"),
				}
			}},
		{name: "nested symlink parent", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Dir("./a/", 0755),
					debtest.Symlink("./a/b", e.outside),
					debtest.Dir("./a/b/c/", 0755),
				}
			}},
		{name: "symlink then directory under it", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{debtest.Symlink("./evil", e.outside), debtest.Dir("./evil/sub/", 0755)}
			}},
		{name: "symlink then symlink under it", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{debtest.Symlink("./evil", e.outside), debtest.Symlink("./evil/l", "/")}
			}},
		{name: "symlink then hard link under it", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.File("./f", 0644, "f"),
					debtest.Symlink("./evil", e.outside),
					debtest.Hardlink("./evil/h", "./f"),
				}
			}},
		{name: "hard link to ../../etc/passwd", want: ErrUnsafe,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Hardlink("./h", "../../etc/passwd")}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if exists(filepath.Join(e.out, "h")) {
					t.Error("h created")
				}
			}},
		{name: "hard link to outside", want: ErrUnsafe,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Hardlink("./h", "../outside/secret")}
			}},
		{name: "hard link to absolute outside", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{debtest.Hardlink("./h", e.outside+"/secret")}
			}},
		{name: "hard link to symlink pointing outside", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./s", filepath.Join(e.outside, "secret")),
					debtest.Hardlink("./h", "./s"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if exists(filepath.Join(e.out, "h")) {
					t.Error("h created")
				}
			}},
		{name: "hard link through symlinked directory", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./s", e.outside),
					debtest.Hardlink("./h", "./s/secret"),
				}
			}},
		{name: "hard link to file replaced by symlink", want: ErrUnsafe,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.File("./f", 0644, "f"),
					debtest.Symlink("./f", filepath.Join(e.outside, "secret")),
					debtest.Hardlink("./h", "./f"),
				}
			}},
		{name: "hard link to entry not yet extracted", want: ErrUnsafe,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Hardlink("./h", "./later"), debtest.File("./later", 0644, "")}
			}},
		{name: "hard link to directory", want: ErrUnsafe,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Dir("./d/", 0755), debtest.Hardlink("./h", "./d")}
			}},
		{name: "file replaces symlink, not its target",
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./l", filepath.Join(e.outside, "secret")),
					debtest.File("./l", 0600, "new"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				fi, _ := lstat(t, filepath.Join(e.out, "l"))
				if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0600 || readFile(t, filepath.Join(e.out, "l")) != "new" {
					t.Errorf("l: %v", fi.Mode())
				}
			}},
		{name: "symlink replaces symlink",
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./l", filepath.Join(e.outside, "secret")),
					debtest.Symlink("./l", "other"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if got, _ := os.Readlink(filepath.Join(e.out, "l")); got != "other" {
					t.Errorf("l -> %q", got)
				}
			}},
		{name: "hard link replaces symlink",
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.File("./f", 0644, "f"),
					debtest.Symlink("./l", filepath.Join(e.outside, "secret")),
					debtest.Hardlink("./l", "./f"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if readFile(t, filepath.Join(e.out, "l")) != "f" {
					t.Error("l is not f")
				}
			}},
		{name: "directory replaces symlink",
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{
					debtest.Symlink("./l", e.outside),
					debtest.Dir("./l/", 0700),
					debtest.File("./l/secret", 0644, "pwned"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				fi, _ := lstat(t, filepath.Join(e.out, "l"))
				if !fi.IsDir() || fi.Mode().Perm() != 0700 || readFile(t, filepath.Join(e.out, "l/secret")) != "pwned" {
					t.Errorf("l: %v", fi.Mode())
				}
			}},
		{name: "directory owner applied",
			entries: func(e env) []debtest.Entry {
				d := debtest.Dir("./d/", 0700)
				d.UID = 5
				return []debtest.Entry{d, debtest.File("./d/x", 0644, "x")}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if _, st := lstat(t, filepath.Join(e.out, "d")); st.Uid != 5 {
					t.Errorf("d uid %d", st.Uid)
				}
			}},
		{name: "character device skipped",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Dir("./dev/", 0755), debtest.Char("./dev/null", 1, 3)}
			},
			check: func(t *testing.T, e env, res *Result) {
				if exists(filepath.Join(e.out, "dev/null")) {
					t.Error("dev/null created")
				}
				if len(res.Skipped) != 1 || res.Skipped[0] != (Skipped{Name: "./dev/null", Type: tar.TypeChar, Reason: "character device"}) {
					t.Errorf("skipped %+v", res.Skipped)
				}
				if !strings.HasSuffix(res.String(), ", 1 skipped") {
					t.Errorf("summary %q", res.String())
				}
			}},
		{name: "block device and fifo skipped",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{
					{Name: "./sda", Type: tar.TypeBlock, Devmajor: 8},
					debtest.Fifo("./fifo"),
					debtest.Char("../../dev/evil", 1, 3),
				}
			},
			check: func(t *testing.T, e env, res *Result) {
				if got := names(t, e.out); got != "" {
					t.Errorf("out holds %s", got)
				}
				if len(res.Skipped) != 3 || res.Skipped[1].Reason != "named pipe" || res.Skipped[0].Reason != "block device" {
					t.Errorf("skipped %+v", res.Skipped)
				}
			}},
		{name: "device does not replace a file",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.File("./x", 0644, "x"), debtest.Fifo("./x")}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if readFile(t, filepath.Join(e.out, "x")) != "x" {
					t.Error("x changed")
				}
			}},
		{name: "duplicate file, later wins",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.File("./x", 0644, "first"), debtest.File("./x", 0755, "second")}
			},
			check: func(t *testing.T, e env, _ *Result) {
				fi, _ := lstat(t, filepath.Join(e.out, "x"))
				if readFile(t, filepath.Join(e.out, "x")) != "second" || fi.Mode().Perm() != 0755 {
					t.Error("first entry won")
				}
			}},
		{name: "duplicate file does not write through hard link",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{
					debtest.File("./a", 0644, "a"),
					debtest.Hardlink("./b", "./a"),
					debtest.File("./b", 0644, "b"),
				}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if readFile(t, filepath.Join(e.out, "a")) != "a" || readFile(t, filepath.Join(e.out, "b")) != "b" {
					t.Error("rewriting b changed a")
				}
			}},
		{name: "duplicate directory, later metadata wins",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Dir("./d/", 0755), debtest.File("./d/x", 0644, ""), debtest.Dir("./d/", 0700)}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if fi, _ := lstat(t, filepath.Join(e.out, "d")); fi.Mode().Perm() != 0700 || !exists(filepath.Join(e.out, "d/x")) {
					t.Errorf("d: %v", fi.Mode())
				}
			}},
		{name: "file replaces directory", want: ErrConflict,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.Dir("./d/", 0755), debtest.File("./d", 0644, "")}
			}},
		{name: "symlink replaces directory", want: ErrConflict,
			entries: func(e env) []debtest.Entry {
				return []debtest.Entry{debtest.Dir("./d/", 0755), debtest.Symlink("./d", e.outside)}
			}},
		{name: "directory replaces file",
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.File("./d", 0644, ""), debtest.Dir("./d/", 0755)}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if fi, _ := lstat(t, filepath.Join(e.out, "d")); !fi.IsDir() {
					t.Error("d is not a directory")
				}
			}},
		{name: "file as parent", want: ErrConflict,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{debtest.File("./f", 0644, ""), debtest.File("./f/x", 0644, "")}
			}},
		{name: "file too large", want: ErrLimit, opt: Options{MaxFileSize: 10},
			entries: func(env) []debtest.Entry { return []debtest.Entry{debtest.File("./f", 0644, "01234567890")} }},
		{name: "total too large", want: ErrLimit, opt: Options{MaxTotalSize: 150000},
			entries: func(env) []debtest.Entry {
				body := strings.Repeat("x", 100000)
				return []debtest.Entry{debtest.File("./a", 0644, body), debtest.File("./b", 0644, body)}
			},
			check: func(t *testing.T, e env, _ *Result) {
				if exists(filepath.Join(e.out, "b")) {
					t.Error("b written")
				}
			}},
		{name: "decompression bomb after the end of the archive", want: ErrLimit, opt: Options{MaxTotalSize: 1 << 20},
			deb: func(env) []byte {
				ms, _ := pkg(debtest.File("./f", 0644, "f")).Members()
				tr, _ := debtest.Tar([]debtest.Entry{debtest.File("./f", 0644, "f")})
				data, _ := debtest.Compress(append(tr, make([]byte, 64<<20)...), "xz")
				ms[2].Data = data
				b, _ := debtest.AR(ms...)
				return b
			}},
		{name: "decompression bomb in a file", want: ErrLimit, opt: Options{MaxFileSize: 1 << 20},
			deb: func(env) []byte {
				d := pkg(debtest.File("./f", 0644, string(make([]byte, 16<<20))))
				d.DataCompression = "zst"
				return mustDeb(d)
			},
			check: func(t *testing.T, e env, _ *Result) {
				if exists(filepath.Join(e.out, "f")) {
					t.Error("f written")
				}
			}},
		{name: "bad owner", want: ErrFormat,
			entries: func(env) []debtest.Entry {
				return []debtest.Entry{{Name: "./f", UID: -1}}
			}},
		{name: "unsupported type", want: ErrFormat,
			entries: func(env) []debtest.Entry { return []debtest.Entry{{Name: "./v", Type: 'V'}} }},
		{name: "garbage ar", want: ErrFormat,
			deb: func(env) []byte { return []byte("this is not a Debian package at all\n") }},
		{name: "empty input", want: ErrFormat,
			deb: func(env) []byte { return nil }},
		{name: "bad ar header", want: ErrFormat,
			deb: func(env) []byte {
				return []byte("!<arch>\ndebian-binary   0           0     0     100644  x4        `\n2.0\n")
			}},
		{name: "wrong debian-binary", want: ErrFormat,
			deb: func(env) []byte {
				return mustDeb(debtest.Deb{Control: debtest.Control("aa", "1", "all"), BinaryVersion: "3.0\n"})
			}},
		{name: "old debian-binary", want: ErrFormat,
			deb: func(env) []byte {
				return mustDeb(debtest.Deb{Control: debtest.Control("aa", "1", "all"), BinaryVersion: "0.939000\n"})
			}},
		{name: "minor debian-binary version accepted",
			deb: func(env) []byte {
				return mustDeb(debtest.Deb{Control: debtest.Control("aa", "1", "all"), BinaryVersion: "2.1\n"})
			}},
		{name: "debian-binary not first", want: ErrFormat,
			deb: func(env) []byte { return reorder(1, 0, 2) }},
		{name: "data before control", want: ErrFormat,
			deb: func(env) []byte { return reorder(0, 2, 1) }},
		{name: "missing data", want: ErrFormat,
			deb: func(env) []byte { return reorder(0, 1) }},
		{name: "underscore members ignored",
			deb: func(env) []byte {
				ms, _ := pkg(debtest.File("./f", 0644, "f")).Members()
				sig := debtest.Member{Name: "_gpgorigin", Data: []byte("signature")}
				b, _ := debtest.AR(ms[0], sig, ms[1], sig, ms[2], sig)
				return b
			},
			check: func(t *testing.T, e env, _ *Result) {
				if readFile(t, filepath.Join(e.out, "f")) != "f" {
					t.Error("f missing")
				}
			}},
		{name: "unknown data compression", want: ErrFormat,
			deb: func(env) []byte {
				ms, _ := pkg().Members()
				ms[2].Name = "data.tar.lz4"
				b, _ := debtest.AR(ms...)
				return b
			}},
		{name: "no control file", want: ErrFormat,
			deb: func(env) []byte {
				ms, _ := pkg().Members()
				ctl, _ := debtest.Tar([]debtest.Entry{debtest.File("./postinst", 0755, "")})
				ms[1] = debtest.Member{Name: "control.tar", Data: ctl}
				b, _ := debtest.AR(ms...)
				return b
			}},
		{name: "truncated xz stream", want: nil, // any error
			deb: func(env) []byte { return truncatedData("xz") }},
		{name: "truncated zst stream",
			deb: func(env) []byte { return truncatedData("zst") }},
		{name: "truncated gz stream",
			deb: func(env) []byte { return truncatedData("gz") }},
		{name: "truncated file", deb: func(env) []byte {
			d := pkg(debtest.File("./f", 0644, strings.Repeat("x", 5000)))
			d.DataCompression = "none"
			b := mustDeb(d)
			return b[:len(b)-3000]
		}},
		{name: "corrupt xz stream", deb: func(env) []byte {
			d := pkg(debtest.File("./f", 0644, strings.Repeat("abc", 5000)))
			ms, _ := d.Members()
			data := append([]byte(nil), ms[2].Data...)
			data[len(data)/2] ^= 0xff
			ms[2].Data = data
			b, _ := debtest.AR(ms...)
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			var b []byte
			if c.deb != nil {
				b = c.deb(e)
			} else {
				d := pkg(c.entries(e)...)
				d.DataCompression = "none"
				b = mustDeb(d)
			}
			res, err := Extract(bytes.NewReader(b), e.out, c.opt)
			mustFail := c.want != nil || strings.Contains(c.name, "truncated") || strings.Contains(c.name, "corrupt")
			switch {
			case mustFail && err == nil:
				t.Fatalf("Extract succeeded, want %v", c.want)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("err = %v, want %v", err, c.want)
			case !mustFail && err != nil:
				t.Fatalf("Extract: %v", err)
			}
			if err != nil {
				var xe *Error
				if !errors.As(err, &xe) || xe.Member == "" {
					t.Errorf("error %v does not name its member", err)
				}
			}
			e.checkOutside(t)
			if c.check != nil {
				c.check(t, e, res)
			}
		})
	}
}

func mustDeb(d debtest.Deb) []byte {
	return d.MustBytes()
}

// reorder returns a package built from the members of a simple package at
// the given indexes.
func reorder(idx ...int) []byte {
	ms, err := pkg(debtest.File("./f", 0644, "f")).Members()
	if err != nil {
		panic(err)
	}
	var out []debtest.Member
	for _, i := range idx {
		out = append(out, ms[i])
	}
	b, err := debtest.AR(out...)
	if err != nil {
		panic(err)
	}
	return b
}

// truncatedData returns a package whose data member is cut in half, with
// an ar header that agrees (so the compressed stream itself is truncated).
func truncatedData(compression string) []byte {
	d := pkg(debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/a", 0644, strings.Repeat("some text, ", 20000)),
		debtest.File("./usr/share/b", 0644, strings.Repeat("more text, ", 20000)),
	})...)
	d.DataCompression = compression
	ms, err := d.Members()
	if err != nil {
		panic(err)
	}
	ms[2].Data = ms[2].Data[:len(ms[2].Data)/2]
	b, err := debtest.AR(ms...)
	if err != nil {
		panic(err)
	}
	return b
}

func TestErrorNamesMemberAndEntry(t *testing.T) {
	for _, c := range []struct {
		deb  debtest.Deb
		want string
	}{
		{pkg(debtest.File("./a/../../x", 0644, "")), "data.tar.xz: ./a/../../x: unsafe entry: path escapes the output directory"},
		{debtest.Deb{Control: debtest.Control("aa", "1", "all"), BinaryVersion: "3.0\n"}, `debian-binary: malformed package: unsupported format version "3.0"`},
		{pkg(debtest.Dir("./d/", 0755), debtest.File("./d", 0644, "")), "data.tar.xz: ./d: conflicting entry: would replace directory d with a non-directory"},
		{pkg(debtest.File("./bad\nname/../../x", 0644, "")), `data.tar.xz: "./bad\nname/../../x": unsafe entry: path escapes the output directory`},
	} {
		e := newEnv(t)
		_, err := e.extract(t, c.deb, Options{})
		if err == nil || err.Error() != c.want {
			t.Errorf("err = %v\nwant  %s", err, c.want)
		}
	}
	_, err := Extract(strings.NewReader("garbage"), t.TempDir(), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "ar archive: ") {
		t.Errorf("garbage: err = %v", err)
	}
}

func TestMissingOutDir(t *testing.T) {
	_, err := Extract(bytes.NewReader(mustDeb(pkg())), filepath.Join(t.TempDir(), "nope"), Options{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	good := pkg(debtest.File("./f", 0644, strings.Repeat("z", 100000)))
	good.DataCompression, good.ControlCompression = "zst", "zst"
	inputs := [][]byte{mustDeb(good), truncatedData("zst")}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		for _, b := range inputs {
			_, _ = Extract(bytes.NewReader(b), t.TempDir(), Options{})
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
}

func TestExtractTarSpecialModes(t *testing.T) {
	tarball, err := debtest.Tar([]debtest.Entry{
		debtest.Dir("./tmp/", 0o1777),
		{Name: "./usr/bin/su", Type: tar.TypeReg, Mode: 0o4755, Body: []byte("x")},
		{Name: "./home/app/", Type: tar.TypeDir, Mode: 0o750, UID: 1337, GID: 1337},
		debtest.Symlink("./bin", "usr/bin"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := ExtractTar(bytes.NewReader(tarball), out, Options{MaxMTime: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dirs != 2 || res.Files != 1 || res.Symlinks != 1 {
		t.Errorf("result %+v", res)
	}
	for name, want := range map[string]os.FileMode{"tmp": 0o777 | os.ModeSticky | os.ModeDir, "usr/bin/su": 0o755 | os.ModeSetuid, "home/app": 0o750 | os.ModeDir} {
		fi, err := os.Lstat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
		if !fi.ModTime().Equal(time.Unix(0, 0)) {
			t.Errorf("%s: mtime %v, want the epoch", name, fi.ModTime())
		}
	}
	if fi, _ := os.Lstat(filepath.Join(out, "home/app")); fi.Sys().(*syscall.Stat_t).Uid != 1337 {
		t.Errorf("home/app not owned by 1337")
	}
	if _, err := ExtractTar(bytes.NewReader(mustTar(t, debtest.File("../escape", 0o644, "x"))), t.TempDir(), Options{}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("escape: %v, want ErrUnsafe", err)
	}
}

func mustTar(t *testing.T, es ...debtest.Entry) []byte {
	t.Helper()
	b, err := debtest.Tar(es)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCAOwners: with Options.CAOwners, only the named packages may ship
// what update-ca-certificates reads, and those only as regular files (or
// hard links) inside its directories; directories, dropped entries and
// other paths are never refused.
func TestCAOwners(t *testing.T) {
	cert := "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
	for _, tc := range []struct {
		name    string
		pkg     string
		owners  []string
		drop    []string
		entries []debtest.Entry
		refused string // the path in the ErrCAFiles error, "" for none
	}{
		{"no guard", "corp-ca", nil, nil, []debtest.Entry{debtest.File("./usr/share/ca-certificates/corp/a.crt", 0644, cert)}, ""},
		{"other package, certificate", "corp-ca", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.File("./usr/share/ca-certificates/corp/a.crt", 0644, cert)}, "/usr/share/ca-certificates/corp/a.crt"},
		{"other package, local certificate", "corp-ca", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.File("./usr/local/share/ca-certificates/a.crt", 0644, cert)}, "/usr/local/share/ca-certificates/a.crt"},
		{"other package, /etc/ssl/certs", "corp-ca", []string{}, nil,
			[]debtest.Entry{debtest.File("./etc/ssl/certs/corp.pem", 0644, cert)}, "/etc/ssl/certs/corp.pem"},
		{"other package, configuration", "corp-ca", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.File("./etc/ca-certificates.conf", 0644, "corp/a.crt\n")}, "/etc/ca-certificates.conf"},
		{"other package, link in place of a parent", "corp-ca", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.Symlink("./etc/ssl", "/opt/ssl")}, "/etc/ssl"},
		{"other package, directories only", "openssl", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.Dir("./etc/ssl/certs", 0755), debtest.File("./etc/ssl/openssl.cnf", 0644, "x")}, ""},
		{"other package, dropped", "corp-ca", []string{"ca-certificates"}, []string{"/usr/share/ca-certificates/**"},
			[]debtest.Entry{debtest.File("./usr/share/ca-certificates/corp/a.crt", 0644, cert)}, ""},
		{"owner, certificate and hard link", "ca-certificates", []string{"ca-certificates"}, nil, []debtest.Entry{
			debtest.File("./usr/share/ca-certificates/mozilla/a.crt", 0644, cert),
			debtest.Hardlink("./usr/share/ca-certificates/mozilla/b.crt", "./usr/share/ca-certificates/mozilla/a.crt"),
		}, ""},
		{"owner, symbolic link", "ca-certificates", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.Symlink("./usr/share/ca-certificates/mozilla/a.crt", "/opt/a.crt")}, "/usr/share/ca-certificates/mozilla/a.crt"},
		{"owner, file in place of a parent", "ca-certificates", []string{"ca-certificates"}, nil,
			[]debtest.Entry{debtest.File("./usr/local/share", 0644, "x")}, "/usr/local/share"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := debtest.Deb{Control: debtest.Control(tc.pkg, "1.0-1", "all"), Entries: debtest.WithParents(tc.entries)}
			_, err := e.extract(t, d, Options{CAOwners: tc.owners, Drop: tc.drop})
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("Extract: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrCAFiles) || !strings.Contains(err.Error(), "package "+tc.pkg+" ships "+tc.refused) {
				t.Fatalf("Extract: %v; want ErrCAFiles for %s", err, tc.refused)
			}
		})
	}
}
