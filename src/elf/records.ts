/**
 * The fixed on-disk ELF records, declared once as field lists per class and compiled into
 * binary-parser decoders. The 32- and 64-bit shapes differ only in field widths and (for program
 * headers) order, so they are data here and the reader has one code path.
 */
import { Parser } from 'binary-parser';
import type { Endian } from '../bytes/view';

/** Field widths: `half` 2, `word` 4, `addr`/`off`/`xword` 4 in ELF32 and 8 in ELF64, `byte` 1. */
type Width = 'byte' | 'half' | 'word' | 'addr' | 'off' | 'xword';
type Fields = readonly (readonly [string, Width])[];
/** ELF class as the bit width. */
export type ElfClass = 32 | 64;

// elf(5): Elf{32,64}_Ehdr after e_ident
const EHDR: Fields = [
  ['type', 'half'], ['machine', 'half'], ['version', 'word'], ['entry', 'addr'], ['phoff', 'off'], ['shoff', 'off'],
  ['flags', 'word'], ['ehsize', 'half'], ['phentsize', 'half'], ['phnum', 'half'], ['shentsize', 'half'], ['shnum', 'half'],
  ['shstrndx', 'half'],
];
// Elf32_Phdr and Elf64_Phdr: p_flags moves to second place in ELF64 for alignment.
const PHDR: Record<ElfClass, Fields> = {
  32: [['type', 'word'], ['offset', 'off'], ['vaddr', 'addr'], ['paddr', 'addr'], ['filesz', 'xword'], ['memsz', 'xword'], ['flags', 'word'], ['align', 'xword']],
  64: [['type', 'word'], ['flags', 'word'], ['offset', 'off'], ['vaddr', 'addr'], ['paddr', 'addr'], ['filesz', 'xword'], ['memsz', 'xword'], ['align', 'xword']],
};
const SHDR: Fields = [
  ['name', 'word'], ['type', 'word'], ['flags', 'xword'], ['addr', 'addr'], ['offset', 'off'], ['size', 'xword'],
  ['link', 'word'], ['info', 'word'], ['addralign', 'xword'], ['entsize', 'xword'],
];
// Elf32_Sym and Elf64_Sym: the 64-bit form moves value/size after the byte fields.
const SYM: Record<ElfClass, Fields> = {
  32: [['name', 'word'], ['value', 'addr'], ['size', 'xword'], ['info', 'byte'], ['other', 'byte'], ['shndx', 'half']],
  64: [['name', 'word'], ['info', 'byte'], ['other', 'byte'], ['shndx', 'half'], ['value', 'addr'], ['size', 'xword']],
};
// Elf_Nhdr is three words in both classes.
const NHDR: Fields = [['namesz', 'word'], ['descsz', 'word'], ['type', 'word']];

/** Raw decoded record: every addr/off/xword field is a bigint in ELF64 and a number in ELF32. */
export type RawRecord = Record<string, number | bigint>;

/** A compiled record: its size and a decoder. */
export interface RecordType {
  readonly size: number;
  /** Byte offset of each field inside the record. */
  readonly offsets: Readonly<Record<string, number>>;
  parse(bytes: Uint8Array): RawRecord;
}

const WIDTH: Record<ElfClass, Record<Width, 1 | 2 | 4 | 8>> = {
  32: { byte: 1, half: 2, word: 4, addr: 4, off: 4, xword: 4 },
  64: { byte: 1, half: 2, word: 4, addr: 8, off: 8, xword: 8 },
};

function compile(fields: Fields, cls: ElfClass, endian: Endian): RecordType {
  let p = new Parser().endianness(endian);
  let size = 0;
  const offsets: Record<string, number> = {};
  for (const [name, w] of fields) {
    const bytes = WIDTH[cls][w];
    offsets[name] = size;
    size += bytes;
    p = bytes === 1 ? p.uint8(name) : bytes === 2 ? p.uint16(name) : bytes === 4 ? p.uint32(name) : p.uint64(name);
  }
  const parser = p;
  return { size, offsets, parse: (bytes) => parser.parse(bytes) as RawRecord };
}

/** The record decoders for one ELF class and byte order. */
export interface RecordSet {
  readonly ehdr: RecordType;
  readonly phdr: RecordType;
  readonly shdr: RecordType;
  readonly sym: RecordType;
  readonly nhdr: RecordType;
}

/**
 * The decoders of each class and byte order, compiled on first use. They depend on the format
 * only, never on a file (parseElf keeps its set in `ElfFile.records`): compiling costs about a
 * millisecond, and the fuzz suites parse tens of thousands of files.
 */
const cache = new Map<string, RecordSet>();

/** Returns the decoders for ELF class `cls` in byte order `endian`. */
export function recordsFor(cls: ElfClass, endian: Endian): RecordSet {
  const key = `${cls}${endian}`;
  let set = cache.get(key);
  if (!set) {
    set = {
      ehdr: compile(EHDR, cls, endian),
      phdr: compile(PHDR[cls], cls, endian),
      shdr: compile(SHDR, cls, endian),
      sym: compile(SYM[cls], cls, endian),
      nhdr: compile(NHDR, cls, endian),
    };
    cache.set(key, set);
  }
  return set;
}
