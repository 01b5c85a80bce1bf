/**
 * parseElf: the file header, program headers and section headers of an ELF32 or ELF64 file in
 * either byte order, normalised into class-free records (Go's debug/elf model). Contents are read
 * lazily through the ByteSource, so opening a 40 MB kernel reads a few kilobytes.
 */
import { type ByteSource, checkRange } from '../bytes/source';
import { ByteView, type DataModel, type Endian, ILP32, LP64, latin1 } from '../bytes/view';
import { FormatError, KpatchError } from '../errors';
import * as C from './constants';
import { type ElfClass, type RawRecord, type RecordSet, recordsFor } from './records';

/** The ELF file header, class-free. */
export interface FileHeader {
  readonly class: ElfClass;
  readonly endian: Endian;
  readonly osabi: number;
  readonly type: number;
  readonly machine: number;
  readonly entry: bigint;
  /** e_flags: processor-specific (the ARM EABI version, the MIPS ABI). */
  readonly flags: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

/** A program header. */
export interface Segment {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/** A section header with its name resolved. */
export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

/** A PT_LOAD segment's ranges, computed when the file is parsed: address lookups run once per pointer in cfdata. */
export interface LoadRange {
  readonly vaddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  /** The larger of the two sizes, as a bigint: no address past it can map. */
  readonly span: bigint;
  readonly offset: number;
}

/**
 * A raw boot image's header fields and inferred link address (netbsd/image.ts). A raw image is
 * read as an ElfFile with one PT_LOAD over the whole file, so readers need no second code path.
 */
export interface RawImage {
  readonly format: 'arm64';
  /** arm64 Image header (Linux booting.rst): text_offset, image_size, flags. */
  readonly textOffset: bigint;
  readonly imageSize: bigint;
  readonly flags: bigint;
  /** The link address of the file's first byte, inferred from its pointers, and why. */
  readonly linkBase: bigint;
  readonly linkEvidence: string;
}

/** A parsed ELF file (or a raw image seen as one): header, segments, sections, and the source to read contents from. */
export interface ElfFile {
  readonly source: ByteSource;
  readonly header: FileHeader;
  readonly segments: readonly Segment[];
  readonly sections: readonly Section[];
  /** The C data model implied by the class (pointer size); the kernel layer may refine it per target. */
  readonly model: DataModel;
  readonly records: RecordSet;
  /** The PT_LOAD segments as address ranges, in program header order (address.ts maps through them). */
  readonly loads: readonly LoadRange[];
  /** Set when the file is a raw boot image, not an ELF file: its header is synthesised from the target table. */
  readonly image?: RawImage;
}

/** The pointer size follows the ELF class on every NetBSD port (no x32-style ABIs). */
const MODEL_OF_CLASS: Record<ElfClass, DataModel> = { 32: ILP32, 64: LP64 };

/** Converts an ELF offset or size field to a safe number, or throws naming the field's file offset. */
function toNumber(value: number | bigint, at: number, what: string): number {
  if (typeof value === 'number') return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(at, `${what} too large`, value);
  return Number(value);
}
const toBig = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

/** Reads one fixed record at `offset`; bounds are checked first so truncation names the record. */
function readRecord(source: ByteSource, offset: number, type: { size: number; parse(b: Uint8Array): RawRecord }, what: string): RawRecord {
  checkRange(source.size, offset, type.size, what);
  return type.parse(source.read(offset, type.size));
}

/** Parses the headers of the ELF file behind `source`. */
export function parseElf(source: ByteSource): ElfFile {
  if (source.size < C.EI_NIDENT) {
    throw new KpatchError('ELF_FORMAT', `not an ELF file: only ${source.size} bytes`);
  }
  const ident = source.read(0, C.EI_NIDENT);
  if (!C.ELFMAG.every((b, i) => ident[i] === b)) {
    throw new FormatError(0, 'not an ELF file: bad magic number', ident.subarray(0, 4));
  }
  const cls: ElfClass | undefined = ident[C.EI_CLASS] === C.ELFCLASS32 ? 32 : ident[C.EI_CLASS] === C.ELFCLASS64 ? 64 : undefined;
  if (!cls) throw new FormatError(C.EI_CLASS, 'bad ELF class', ident[C.EI_CLASS]);
  const endian: Endian | undefined =
    ident[C.EI_DATA] === C.ELFDATA2LSB ? 'little' : ident[C.EI_DATA] === C.ELFDATA2MSB ? 'big' : undefined;
  if (!endian) throw new FormatError(C.EI_DATA, 'bad ELF byte order', ident[C.EI_DATA]);
  if (ident[C.EI_VERSION] !== 1) throw new FormatError(C.EI_VERSION, 'bad ELF version', ident[C.EI_VERSION]);

  const records = recordsFor(cls, endian);
  const h = readRecord(source, C.EI_NIDENT, records.ehdr, 'ELF header');
  const at = (field: string) => C.EI_NIDENT + records.ehdr.offsets[field];
  const header: FileHeader = {
    class: cls,
    endian,
    osabi: ident[C.EI_OSABI],
    type: Number(h.type),
    machine: Number(h.machine),
    entry: toBig(h.entry),
    flags: Number(h.flags),
    phoff: toNumber(h.phoff, at('phoff'), 'e_phoff'),
    shoff: toNumber(h.shoff, at('shoff'), 'e_shoff'),
    phentsize: Number(h.phentsize),
    phnum: Number(h.phnum),
    shentsize: Number(h.shentsize),
    shnum: Number(h.shnum),
    shstrndx: Number(h.shstrndx),
  };
  const model = MODEL_OF_CLASS[cls];
  const segments = readSegments(source, header, records);
  const sections = readSections(source, header, records);
  const loads = segments.filter((p) => p.type === C.PT_LOAD).map((p) => ({ vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz, span: BigInt(Math.max(p.filesz, p.memsz)), offset: p.offset }));
  return { source, header, segments, sections, model, records, loads };
}

function readTable(source: ByteSource, offset: number, count: number, entsize: number, minSize: number, what: string): void {
  if (count === 0) return;
  if (entsize < minSize) throw new FormatError(offset, `${what} entry size too small`, entsize);
  // count and entsize are 16-bit, so the product cannot overflow; the range check covers the end.
  checkRange(source.size, offset, count * entsize, `${what} table`);
}

function readSegments(source: ByteSource, h: FileHeader, r: RecordSet): Segment[] {
  if (h.phoff === 0 || h.phnum === 0) return [];
  readTable(source, h.phoff, h.phnum, h.phentsize, r.phdr.size, 'program header');
  const out: Segment[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const at = h.phoff + i * h.phentsize;
    const p = readRecord(source, at, r.phdr, 'program header');
    const seg: Segment = {
      index: i,
      type: Number(p.type),
      flags: Number(p.flags),
      offset: toNumber(p.offset, at, 'p_offset'),
      vaddr: toBig(p.vaddr),
      paddr: toBig(p.paddr),
      filesz: toNumber(p.filesz, at, 'p_filesz'),
      memsz: toNumber(p.memsz, at, 'p_memsz'),
      align: toNumber(p.align, at, 'p_align'),
    };
    if (seg.type === C.PT_LOAD || seg.type === C.PT_NOTE) checkRange(source.size, seg.offset, seg.filesz, `segment ${i} contents`);
    out.push(seg);
  }
  return out;
}

function readSections(source: ByteSource, h: FileHeader, r: RecordSet): Section[] {
  if (h.shoff === 0) return [];
  checkRange(source.size, h.shoff, r.shdr.size, 'section header');
  if (h.shentsize < r.shdr.size) throw new FormatError(h.shoff, 'section header entry size too small', h.shentsize);
  const raw = (i: number) => readRecord(source, h.shoff + i * h.shentsize, r.shdr, 'section header');
  const s0 = raw(0);
  // Extended numbering (gABI): e_shnum 0 means the count is in section 0's sh_size, SHN_XINDEX
  // in e_shstrndx means the index is in section 0's sh_link.
  const shnum = h.shnum === 0 ? toNumber(s0.size, h.shoff, 'sh_size of section 0') : h.shnum;
  const shstrndx = h.shstrndx === C.SHN_XINDEX ? Number(s0.link) : h.shstrndx;
  if (shnum > 0xffffff) throw new FormatError(h.shoff, 'section count too large', shnum);
  readTable(source, h.shoff, shnum, h.shentsize, r.shdr.size, 'section header');
  const raws: RawRecord[] = [s0];
  for (let i = 1; i < shnum; i++) raws.push(raw(i));

  const sections = raws.map((s, i): Section => {
    const at = h.shoff + i * h.shentsize;
    const sec: Section = {
      index: i,
      name: '',
      type: Number(s.type),
      flags: toBig(s.flags),
      addr: toBig(s.addr),
      offset: toNumber(s.offset, at, 'sh_offset'),
      size: toNumber(s.size, at, 'sh_size'),
      link: Number(s.link),
      info: Number(s.info),
      addralign: toNumber(s.addralign, at, 'sh_addralign'),
      entsize: toNumber(s.entsize, at, 'sh_entsize'),
    };
    if (i > 0 && sec.type !== C.SHT_NOBITS && sec.type !== C.SHT_NULL) {
      checkRange(source.size, sec.offset, sec.size, `section ${i} contents`);
    }
    return sec;
  });
  if (shstrndx === C.SHN_UNDEF || shnum === 0) return sections;
  if (shstrndx >= shnum) {
    // Point at the field that holds the index: e_shstrndx, or section 0's sh_link under extended numbering.
    const at = h.shstrndx === C.SHN_XINDEX ? h.shoff + r.shdr.offsets.link : C.EI_NIDENT + r.ehdr.offsets.shstrndx;
    throw new FormatError(at, 'section name table index out of range', shstrndx);
  }
  const strtab = sections[shstrndx];
  if (strtab.type !== C.SHT_STRTAB) throw new FormatError(h.shoff + shstrndx * h.shentsize, 'section name table is not SHT_STRTAB', strtab.type);
  const names = new ByteView(source.read(strtab.offset, strtab.size), strtab.offset, h.endian, ILP32);
  return sections.map((s, i) => {
    const nameOff = Number(raws[i].name);
    if (i === 0 && nameOff === 0) return s;
    if (nameOff >= strtab.size) throw new FormatError(h.shoff + i * h.shentsize, 'section name offset past its table', nameOff);
    return { ...s, name: names.cstring(strtab.offset + nameOff, 'section name', 1024) };
  });
}

/** Returns the first section named `name`, if any. */
export function sectionByName(file: ElfFile, name: string): Section | undefined {
  return file.sections.find((s) => s.name === name);
}

/** Reads a section's contents (empty for SHT_NOBITS). */
export function readSection(file: ElfFile, section: Section): Uint8Array {
  if (section.type === C.SHT_NOBITS) return new Uint8Array(0);
  return file.source.read(section.offset, section.size);
}

/** Makes a ByteView over `length` bytes at file offset `offset`, in the file's byte order and data model. */
export function viewAt(file: ElfFile, offset: number, length: number, model: DataModel = file.model): ByteView {
  checkRange(file.source.size, offset, length, 'data');
  return new ByteView(file.source.read(offset, length), offset, file.header.endian, model);
}

/** Reads a NUL-terminated string at file offset `offset` (at most `max` bytes). */
export function readCString(file: ElfFile, offset: number, what: string, max = 256): string {
  const len = Math.min(max, file.source.size - offset);
  if (offset < 0 || len <= 0) throw new FormatError(Math.max(offset, 0), `${what} past end of file`);
  const bytes = file.source.read(offset, len);
  const nul = bytes.indexOf(0);
  if (nul < 0) throw new FormatError(offset, `unterminated ${what}`);
  return latin1(bytes.subarray(0, nul));
}
