package debextract

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/cacerts"
	"github.com/distrofile/distrofile/internal/debtest"
)

// fuzzSeeds are packages for the fuzzer to mutate: mostly uncompressed,
// so that mutations reach tar headers and entry names rather than
// checksums.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	add := func(d debtest.Deb) {
		if d.Control == "" {
			d.Control = debtest.Control("seed", "1.0", "amd64")
		}
		seeds = append(seeds, d.MustBytes())
	}
	tree := debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/bin/x", 04755, "#!/bin/sh\n"),
		debtest.Hardlink("./usr/bin/y", "./usr/bin/x"),
		debtest.Symlink("./usr/bin/z", "/usr/bin/x"),
		debtest.File("./bin/sh", 0755, "sh"),
		debtest.Hardlink("./sbin/sh", "./bin/sh"),
		debtest.Dir("./tmp/", 01777),
		debtest.Char("./dev/null", 1, 3),
		debtest.File("./usr/share/"+strings.Repeat("long/", 30)+"f", 0644, "long"),
	})
	for _, c := range []string{"none", "gz", "xz", "zst", "bz2"} {
		cc := c
		if cc == "bz2" {
			cc = "none"
		}
		add(debtest.Deb{Entries: tree, DataCompression: c, ControlCompression: cc, Md5sums: true})
	}
	docs := debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/doc/p/changelog", 0644, "c"),
		debtest.File("./usr/share/doc/p/copyright", 0644, "c"),
		debtest.Hardlink("./usr/share/p/changelog", "./usr/share/doc/p/changelog"),
		debtest.Hardlink("./usr/share/doc/p/again", "./usr/share/doc/p/changelog"),
		debtest.Hardlink("./usr/bin/y", "./usr/share/doc/p/again"),
		debtest.File("./usr/lib/locale/C.utf8/LC_CTYPE", 0644, "l"),
		debtest.File("./usr/share/locale/de/x.mo", 0644, "m"),
	})
	add(debtest.Deb{Entries: docs, DataCompression: "none", ControlCompression: "none"})
	// What update-ca-certificates reads (Options.CAOwners).
	add(debtest.Deb{Entries: debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/ca-certificates/corp/a.crt", 0644, "c"),
		debtest.Symlink("./etc/ssl/certs/a.pem", "/usr/share/ca-certificates/corp/a.crt"),
		debtest.Dir("./usr/local/share/ca-certificates/", 0755),
	}), DataCompression: "none", ControlCompression: "none"})
	hostile := [][]debtest.Entry{
		{debtest.Symlink("./evil", "/"), debtest.File("./evil/etc/passwd", 0644, "x")},
		{debtest.Symlink("./up", ".."), debtest.File("./up/x", 0644, "x")},
		{debtest.File("../x", 0644, "x")},
		{debtest.Hardlink("./h", "../../etc/passwd")},
		{debtest.Symlink("./s", "/etc/passwd"), debtest.Hardlink("./h", "./s")},
		{debtest.File("./a", 0644, "1"), debtest.File("./a", 0644, "2"), debtest.Dir("./a/", 0755)},
		{debtest.Dir("./d/", 0755), debtest.File("./d", 0644, "")},
		{debtest.Symlink("./l", "../outside/secret"), debtest.File("./l", 0644, "new")},
	}
	for _, h := range hostile {
		add(debtest.Deb{Entries: h, DataCompression: "none", ControlCompression: "none"})
	}
	return seeds
}

// FuzzExtract checks that no input makes Extract panic or create, change
// or link anything outside the output directory.
func FuzzExtract(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add(s, uint8(i))
		f.Add(s, uint8(i)|8) // with Drop
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		e := newEnv(t)
		opt := Options{
			UsrMerge:     flags&1 != 0,
			DpkgStatus:   flags&2 != 0,
			MaxFileSize:  1 << 20,
			MaxTotalSize: 4 << 20,
		}
		if flags&4 != 0 {
			opt.MaxMTime = t2020
		}
		if flags&8 != 0 {
			opt.Drop = []string{DropDocs, DropLocales, "/usr/bin/y", "/sbin/**", "/tmp"}
		}
		res, err := Extract(bytes.NewReader(data), e.out, opt)
		checkFuzzResult(t, res, err)
		e.checkOutside(t)
		if flags&8 != 0 && exists(filepath.Join(e.out, stagingDir)) {
			t.Error("staging directory left behind")
		}
		// Only directories, regular files and symbolic links are written.
		e.checkOutputKinds(t)
		if flags&8 != 0 && err == nil {
			checkScanDrops(t, data, opt, res, listTree(t, e.out))
		}
		if err == nil {
			checkCAOwners(t, data, opt, listTree(t, e.out))
		}
	})
}

// checkCAOwners checks Options.CAOwners against an extraction of data with
// opt that succeeded with tree: guarding every package fails with
// ErrCAFiles, if at all, and must when the tree has a non-directory that
// update-ca-certificates reads; when it succeeds, it writes the same tree.
func checkCAOwners(t *testing.T, data []byte, opt Options, tree []string) {
	t.Helper()
	reads := ""
	for _, p := range tree {
		if !strings.HasSuffix(p, "/") && cacerts.Reads("/"+strings.TrimSuffix(p, "@")) {
			reads = p
		}
	}
	e := newEnv(t)
	o := opt
	o.CAOwners = []string{}
	_, err := Extract(bytes.NewReader(data), e.out, o)
	switch {
	case err != nil && !errors.Is(err, ErrCAFiles):
		t.Fatalf("with CAOwners: %v, without: no error", err)
	case err == nil && reads != "":
		t.Fatalf("with CAOwners, %s was extracted", reads)
	case err == nil && !slices.Equal(listTree(t, e.out), tree):
		t.Fatalf("with CAOwners:\n%q\nwithout:\n%q", listTree(t, e.out), tree)
	}
}

// checkScanDrops checks ScanDrops against an extraction of data with opt
// that succeeded with result res and tree: with only the specifications
// ScanDrops names, the extraction gives the same tree and counts.
func checkScanDrops(t *testing.T, data []byte, opt Options, res *Result, tree []string) {
	t.Helper()
	some, err := ScanDropSpecs(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("Extract succeeded, ScanDrops failed: %v", err)
	}
	e := newEnv(t)
	o := opt
	o.Drop = some
	res2, err := Extract(bytes.NewReader(data), e.out, o)
	if err != nil {
		t.Fatalf("with the specs ScanDrops named (%q): %v", some, err)
	}
	if got := listTree(t, e.out); !slices.Equal(got, tree) {
		t.Fatalf("with the specs ScanDrops named (%q):\n%q\nwith all of them:\n%q", some, got, tree)
	}
	if res2.Files != res.Files || res2.Dirs != res.Dirs || res2.Symlinks != res.Symlinks || res2.Hardlinks != res.Hardlinks || res2.Dropped != res.Dropped {
		t.Fatalf("counts differ: %+v and %+v", res2, res)
	}
}

// naiveMatch is the obvious recursive definition of glob matching, for
// FuzzDropper to check the dynamic programme against.
func naiveMatch(g glob, comps []string) bool {
	if len(g) == 0 {
		return len(comps) == 0
	}
	if g[0] == "**" {
		min := 0
		if len(g) == 1 {
			min = 1 // a final "**" matches one or more components
		}
		for k := min; k <= len(comps); k++ {
			if naiveMatch(g[1:], comps[k:]) {
				return true
			}
		}
		return false
	}
	return len(comps) > 0 && componentMatch(g[0], comps[0]) && naiveMatch(g[1:], comps[1:])
}

// FuzzDropper checks that the glob compiler and matcher never panic, that
// the matcher agrees with naiveMatch on every prefix of the path, that a
// dropped path drops its subtree and that the root is never dropped.
func FuzzDropper(f *testing.F) {
	for _, s := range [][2]string{
		{"/usr/share/doc/*", "/usr/share/doc/x/y"},
		{"/usr/**/*.mo", "/usr/share/locale/de/LC_MESSAGES/x.mo"},
		{"/a/**/b/**", "/a/b/c/b/d"},
		{"/[a-c]?/\\*", "/bz/*"},
		{"docs", "/usr/share/doc/p/copyright"},
		{"locales", "/usr/lib/locale/C.utf8/LC_CTYPE"},
		{"/**/**/x", "/x"},
		{"/[", "/["},
	} {
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, spec, p string, container bool) {
		d, err := NewDropper(spec)
		if err != nil {
			if d != nil {
				t.Fatal("dropper and error")
			}
			if ValidateDrop(spec) == nil {
				t.Fatal("ValidateDrop disagrees")
			}
			return
		}
		if d.Dropped("/", container) || d.Dropped("", container) {
			t.Fatal("root dropped")
		}
		var comps []string
		for _, c := range strings.Split(p, "/") {
			if c != "" {
				comps = append(comps, c)
			}
		}
		if len(comps) > 12 {
			comps = comps[:12]
		}
		dropped := d.Dropped("/"+strings.Join(comps, "/"), container)
		if _, preset := presets[spec]; !preset {
			g := d.rules[0].drop[0]
			pre := g.prefixes(comps)
			found := false
			for i := range pre {
				if want := naiveMatch(g, comps[:i]); pre[i] != want {
					t.Fatalf("%q on %q: prefixes[%d] = %v, naive %v", spec, comps[:i], i, pre[i], want)
				}
				found = found || i > 0 && pre[i]
			}
			if dropped != found {
				t.Fatalf("Dropped = %v, prefixes say %v", dropped, found)
			}
		}
		if dropped && len(comps) > 0 {
			_, preset := presets[spec]
			child := "/" + strings.Join(append(comps, "child"), "/")
			if !preset && !d.Dropped(child, container) {
				t.Fatalf("%s dropped but not %s", p, child)
			}
		}
	})
}

// checkFuzzResult fails unless an extraction returned a result or an
// error of type *Error.
func checkFuzzResult(t *testing.T, res *Result, err error) {
	t.Helper()
	if err == nil && res == nil {
		t.Fatal("nil result without error")
	}
	if err != nil {
		if _, ok := err.(*Error); !ok { //nolint:errorlint // Extract's documented contract: its errors are *Error itself, not wrapped
			t.Fatalf("error of type %T: %v", err, err)
		}
	}
}
