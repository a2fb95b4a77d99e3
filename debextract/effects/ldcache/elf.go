package ldcache

import (
	"bytes"
	"debug/elf"
	"fmt"
	"math/bits"
	"strings"
)

// Bounds on what is read of a malformed file, which refuse it: a
// DT_SONAME string, and the dynamic entries before DT_NULL (ldconfig
// reads on to the end of the file).
const (
	maxSoname     = 1 << 20
	maxDynEntries = 1 << 20
)

// libInfo is what process_file reports of a library.
type libInfo struct {
	flag      int32
	isa       uint32
	soname    string
	hasSoname bool
}

// elfReader reads one file as ldconfig's process_file does: in the byte
// order of the architecture (EI_DATA is ignored, as there), with pointer
// arithmetic of its word size.
type elfReader struct {
	a    *arch
	b    *blob
	name string // file name for messages (directory/entry)
	lib  string // entry name
	warn func(string)
}

func (r *elfReader) u16(off uint64) uint16 { return r.a.order.Uint16(r.b.at(off, 2)) }
func (r *elfReader) u32(off uint64) uint32 { return r.a.order.Uint32(r.b.at(off, 4)) }
func (r *elfReader) u64(off uint64) uint64 { return r.a.order.Uint64(r.b.at(off, 8)) }

// ptr reduces an offset as adding it to a pointer of the architecture's
// word size does.
func (r *elfReader) ptr(off uint64) uint64 {
	if r.a.long == 4 {
		return off & 0xffffffff
	}
	return off
}

// inFile is check_ptr: the offset is at most the file's size.
func (r *elfReader) inFile(off uint64) bool { return off <= r.b.size }

func (r *elfReader) truncated() (libInfo, bool) {
	r.warn(fmt.Sprintf("file %s is truncated", r.name))
	return libInfo{}, false
}

// processFile emulates process_file of elf/readlib.c: false when ldconfig
// does not take the file as a library.
func (r *elfReader) processFile() (libInfo, bool) {
	size := r.b.size
	if size < uint64(r.a.minFileSize()) {
		r.tooSmall()
		return libInfo{}, false
	}
	head := r.b.at(0, 64)
	if r.b.readErr != nil {
		r.warn(fmt.Sprintf("Cannot read file %s: %v", r.name, r.b.readErr))
		return libInfo{}, false
	}
	if m := r.a.aoutMagic(head); m == 0o413 || m == 0o314 {
		return libInfo{flag: flagELFLibc6, soname: aoutSoname(r.lib), hasSoname: true}, true
	}
	if !bytes.Equal(head[:4], []byte(elf.ELFMAG)) {
		r.notELF()
		return libInfo{}, false
	}
	if r.u16(16) != uint16(elf.ET_DYN) {
		return libInfo{}, false
	}
	info, ok := r.processELFFile()
	if r.b.readErr != nil {
		r.warn(fmt.Sprintf("Cannot read file %s: %v", r.name, r.b.readErr))
		return libInfo{}, false
	}
	return info, ok
}

// tooSmall reports a file below minFileSize as ldconfig does.
func (r *elfReader) tooSmall() {
	if r.b.size == 0 {
		r.warn(fmt.Sprintf("File %s is empty, not checked.", r.name))
		return
	}
	n := min(int(r.b.size), 4)
	if bytes.Equal(r.b.at(0, n), []byte(elf.ELFMAG)[:n]) && r.b.readErr == nil {
		r.warn(fmt.Sprintf("File %s is too small, not checked.", r.name))
	}
}

// notELF reports a file that is neither ELF nor a.out, unless it is a
// linker script (libc.so) or a GDB extension.
func (r *elfReader) notELF() {
	head := r.b.at(0, int(min(r.b.size, 512)))
	if bytes.Contains(head, []byte("GROUP")) || bytes.Contains(head, []byte("GNU ld script")) {
		return
	}
	for _, s := range []string{"-gdb.gdb", "-gdb.py", "-gdb.scm"} {
		if strings.HasSuffix(r.name, s) {
			return
		}
	}
	r.warn(fmt.Sprintf("%s is not an ELF file - it has the wrong magic bytes at the start.", r.name))
}

// aoutSoname is the name an a.out library is cached under: its file name
// cut after the major version.
func aoutSoname(lib string) string {
	i := strings.Index(lib, ".so.")
	if i < 0 {
		return lib
	}
	if j := strings.IndexByte(lib[i+4:], '.'); j >= 0 {
		return lib[:i+4+j]
	}
	return lib
}

// eFlags returns e_flags of the header read as ELF class cls.
func (r *elfReader) eFlags(cls elf.Class) uint32 {
	if cls == elf.ELFCLASS32 {
		return r.u32(36)
	}
	return r.u32(48)
}

// elfClass holds the layout of one ELF class: offsets of the header and
// program header fields ldconfig reads, sizes of a program header and a
// dynamic entry, and the size of an address (ElfW(Addr)).
type elfClass struct {
	cls                     elf.Class
	phoff, phnum            uint64
	phsize                  uint64
	pOffset, pVaddr, pFsize uint64
	pAlign                  uint64
	dynSize                 uint64
	addrSize                uint64
}

var (
	class32 = elfClass{elf.ELFCLASS32, 28, 44, 32, 4, 8, 16, 28, 8, 4}
	class64 = elfClass{elf.ELFCLASS64, 32, 56, 56, 8, 16, 32, 48, 16, 8}
)

// word reads an address-sized field of class c.
func (r *elfReader) word(c *elfClass, off uint64) uint64 {
	if c.cls == elf.ELFCLASS32 {
		return uint64(r.u32(off))
	}
	return r.u64(off)
}

// phdr is the part of a program header ldconfig looks at.
type phdr struct {
	typ                   elf.ProgType
	offset, vaddr, filesz uint64
	align                 uint64
}

func (r *elfReader) phdr(c *elfClass, off uint64) phdr {
	return phdr{
		typ:    elf.ProgType(r.u32(off)),
		offset: r.word(c, off+c.pOffset),
		vaddr:  r.word(c, off+c.pVaddr),
		filesz: r.word(c, off+c.pFsize),
		align:  r.word(c, off+c.pAlign),
	}
}

// readELF emulates the generic process_elf_file of elf/readelflib.c for
// class cls: the object must be of that class and have a PT_DYNAMIC with
// a DT_STRTAB; its DT_SONAME (if any) is read from that string table.
func (r *elfReader) readELF(cls elf.Class) (libInfo, bool) {
	c := &class64
	if cls == elf.ELFCLASS32 {
		c = &class32
	}
	if elf.Class(r.b.at(4, 1)[0]) != cls {
		return libInfo{}, false
	}
	phoff := r.ptr(r.word(c, c.phoff))
	if !r.inFile(phoff) {
		return r.truncated()
	}
	info := libInfo{flag: flagELFLibc6}
	var dynAddr uint32
	var dynSize uint64
	phnum := uint64(r.u16(c.phnum))
	for i := range phnum {
		off := phoff + i*c.phsize
		if !r.inFile(off) {
			return r.truncated()
		}
		ph := r.phdr(c, off)
		switch ph.typ {
		case elf.PT_DYNAMIC:
			if dynAddr != 0 {
				r.warn("more than one dynamic segment")
			}
			dynAddr, dynSize = uint32(ph.offset), ph.filesz
		case elf.PT_INTERP:
			if !r.inFile(r.ptr(ph.offset)) {
				return r.truncated()
			}
		case elf.PT_GNU_PROPERTY:
			if r.a.fam == famX86 && ph.align == c.addrSize {
				r.isaLevel(c, ph, &info.isa)
			}
		}
	}
	if dynSize == 0 {
		return libInfo{}, false
	}
	if !r.inFile(uint64(dynAddr)) {
		return r.truncated()
	}
	strtab, found, ok := r.strtab(c, uint64(dynAddr), phoff, phnum)
	if !ok {
		return r.truncated()
	}
	if !found {
		return libInfo{}, false
	}
	return r.soname(c, uint64(dynAddr), strtab, info)
}

// dyn reads the dynamic entry at off.
func (r *elfReader) dyn(c *elfClass, off uint64) (tag int64, val uint64) {
	if c.cls == elf.ELFCLASS32 {
		return int64(int32(r.u32(off))), uint64(r.u32(off + 4))
	}
	return int64(r.u64(off)), r.u64(off + 8)
}

// strtab finds DT_STRTAB and the file offset of the string table: the
// address less the first PT_LOAD's load offset. ok is false when the
// table lies outside the file.
func (r *elfReader) strtab(c *elfClass, dynOff, phoff, phnum uint64) (off uint64, found, ok bool) {
	for i, p := 0, dynOff; ; i, p = i+1, p+c.dynSize {
		if i == maxDynEntries {
			return 0, false, true
		}
		tag, val := r.dyn(c, p)
		if elf.DynTag(tag) == elf.DT_NULL {
			return 0, false, true
		}
		if !r.inFile(p) {
			return 0, false, false
		}
		if elf.DynTag(tag) != elf.DT_STRTAB {
			continue
		}
		loadoff := r.loadOffset(c, val, phoff, phnum)
		off = r.ptr(val - loadoff)
		return off, true, r.inFile(off)
	}
}

// loadOffset is p_vaddr - p_offset of the first PT_LOAD holding addr, in
// the class's width, or 0 when there is none.
func (r *elfReader) loadOffset(c *elfClass, addr, phoff, phnum uint64) uint64 {
	mask := ^uint64(0)
	if c.cls == elf.ELFCLASS32 {
		mask = 0xffffffff
	}
	for i := range phnum {
		ph := r.phdr(c, phoff+i*c.phsize)
		if ph.typ == elf.PT_LOAD && addr >= ph.vaddr && addr-ph.vaddr < ph.filesz {
			if lo := (ph.vaddr - ph.offset) & mask; lo != mask {
				return lo
			}
			return 0
		}
	}
	return 0
}

// soname reads the first DT_SONAME from the string table at strtab.
func (r *elfReader) soname(c *elfClass, dynOff, strtab uint64, info libInfo) (libInfo, bool) {
	for i, p := 0, dynOff; p <= r.b.size; i, p = i+1, p+c.dynSize {
		if i == maxDynEntries {
			r.warn(fmt.Sprintf("%s: more than %d dynamic entries, ignored", r.name, maxDynEntries))
			return libInfo{}, false
		}
		tag, val := r.dyn(c, p)
		if elf.DynTag(tag) == elf.DT_NULL {
			break
		}
		if elf.DynTag(tag) != elf.DT_SONAME {
			continue
		}
		off := r.ptr(strtab + val)
		if !r.inFile(off) {
			return r.truncated()
		}
		s, ok := r.b.cstring(off, maxSoname)
		if !ok {
			r.warn(fmt.Sprintf("%s: DT_SONAME longer than %d bytes, ignored", r.name, maxSoname))
			return libInfo{}, false
		}
		info.soname, info.hasSoname = s, true
		return info, true
	}
	return info, true
}

// GNU property note constants (elf.h).
const (
	ntGNUPropertyType0   = 5
	gnuPropertyX86ISA1Nd = 0xc0008002 // GNU_PROPERTY_X86_ISA_1_NEEDED
	noteHeaderSize       = 12
)

// isaLevel reads the x86 ISA level an object needs from its
// NT_GNU_PROPERTY_TYPE_0 note, as x86's read_gnu_property does: the
// highest bit of GNU_PROPERTY_X86_ISA_1_NEEDED.
func (r *elfReader) isaLevel(c *elfClass, ph phdr, isa *uint32) {
	start := r.ptr(ph.offset)
	align := ph.align
	for n := uint64(0); n+noteHeaderSize < ph.filesz && start+n < r.b.size; {
		namesz, descsz, typ := r.u32(start+n), r.u32(start+n+4), r.u32(start+n+8)
		if namesz == 4 && typ == ntGNUPropertyType0 && bytes.Equal(r.b.at(start+n+noteHeaderSize, 4), []byte("GNU\x00")) {
			r.properties(start+n+noteHeaderSize+4, uint64(descsz), c.addrSize, isa)
			return
		}
		n += alignUp(noteHeaderSize+uint64(namesz), align) + alignUp(uint64(descsz), align)
	}
}

// properties walks the property array of a GNU property note.
func (r *elfReader) properties(p, descsz, word uint64, isa *uint32) {
	if descsz < 8 || descsz%word != 0 {
		return
	}
	end := p + descsz
	var last uint32
	for {
		typ, datasz := r.u32(p), r.u32(p+4)
		if typ < last {
			return
		}
		p += 8
		if p+uint64(datasz) > end {
			return
		}
		last = typ
		if typ > gnuPropertyX86ISA1Nd {
			return
		}
		if typ == gnuPropertyX86ISA1Nd {
			if v := r.u32(p); datasz == 4 && v != 0 {
				*isa = uint32(31 - bits.LeadingZeros32(v))
			}
			return
		}
		p += alignUp(uint64(datasz), word)
		if p > end || end-p < 8 || p >= r.b.size {
			return
		}
	}
}

func alignUp(v, a uint64) uint64 {
	if a == 0 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}
