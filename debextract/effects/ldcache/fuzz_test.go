package ldcache

import (
	"debug/elf"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

// elfSeeds are libraries of every architecture and a few broken ones.
func elfSeeds() [][]byte {
	var seeds [][]byte
	for _, a := range Arches() {
		seeds = append(seeds, lib(a, "libseed.so.1"))
	}
	seeds = append(seeds,
		with("amd64", "libisa.so.1", func(s *elfSpec) { s.isa = 0x7 }),
		with("i386", "libisa.so.1", func(s *elfSpec) { s.isa = 0x3; s.interp = "/lib/ld-linux.so.2" }),
		with("amd64", "", func(s *elfSpec) { s.noSo = true }),
		with("arm64", "libx.so", func(s *elfSpec) { s.noStr = true }),
		with("s390x", "libx.so", func(s *elfSpec) { s.typ = elf.ET_EXEC }),
		aout("amd64"), aout("s390x"),
		[]byte("/* GNU ld script */ GROUP ( libc.so.6 )"),
		nil,
	)
	return seeds
}

// FuzzReadELF reads arbitrary bytes as every architecture's ldconfig:
// no panic, and a library found has a bounded soname and a flag of its
// type.
func FuzzReadELF(f *testing.F) {
	for _, s := range elfSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, a := range Arches() {
			info, ok, _ := readBytes(t, a, "libfuzz.so.1.2", data)
			if !ok {
				continue
			}
			if info.flag&0xff != flagELFLibc6 || len(info.soname) > maxSoname || info.isa > 31 {
				t.Fatalf("%s: %+v", a, info)
			}
		}
	})
}

// FuzzBuild builds the cache of a root holding a fuzzed library (also
// reached through a link and in a glibc-hwcaps directory) and a fuzzed
// ld.so.conf, for the architecture sel picks: no panic, and the cache
// decodes with at most the entries the root can give.
func FuzzBuild(f *testing.F) {
	for i, s := range elfSeeds() {
		f.Add(uint8(i), s, "include /etc/ld.so.conf.d/*.conf\n/opt/lib\n")
	}
	f.Add(uint8(0), lib("amd64", "libc.so.6"), "include /etc/ld.so.conf\n")
	f.Add(uint8(3), lib("armhf", ""), "include [a-\n/opt//lib/ # x\nhwcap x\n")
	f.Fuzz(func(t *testing.T, sel uint8, data []byte, conf string) {
		a := arches[int(sel)%len(arches)]
		if len(conf) > 4096 || strings.ContainsRune(conf, 0) {
			return
		}
		d := "/usr/lib/" + a.triplet + "/"
		tr := tree{
			"/etc/ld.so.conf":                conf,
			"/etc/ld.so.conf.d/a.conf":       "/opt/lib\n" + conf,
			d + "libfuzz.so.1.0":             data,
			d + "libfuzz.so.1":               link("libfuzz.so.1.0"),
			d + "glibc-hwcaps/hw/libfuzz.so": data,
			"/opt/lib/libfuzz.so.2":          data,
		}
		root := t.TempDir()
		tr.write(t, root)
		ir, err := imageroot.Open(root)
		if err != nil {
			t.Fatal(err)
		}
		defer ir.Close()
		res, err := Generate(ir, Options{Arch: a.name, Generator: "fuzz"})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := decode(res.Cache)
		if err != nil {
			t.Fatalf("%v\n% x", err, res.Cache)
		}
		if len(dec.entries) > 4 || dec.generator != "fuzz" {
			t.Fatalf("%s", dec)
		}
	})
}
