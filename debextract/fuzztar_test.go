package debextract

import (
	"archive/tar"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

// fuzzTarSeeds are plain tar streams like the frontend's generated-files
// tar, plus hostile ones, for FuzzExtractTar to mutate.
func fuzzTarSeeds(f *testing.F) [][]byte {
	sets := [][]debtest.Entry{
		{
			debtest.Dir("./tmp/", 0o1777),
			debtest.Dir("./etc/", 0o755),
			debtest.File("./etc/passwd", 0o644, "root:x:0:0:root:/root:/sbin/nologin\n"),
			{Name: "./home/app/", Type: tar.TypeDir, Mode: 0o750, UID: 1337, GID: 1337},
			debtest.Symlink("./bin", "usr/bin"),
			{Name: "./usr/bin/su", Type: tar.TypeReg, Mode: 0o4755, Body: []byte("x")},
		},
		{debtest.Symlink("./evil", "/"), debtest.File("./evil/etc/passwd", 0o644, "x")},
		{debtest.Symlink("./up", ".."), debtest.Dir("./up/x/", 0o755)},
		{debtest.File("../x", 0o644, "x")},
		{debtest.File("/abs", 0o644, "x")},
		{debtest.Hardlink("./h", "../outside/secret")},
		{debtest.Symlink("./s", "../outside/secret"), debtest.Hardlink("./h", "./s"), debtest.File("./s", 0o600, "over")},
		{debtest.File("./a", 0o644, "1"), debtest.Dir("./a/", 0o700), debtest.File("./a/b", 0o644, "2")},
		{debtest.Char("./dev/null", 1, 3), debtest.Fifo("./p")},
		{debtest.Dir("./usr/", 0o755), debtest.File("./usr/a", 0o4755, "x"), debtest.Hardlink("./usr/b", "./usr/a"), debtest.Hardlink("./c", "usr/b"), debtest.File("./usr/a", 0o644, "y")},
		{debtest.File("./"+strings.Repeat("d/", 60)+"f", 0o644, "deep")},
	}
	var seeds [][]byte
	for _, s := range sets {
		b, err := debtest.Tar(s)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzExtractTar checks that no byte string makes ExtractTar (the
// generated-files path of the helper) panic, write, chmod, chown or link
// anything outside the output directory, or create anything but
// directories, regular files and symbolic links.
func FuzzExtractTar(f *testing.F) {
	for i, s := range fuzzTarSeeds(f) {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		e := newEnv(t)
		before, err := os.Lstat(e.outside)
		if err != nil {
			t.Fatal(err)
		}
		opt := Options{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20}
		if flags&1 != 0 {
			opt.MaxMTime = time.Unix(0, 0)
		}
		res, err := ExtractTar(bytes.NewReader(data), e.out, opt)
		checkFuzzResult(t, res, err)
		e.checkOutside(t)
		if after, err := os.Lstat(e.outside); err != nil || after.Mode() != before.Mode() || !after.ModTime().Equal(before.ModTime()) {
			t.Errorf("outside directory changed: %v", err)
		}
		e.checkOutputKinds(t)
	})
}
