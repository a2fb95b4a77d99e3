package debextract

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

func TestDropperMatch(t *testing.T) {
	tests := []struct {
		specs     []string
		path      string
		container bool
		want      bool
	}{
		// "*" stays within a component; a match drops the subtree.
		{[]string{"/usr/share/doc/*"}, "/usr/share/doc/x", true, true},
		{[]string{"/usr/share/doc/*"}, "/usr/share/doc/x/changelog.gz", false, true},
		{[]string{"/usr/share/doc/*"}, "/usr/share/doc", true, false},
		{[]string{"/usr/share/doc/*"}, "/usr/share/docs/x", false, false},
		{[]string{"/usr/*/doc"}, "/usr/share/doc/x", false, true},
		{[]string{"/usr/*/doc"}, "/usr/a/b/doc", false, false},
		{[]string{"/usr/share/doc/*.gz"}, "/usr/share/doc/a/b.gz", false, false},
		{[]string{"/usr/share/doc/*/*.gz"}, "/usr/share/doc/a/b.gz", false, true},
		// "**" crosses components, zero included.
		{[]string{"/usr/**/*.mo"}, "/usr/share/locale/de/LC_MESSAGES/x.mo", false, true},
		{[]string{"/usr/**/*.mo"}, "/usr/x.mo", false, true},
		{[]string{"/usr/**/*.mo"}, "/usr/share/x.po", false, false},
		{[]string{"/usr/share/locale/**"}, "/usr/share/locale", true, false},
		{[]string{"/usr/share/locale/**"}, "/usr/share/locale/de", true, true},
		{[]string{"/**"}, "/etc", true, true},
		{[]string{"/a/**"}, "/a", true, false},
		{[]string{"/a/**/b"}, "/a/b", false, true},
		{[]string{"/a/**/b/**/c"}, "/a/b/c", false, true},
		{[]string{"/a/**/b/**/c"}, "/a/x/b/y/z/c", false, true},
		{[]string{"/a/**/b/**/c"}, "/a/x/c", false, false},
		// Classes, "?", escapes, trailing slash, several specs.
		{[]string{"/etc/[a-c]?"}, "/etc/bz", false, true},
		{[]string{"/etc/[a-c]?"}, "/etc/dz", false, false},
		{[]string{`/etc/\*`}, "/etc/*", false, true},
		{[]string{`/etc/\*`}, "/etc/x", false, false},
		{[]string{"/usr/share/man/"}, "/usr/share/man/man1/ls.1.gz", false, true},
		{[]string{"/nope", "/usr/share/man"}, "/usr/share/man", true, true},
		// docs: everything but the copyright files and the way to them.
		{[]string{"docs"}, "/usr/share/doc/libc6/copyright", false, false},
		{[]string{"docs"}, "/usr/share/doc/libc6", true, false},
		{[]string{"docs"}, "/usr/share/doc", true, false},
		{[]string{"docs"}, "/usr/share/doc/libc6-dev", true, false}, // a symlink to libc6
		{[]string{"docs"}, "/usr/share/doc/libc6/changelog.Debian.gz", false, true},
		{[]string{"docs"}, "/usr/share/doc/libc6/NEWS", true, true},
		{[]string{"docs"}, "/usr/share/doc/README", false, true},
		{[]string{"docs"}, "/usr/share/doc/libc6/examples/copyright", false, true},
		{[]string{"docs"}, "/usr/share/man", true, true},
		{[]string{"docs"}, "/usr/share/man/man1/ls.1.gz", false, true},
		{[]string{"docs"}, "/usr/share/info/dir", false, true},
		{[]string{"docs"}, "/usr/share/lintian/overrides/libc6", false, true},
		{[]string{"docs"}, "/usr/share/gtk-doc/html", true, true},
		{[]string{"docs"}, "/usr/share/doc-base/x", false, false},
		{[]string{"docs"}, "/usr/share/locale/de/LC_MESSAGES/x.mo", false, false},
		{[]string{"docs"}, "/usr/bin/ls", false, false},
		// A user glob is not limited by a preset's exceptions.
		{[]string{"docs", "/usr/share/doc/**"}, "/usr/share/doc/libc6/copyright", false, true},
		// locales: all but C.UTF-8 and locale.alias.
		{[]string{"locales"}, "/usr/share/locale", true, false},
		{[]string{"locales"}, "/usr/share/locale/locale.alias", false, false},
		{[]string{"locales"}, "/usr/share/locale/de", true, true},
		{[]string{"locales"}, "/usr/share/locale/de/LC_MESSAGES/coreutils.mo", false, true},
		{[]string{"locales"}, "/usr/lib/locale", true, false},
		{[]string{"locales"}, "/usr/lib/locale/C.utf8", true, false},
		{[]string{"locales"}, "/usr/lib/locale/C.utf8/LC_CTYPE", false, false},
		{[]string{"locales"}, "/usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", false, false},
		{[]string{"locales"}, "/usr/lib/locale/locale-archive", false, true},
		{[]string{"locales"}, "/usr/lib/locale/de_DE.utf8/LC_CTYPE", false, true},
		{[]string{"locales"}, "/usr/share/i18n/locales/C", false, false},
		{[]string{"locales"}, "/usr/share/doc/x", false, false},
		// The root is never dropped; no specs drop nothing.
		{[]string{"/**"}, "/", true, false},
		{nil, "/usr/share/doc/x", false, false},
	}
	for _, tt := range tests {
		d, err := NewDropper(tt.specs...)
		if err != nil {
			t.Fatalf("%q: %v", tt.specs, err)
		}
		if got := d.Dropped(tt.path, tt.container); got != tt.want {
			t.Errorf("%q: Dropped(%s, %v) = %v, want %v", tt.specs, tt.path, tt.container, got, tt.want)
		}
	}
	var nilDropper *Dropper
	if nilDropper.Dropped("/x", false) {
		t.Error("nil Dropper drops")
	}
}

func TestDropperErrors(t *testing.T) {
	for _, spec := range []string{"", "doc", "usr/share/doc", "/", "//", "/usr/../etc", "/usr/./x", "/usr/share/doc**", "/a/**b", "/[", `/x\`, "/a\x00b", "/" + strings.Repeat("a/", 65)} {
		if _, err := NewDropper(spec); err == nil {
			t.Errorf("%q accepted", spec)
		} else if err := ValidateDrop(spec); err == nil {
			t.Errorf("ValidateDrop(%q) accepted", spec)
		}
	}
	for _, spec := range []string{"docs", "locales", "/usr/share/doc/*", "/usr/**", "/usr/share/doc/", "/**/**/x"} {
		if err := ValidateDrop(spec); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	e := newEnv(t)
	_, err := e.extract(t, pkg(debtest.File("./x", 0644, "x")), Options{Drop: []string{"relative"}})
	var xe *Error
	if err == nil || !errors.As(err, &xe) || !strings.Contains(err.Error(), `drop pattern relative`) {
		t.Fatalf("err = %v", err)
	}
}

// listTree lists every path beneath dir with a type mark: "/" for
// directories, "@" for symbolic links, nothing for files.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			rel += "/"
		case d.Type()&fs.ModeSymlink != 0:
			rel += "@"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestDropRealShaped drops docs, locales and a glob from a package laid
// out like Debian's (bookworm-style /lib, merged on extraction).
func TestDropRealShaped(t *testing.T) {
	entries := debtest.WithParents([]debtest.Entry{
		debtest.File("./lib/x86_64-linux-gnu/libfoo.so.1", 0644, "so"),
		debtest.File("./lib/x86_64-linux-gnu/libfoo.a", 0644, "archive"),
		debtest.File("./usr/bin/foo", 0755, "foo"),
		debtest.File("./usr/share/doc/foo/copyright", 0644, "GPL"),
		debtest.File("./usr/share/doc/foo/changelog.Debian.gz", 0644, "changes"),
		debtest.File("./usr/share/doc/foo/NEWS.gz", 0644, "news"),
		debtest.File("./usr/share/doc/foo/examples/copyright", 0644, "not the licence"),
		debtest.Symlink("./usr/share/doc/foo-dev", "foo"),
		debtest.File("./usr/share/man/man1/foo.1.gz", 0644, "man"),
		debtest.File("./usr/share/man/de/man1/foo.1.gz", 0644, "Mann"),
		debtest.File("./usr/share/info/foo.info.gz", 0644, "info"),
		debtest.File("./usr/share/lintian/overrides/foo", 0644, "ovr"),
		debtest.File("./usr/share/locale/locale.alias", 0644, "alias"),
		debtest.File("./usr/share/locale/de/LC_MESSAGES/foo.mo", 0644, "de"),
		debtest.File("./usr/share/locale/fr/LC_MESSAGES/foo.mo", 0644, "fr"),
		debtest.File("./usr/lib/locale/C.utf8/LC_CTYPE", 0644, "ctype"),
		debtest.File("./usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", 0644, "msg"),
		debtest.File("./usr/lib/locale/C.utf8/LC_MESSAGES/x", 0644, "x"),
		debtest.File("./usr/lib/locale/de_DE.utf8/LC_CTYPE", 0644, "dectype"),
	})
	e := newEnv(t)
	res := e.mustExtract(t, pkg(entries...), Options{
		UsrMerge: true,
		Drop:     []string{"docs", "locales", "/usr/lib/*/*.a"}, // matched after usrmerge
	})
	want := []string{
		"usr/", "usr/bin/", "usr/bin/foo",
		"usr/lib/", "usr/lib/locale/", "usr/lib/locale/C.utf8/", "usr/lib/locale/C.utf8/LC_CTYPE",
		"usr/lib/locale/C.utf8/LC_MESSAGES/", "usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", "usr/lib/locale/C.utf8/LC_MESSAGES/x",
		"usr/lib/x86_64-linux-gnu/", "usr/lib/x86_64-linux-gnu/libfoo.so.1",
		"usr/share/", "usr/share/doc/", "usr/share/doc/foo-dev@", "usr/share/doc/foo/", "usr/share/doc/foo/copyright",
		"usr/share/locale/", "usr/share/locale/locale.alias",
	}
	if got := listTree(t, e.out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tree:\n got %q\nwant %q", got, want)
	}
	// Dropped: libfoo.a, changelog, NEWS, examples/ + copyright, 4 man
	// dirs + 2 pages, info/ + page, lintian/ + overrides/ + file, de/ fr/
	// and their LC_MESSAGES/ and .mo, de_DE.utf8/ + LC_CTYPE: 24.
	if res.Dropped != 24 || res.DroppedBytes != int64(len("archive")+len("changes")+len("news")+len("not the licence")+len("man")+len("Mann")+len("info")+len("ovr")+len("de")+len("fr")+len("dectype")) {
		t.Errorf("dropped %d entries, %d bytes", res.Dropped, res.DroppedBytes)
	}
	if !strings.HasSuffix(res.String(), ", 24 dropped (58 bytes)") {
		t.Errorf("summary %q", res.String())
	}
	if got := readFile(t, filepath.Join(e.out, "usr/share/doc/foo/copyright")); got != "GPL" {
		t.Errorf("copyright %q", got)
	}
	// Kept directories keep their own metadata.
	if fi, _ := lstat(t, filepath.Join(e.out, "usr/share/doc/foo")); !fi.ModTime().Equal(debtest.DefaultModTime) {
		t.Errorf("usr/share/doc/foo mtime %v", fi.ModTime())
	}
	e.checkOutside(t)
}

// TestExtractOnly takes the C.utf8 locale and the copyright file out of a
// package laid out like libc-bin, also through a DROP of docs, and with
// the user's own drops still applied.
func TestExtractOnly(t *testing.T) {
	entries := debtest.WithParents([]debtest.Entry{
		debtest.File("./sbin/ldconfig", 0755, "elf"),
		debtest.File("./usr/bin/locale", 0755, "elf"),
		debtest.File("./usr/lib/locale/C.utf8/LC_CTYPE", 0644, "ctype"),
		debtest.File("./usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", 0644, "msg"),
		debtest.File("./usr/lib/locale/C.utf8/LC_TIME", 0644, "time"),
		debtest.File("./usr/lib/locale/C.utf8x", 0644, "not it"),
		debtest.File("./usr/share/doc/libc-bin/copyright", 0644, "LGPL"),
		debtest.File("./usr/share/doc/libc-bin/changelog.Debian.gz", 0644, "changes"),
		debtest.Symlink("./usr/share/doc/libc-bin/NEWS", "x"),
	})
	only := []string{"/usr/lib/locale/C.utf8", "/usr/share/doc/libc-bin/copyright"}
	for _, tc := range []struct {
		name string
		drop []string
		want []string
	}{
		{"only", nil, []string{
			"usr/", "usr/lib/", "usr/lib/locale/", "usr/lib/locale/C.utf8/", "usr/lib/locale/C.utf8/LC_CTYPE",
			"usr/lib/locale/C.utf8/LC_MESSAGES/", "usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", "usr/lib/locale/C.utf8/LC_TIME",
			"usr/share/", "usr/share/doc/", "usr/share/doc/libc-bin/", "usr/share/doc/libc-bin/copyright",
		}},
		{"docs and a glob", []string{"docs", "/usr/lib/locale/*/LC_TIME"}, []string{
			"usr/", "usr/lib/", "usr/lib/locale/", "usr/lib/locale/C.utf8/", "usr/lib/locale/C.utf8/LC_CTYPE",
			"usr/lib/locale/C.utf8/LC_MESSAGES/", "usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES",
			"usr/share/", "usr/share/doc/", "usr/share/doc/libc-bin/", "usr/share/doc/libc-bin/copyright",
		}},
		{"the locale dropped", []string{"/usr/lib/locale"}, []string{
			"usr/", "usr/lib/", "usr/share/", "usr/share/doc/", "usr/share/doc/libc-bin/", "usr/share/doc/libc-bin/copyright",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.mustExtract(t, pkg(entries...), Options{UsrMerge: true, Only: only, Drop: tc.drop})
			if got := listTree(t, e.out); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("tree:\n got %q\nwant %q", got, tc.want)
			}
			e.checkOutside(t)
		})
	}
	if _, err := Extract(strings.NewReader(""), t.TempDir(), Options{Only: []string{"usr/lib"}}); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("a relative Only: %v", err)
	}
}

// TestDropHardlinks: a kept hard link whose target was dropped keeps the
// target's bytes and metadata; the staging directory does not survive.
func TestDropHardlinks(t *testing.T) {
	entries := debtest.WithParents([]debtest.Entry{
		{Name: "./usr/share/doc/perl/perl.txt", Type: tar.TypeReg, Mode: 0640, UID: 0, GID: 42, Body: []byte("shared bytes")},
		debtest.Hardlink("./usr/share/doc/perl/alias.txt", "./usr/share/doc/perl/perl.txt"),
		debtest.Hardlink("./usr/share/perl/perl.txt", "./usr/share/doc/perl/alias.txt"),
		debtest.Hardlink("./usr/share/perl/again.txt", "./usr/share/doc/perl/perl.txt"),
		debtest.File("./usr/share/doc/perl/gone", 0644, "gone"),
		debtest.File("./usr/bin/perl", 0755, "perl"),
		debtest.Hardlink("./usr/share/doc/perl/perl-bin", "./usr/bin/perl"),
	})
	e := newEnv(t)
	res := e.mustExtract(t, pkg(entries...), Options{Drop: []string{"docs"}})
	want := "usr/ usr/bin/ usr/bin/perl usr/share/ usr/share/doc/ usr/share/doc/perl/ usr/share/perl/ usr/share/perl/again.txt usr/share/perl/perl.txt"
	if got := strings.Join(listTree(t, e.out), " "); got != want {
		t.Fatalf("tree:\n got %s\nwant %s", got, want)
	}
	a, st := lstat(t, filepath.Join(e.out, "usr/share/perl/perl.txt"))
	b, _ := lstat(t, filepath.Join(e.out, "usr/share/perl/again.txt"))
	if !os.SameFile(a, b) || st.Nlink != 2 || a.Mode() != 0640 || st.Gid != 42 || !a.ModTime().Equal(debtest.DefaultModTime) {
		t.Errorf("kept links: same %v nlink %d mode %v gid %d mtime %v", os.SameFile(a, b), st.Nlink, a.Mode(), st.Gid, a.ModTime())
	}
	if got := readFile(t, filepath.Join(e.out, "usr/share/perl/perl.txt")); got != "shared bytes" {
		t.Errorf("content %q", got)
	}
	if _, st := lstat(t, filepath.Join(e.out, "usr/bin/perl")); st.Nlink != 1 {
		t.Errorf("usr/bin/perl nlink %d", st.Nlink)
	}
	if res.Dropped != 4 || res.DroppedBytes != int64(len("shared bytes")+len("gone")) || res.Hardlinks != 2 {
		t.Errorf("dropped %d, %d bytes, %d hard links", res.Dropped, res.DroppedBytes, res.Hardlinks)
	}
	e.checkOutside(t)

	// A dropped hard link to something that is not a regular file is
	// still rejected.
	e = newEnv(t)
	_, err := e.extract(t, pkg(debtest.Symlink("./s", "/etc/passwd"), debtest.Hardlink("./usr/share/doc/x/h", "./s")), Options{Drop: []string{"docs"}})
	if !errors.Is(err, ErrUnsafe) {
		t.Errorf("hard link to symlink: %v", err)
	}
	// The staging name is reserved when dropping.
	e = newEnv(t)
	_, err = e.extract(t, pkg(debtest.File("./"+stagingDir+"/0", 0644, "x")), Options{Drop: []string{"docs"}})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("reserved name: %v", err)
	}
}

// TestScanDrops: ScanDrops names the specifications that drop something,
// and extracting with only those gives the same tree as with all of them
// (the frontend's incremental DROP rests on this).
func TestScanDrops(t *testing.T) {
	entries := debtest.WithParents([]debtest.Entry{
		debtest.File("./lib/x86_64-linux-gnu/libfoo.so.1", 0644, "so"),
		debtest.File("./lib/x86_64-linux-gnu/libfoo.a", 0644, "archive"),
		debtest.File("./usr/share/doc/foo/copyright", 0644, "GPL"),
		debtest.Symlink("./usr/share/doc/foo-dev", "foo"),
		debtest.File("./usr/share/locale/locale.alias", 0644, "alias"),
		debtest.File("./usr/share/man/man1/foo.1.gz", 0644, "man"),
	})
	onlyCopyright := debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/doc/bar/copyright", 0644, "GPL"),
		debtest.Symlink("./usr/share/doc/bar-dev", "bar"),
	})
	specs := []string{"docs", "locales", "/usr/lib/*/*.a", "/lib/**", "/nope/**", "/usr/share/man/**", "/usr/share/doc/*-dev"}
	tests := []struct {
		name     string
		entries  []debtest.Entry
		usrMerge bool
		want     []bool
	}{
		// docs drops the man page; locales keeps locale.alias; the
		// merged /lib is /usr/lib.
		{"merged", entries, true, []bool{true, false, true, false, false, true, true}},
		{"unmerged", entries, false, []bool{true, false, false, true, false, true, true}},
		// docs keeps the copyright file and the links on the way to it.
		{"copyright only", onlyCopyright, true, []bool{false, false, false, false, false, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDeb(pkg(tt.entries...))
			got, err := ScanDrops(bytes.NewReader(d), Options{UsrMerge: tt.usrMerge, Drop: specs})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ScanDrops = %v, want %v", got, tt.want)
			}
			matched, err := ScanDropSpecs(bytes.NewReader(d), Options{UsrMerge: tt.usrMerge, Drop: specs})
			if err != nil {
				t.Fatal(err)
			}
			all, some := newEnv(t), newEnv(t)
			ra := all.mustExtract(t, pkg(tt.entries...), Options{UsrMerge: tt.usrMerge, Drop: specs})
			rs := some.mustExtract(t, pkg(tt.entries...), Options{UsrMerge: tt.usrMerge, Drop: matched})
			if a, s := listTree(t, all.out), listTree(t, some.out); !slices.Equal(a, s) {
				t.Errorf("all specs: %q\nmatched only: %q", a, s)
			}
			if ra.Dropped != rs.Dropped {
				t.Errorf("dropped %d with all specs, %d with the matched ones", ra.Dropped, rs.Dropped)
			}
			// Each unmatched spec alone drops nothing.
			for i, s := range specs {
				if got[i] {
					continue
				}
				e := newEnv(t)
				if r := e.mustExtract(t, pkg(tt.entries...), Options{UsrMerge: tt.usrMerge, Drop: []string{s}}); r.Dropped != 0 {
					t.Errorf("%s dropped %d entries; ScanDrops said none", s, r.Dropped)
				}
			}
		})
	}
	// No specs: nothing to read. A bad spec and a bad package are errors.
	if got, err := ScanDrops(bytes.NewReader(nil), Options{}); err != nil || len(got) != 0 {
		t.Errorf("no specs: %v, %v", got, err)
	}
	if _, err := ScanDrops(bytes.NewReader(mustDeb(pkg(entries...))), Options{Drop: []string{"relative"}}); err == nil {
		t.Error("bad spec: no error")
	}
	if _, err := ScanDrops(bytes.NewReader([]byte("!<arch>\nnot a deb")), Options{Drop: specs}); !errors.Is(err, ErrFormat) {
		t.Errorf("bad package: %v", err)
	}
	if _, err := ScanDrops(bytes.NewReader(mustDeb(pkg(debtest.File("./"+stagingDir+"/0", 0644, "x")))), Options{Drop: specs}); !errors.Is(err, ErrFormat) {
		t.Errorf("reserved name: %v", err)
	}
}
