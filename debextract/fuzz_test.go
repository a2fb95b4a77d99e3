package debextract

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		res, err := Extract(bytes.NewReader(data), e.out, opt)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
		e.checkOutside(t)
		// Only directories, regular files and symbolic links are written.
		filepath.WalkDir(e.out, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			if d.Type()&^(fs.ModeDir|fs.ModeSymlink) != 0 {
				t.Errorf("%s has type %v", p, d.Type())
			}
			return nil
		})
		if fi, err := os.Lstat(e.out); err != nil || fi.Mode() != fs.ModeDir|0755 {
			t.Errorf("output directory changed: %v %v", fi.Mode(), err)
		}
	})
}
