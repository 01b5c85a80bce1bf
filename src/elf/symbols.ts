/**
 * Symbol tables (.symtab, and .dynsym when present). Lookup by name compares raw name bytes
 * without decoding other names, so one lookup in an 80,000-symbol kernel reads the table once and
 * allocates almost nothing.
 */
import { encodeField, type FieldLayout } from '../bytes/struct';
import { ByteView } from '../bytes/view';
import { FormatError } from '../errors';
import * as C from './constants';
import type { ElfFile, Section } from './file';
import { readSection } from './file';

/** A symbol, class-free. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly type: number; // STT_*
  readonly bind: number; // STB_*
  readonly other: number;
  readonly shndx: number;
  /** Which table it came from. */
  readonly table: '.symtab' | '.dynsym';
}

/** A loaded symbol table: its section, raw entries and string table. */
export interface SymbolTable {
  readonly section: Section;
  readonly name: '.symtab' | '.dynsym';
  readonly count: number;
  readonly entsize: number;
  readonly entries: Uint8Array;
  readonly strings: Uint8Array;
  readonly stringsOffset: number;
  /** findSymbol's answers, by name: the kernel checks and the autoconf reader ask for the same names, and symbols never change. */
  readonly lookups: Map<string, ElfSymbol | undefined>;
}

/** Loads the symbol table of type `type` (SHT_SYMTAB or SHT_DYNSYM), or undefined when the file has none. */
export function loadSymbolTable(file: ElfFile, type: typeof C.SHT_SYMTAB | typeof C.SHT_DYNSYM = C.SHT_SYMTAB): SymbolTable | undefined {
  const section = file.sections.find((s) => s.type === type);
  if (!section) return undefined;
  const at = file.header.shoff + section.index * file.header.shentsize;
  const entsize = section.entsize || file.records.sym.size;
  if (entsize < file.records.sym.size) throw new FormatError(at, 'symbol entry size too small', entsize);
  if (section.link >= file.sections.length) throw new FormatError(at, 'symbol string table index out of range', section.link);
  const strtab = file.sections[section.link];
  if (strtab.type !== C.SHT_STRTAB) throw new FormatError(at, 'symbol string table is not SHT_STRTAB', strtab.type);
  return {
    section,
    name: type === C.SHT_SYMTAB ? '.symtab' : '.dynsym',
    count: Math.floor(section.size / entsize),
    entsize,
    entries: readSection(file, section),
    strings: readSection(file, strtab),
    stringsOffset: strtab.offset,
    lookups: new Map(),
  };
}

function nameAt(table: SymbolTable, nameOff: number, symAt: number): string {
  if (nameOff >= table.strings.length) {
    if (nameOff === 0) return '';
    throw new FormatError(symAt, 'symbol name offset past its string table', nameOff);
  }
  const end = table.strings.indexOf(0, nameOff);
  if (end < 0) throw new FormatError(table.stringsOffset + nameOff, 'unterminated symbol name');
  return Buffer.from(table.strings.buffer, table.strings.byteOffset + nameOff, end - nameOff).toString('latin1');
}

/** Decodes symbol `index` of `table`. */
export function symbolAt(file: ElfFile, table: SymbolTable, index: number): ElfSymbol {
  const rel = index * table.entsize;
  const at = table.section.offset + rel;
  const raw = file.records.sym.parse(table.entries.subarray(rel, rel + file.records.sym.size));
  const info = Number(raw.info);
  return {
    index,
    name: nameAt(table, Number(raw.name), at),
    value: typeof raw.value === 'bigint' ? raw.value : BigInt(raw.value),
    size: typeof raw.size === 'bigint' ? raw.size : BigInt(raw.size),
    type: info & 0xf,
    bind: info >> 4,
    other: Number(raw.other),
    shndx: Number(raw.shndx),
    table: table.name,
  };
}

/** Decodes every symbol of `table` (index 0, the null symbol, included, as readelf counts it). */
export function allSymbols(file: ElfFile, table: SymbolTable): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (let i = 0; i < table.count; i++) out.push(symbolAt(file, table, i));
  return out;
}

/** Every offset in `strings` where `name` followed by NUL starts (suffix-shared names included). */
function nameOffsets(strings: Uint8Array, name: string): Set<number> {
  const needle = Buffer.from(`${name}\0`, 'latin1');
  const hay = Buffer.from(strings.buffer, strings.byteOffset, strings.length);
  const found = new Set<number>();
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) found.add(at);
  return found;
}

/**
 * Finds the first defined symbol named `name` in `table`; global definitions win over locals of the
 * same name (a kernel has one global `cfdata`, but a module might add static ones).
 * Both searches run at memchr speed (Buffer.indexOf): the name in the string table, then each of its
 * offsets, encoded as the st_name bytes, in the symbol entries; a hit counts only when it falls on an
 * entry's st_name field. A missing name costs no scan of the symbols at all. Every occurrence of the
 * name counts, not only those after a NUL, because linkers may share a name with the tail of a longer one.
 */
export function findSymbol(file: ElfFile, table: SymbolTable, name: string): ElfSymbol | undefined {
  if (!table.lookups.has(name)) table.lookups.set(name, searchSymbol(file, table, name));
  return table.lookups.get(name);
}

function searchSymbol(file: ElfFile, table: SymbolTable, name: string): ElfSymbol | undefined {
  const offsets = nameOffsets(table.strings, name);
  if (offsets.size === 0) return undefined;
  const entries = Buffer.from(table.entries.buffer, table.entries.byteOffset, table.count * table.entsize);
  const nameAt = file.records.sym.offsets.name;
  const stName: FieldLayout<'u32'> = { offset: nameAt, size: 4, type: 'u32' };
  const indices: number[] = [];
  for (const off of offsets) {
    const key = encodeField(stName, off, file.header.endian);
    for (let at = entries.indexOf(key); at >= 0; at = entries.indexOf(key, at + 1)) {
      if ((at - nameAt) % table.entsize === 0 && at >= table.entsize) indices.push((at - nameAt) / table.entsize);
    }
  }
  indices.sort((a, b) => a - b);
  const view = new ByteView(table.entries, table.section.offset, file.header.endian, file.model);
  const shndxAt = file.records.sym.offsets.shndx;
  let local: ElfSymbol | undefined;
  for (const i of indices) {
    if (view.u16(table.section.offset + i * table.entsize + shndxAt) === C.SHN_UNDEF) continue;
    const sym = symbolAt(file, table, i);
    if (sym.bind !== C.STB_LOCAL) return sym;
    local ??= sym;
  }
  return local;
}
