package ldcache

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/distrofile/distrofile/debarch"
)

// Cache flags (sysdeps/generic/ldconfig.h): the low byte is the library
// type, always FLAG_ELF_LIBC6 for what ldconfig still accepts, the next
// one the ABI it requires.
const (
	flagELFLibc6            = 0x0003
	flagX8664Lib64          = 0x0300
	flagS390Lib64           = 0x0400
	flagPowerPCLib64        = 0x0500
	flagMIPS64LibN32        = 0x0600
	flagMIPS64LibN64        = 0x0700
	flagX8664LibX32         = 0x0800
	flagARMLibHF            = 0x0900
	flagAArch64Lib64        = 0x0a00
	flagARMLibSF            = 0x0b00
	flagMIPSLib32NaN2008    = 0x0c00
	flagMIPS64LibN32NaN2008 = 0x0d00
	flagMIPS64LibN64NaN2008 = 0x0e00
	flagRISCVFloatSoft      = 0x0f00
	flagRISCVFloatDouble    = 0x1000
	flagLArchFloatSoft      = 0x1100
	flagLArchFloatDouble    = 0x1200
)

// family selects the architecture-specific part of ldconfig's ELF reader
// (sysdeps/unix/sysv/linux/*/readelflib.c, sysdeps/x86/readelflib.c).
type family int

const (
	famX86       family = iota // e_machine checked; x86 ISA level read
	famARM                     // arm and aarch64 share one reader
	famPowerPC                 // 64-bit objects get FLAG_POWERPC_LIB64
	famS390                    // 64-bit objects get FLAG_S390_LIB64
	famRISCV                   // float ABI from e_flags
	famLoongArch               // float ABI from e_flags, ELF64 only
	famMIPS                    // ABI and NaN encoding from e_flags
)

// arch describes the ldconfig of one Debian architecture: how its C
// types look (the cache and the ELF fields are read and written in its
// byte order, its char signedness orders names) and which reader it uses.
type arch struct {
	name       string // Debian architecture name
	triplet    string // multiarch tuple
	order      byteOrder
	long       int  // size of C long: 4 or 8
	signedChar bool // plain char is signed (x86, mips, loongarch)
	fam        family
	// native is _DL_CACHE_DEFAULT_ID (or the flags the dynamic linker
	// accepts first): the flags of the architecture's own libc.so.6.
	native int32
}

// byteOrder reads and appends fixed-size integers.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// arches are Debian's release architectures of trixie, plus mips64el
// (bookworm's) and loong64 (ports), with glibc's ABI for each; their
// triplets come from debarch.
var arches = []arch{
	abi("amd64", binary.LittleEndian, 8, true, famX86, flagX8664Lib64|flagELFLibc6),
	abi("arm64", binary.LittleEndian, 8, false, famARM, flagAArch64Lib64|flagELFLibc6),
	abi("armel", binary.LittleEndian, 4, false, famARM, flagARMLibSF|flagELFLibc6),
	abi("armhf", binary.LittleEndian, 4, false, famARM, flagARMLibHF|flagELFLibc6),
	abi("i386", binary.LittleEndian, 4, true, famX86, flagELFLibc6),
	abi("loong64", binary.LittleEndian, 8, true, famLoongArch, flagLArchFloatDouble|flagELFLibc6),
	abi("mips64el", binary.LittleEndian, 8, true, famMIPS, flagMIPS64LibN64|flagELFLibc6),
	abi("ppc64el", binary.LittleEndian, 8, false, famPowerPC, flagPowerPCLib64|flagELFLibc6),
	abi("riscv64", binary.LittleEndian, 8, false, famRISCV, flagRISCVFloatDouble|flagELFLibc6),
	abi("s390x", binary.BigEndian, 8, false, famS390, flagS390Lib64|flagELFLibc6),
}

// abi returns the arch of the Debian architecture name, with the
// multiarch triplet of debarch's table.
func abi(name string, order byteOrder, long int, signedChar bool, fam family, native int32) arch {
	a, ok := debarch.Lookup(name)
	if !ok {
		panic("ldcache: " + name + " is not in debarch's table")
	}
	return arch{name, a.Triplet, order, long, signedChar, fam, native}
}

// Arches returns the Debian architecture names Build knows, sorted.
func Arches() []string {
	var names []string
	for _, a := range arches {
		names = append(names, a.name)
	}
	slices.Sort(names)
	return names
}

// lookupArch returns the architecture named name.
func lookupArch(name string) (*arch, error) {
	for i := range arches {
		if arches[i].name == name {
			return &arches[i], nil
		}
	}
	return nil, fmt.Errorf("unknown architecture %q (known: %v)", name, Arches())
}

// systemDirs are the directories Debian's ldconfig always scans after its
// configuration: the dynamic linker's trusted directories (SYSTEM_DIRS:
// slibdir, libdir, then /lib and /usr/lib, which Debian's
// local-ld-multiarch.diff adds and local-ldconfig-multiarch.diff makes
// ldconfig use instead of SLIBDIR and LIBDIR). They carry a trailing
// slash there, so that the lib64/libx32/lp64d variants add_system_dir adds
// on some architectures never apply; add_dir strips the slash.
func (a *arch) systemDirs() []string {
	return []string{"/lib/" + a.triplet, "/usr/lib/" + a.triplet, "/lib", "/usr/lib"}
}

// minFileSize is the size below which process_file does not look at a
// file: the larger of struct exec and the native ElfW(Ehdr).
func (a *arch) minFileSize() int64 {
	if a.long == 8 {
		return 64 // sizeof (Elf64_Ehdr); struct exec is 40
	}
	return 52 // sizeof (Elf32_Ehdr); struct exec is 32
}

// aoutMagic returns N_MAGIC of the a.out header at the start of head:
// the low 16 bits of the native unsigned long a_info.
func (a *arch) aoutMagic(head []byte) uint16 {
	if a.order == binary.BigEndian {
		return a.order.Uint16(head[a.long-2 : a.long])
	}
	return a.order.Uint16(head[:2])
}

// ldSonames are the names whose existing links Debian's ldconfig never
// replaces (local-ldconfig-ignore-ld.so.diff). The list is the one in
// trixie's ldconfig, where a missing comma glues three names into one.
var ldSonames = []string{
	"ld-kfreebsd-x86-64.so.1",
	"ld-linux-aarch64.so.1",
	"ld-linux-aarch64_be.so.1",
	"ld-linux-armhf.so.3",
	"ld-linux-ia64.so.2",
	"ld-linux-mipsn8.so.1",
	"ld-linux-riscv64-lp64.so.1" + "ld-linux-riscv64-lp64d.so.1" + "ld-linux-x32.so.2",
	"ld-linux-x86-64.so.2",
	"ld-linux.so.2",
	"ld-linux.so.3",
	"ld.so.1",
	"ld64.so.1",
	"ld64.so.2",
}
