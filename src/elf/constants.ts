/**
 * ELF constants under their spec names (System V gABI; elf(5)), with name tables so unknown
 * values still print. Only what kpatch reads is listed.
 */

export const ELFMAG = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_NIDENT = 16;

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_SPARC = 2;
export const EM_386 = 3;
export const EM_68K = 4;
export const EM_MIPS = 8;
export const EM_PARISC = 15;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_ARM = 40;
export const EM_SH = 42;
export const EM_SPARCV9 = 43;
export const EM_IA_64 = 50;
export const EM_X86_64 = 62;
export const EM_VAX = 75;
export const EM_OPENRISC = 92;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
/** Alpha: the number GNU binutils (and so NetBSD) writes; the gABI's EM_ALPHA 41 is unused. */
export const EM_ALPHA_EXP = 0x9026;

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHF_WRITE = 1n;
export const SHF_ALLOC = 2n;
export const SHF_EXECINSTR = 4n;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

/** e_type names. */
export const ET_NAMES: Readonly<Record<number, string>> = { 0: 'ET_NONE', 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' };

/** e_machine values to short, human names (a subset of the gABI list: the machines NetBSD runs on, and common others). */
export const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'sparc',
  3: 'i386',
  4: 'm68k',
  8: 'mips',
  15: 'hppa',
  18: 'sparc32plus',
  20: 'powerpc',
  21: 'powerpc64',
  40: 'arm',
  42: 'superh',
  43: 'sparc64',
  50: 'ia64',
  62: 'x86-64',
  75: 'vax',
  92: 'or1k',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
  0x9026: 'alpha',
};

/** Names e_machine `m`, falling back to its number. */
export function machineName(m: number): string {
  return MACHINE_NAMES[m] ?? `machine ${m}`;
}
