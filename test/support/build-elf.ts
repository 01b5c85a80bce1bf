/**
 * A small synthetic ELF writer for tests: ELF32/ELF64 in either byte order, from a list of
 * sections, symbols and (derived or explicit) program headers. It encodes every record with its
 * own field tables, independent of src/elf/records.ts, so a round trip through parseElf tests the
 * reader against a second implementation of the gABI rather than against itself.
 *
 * File layout: ELF header, program headers, section contents in the given order, .symtab,
 * .strtab, .shstrtab, section headers. `build` returns the bytes and where everything went.
 */
import type { Section, Segment } from '../../src/elf/file';

export type Endian = 'little' | 'big';
export type ElfClass = 32 | 64;

// gABI constants, spelled out here on purpose (not imported from src/elf/constants.ts).
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 1n;
export const SHF_ALLOC = 2n;
export const SHF_EXECINSTR = 4n;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_XINDEX = 0xffff;

/** One section to write. */
export interface SectionSpec {
  readonly name: string;
  readonly type: number;
  readonly flags?: bigint;
  readonly addr?: bigint;
  /** Contents; for SHT_NOBITS only `size` matters. */
  readonly data?: Uint8Array;
  /** Size of an SHT_NOBITS section. */
  readonly size?: number;
  readonly align?: number;
  readonly entsize?: number;
  readonly link?: number;
  readonly info?: number;
  /**
   * PT_LOAD group for an allocated section: sections sharing a group name share one PT_LOAD and
   * are placed in the file at the same distances as in memory. Default: the section's own name.
   * `false`: no PT_LOAD covers it.
   */
  readonly load?: string | false;
  /** Whether a PT_NOTE (p_align 4) covers this section; default: allocated SHT_NOTE sections. */
  readonly ptNote?: boolean;
}

/** One symbol to write. `section` names a section of the spec, or 'ABS' / 'UNDEF'. */
export interface SymbolSpec {
  readonly name: string;
  readonly value: bigint;
  readonly size?: bigint;
  readonly type?: number;
  readonly bind?: number;
  readonly section: string | 'ABS' | 'UNDEF';
  readonly other?: number;
}

/** What to build. */
export interface ElfSpec {
  readonly class: ElfClass;
  readonly endian: Endian;
  readonly type?: number;
  readonly machine: number;
  readonly osabi?: number;
  readonly entry?: bigint;
  readonly flags?: number;
  readonly sections: readonly SectionSpec[];
  /** Symbols (without the null symbol). Undefined: no .symtab/.strtab at all. */
  readonly symbols?: readonly SymbolSpec[];
  /** Physical (load) address of an allocated address; default identity. */
  readonly physical?: (vaddr: bigint) => bigint;
  /** Write no program headers at all. */
  readonly noProgramHeaders?: boolean;
  /** Write no section headers (e_shoff 0, e_shnum 0). */
  readonly noSectionHeaders?: boolean;
  /** gABI extended numbering: e_shnum 0 and e_shstrndx SHN_XINDEX, real values in section 0. */
  readonly extendedNumbering?: boolean;
  /** Extra zero sections (SHT_PROGBITS, empty) appended before .symtab, e.g. to pass 0xff00 sections. */
  readonly padSections?: number;
}

/** Where a section went: the fields parseElf should report (the reader's own record type, so the two cannot drift). */
export type BuiltSection = Section;

/** A program header as written (the reader's own record type). */
export type BuiltSegment = Segment;

/** A symbol as written (index in .symtab; shndx resolved). */
export interface BuiltSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly type: number;
  readonly bind: number;
  readonly other: number;
  readonly shndx: number;
}

/** The output of `build`. */
export interface BuiltElf {
  readonly bytes: Uint8Array;
  readonly class: ElfClass;
  readonly endian: Endian;
  readonly phoff: number;
  readonly shoff: number;
  readonly phentsize: number;
  readonly shentsize: number;
  readonly ehsize: number;
  readonly sections: readonly BuiltSection[];
  readonly segments: readonly BuiltSegment[];
  readonly symbols: readonly BuiltSymbol[];
  /** Section index of .shstrtab. */
  readonly shstrndx: number;
  /** Section by name. */
  section(name: string): BuiltSection;
  /** Symbol by name. */
  symbol(name: string): BuiltSymbol;
  /** File offset of an address inside an allocated section (through the section table). */
  offsetOf(va: bigint): number;
}

type W = 1 | 2 | 4 | 8;
/** Field widths per class: [name, width] in on-disk order (elf(5)). */
const EHDR: Record<ElfClass, readonly [string, W][]> = {
  32: [['type', 2], ['machine', 2], ['version', 4], ['entry', 4], ['phoff', 4], ['shoff', 4], ['flags', 4], ['ehsize', 2], ['phentsize', 2], ['phnum', 2], ['shentsize', 2], ['shnum', 2], ['shstrndx', 2]],
  64: [['type', 2], ['machine', 2], ['version', 4], ['entry', 8], ['phoff', 8], ['shoff', 8], ['flags', 4], ['ehsize', 2], ['phentsize', 2], ['phnum', 2], ['shentsize', 2], ['shnum', 2], ['shstrndx', 2]],
};
const PHDR: Record<ElfClass, readonly [string, W][]> = {
  32: [['type', 4], ['offset', 4], ['vaddr', 4], ['paddr', 4], ['filesz', 4], ['memsz', 4], ['flags', 4], ['align', 4]],
  64: [['type', 4], ['flags', 4], ['offset', 8], ['vaddr', 8], ['paddr', 8], ['filesz', 8], ['memsz', 8], ['align', 8]],
};
const SHDR: Record<ElfClass, readonly [string, W][]> = {
  32: [['name', 4], ['type', 4], ['flags', 4], ['addr', 4], ['offset', 4], ['size', 4], ['link', 4], ['info', 4], ['addralign', 4], ['entsize', 4]],
  64: [['name', 4], ['type', 4], ['flags', 8], ['addr', 8], ['offset', 8], ['size', 8], ['link', 4], ['info', 4], ['addralign', 8], ['entsize', 8]],
};
const SYM: Record<ElfClass, readonly [string, W][]> = {
  32: [['name', 4], ['value', 4], ['size', 4], ['info', 1], ['other', 1], ['shndx', 2]],
  64: [['name', 4], ['info', 1], ['other', 1], ['shndx', 2], ['value', 8], ['size', 8]],
};

/** Byte offset of `field` in a record of `table`. */
function fieldOffset(table: readonly [string, W][], field: string): number {
  let off = 0;
  for (const [name, w] of table) {
    if (name === field) return off;
    off += w;
  }
  throw new Error(`no field ${field}`);
}
const recordSize = (table: readonly [string, W][]) => table.reduce((n, [, w]) => n + w, 0);

/** Record sizes and field offsets, for tests that corrupt single fields. */
export function elfLayout(cls: ElfClass) {
  const at = (t: readonly [string, W][]) => (f: string) => fieldOffset(t, f);
  return {
    ehsize: 16 + recordSize(EHDR[cls]),
    phentsize: recordSize(PHDR[cls]),
    shentsize: recordSize(SHDR[cls]),
    symsize: recordSize(SYM[cls]),
    /** Offset of an ELF header field in the file (e_ident included). */
    ehdr: (f: string) => 16 + fieldOffset(EHDR[cls], f),
    phdr: at(PHDR[cls]),
    shdr: at(SHDR[cls]),
    sym: at(SYM[cls]),
    width: (table: 'ehdr' | 'phdr' | 'shdr' | 'sym', f: string): W => {
      const t = { ehdr: EHDR, phdr: PHDR, shdr: SHDR, sym: SYM }[table][cls];
      return t.find(([n]) => n === f)![1];
    },
  };
}

/** Writes an unsigned integer of `width` bytes at `offset` (numbers or bigints; negative numbers wrap). */
export function put(bytes: Uint8Array, offset: number, width: W, value: number | bigint, endian: Endian): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === 'little';
  if (width === 8) dv.setBigUint64(offset, BigInt.asUintN(64, BigInt(value)), le);
  else if (width === 4) dv.setUint32(offset, Number(BigInt.asUintN(32, BigInt(value))), le);
  else if (width === 2) dv.setUint16(offset, Number(BigInt.asUintN(16, BigInt(value))), le);
  else dv.setUint8(offset, Number(BigInt.asUintN(8, BigInt(value))));
}

function putRecord(bytes: Uint8Array, offset: number, table: readonly [string, W][], values: Record<string, number | bigint>, endian: Endian): void {
  let off = offset;
  for (const [name, w] of table) {
    put(bytes, off, w, values[name] ?? 0, endian);
    off += w;
  }
}

const roundUp = (n: number, a: number) => (a > 1 ? Math.ceil(n / a) * a : n);

/** A string table being built: offset 0 is the empty string. */
class StringTable {
  private readonly parts: Buffer[] = [Buffer.from([0])];
  private size = 1;
  private readonly seen = new Map<string, number>();
  add(s: string): number {
    if (s === '') return 0;
    const had = this.seen.get(s);
    if (had !== undefined) return had;
    const off = this.size;
    this.parts.push(Buffer.from(`${s}\0`, 'latin1'));
    this.size += s.length + 1;
    this.seen.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

/** Encodes one ELF note: header, name (NUL-terminated, padded to `align`), desc padded to `align`. */
export function encodeNote(name: string, type: number, desc: Uint8Array, endian: Endian, align: 4 | 8 = 4): Uint8Array {
  const nameBytes = name === '' ? new Uint8Array(0) : Buffer.from(`${name}\0`, 'latin1');
  const nameEnd = roundUp(12 + nameBytes.length, align);
  const total = roundUp(nameEnd + desc.length, align);
  const out = new Uint8Array(total);
  put(out, 0, 4, nameBytes.length, endian);
  put(out, 4, 4, desc.length, endian);
  put(out, 8, 4, type, endian);
  out.set(nameBytes, 12);
  out.set(desc, nameEnd);
  return out;
}

/** Encodes a u32 in `endian` (for note descriptors). */
export function u32(value: number, endian: Endian): Uint8Array {
  const b = new Uint8Array(4);
  put(b, 0, 4, value, endian);
  return b;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

interface Placed {
  spec: SectionSpec;
  index: number;
  offset: number;
  size: number;
}

/** Builds an ELF file from `spec`. */
export function build(spec: ElfSpec): BuiltElf {
  const cls = spec.class;
  const endian = spec.endian;
  const L = elfLayout(cls);
  const physical = spec.physical ?? ((v: bigint) => v);
  const isAlloc = (s: SectionSpec) => ((s.flags ?? 0n) & SHF_ALLOC) !== 0n;
  const loadGroup = (s: SectionSpec): string | undefined => (isAlloc(s) && s.load !== false ? (s.load ?? s.name) : undefined);
  const wantsPtNote = (s: SectionSpec) => s.ptNote ?? (s.type === SHT_NOTE && isAlloc(s));

  // Program headers: one PT_LOAD per group (in first-appearance order), then PT_NOTEs.
  const groups: string[] = [];
  for (const s of spec.sections) {
    const g = loadGroup(s);
    if (g !== undefined && !groups.includes(g)) groups.push(g);
  }
  const noteSections = spec.sections.filter(wantsPtNote);
  const phnum = spec.noProgramHeaders ? 0 : groups.length + noteSections.length;
  const phoff = phnum ? L.ehsize : 0;
  let pos = L.ehsize + phnum * L.phentsize;

  // Section contents, in order; members of one PT_LOAD keep their memory distances.
  const groupStart = new Map<string, { offset: number; addr: bigint }>();
  const placed: Placed[] = [];
  spec.sections.forEach((s, i) => {
    const size = s.type === SHT_NOBITS ? (s.size ?? 0) : (s.data?.length ?? 0);
    const align = Math.max(s.align ?? 1, 1);
    const g = loadGroup(s);
    let offset: number;
    const start = g !== undefined ? groupStart.get(g) : undefined;
    if (start) {
      offset = start.offset + Number((s.addr ?? 0n) - start.addr);
      if (offset < pos && s.type !== SHT_NOBITS) throw new Error(`build-elf: section ${s.name} overlaps the one before it`);
    } else {
      offset = roundUp(pos, align);
      if (g !== undefined) groupStart.set(g, { offset, addr: s.addr ?? 0n });
    }
    placed.push({ spec: s, index: i + 1, offset, size });
    if (s.type !== SHT_NOBITS) pos = Math.max(pos, offset + size);
  });

  // Symbols: null symbol, locals, then globals (gABI: sh_info = first non-local).
  const sectionIndex = (name: string): number => {
    if (name === 'ABS') return SHN_ABS;
    if (name === 'UNDEF') return SHN_UNDEF;
    const p = placed.find((x) => x.spec.name === name);
    if (!p) throw new Error(`build-elf: symbol section ${name} not in spec`);
    return p.index;
  };
  const syms = spec.symbols ? [...spec.symbols.filter((s) => (s.bind ?? STB_GLOBAL) === STB_LOCAL), ...spec.symbols.filter((s) => (s.bind ?? STB_GLOBAL) !== STB_LOCAL)] : undefined;
  const pad = spec.padSections ?? 0;
  const firstExtra = spec.sections.length + 1 + pad;
  const symtabIndex = syms ? firstExtra : -1;
  const strtabIndex = syms ? firstExtra + 1 : -1;
  const shstrndx = syms ? firstExtra + 2 : firstExtra;
  const shnum = shstrndx + 1;

  const strtab = new StringTable();
  const builtSymbols: BuiltSymbol[] = [];
  let symtabBytes: Uint8Array = new Uint8Array(0);
  let strtabBytes: Uint8Array = new Uint8Array(0);
  if (syms) {
    symtabBytes = new Uint8Array((syms.length + 1) * L.symsize);
    syms.forEach((s, k) => {
      const b: BuiltSymbol = {
        index: k + 1,
        name: s.name,
        value: s.value,
        size: s.size ?? 0n,
        type: s.type ?? STT_OBJECT,
        bind: s.bind ?? STB_GLOBAL,
        other: s.other ?? 0,
        shndx: sectionIndex(s.section),
      };
      builtSymbols.push(b);
      putRecord(symtabBytes, b.index * L.symsize, SYM[cls], { name: strtab.add(s.name), value: b.value, size: b.size, info: (b.bind << 4) | b.type, other: b.other, shndx: b.shndx }, endian);
    });
    strtabBytes = strtab.bytes();
  }
  const shstrtab = new StringTable();
  const nameOffsets = placed.map((p) => shstrtab.add(p.spec.name));
  const symtabName = shstrtab.add('.symtab');
  const strtabName = shstrtab.add('.strtab');
  const shstrtabName = shstrtab.add('.shstrtab');
  const shstrBytes = shstrtab.bytes();

  const symAlign = cls === 64 ? 8 : 4;
  const symtabOffset = roundUp(pos, symAlign);
  if (syms) pos = symtabOffset + symtabBytes.length;
  const strtabOffset = pos;
  if (syms) pos += strtabBytes.length;
  const shstrOffset = pos;
  pos += shstrBytes.length;
  const shoff = spec.noSectionHeaders ? 0 : roundUp(pos, symAlign);
  const total = spec.noSectionHeaders ? pos : shoff + shnum * L.shentsize;

  const bytes = new Uint8Array(total);
  for (const p of placed) if (p.spec.data && p.spec.type !== SHT_NOBITS) bytes.set(p.spec.data, p.offset);
  if (syms) {
    bytes.set(symtabBytes, symtabOffset);
    bytes.set(strtabBytes, strtabOffset);
  }
  bytes.set(shstrBytes, shstrOffset);

  // Section headers.
  const sections: BuiltSection[] = [
    { index: 0, name: '', type: 0, flags: 0n, addr: 0n, offset: 0, size: spec.extendedNumbering ? shnum : 0, link: spec.extendedNumbering ? shstrndx : 0, info: 0, addralign: 0, entsize: 0 },
  ];
  for (const p of placed) {
    sections.push({
      index: p.index,
      name: p.spec.name,
      type: p.spec.type,
      flags: p.spec.flags ?? 0n,
      addr: p.spec.addr ?? 0n,
      offset: p.offset,
      size: p.size,
      link: p.spec.link ?? 0,
      info: p.spec.info ?? 0,
      addralign: p.spec.align ?? 1,
      entsize: p.spec.entsize ?? 0,
    });
  }
  const padName = pad ? shstrtab.add('') : 0;
  for (let k = 0; k < pad; k++) {
    sections.push({ index: sections.length, name: '', type: SHT_PROGBITS, flags: 0n, addr: 0n, offset: shstrOffset, size: 0, link: 0, info: 0, addralign: 1, entsize: 0 });
  }
  if (syms) {
    const firstGlobal = 1 + syms.filter((s) => (s.bind ?? STB_GLOBAL) === STB_LOCAL).length;
    sections.push({ index: symtabIndex, name: '.symtab', type: SHT_SYMTAB, flags: 0n, addr: 0n, offset: symtabOffset, size: symtabBytes.length, link: strtabIndex, info: firstGlobal, addralign: symAlign, entsize: L.symsize });
    sections.push({ index: strtabIndex, name: '.strtab', type: SHT_STRTAB, flags: 0n, addr: 0n, offset: strtabOffset, size: strtabBytes.length, link: 0, info: 0, addralign: 1, entsize: 0 });
  }
  sections.push({ index: shstrndx, name: '.shstrtab', type: SHT_STRTAB, flags: 0n, addr: 0n, offset: shstrOffset, size: shstrBytes.length, link: 0, info: 0, addralign: 1, entsize: 0 });
  const nameOf = (s: BuiltSection): number => {
    if (s.index === 0) return 0;
    if (s.index <= placed.length) return nameOffsets[s.index - 1];
    if (s.index === symtabIndex) return symtabName;
    if (s.index === strtabIndex) return strtabName;
    if (s.index === shstrndx) return shstrtabName;
    return padName;
  };
  if (!spec.noSectionHeaders) {
    for (const s of sections) {
      putRecord(bytes, shoff + s.index * L.shentsize, SHDR[cls], { ...s, name: nameOf(s), addr: s.addr, flags: s.flags }, endian);
    }
  }

  // Program headers.
  const segments: BuiltSegment[] = [];
  if (phnum) {
    for (const g of groups) {
      const members = placed.filter((p) => loadGroup(p.spec) === g);
      const first = members[0];
      const vaddr = first.spec.addr ?? 0n;
      let filesz = 0;
      let memsz = 0;
      let flags = PF_R;
      let align = 1;
      for (const m of members) {
        const rel = Number((m.spec.addr ?? 0n) - vaddr);
        if (m.spec.type !== SHT_NOBITS) filesz = Math.max(filesz, rel + m.size);
        memsz = Math.max(memsz, rel + m.size);
        if ((m.spec.flags ?? 0n) & SHF_WRITE) flags |= PF_W;
        if ((m.spec.flags ?? 0n) & SHF_EXECINSTR) flags |= PF_X;
        align = Math.max(align, m.spec.align ?? 1);
      }
      segments.push({ index: segments.length, type: PT_LOAD, flags, offset: first.offset, vaddr, paddr: physical(vaddr), filesz, memsz, align });
    }
    for (const s of noteSections) {
      const p = placed.find((x) => x.spec === s)!;
      const vaddr = isAlloc(s) ? (s.addr ?? 0n) : 0n;
      segments.push({ index: segments.length, type: PT_NOTE, flags: PF_R, offset: p.offset, vaddr, paddr: isAlloc(s) ? physical(vaddr) : 0n, filesz: p.size, memsz: isAlloc(s) ? p.size : 0, align: 4 });
    }
    for (const seg of segments) putRecord(bytes, phoff + seg.index * L.phentsize, PHDR[cls], { ...seg }, endian);
  }

  // ELF header.
  bytes.set([0x7f, 0x45, 0x4c, 0x46, cls === 64 ? 2 : 1, endian === 'little' ? 1 : 2, 1, spec.osabi ?? 0]);
  putRecord(
    bytes,
    16,
    EHDR[cls],
    {
      type: spec.type ?? ET_EXEC,
      machine: spec.machine,
      version: 1,
      entry: spec.entry ?? 0n,
      phoff,
      shoff,
      flags: spec.flags ?? 0,
      ehsize: L.ehsize,
      phentsize: phnum ? L.phentsize : 0,
      phnum,
      shentsize: spec.noSectionHeaders ? 0 : L.shentsize,
      shnum: spec.noSectionHeaders || spec.extendedNumbering ? 0 : shnum,
      shstrndx: spec.noSectionHeaders ? 0 : spec.extendedNumbering ? SHN_XINDEX : shstrndx,
    },
    endian,
  );

  return {
    bytes,
    class: cls,
    endian,
    phoff,
    shoff,
    phentsize: phnum ? L.phentsize : 0,
    shentsize: L.shentsize,
    ehsize: L.ehsize,
    sections,
    segments,
    symbols: builtSymbols,
    shstrndx,
    section(name) {
      const s = sections.find((x) => x.name === name);
      if (!s) throw new Error(`build-elf: no section ${name}`);
      return s;
    },
    symbol(name) {
      const s = builtSymbols.find((x) => x.name === name);
      if (!s) throw new Error(`build-elf: no symbol ${name}`);
      return s;
    },
    offsetOf(va) {
      const s = sections.find((x) => x.flags & SHF_ALLOC && x.type !== SHT_NOBITS && va >= x.addr && va < x.addr + BigInt(x.size));
      if (!s) throw new Error(`build-elf: address 0x${va.toString(16)} not in a section with file bytes`);
      return s.offset + Number(va - s.addr);
    },
  };
}
