package ldcache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

// TestReference compares Build with the real ldconfig. LDCACHE_REFERENCE
// names a directory of image roots, each with the etc/ld.so.cache its own
// ldconfig wrote; a root named after a Debian architecture, or
// "<arch>-<suite>", must be detected as that architecture. For example
// (as root; M=$(hack/mirror)):
//
//	mmdebstrap --mode=root --variant=apt \
//	    --include=libssl3t64,libxml2,libpq5,openjdk-21-jre-headless \
//	    trixie /tmp/ldc/amd64 "deb $M trixie main"
//	rm /tmp/ldc/amd64/etc/ld.so.cache
//	/tmp/ldc/amd64/usr/sbin/ldconfig -i -r /tmp/ldc/amd64
//
// and, for another architecture, without running anything of it but its
// static ldconfig, under qemu-user (package qemu-user):
//
//	mmdebstrap --mode=root --variant=extract --arch=arm64 \
//	    --include=libc6,libc-bin,libssl3t64,libstdc++6 \
//	    trixie /tmp/ldc/arm64 "deb $M trixie main"
//	qemu-aarch64 /tmp/ldc/arm64/usr/sbin/ldconfig -i -r /tmp/ldc/arm64
//
// (other suites: /tmp/ldc/s390x-forky, with
// --aptopt='Acquire::Check-Valid-Until "false"' for a frozen mirror),
// then LDCACHE_REFERENCE=/tmp/ldc go test ./debextract/effects/ldcache.
func TestReference(t *testing.T) {
	dir := os.Getenv("LDCACHE_REFERENCE")
	if dir == "" {
		t.Skip("LDCACHE_REFERENCE names no directory of reference roots")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		root := filepath.Join(dir, e.Name())
		want, err := os.ReadFile(filepath.Join(root, "etc/ld.so.cache"))
		if !e.IsDir() || err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			ir, err := imageroot.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer ir.Close()
			checkReference(t, ir, e.Name(), want)
			l, err := OpenLayers(root)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			checkReference(t, l, e.Name(), want)
		})
	}
	if n == 0 {
		t.Fatalf("no root with etc/ld.so.cache in %s", dir)
	}
}

func checkReference(t *testing.T, root FS, name string, want []byte) {
	t.Helper()
	res, err := Generate(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if arch, _, _ := strings.Cut(name, "-"); contains(Arches(), arch) && res.Arch != arch {
		t.Errorf("architecture %s, want %s", res.Arch, arch)
	}
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
	}
	if bytes.Equal(res.Cache, want) {
		t.Logf("%s (%T): %d bytes identical, dirs %q", name, root, len(want), res.Dirs)
		return
	}
	got, gerr := decode(res.Cache)
	ref, rerr := decode(want)
	if gerr != nil || rerr != nil {
		t.Fatalf("caches differ; decoding: %v, %v", gerr, rerr)
	}
	t.Errorf("caches differ (%d and %d bytes)\ngot:\n%s\nwant:\n%s", len(res.Cache), len(want), got, ref)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
