package ldcache

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

var _ FS = (*imageroot.Root)(nil)

const testGenerator = "ldconfig (Debian GLIBC 2.41-12) stable release version 2.41"

// open writes tr to a temporary directory and opens it as an image.
func openTree(t *testing.T, tr tree) *imageroot.Root {
	t.Helper()
	dir := t.TempDir()
	tr.write(t, dir)
	ir, err := imageroot.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ir.Close() })
	return ir
}

// generateTree runs Generate on tr for architecture a.
func generateTree(t *testing.T, a string, tr tree) (*Result, *decoded) {
	t.Helper()
	res, err := Generate(openTree(t, tr), Options{Arch: a, Generator: testGenerator})
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode(res.Cache)
	if err != nil {
		t.Fatal(err)
	}
	return res, d
}

// lines shows decoded entries one a line, as decodedEntry.String does.
func (d *decoded) lines() []string {
	var out []string
	for _, e := range d.entries {
		out = append(out, e.String())
	}
	return out
}

func TestReadELF(t *testing.T) {
	le, be := byteOrder(binary.LittleEndian), byteOrder(binary.BigEndian)
	spec := func(m elf.Machine, cls elf.Class, flags uint32) elfSpec {
		return elfSpec{machine: m, class: cls, flags: flags, order: le, soname: "libt.so.1"}
	}
	tests := []struct {
		arch string
		name string
		spec elfSpec
		flag int32 // 0: not a library
		isa  uint32
	}{
		{"amd64", "x86-64", spec(elf.EM_X86_64, elf.ELFCLASS64, 0), 0x303, 0},
		{"amd64", "x32", spec(elf.EM_X86_64, elf.ELFCLASS32, 0), 0x803, 0},
		{"amd64", "i386", spec(elf.EM_386, elf.ELFCLASS32, 0), 0x3, 0},
		{"amd64", "i386 as ELF64", spec(elf.EM_386, elf.ELFCLASS64, 0), 0, 0},
		{"amd64", "aarch64", spec(elf.EM_AARCH64, elf.ELFCLASS64, 0), 0, 0},
		{"amd64", "isa v3", func() elfSpec { s := spec(elf.EM_X86_64, elf.ELFCLASS64, 0); s.isa = 0x7; return s }(), 0x303, 2},
		{"i386", "isa v4 elf32", func() elfSpec { s := spec(elf.EM_386, elf.ELFCLASS32, 0); s.isa = 0x9; return s }(), 0x3, 3},
		{"i386", "x86-64", spec(elf.EM_X86_64, elf.ELFCLASS64, 0), 0x303, 0},
		{"arm64", "aarch64", spec(elf.EM_AARCH64, elf.ELFCLASS64, 0), 0xa03, 0},
		{"arm64", "any 64-bit machine", spec(elf.EM_X86_64, elf.ELFCLASS64, 0), 0xa03, 0},
		{"arm64", "armhf", spec(elf.EM_ARM, elf.ELFCLASS32, 0x05000400), 0x903, 0},
		{"arm64", "isa ignored", func() elfSpec { s := spec(elf.EM_AARCH64, elf.ELFCLASS64, 0); s.isa = 0x7; return s }(), 0xa03, 0},
		{"armhf", "hard float", spec(elf.EM_ARM, elf.ELFCLASS32, 0x05000400), 0x903, 0},
		{"armhf", "soft float", spec(elf.EM_ARM, elf.ELFCLASS32, 0x05000200), 0xb03, 0},
		{"armhf", "unmarked EABI5", spec(elf.EM_ARM, elf.ELFCLASS32, 0x05000000), 0x3, 0},
		{"armel", "EABI4", spec(elf.EM_ARM, elf.ELFCLASS32, 0x04000400), 0x3, 0},
		{"ppc64el", "ppc64", spec(elf.EM_PPC64, elf.ELFCLASS64, 2), 0x503, 0},
		{"ppc64el", "ppc32", spec(elf.EM_PPC, elf.ELFCLASS32, 0), 0x3, 0},
		{"s390x", "s390x", elfSpec{machine: elf.EM_S390, class: elf.ELFCLASS64, order: be, soname: "libt.so.1"}, 0x403, 0},
		{"s390x", "s390", elfSpec{machine: elf.EM_S390, class: elf.ELFCLASS32, order: be, soname: "libt.so.1"}, 0x3, 0},
		{"s390x", "little-endian", spec(elf.EM_S390, elf.ELFCLASS64, 0), 0, 0},
		{"riscv64", "double", spec(elf.EM_RISCV, elf.ELFCLASS64, 0x5), 0x1003, 0},
		{"riscv64", "soft", spec(elf.EM_RISCV, elf.ELFCLASS64, 0x0), 0xf03, 0},
		{"riscv64", "single", spec(elf.EM_RISCV, elf.ELFCLASS64, 0x2), 0, 0},
		{"riscv64", "quad", spec(elf.EM_RISCV, elf.ELFCLASS64, 0x6), 0, 0},
		{"riscv64", "rve", spec(elf.EM_RISCV, elf.ELFCLASS64, 0xc), 0, 0},
		{"riscv64", "rv32 double", spec(elf.EM_RISCV, elf.ELFCLASS32, 0x4), 0x1003, 0},
		{"loong64", "double", spec(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x3), 0x1203, 0},
		{"loong64", "double objabi v1", spec(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x43), 0x1203, 0},
		{"loong64", "soft", spec(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x1), 0x1103, 0},
		{"loong64", "single", spec(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x2), 0, 0},
		{"loong64", "other flag", spec(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x7), 0, 0},
		{"loong64", "elf32", spec(elf.EM_LOONGARCH, elf.ELFCLASS32, 0x3), 0, 0},
		{"mips64el", "n64", spec(elf.EM_MIPS, elf.ELFCLASS64, 0x80000007), 0x703, 0},
		{"mips64el", "n64 nan2008", spec(elf.EM_MIPS, elf.ELFCLASS64, 0x400), 0xe03, 0},
		{"mips64el", "n32", spec(elf.EM_MIPS, elf.ELFCLASS32, 0x20), 0x603, 0},
		{"mips64el", "n32 nan2008", spec(elf.EM_MIPS, elf.ELFCLASS32, 0x420), 0xd03, 0},
		{"mips64el", "o32 nan2008", spec(elf.EM_MIPS, elf.ELFCLASS32, 0x400), 0xc03, 0},
		{"mips64el", "o32", spec(elf.EM_MIPS, elf.ELFCLASS32, 0), 0x3, 0},
		{"amd64", "ET_EXEC", func() elfSpec { s := spec(elf.EM_X86_64, elf.ELFCLASS64, 0); s.typ = elf.ET_EXEC; return s }(), 0, 0},
		{"amd64", "no PT_DYNAMIC", func() elfSpec { s := spec(elf.EM_X86_64, elf.ELFCLASS64, 0); s.noDyn = true; return s }(), 0, 0},
		{"amd64", "no DT_STRTAB", func() elfSpec { s := spec(elf.EM_X86_64, elf.ELFCLASS64, 0); s.noStr = true; return s }(), 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.arch+"/"+tc.name, func(t *testing.T) {
			info, ok, warnings := readBytes(t, tc.arch, "libt.so.1.0", tc.spec.build())
			if ok != (tc.flag != 0) || ok && (info.flag != tc.flag || info.isa != tc.isa || info.soname != "libt.so.1") {
				t.Errorf("got %+v %v, want flag %#x isa %d (warnings %q)", info, ok, tc.flag, tc.isa, warnings)
			}
		})
	}
}

// readBytes reads data as architecture a's ldconfig does.
func readBytes(t testing.TB, a, name string, data []byte) (libInfo, bool, []string) {
	ar, err := lookupArch(a)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	r := &elfReader{a: ar, b: newBlob(bytes.NewReader(data), int64(len(data))), name: "/lib/" + name, lib: name,
		warn: func(s string) { warnings = append(warnings, s) }}
	info, ok := r.processFile()
	return info, ok, warnings
}

func TestReadNotELF(t *testing.T) {
	tests := []struct {
		name, data string
		ok         bool
		soname     string
		warning    string
	}{
		{"libe.so.1", "", false, "", "is empty"},
		{"libe.so.1", "\x7fE", false, "", "too small"},
		{"libe.so.1", "short text", false, "", ""},
		{"libe.so.1", strings.Repeat("x", 100), false, "", "not an ELF file"},
		{"libc.so", "/* GNU ld script */ GROUP ( libc.so.6 )" + strings.Repeat(" ", 64), false, "", ""},
		{"libe.so.1-gdb.py", strings.Repeat("x", 100), false, "", ""},
		{"libold.so.4.2.1", "\x0b\x01" + strings.Repeat("\x00", 62), true, "libold.so.4", ""},
		{"libold.so", "\xcc\x00" + strings.Repeat("\x00", 62), true, "libold.so", ""},
	}
	for _, tc := range tests {
		info, ok, warnings := readBytes(t, "amd64", tc.name, []byte(tc.data))
		if ok != tc.ok || info.soname != tc.soname {
			t.Errorf("%s %q: got %+v %v", tc.name, tc.data, info, ok)
		}
		w := strings.Join(warnings, "\n")
		if (tc.warning == "") != (w == "") || !strings.Contains(w, tc.warning) {
			t.Errorf("%s %q: warnings %q, want %q", tc.name, tc.data, w, tc.warning)
		}
	}
	// s390x reads N_MAGIC from the low half of a big-endian long.
	if info, ok, _ := readBytes(t, "s390x", "libold.so.4.2", []byte("\x00\x00\x00\x00\x00\x00\x01\x0b"+strings.Repeat("\x00", 56))); !ok || info.soname != "libold.so.4" {
		t.Errorf("s390x a.out: %+v %v", info, ok)
	}
}

// TestReadMalformed breaks each offset of a library in turn: nothing
// panics, and what ldconfig checks is refused.
func TestReadMalformed(t *testing.T) {
	good := archSpec("amd64", "libm.so.1").build()
	for _, tc := range []struct {
		name  string
		patch func([]byte)
		ok    bool
	}{
		{"phoff past the end", func(b []byte) { binary.LittleEndian.PutUint64(b[32:], 1<<40) }, false},
		{"phoff at the end", func(b []byte) { binary.LittleEndian.PutUint64(b[32:], uint64(len(b))) }, false},
		{"no program headers", func(b []byte) { binary.LittleEndian.PutUint16(b[56:], 0) }, false},
		{"many program headers", func(b []byte) { binary.LittleEndian.PutUint16(b[56:], 0xffff) }, false},
		{"dynamic past the end", func(b []byte) { binary.LittleEndian.PutUint64(b[64+56+8:], 1<<33) }, false},
		{"interp past the end", func(b []byte) {
			binary.LittleEndian.PutUint32(b[64+56*2:], uint32(elf.PT_INTERP))
			binary.LittleEndian.PutUint64(b[64+56*2+8:], 1<<20)
		}, false},
		{"truncated", func(b []byte) {}, true},
	} {
		data := slices.Clone(good)
		tc.patch(data)
		if _, ok, _ := readBytes(t, "amd64", "libm.so.1", data); ok != tc.ok {
			t.Errorf("%s: ok %v", tc.name, ok)
		}
	}
	// Every truncation of a good library.
	for n := range len(good) {
		readBytes(t, "amd64", "libm.so.1", good[:n])
	}
}

func TestLibcmp(t *testing.T) {
	tests := []struct {
		a, b   string
		signed int // sign of the result with signed char
		uns    int // and with unsigned char
	}{
		{"libc.so.6", "libc.so.6", 0, 0},
		{"libx.so.10", "libx.so.9", 1, 1},
		{"libx.so.9", "libx.so.10", -1, -1},
		{"libx.so.01", "libx.so.1", 0, 0},
		{"libx.so.1", "libx.so.1a", -1, -1},
		{"libx.so.1", "libx.so.", 1, 1},
		{"libx1", "libxa", 1, 1},
		{"libA", "liba", -1, -1},
		{"lib\xc3", "libz", -1, 1},
		{"lib", "lib\xc3", 1, -1},
		{"lib", "lib1", -1, -1},
		{"lib12345678901", "lib99", -1, -1}, // the number wraps below 0
	}
	for _, tc := range tests {
		if got := sign(libcmp(tc.a, tc.b, true)); got != tc.signed {
			t.Errorf("libcmp(%q, %q) signed = %d, want %d", tc.a, tc.b, got, tc.signed)
		}
		if got := sign(libcmp(tc.a, tc.b, false)); got != tc.uns {
			t.Errorf("libcmp(%q, %q) unsigned = %d, want %d", tc.a, tc.b, got, tc.uns)
		}
	}
}

func sign(v int32) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func TestFinalize(t *testing.T) {
	st, err := finalize(map[string]bool{"libc.so.6": true, "/lib/libc.so.6": true, "bc.so.6": true, "x": true, "": true})
	if err != nil {
		t.Fatal(err)
	}
	// Descending by reversed bytes: "x", then "/lib/libc.so.6" with its
	// tails "libc.so.6", "bc.so.6" and "" inside it.
	if want := "x\x00/lib/libc.so.6\x00"; string(st.data) != want {
		t.Errorf("table %q, want %q", st.data, want)
	}
	for s, off := range map[string]uint32{"x": 0, "/lib/libc.so.6": 2, "libc.so.6": 7, "bc.so.6": 9, "": 16} {
		if st.offset[s] != off {
			t.Errorf("offset of %q = %d, want %d", s, st.offset[s], off)
		}
	}
	if st, _ := finalize(map[string]bool{}); len(st.data) != 0 {
		t.Errorf("empty table %q", st.data)
	}
}

func TestFnmatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*.conf", "libc.conf", true},
		{"*.conf", ".hidden.conf", false},
		{".*.conf", ".hidden.conf", true},
		{"?ibc.conf", "libc.conf", true},
		{"?ibc.conf", ".ibc.conf", false},
		{"[a-m]*.conf", "libc.conf", true},
		{"[!a-m]*.conf", "libc.conf", false},
		{"[^a-m]*.conf", "x.conf", true},
		{"[]x]", "]", true},
		{"[[:digit:]]*", "1a", true},
		{"[[:alpha:]]*", "1a", false},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"[", "[", true},
		{"a[", "a[", true},
		{"*a*b", "xaxxb", true},
		{"*a*b", "xaxxc", false},
		{"", "", true},
	}
	for _, tc := range tests {
		if got := fnmatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}

func TestConfig(t *testing.T) {
	tr := tree{
		"/etc/ld.so.conf":             "# top\n  include\t/etc/ld.so.conf.d/*.conf  /etc/extra.conf\ninclude rel/*.conf\n/usr/lib/first\n",
		"/etc/ld.so.conf.d/a.conf":    "/opt/a/   \n\n  # nothing\nHWCAP x\n/opt/a\n/opt/missing\n",
		"/etc/ld.so.conf.d/b.conf":    "/opt/b # trailing\n/opt//b/\ninclude /etc/ld.so.conf.d/a.conf\n",
		"/etc/ld.so.conf.d/x.notconf": "/opt/not\n",
		"/etc/extra.conf":             "/opt/link\n/opt/nul\x00/ignored\n",
		"/etc/rel/r.conf":             "opt/rel\n",
		"/etc/self.conf":              "include /etc/self.conf\n",
		"/opt/a/":                     dir{},
		"/opt/b/":                     dir{},
		"/opt/not/":                   dir{},
		"/opt/link":                   link("b"),
		"/opt/nul/":                   dir{},
		"/opt/rel/":                   dir{},
		"/usr/lib/first/":             dir{},
		"/usr/lib/x86_64-linux-gnu/":  dir{},
	}
	res, _ := generateTree(t, "amd64", tr)
	want := []string{"/opt/a", "/opt/b", "/opt/nul", "opt/rel", "/usr/lib/first", "/usr/lib/x86_64-linux-gnu", "/usr/lib"}
	if !slices.Equal(res.Dirs, want) {
		t.Errorf("dirs %q, want %q", res.Dirs, want)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "hwcap directive ignored") }) {
		t.Errorf("no hwcap warning in %q", res.Warnings)
	}
	// Self-inclusion stops.
	tr["/etc/ld.so.conf"] = "include /etc/self.conf\n"
	res, _ = generateTree(t, "amd64", tr)
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "nested includes") }) {
		t.Errorf("no include warning in %q", res.Warnings)
	}
}

// TestCache checks the order of entries, the links kept, the hwcaps
// entries and their ISA levels on a small tree.
func TestCache(t *testing.T) {
	d := "/usr/lib/x86_64-linux-gnu/"
	tr := tree{
		"/etc/ld.so.conf":                      "/usr/local/lib\n",
		"/lib":                                 link("usr/lib"),
		"/usr/local/lib/libz.so.1":             lib("amd64", "libz.so.1"),
		d + "libz.so.1.3":                      lib("amd64", "libz.so.1"),
		d + "libz.so.1":                        link("libz.so.1.3"),
		d + "libz.so":                          link("libz.so.1"),
		d + "liba.so.2":                        link("liba-impl.so"),
		d + "liba-impl.so":                     lib("amd64", "liba.so.2"),
		d + "libi.so.1":                        lib("amd64", "libi.so.1"),
		d + "libi32.so.1":                      with("amd64", "libi32.so.1", func(s *elfSpec) { s.machine, s.class = elf.EM_386, elf.ELFCLASS32 }),
		d + "glibc-hwcaps/x86-64-v3/libz.so.1": with("amd64", "libz.so.1", func(s *elfSpec) { s.isa = 0x7 }),
		d + "glibc-hwcaps/x86-64-v2/libz.so.1": with("amd64", "libz.so.1", func(s *elfSpec) { s.isa = 0x3 }),
		d + "glibc-hwcaps/empty/":              dir{},
	}
	res, dec := generateTree(t, "amd64", tr)
	want := []string{
		`libz.so.1 (0x303) => /lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v2/libz.so.1 hwcap 0x4000000100000000 "x86-64-v2"`,
		`libz.so.1 (0x303) => /lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1 hwcap 0x4000000200000001 "x86-64-v3"`,
		`libz.so.1 (0x303) => /usr/local/lib/libz.so.1`,
		`libz.so.1 (0x303) => /lib/x86_64-linux-gnu/libz.so.1`,
		`libz.so (0x303) => /lib/x86_64-linux-gnu/libz.so`,
		`libi32.so.1 (0x3) => /lib/x86_64-linux-gnu/libi32.so.1`,
		`libi.so.1 (0x303) => /lib/x86_64-linux-gnu/libi.so.1`,
		`liba.so.2 (0x303) => /lib/x86_64-linux-gnu/liba.so.2`,
	}
	if got := dec.lines(); !slices.Equal(got, want) {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if dec.generator != testGenerator || !slices.Equal(dec.hwcaps, []string{"x86-64-v2", "x86-64-v3"}) {
		t.Errorf("generator %q hwcaps %q", dec.generator, dec.hwcaps)
	}
	if !bytes.Contains(res.Cache, []byte("\x00empty\x00")) {
		t.Error("the unused glibc-hwcaps name is not in the string table")
	}
	if len(res.Links) != 0 || len(res.Remove) != 0 {
		t.Errorf("links %v, remove %v", res.Links, res.Remove)
	}
}

// TestLinks checks the links ldconfig would make or remove.
func TestLinks(t *testing.T) {
	d := "/usr/lib/aarch64-linux-gnu/"
	tr := tree{
		d + "libnew.so.1.0":         lib("arm64", "libnew.so.1"),
		d + "libold.so.2.1":         lib("arm64", "libold.so.2"),
		d + "libold.so.2.0":         lib("arm64", "libold.so.2"),
		d + "libold.so.2":           link("libold.so.2.0"),
		d + "libfile.so.3.0":        lib("arm64", "libfile.so.3"),
		d + "libfile.so.3":          lib("arm64", "libfile.so.3"),
		d + "libstale.so.4":         link("gone"),
		d + "libstale.so":           link("gone"),
		d + "libdang.so.5.0":        lib("arm64", "libdang.so.5"),
		d + "libdang.so.5":          link("missing"),
		d + "ld-linux-aarch64.so.1": link("ld-2.0.so"),
		d + "ld-3.0.so":             lib("arm64", "ld-linux-aarch64.so.1"),
		d + "ld-2.0.so":             lib("arm64", "ld-linux-aarch64.so.1"),
	}
	res, _ := generateTree(t, "arm64", tr)
	got := fmt.Sprint(res.Links, res.Remove)
	want := "[{/usr/lib/aarch64-linux-gnu/libold.so.2 libold.so.2.1} {/usr/lib/aarch64-linux-gnu/libnew.so.1 libnew.so.1.0} " +
		"{/usr/lib/aarch64-linux-gnu/libdang.so.5 libdang.so.5.0}] [/usr/lib/aarch64-linux-gnu/libstale.so.4]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "libfile.so.3 is not a symbolic link") }) {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// TestUnion reads a library and its link from different layers.
func TestUnion(t *testing.T) {
	lower, upper := t.TempDir(), t.TempDir()
	d := "/usr/lib/riscv64-linux-gnu/"
	tree{d + "libu.so.1.0": lib("riscv64", "libu.so.1"), d + "libc.so.6": lib("riscv64", "libc.so.6")}.write(t, lower)
	tree{d + "libs.so.1": lib("riscv64", "libhidden.so.1")}.write(t, lower)
	tree{d + "libu.so.1": link("libu.so.1.0"), "/lib": link("usr/lib"), d + "libs.so.1": lib("riscv64", "libs.so.1")}.write(t, upper)
	ir, err := imageroot.Open(lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	l, err := OpenLayers(lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want := []string{
		"libu.so.1 (0x1003) => /lib/riscv64-linux-gnu/libu.so.1",
		"libs.so.1 (0x1003) => /lib/riscv64-linux-gnu/libs.so.1",
		"libc.so.6 (0x1003) => /lib/riscv64-linux-gnu/libc.so.6",
	}
	for _, root := range []FS{ir, l} {
		res, err := Generate(root, Options{Generator: testGenerator, MaxFileSize: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		dec, _ := decode(res.Cache)
		if res.Arch != "riscv64" || !slices.Equal(dec.lines(), want) || len(res.Links) != 0 {
			t.Errorf("%T: %s: %q, links %v", root, res.Arch, dec.lines(), res.Links)
		}
	}
}

func TestEmptyAndBigEndian(t *testing.T) {
	res, dec := generateTree(t, "s390x", tree{"/etc/": dir{}})
	if len(dec.entries) != 0 || dec.generator != testGenerator {
		t.Errorf("%s", dec)
	}
	if res.Cache[28] != endianBig || binary.BigEndian.Uint32(res.Cache[32:]) != headerSize {
		t.Errorf("header % x", res.Cache[:48])
	}
	want := headerSize + extensionHeader + extensionSection + len(testGenerator)
	if len(res.Cache) != want {
		t.Errorf("%d bytes, want %d", len(res.Cache), want)
	}
}

func TestDetect(t *testing.T) {
	for _, a := range Arches() {
		s := archSpec(a, "")
		s.typ = elf.ET_DYN
		ar, _ := lookupArch(a)
		res, err := Generate(openTree(t, tree{"/usr/sbin/ldconfig": s.build()}), Options{Generator: "x"})
		if err != nil || res.Arch != a {
			t.Errorf("ldconfig of %s: %v %v", a, res, err)
		}
		res, err = Generate(openTree(t, tree{"/lib/" + ar.triplet + "/libc.so.6": "libc"}), Options{Generator: "x"})
		if err != nil || res.Arch != a {
			t.Errorf("libc of %s: %v %v", a, res, err)
		}
	}
	_, err := Generate(openTree(t, tree{"/usr/lib/i386-linux-gnu/libc.so.6": "", "/usr/lib/x86_64-linux-gnu/libc.so.6": ""}), Options{})
	if err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := Generate(openTree(t, tree{"/etc/": dir{}}), Options{}); err == nil {
		t.Error("no architecture: no error")
	}
	if _, err := Generate(openTree(t, tree{"/etc/": dir{}}), Options{Arch: "amd64"}); !errors.Is(err, ErrNoGenerator) {
		t.Errorf("no generator: %v", err)
	}
}

func TestGenerator(t *testing.T) {
	bin := []byte("\x00junk release version x\x00ldconfig (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41\x00more")
	if g := ldconfigBanner(bin); g != "ldconfig (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41" {
		t.Errorf("ldconfig banner %q", g)
	}
	libc := []byte("\x00GNU C Library (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41.\nCopyright (C) 2024\x00")
	if g := libcBanner(libc); g != "ldconfig (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41" {
		t.Errorf("libc banner %q", g)
	}
	d := "/usr/lib/x86_64-linux-gnu/"
	libcFile := append(lib("amd64", "libc.so.6"), libc...)
	res, err := Generate(openTree(t, tree{d + "libc.so.6": libcFile}), Options{})
	if err != nil || res.Generator != "ldconfig (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41" {
		t.Errorf("%v %v", res, err)
	}
}

// TestReaders gives the same cache whether libraries are read whole or
// in place, and refuses files over MaxFileSize when read whole.
func TestReaders(t *testing.T) {
	dir := t.TempDir()
	scenario("amd64", false).write(t, dir)
	ir, err := imageroot.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	// *imageroot.Root can open files; wholeFS hides that so that
	// libraries are read whole.
	whole, err := Generate(wholeFS{ir}, Options{Arch: "amd64", Generator: testGenerator})
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenLayers(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	inPlace, err := Generate(l, Options{Arch: "amd64", Generator: testGenerator, MaxFileSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole.Cache, inPlace.Cache) {
		t.Error("caches differ")
	}
	small, err := Generate(wholeFS{ir}, Options{Arch: "amd64", Generator: testGenerator, MaxFileSize: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(small.Cache, whole.Cache) || !slices.ContainsFunc(small.Warnings, func(w string) bool { return strings.Contains(w, "libpad.so.1: larger than 2000 bytes") }) {
		t.Errorf("MaxFileSize: %q", small.Warnings)
	}
}

// wholeFS is an FS that cannot open files, only read them whole.
type wholeFS struct{ FS }

// TestReaderAt checks blob on short reads and errors.
func TestReaderAt(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefgh"), blockSize/4)
	b := newBlob(bytes.NewReader(data), int64(len(data)))
	if got := b.at(blockSize-2, 4); string(got) != "gh"+"ab" {
		t.Errorf("across blocks: %q", got)
	}
	if got := b.at(uint64(len(data))-1, 3); string(got) != "h\x00\x00" {
		t.Errorf("past the end: %q", got)
	}
	if got := b.at(^uint64(0)-1, 4); !bytes.Equal(got, make([]byte, 4)) {
		t.Errorf("far past the end: %q", got)
	}
	if s, ok := b.cstring(uint64(len(data))-3, 10); !ok || s != "fgh" {
		t.Errorf("cstring at the end: %q %v", s, ok)
	}
	if _, ok := b.cstring(0, 10); ok {
		t.Error("cstring longer than max")
	}
	f, err := os.Open(filepath.Join(t.TempDir()))
	if err == nil {
		bad := newBlob(f, 100)
		bad.at(0, 4)
		if bad.readErr == nil {
			t.Error("no read error from a directory")
		}
		f.Close()
	}
}
