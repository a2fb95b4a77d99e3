package ldcache

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// elfSpec describes a minimal ELF shared object for the tests: an ELF
// header, program headers (PT_LOAD over the whole file at loadBase,
// PT_DYNAMIC, optionally PT_INTERP and PT_GNU_PROPERTY), a dynamic
// section (DT_NEEDED libc.so.6, DT_STRTAB, DT_STRSZ, DT_SONAME) and its
// string table. Nothing else: enough for ldconfig, which reads no
// section header.
type elfSpec struct {
	class   elf.Class
	order   byteOrder
	machine elf.Machine
	flags   uint32
	typ     elf.Type // 0: ET_DYN
	osabi   byte
	soname  string
	noSo    bool   // no DT_SONAME
	noDyn   bool   // no PT_DYNAMIC
	noStr   bool   // no DT_STRTAB
	isa     uint32 // GNU_PROPERTY_X86_ISA_1_NEEDED, 0 for no note
	interp  string
	pad     int // bytes of padding at the end
}

const loadBase = 0x10000

// archSpec returns the spec of a library of architecture a's own ABI.
func archSpec(a string, soname string) elfSpec {
	le, be := byteOrder(binary.LittleEndian), byteOrder(binary.BigEndian)
	s := elfSpec{soname: soname, order: le, class: elf.ELFCLASS64}
	switch a {
	case "amd64":
		s.machine = elf.EM_X86_64
	case "i386":
		s.machine, s.class = elf.EM_386, elf.ELFCLASS32
	case "arm64":
		s.machine = elf.EM_AARCH64
	case "armhf":
		s.machine, s.class, s.flags = elf.EM_ARM, elf.ELFCLASS32, 0x05000400
	case "armel":
		s.machine, s.class, s.flags = elf.EM_ARM, elf.ELFCLASS32, 0x05000200
	case "ppc64el":
		s.machine, s.flags = elf.EM_PPC64, 2
	case "s390x":
		s.machine, s.order = elf.EM_S390, be
	case "riscv64":
		s.machine, s.flags = elf.EM_RISCV, 0x5
	case "loong64":
		s.machine, s.flags = elf.EM_LOONGARCH, 0x43
	case "mips64el":
		s.machine, s.flags = elf.EM_MIPS, 0x80000007
	}
	return s
}

// build writes the object.
func (s elfSpec) build() []byte {
	c := &class64
	if s.class == elf.ELFCLASS32 {
		c = &class32
	}
	w := &elfWriter{order: s.order, c: c}
	ehsize := uint64(64)
	if c == &class32 {
		ehsize = 52
	}
	strtab := "\x00libc.so.6\x00" + s.soname + "\x00"
	var phdrs []phdrSpec
	nph := 2
	if !s.noDyn {
		nph++
	}
	if s.interp != "" {
		nph++
	}
	if s.isa != 0 {
		nph++
	}
	off := ehsize + uint64(nph)*c.phsize
	interpOff := off
	off += uint64(len(s.interp)) + 1
	noteOff := alignUp(off, c.addrSize)
	note := s.note(c)
	off = noteOff + uint64(len(note))
	dynOff := alignUp(off, 8)
	dyn := s.dynamic(c, dynOff)
	strOff := dynOff + uint64(len(dyn))
	size := strOff + uint64(len(strtab)) + uint64(s.pad)
	phdrs = append(phdrs, phdrSpec{elf.PT_LOAD, 0, loadBase, size, 0x1000})
	if !s.noDyn {
		phdrs = append(phdrs, phdrSpec{elf.PT_DYNAMIC, dynOff, loadBase + dynOff, uint64(len(dyn)), 8})
	}
	if s.interp != "" {
		phdrs = append(phdrs, phdrSpec{elf.PT_INTERP, interpOff, loadBase + interpOff, uint64(len(s.interp)) + 1, 1})
	}
	if s.isa != 0 {
		phdrs = append(phdrs, phdrSpec{elf.PT_GNU_PROPERTY, noteOff, loadBase + noteOff, uint64(len(note)), c.addrSize})
	}
	phdrs = append(phdrs, phdrSpec{elf.PT_GNU_STACK, 0, 0, 0, 16})
	w.header(s, ehsize, len(phdrs))
	for _, p := range phdrs {
		w.phdr(p)
	}
	w.buf.WriteString(s.interp)
	w.buf.WriteByte(0)
	w.padTo(noteOff)
	w.buf.Write(note)
	w.padTo(dynOff)
	w.buf.Write(dyn)
	w.buf.WriteString(strtab)
	w.buf.Write(make([]byte, s.pad))
	_ = strOff
	return w.buf.Bytes()
}

// dynamic returns the dynamic section placed at dynOff, the string
// table right after it.
func (s elfSpec) dynamic(c *elfClass, dynOff uint64) []byte {
	type ent struct {
		tag elf.DynTag
		val uint64
	}
	n := 3 // DT_NEEDED, DT_STRSZ, DT_NULL
	if !s.noStr {
		n++
	}
	if !s.noSo {
		n++
	}
	strAddr := loadBase + dynOff + uint64(n)*c.dynSize
	ents := []ent{{elf.DT_NEEDED, 1}}
	if !s.noStr {
		ents = append(ents, ent{elf.DT_STRTAB, strAddr})
	}
	ents = append(ents, ent{elf.DT_STRSZ, uint64(len(s.soname)) + 12})
	if !s.noSo {
		ents = append(ents, ent{elf.DT_SONAME, 11})
	}
	ents = append(ents, ent{elf.DT_NULL, 0})
	w := &elfWriter{order: s.order, c: c}
	for _, e := range ents {
		w.word(uint64(e.tag))
		w.word(e.val)
	}
	return w.buf.Bytes()
}

// note returns the NT_GNU_PROPERTY_TYPE_0 note with the x86 ISA level.
func (s elfSpec) note(c *elfClass) []byte {
	if s.isa == 0 {
		return nil
	}
	w := &elfWriter{order: s.order, c: c}
	desc := uint64(alignUp(12, c.addrSize))
	w.u32(4)
	w.u32(uint32(desc))
	w.u32(ntGNUPropertyType0)
	w.buf.WriteString("GNU\x00")
	w.u32(0xc0000002) // GNU_PROPERTY_X86_FEATURE_1_AND, before it
	w.u32(4)
	w.u32(3)
	w.padTo(uint64(w.buf.Len()) + alignUp(4, c.addrSize) - 4)
	w.u32(gnuPropertyX86ISA1Nd)
	w.u32(4)
	w.u32(s.isa)
	w.padTo(alignUp(uint64(w.buf.Len()), c.addrSize))
	out := w.buf.Bytes()
	// Fix n_descsz to what was written.
	s.order.PutUint32(out[4:], uint32(len(out)-16))
	return out
}

type phdrSpec struct {
	typ                   elf.ProgType
	offset, vaddr, filesz uint64
	align                 uint64
}

type elfWriter struct {
	buf   bytes.Buffer
	order byteOrder
	c     *elfClass
}

func (w *elfWriter) u16(v uint16) { w.buf.Write(w.order.AppendUint16(nil, v)) }
func (w *elfWriter) u32(v uint32) { w.buf.Write(w.order.AppendUint32(nil, v)) }

func (w *elfWriter) word(v uint64) {
	if w.c == &class32 {
		w.u32(uint32(v))
		return
	}
	w.buf.Write(w.order.AppendUint64(nil, v))
}

func (w *elfWriter) padTo(off uint64) {
	for uint64(w.buf.Len()) < off {
		w.buf.WriteByte(0)
	}
}

func (w *elfWriter) header(s elfSpec, ehsize uint64, nph int) {
	data := byte(elf.ELFDATA2LSB)
	if s.order == byteOrder(binary.BigEndian) {
		data = byte(elf.ELFDATA2MSB)
	}
	w.buf.Write([]byte{0x7f, 'E', 'L', 'F', byte(s.class), data, 1, s.osabi, 0, 0, 0, 0, 0, 0, 0, 0})
	typ := s.typ
	if typ == 0 {
		typ = elf.ET_DYN
	}
	w.u16(uint16(typ))
	w.u16(uint16(s.machine))
	w.u32(1)
	w.word(0)      // e_entry
	w.word(ehsize) // e_phoff
	w.word(0)      // e_shoff
	w.u32(s.flags)
	w.u16(uint16(ehsize))
	w.u16(uint16(w.c.phsize))
	w.u16(uint16(nph))
	w.u16(0) // e_shentsize
	w.u16(0)
	w.u16(0)
}

func (w *elfWriter) phdr(p phdrSpec) {
	if w.c == &class32 {
		w.u32(uint32(p.typ))
		w.u32(uint32(p.offset))
		w.u32(uint32(p.vaddr))
		w.u32(uint32(p.vaddr))
		w.u32(uint32(p.filesz))
		w.u32(uint32(p.filesz))
		w.u32(4) // PF_R
		w.u32(uint32(p.align))
		return
	}
	w.u32(uint32(p.typ))
	w.u32(4)
	w.word(p.offset)
	w.word(p.vaddr)
	w.word(p.vaddr)
	w.word(p.filesz)
	w.word(p.filesz)
	w.word(p.align)
}
