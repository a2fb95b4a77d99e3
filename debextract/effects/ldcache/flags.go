package ldcache

import (
	"debug/elf"
)

// processELFFile emulates the architecture's process_elf_file: which
// classes and machines it takes and the flags it gives them.
func (r *elfReader) processELFFile() (libInfo, bool) {
	cls := elf.Class(r.b.at(4, 1)[0])
	other := elf.ELFCLASS64
	if cls == elf.ELFCLASS32 {
		other = elf.ELFCLASS32
	}
	switch r.a.fam {
	case famX86:
		return r.x86(cls, other)
	case famARM:
		info, ok := r.readELF(other)
		if ok {
			info.flag = armFlags(other, r.eFlags(other))
		}
		return info, ok
	case famPowerPC, famS390:
		info, ok := r.readELF(other)
		if ok && other == elf.ELFCLASS64 {
			info.flag = r.a.native // FLAG_POWERPC_LIB64 or FLAG_S390_LIB64
		}
		return info, ok
	case famRISCV:
		info, ok := r.readELF(other)
		return withFloatABI(info, ok, riscvFloat(r.eFlags(other)))
	case famLoongArch:
		info, ok := r.readELF(elf.ELFCLASS64)
		return withFloatABI(info, ok, larchFloat(r.eFlags(elf.ELFCLASS64)))
	case famMIPS:
		info, ok := r.readELF(other)
		if ok {
			info.flag = mipsFlags(other, r.eFlags(other))
		}
		return info, ok
	}
	return libInfo{}, false
}

// x86 is sysdeps/x86/readelflib.c: x86-64 objects of either class and
// i386 ELF32 objects; anything else is for an unknown machine.
func (r *elfReader) x86(cls, other elf.Class) (libInfo, bool) {
	var fileFlag int32
	switch m := elf.Machine(r.u16(18)); {
	case m == elf.EM_X86_64 && cls == elf.ELFCLASS64:
		fileFlag = flagX8664Lib64 | flagELFLibc6
	case m == elf.EM_X86_64:
		fileFlag = flagX8664LibX32 | flagELFLibc6
	case m == elf.EM_386 && cls == elf.ELFCLASS32:
	default:
		return libInfo{}, false // "unknown machine", said only with -v
	}
	info, ok := r.readELF(other)
	if ok && fileFlag != 0 {
		info.flag = fileFlag
	}
	return info, ok
}

// armFlags gives an arm or aarch64 object its flags: the EABI5 float ABI
// of 32-bit objects, FLAG_AARCH64_LIB64 for 64-bit ones.
func armFlags(cls elf.Class, flags uint32) int32 {
	if cls == elf.ELFCLASS64 {
		return flagAArch64Lib64 | flagELFLibc6
	}
	if flags&0xff000000 != 0x05000000 { // EF_ARM_EABI_VERSION != EF_ARM_EABI_VER5
		return flagELFLibc6
	}
	switch {
	case flags&0x400 != 0: // EF_ARM_ABI_FLOAT_HARD
		return flagARMLibHF | flagELFLibc6
	case flags&0x200 != 0: // EF_ARM_ABI_FLOAT_SOFT
		return flagARMLibSF | flagELFLibc6
	}
	return flagELFLibc6
}

// mipsFlags gives a MIPS object its flags from its ABI and NaN encoding.
func mipsFlags(cls elf.Class, flags uint32) int32 {
	const nan2008, abi2 = 0x400, 0x20 // EF_MIPS_NAN2008, EF_MIPS_ABI2
	nan := flags&nan2008 != 0
	switch {
	case cls == elf.ELFCLASS64 && nan:
		return flagMIPS64LibN64NaN2008 | flagELFLibc6
	case cls == elf.ELFCLASS64:
		return flagMIPS64LibN64 | flagELFLibc6
	case flags&abi2 != 0 && nan:
		return flagMIPS64LibN32NaN2008 | flagELFLibc6
	case flags&abi2 != 0:
		return flagMIPS64LibN32 | flagELFLibc6
	case nan:
		return flagMIPSLib32NaN2008 | flagELFLibc6
	}
	return flagELFLibc6
}

// riscvFloat returns the flag of a RISC-V object's float ABI, 0 when
// glibc does not support it or any other e_flags bit than RVC is set.
func riscvFloat(flags uint32) int32 {
	const rvc, floatABI = 0x1, 0x6
	if flags&^(floatABI|rvc) != 0 {
		return 0
	}
	switch flags & floatABI {
	case 0x0:
		return flagRISCVFloatSoft
	case 0x4:
		return flagRISCVFloatDouble
	}
	return 0
}

// larchFloat is riscvFloat for LoongArch, which ignores EF_LARCH_OBJABI_V1.
func larchFloat(flags uint32) int32 {
	const objABIV1, soft, double = 0x40, 0x1, 0x3
	flags &^= objABIV1
	if flags&^double != 0 {
		return 0
	}
	switch flags & double {
	case soft:
		return flagLArchFloatSoft
	case double:
		return flagLArchFloatDouble
	}
	return 0
}

// withFloatABI adds a float ABI flag, refusing the object without one.
func withFloatABI(info libInfo, ok bool, abi int32) (libInfo, bool) {
	if !ok || abi == 0 {
		return libInfo{}, false
	}
	info.flag = flagELFLibc6 | abi
	return info, true
}
