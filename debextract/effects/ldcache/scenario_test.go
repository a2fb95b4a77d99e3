package ldcache

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A tree is an image root to write: file contents, symbolic links and
// directories by absolute path.
type tree map[string]any

type (
	link string   // a symbolic link's target
	dir  struct{} // a directory
)

// write creates the tree under root, parents first.
func (tr tree) write(t testing.TB, root string) {
	t.Helper()
	paths := make([]string, 0, len(tr))
	for p := range tr {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch v := tr[p].(type) {
		case []byte:
			err = os.WriteFile(full, v, 0o644)
		case string:
			err = os.WriteFile(full, []byte(v), 0o644)
		case link:
			err = os.Symlink(string(v), full)
		case dir:
			err = os.MkdirAll(full, 0o755)
		default:
			t.Fatalf("%s: %T", p, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// lib returns a library of architecture a with the given soname.
func lib(a, soname string) []byte { return archSpec(a, soname).build() }

// with returns a library of a changed by f.
func with(a, soname string, f func(*elfSpec)) []byte {
	s := archSpec(a, soname)
	f(&s)
	return s.build()
}

// aout returns an a.out ZMAGIC header as architecture a's ldconfig reads
// N_MAGIC, padded to 64 bytes.
func aout(a string) []byte {
	ar, _ := lookupArch(a)
	b := make([]byte, 64)
	if ar.order == binary.BigEndian {
		ar.order.PutUint16(b[ar.long-2:], 0o413)
	} else {
		ar.order.PutUint16(b, 0o413)
	}
	return b
}

// hwcapsNames returns glibc-hwcaps subdirectory names fitting a.
func hwcapsNames(a string) []string {
	switch a {
	case "amd64", "i386":
		return []string{"x86-64-v3", "x86-64-v2", "x86-64-v4"}
	case "ppc64el":
		return []string{"power10", "power9", "power11"}
	case "s390x":
		return []string{"z15", "z14", "z13"}
	}
	return []string{"hw-b", "hw-a", "hw-c"}
}

// scenario returns a root exercising what ldconfig does for architecture
// a: configuration (include, relative and duplicate directories,
// comments, hwcap lines), links of every kind, files that are not
// libraries, foreign objects, name ordering, glibc-hwcaps
// subdirectories. Nothing in it depends on the order in which a
// directory is read. oldGlibc leaves out what glibc before 2.37 treats
// differently (a.out files, temporary names).
func scenario(a string, oldGlibc bool) tree {
	ar, _ := lookupArch(a)
	tp := ar.triplet
	d := "/usr/lib/" + tp + "/"
	tr := tree{
		"/lib":                        link("usr/lib"),
		"/etc/ld.so.conf":             "include /etc/ld.so.conf.d/*.conf\n\n",
		"/etc/ld.so.conf.d/libc.conf": "# libc default configuration\n/usr/local/lib\n",
		"/etc/ld.so.conf.d/" + tp + ".conf": "# Multiarch support\n/usr/local/lib/" + tp +
			"\n/lib/" + tp + "\n/usr/lib/" + tp + "\n",
		"/etc/ld.so.conf.d/zz-custom.conf": "  /opt/custom/lib/  # comment\n/opt/custom//lib\nhwcap 0 nosegneg\n" +
			"include sub/*.conf /etc/ld.so.conf.d/s?b/[!a]*.conf\n/opt/with space\n/opt/file.so\n",
		"/etc/ld.so.conf.d/sub/a.conf":    "opt/rel\n/opt/missing\n",
		"/etc/ld.so.conf.d/sub/b.conf":    "/opt/b\t\n",
		"/etc/ld.so.conf.d/dir.conf/x":    "",
		"/etc/ld.so.conf.d/.hidden.conf":  "/opt/hidden\n",
		"/etc/ld.so.conf.d/dangling.conf": link("nowhere"),

		d + "libc.so.6":           lib(a, "libc.so.6"),
		d + "libfoo.so.1.2.3":     lib(a, "libfoo.so.1"),
		d + "libfoo.so.1":         link("libfoo.so.1.2.3"),
		d + "libfoo.so":           link("libfoo.so.1"),
		d + "libweird.so":         link("libfoo.so.1.2.3"),
		d + "libbar.so.2":         lib(a, "libbar.so.2"),
		d + "libbar.so.2.0.1":     lib(a, "libbar.so.2"),
		d + "libnoso.so.5":        with(a, "", func(s *elfSpec) { s.noSo = true }),
		d + "libdangling.so.3":    link("libgone.so.3"),
		d + "libdir.so.1":         link("subdir"),
		d + "subdir/libsub.so.1":  lib(a, "libsub.so.1"),
		d + "libempty.so.1":       "",
		d + "libsmall.so.1":       "\x7fEL",
		d + "libtext.so.1":        strings.Repeat("not a library\n", 8),
		d + "libscript.so":        "/* GNU ld script */\nGROUP ( /usr/lib/libscript.so.1 )\n" + strings.Repeat(" ", 40),
		d + "libexec.so.1":        with(a, "libexec.so.1", func(s *elfSpec) { s.typ = elf.ET_EXEC }),
		d + "libnodyn.so.1":       with(a, "libnodyn.so.1", func(s *elfSpec) { s.noDyn = true }),
		d + "libnostr.so.1":       with(a, "libnostr.so.1", func(s *elfSpec) { s.noStr = true }),
		d + "libinterp.so.1":      with(a, "libinterp.so.1", func(s *elfSpec) { s.interp = "/lib/ld.so" }),
		d + "libisa.so.1":         with(a, "libisa.so.1", func(s *elfSpec) { s.isa = 0x4 }),
		d + "libpad.so.1":         with(a, "libpad.so.1", func(s *elfSpec) { s.pad = 5000 }),
		d + "notalib.so.1":        lib(a, "notalib.so.1"),
		d + "ld-test.so.9":        lib(a, "ld-test.so.9"),
		d + "ld64.so.7":           lib(a, "ld64.so.7"),
		d + "libnum.so.10":        lib(a, "libnum.so.10"),
		d + "libnum.so.9":         lib(a, "libnum.so.9"),
		d + "libnum.so.9a":        lib(a, "libnum.so.9a"),
		d + "libNUM.so.1":         lib(a, "libNUM.so.1"),
		d + "lib_u.so.1":          lib(a, "lib_u.so.1"),
		d + "libz.so.1":           lib(a, "libz.so.1"),
		d + "lib\xc3\xa9.so.1":    lib(a, "lib\xc3\xa9.so.1"),
		d + "lib~.so.1":           lib(a, "lib~.so.1"),
		d + "lib12345678901.so.1": lib(a, "lib12345678901.so.1"),
		d + "libother.so.1":       lib(a, "libx-soname.so.4"),
		d + "libwrongendian.so.1": with(a, "libwrongendian.so.1", func(s *elfSpec) {
			if s.order == byteOrder(binary.BigEndian) {
				s.order = binary.LittleEndian
			} else {
				s.order = binary.BigEndian
			}
		}),

		"/usr/lib/libplain.so.1":             lib(a, "libplain.so.1"),
		"/usr/local/lib/libloc.so.1.0":       lib(a, "libloc.so.1"),
		"/usr/local/lib/libfoo.so.1":         lib(a, "libfoo.so.1"),
		"/usr/local/lib/libdev.so":           link("libdev.so.1"),
		"/usr/local/lib/libdev.so.1":         lib(a, "libdev.so.1"),
		"/usr/local/lib/glibc-hwcaps/unused": dir{},
		"/opt/custom/lib/libcustom.so.3":     lib(a, "libcustom.so.3"),
		"/opt/custom/lib/libcustom.so":       link("libcustom.so.3"),
		"/opt/with space/libspace.so.1":      lib(a, "libspace.so.1"),
		"/opt/rel/librel.so.1":               lib(a, "librel.so.1"),
		"/opt/b/libb.so.1":                   lib(a, "libb.so.1"),
		"/opt/hidden/libhidden.so.1":         lib(a, "libhidden.so.1"),
		"/opt/file.so":                       lib(a, "libfile.so.1"),
	}
	if !oldGlibc {
		tr[d+"libaout.so.4.5.6"] = aout(a)
		tr[d+"libtemp.so.1.dpkg-new"] = lib(a, "libtemp.so.1")
		tr[d+"libsemi;x.so.1"] = lib(a, "libsemi.so.1")
	}
	// Links to replace: to an older file, dangling; an existing link of a
	// dynamic linker's name stays (not the riscv64 one: see ldSonames).
	tr[d+"libold.so.2.1"] = lib(a, "libold.so.2")
	tr[d+"libold.so.2.0"] = lib(a, "libold.so.2")
	tr[d+"libold.so.2"] = link("libold.so.2.0")
	tr[d+"libdang.so.5.0"] = lib(a, "libdang.so.5")
	tr[d+"libdang.so.5"] = link("missing")
	for _, ld := range []string{"ld-linux-x86-64.so.2", "ld-linux-riscv64-lp64d.so.1"} {
		tr[d+ld] = link(ld + "-2.0")
		tr[d+ld+"-2.0"] = lib(a, ld)
		tr[d+ld+"-3.0"] = lib(a, ld)
	}
	for i, name := range hwcapsNames(a) {
		h := d + "glibc-hwcaps/" + name + "/"
		switch i {
		case 0:
			tr[h+"libfoo.so.1.2.3"] = with(a, "libfoo.so.1", func(s *elfSpec) { s.isa = 0x7 })
			tr[h+"libfoo.so.1"] = link("libfoo.so.1.2.3")
			tr[h+"libbar.so.2"] = with(a, "libbar.so.2", func(s *elfSpec) { s.isa = 0x8 })
		case 1:
			tr[h+"libfoo.so.1"] = lib(a, "libfoo.so.1")
			tr[h+"anyname"] = link("../../libz.so.1")
			tr[h+"README"] = "not scanned\n"
		case 2:
			tr[h+"libunused.txt"] = "no library here\n"
		}
	}
	tr[d+"glibc-hwcaps/.hidden/libfoo.so.1"] = lib(a, "libfoo.so.1")
	tr[d+"glibc-hwcaps/with:colon/libfoo.so.1"] = lib(a, "libfoo.so.1")
	tr[d+"glibc-hwcaps/file"] = "a regular file\n"
	for name, data := range foreign(a) {
		tr[d+name] = data
	}
	return tr
}

// foreign returns objects of other classes, machines and ABIs than a's
// own, which a's ldconfig takes with other flags or refuses.
func foreign(a string) map[string][]byte {
	le := byteOrder(binary.LittleEndian)
	mk := func(m elf.Machine, cls elf.Class, flags uint32, so string) []byte {
		return elfSpec{class: cls, order: le, machine: m, flags: flags, soname: so}.build()
	}
	x := map[string][]byte{
		"libf-x8664.so.1":   mk(elf.EM_X86_64, elf.ELFCLASS64, 0, "libf-x8664.so.1"),
		"libf-i386.so.1":    mk(elf.EM_386, elf.ELFCLASS32, 0, "libf-i386.so.1"),
		"libf-x32.so.1":     mk(elf.EM_X86_64, elf.ELFCLASS32, 0, "libf-x32.so.1"),
		"libf-aarch64.so.1": mk(elf.EM_AARCH64, elf.ELFCLASS64, 0, "libf-aarch64.so.1"),
	}
	switch archFamily(a) {
	case famARM:
		x["libf-armhf.so.1"] = mk(elf.EM_ARM, elf.ELFCLASS32, 0x05000400, "libf-armhf.so.1")
		x["libf-armel.so.1"] = mk(elf.EM_ARM, elf.ELFCLASS32, 0x05000200, "libf-armel.so.1")
		x["libf-eabi4.so.1"] = mk(elf.EM_ARM, elf.ELFCLASS32, 0x04000000, "libf-eabi4.so.1")
		x["libf-nofloat.so.1"] = mk(elf.EM_ARM, elf.ELFCLASS32, 0x05000000, "libf-nofloat.so.1")
	case famRISCV:
		x["libf-rv32d.so.1"] = mk(elf.EM_RISCV, elf.ELFCLASS32, 0x5, "libf-rv32d.so.1")
		x["libf-soft.so.1"] = mk(elf.EM_RISCV, elf.ELFCLASS64, 0x1, "libf-soft.so.1")
		x["libf-single.so.1"] = mk(elf.EM_RISCV, elf.ELFCLASS64, 0x3, "libf-single.so.1")
		x["libf-rve.so.1"] = mk(elf.EM_RISCV, elf.ELFCLASS64, 0xd, "libf-rve.so.1")
	case famLoongArch:
		x["libf-soft.so.1"] = mk(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x1, "libf-soft.so.1")
		x["libf-single.so.1"] = mk(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x2, "libf-single.so.1")
		x["libf-other.so.1"] = mk(elf.EM_LOONGARCH, elf.ELFCLASS64, 0x83, "libf-other.so.1")
	case famMIPS:
		x["libf-o32.so.1"] = mk(elf.EM_MIPS, elf.ELFCLASS32, 0x0, "libf-o32.so.1")
		x["libf-o32nan.so.1"] = mk(elf.EM_MIPS, elf.ELFCLASS32, 0x400, "libf-o32nan.so.1")
		x["libf-n32.so.1"] = mk(elf.EM_MIPS, elf.ELFCLASS32, 0x20, "libf-n32.so.1")
		x["libf-n32nan.so.1"] = mk(elf.EM_MIPS, elf.ELFCLASS32, 0x420, "libf-n32nan.so.1")
		x["libf-n64nan.so.1"] = mk(elf.EM_MIPS, elf.ELFCLASS64, 0x400, "libf-n64nan.so.1")
	}
	if ar, _ := lookupArch(a); ar.order == byteOrder(binary.BigEndian) {
		// Only objects in the architecture's byte order are read.
		for name := range x {
			s := archSpec(a, name)
			s.class = elf.ELFCLASS32
			x[name] = s.build()
		}
	}
	return x
}

func archFamily(a string) family {
	ar, _ := lookupArch(a)
	return ar.fam
}

// links returns the symbolic links under root, by path relative to it.
func links(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out["/"+rel] = target
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
