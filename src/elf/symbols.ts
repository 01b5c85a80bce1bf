/**
 * Symbol tables (.symtab, and .dynsym when present). Lookup by name compares raw name bytes
 * without decoding other names, so one lookup in an 80,000-symbol kernel reads the table once and
 * allocates almost nothing.
 */
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

/**
 * Finds the first defined symbol named `name` in `table`; global definitions win over locals of the
 * same name (a kernel has one global `cfdata`, but a module might add static ones).
 */
export function findSymbol(file: ElfFile, table: SymbolTable, name: string): ElfSymbol | undefined {
  const needle = Buffer.from(`${name}\0`, 'latin1');
  const strings = table.strings;
  const view = new ByteView(table.entries, table.section.offset, file.header.endian, file.model);
  const shndxAt = file.records.sym.offsets.shndx;
  let local: ElfSymbol | undefined;
  outer: for (let i = 1; i < table.count; i++) {
    const at = table.section.offset + i * table.entsize;
    const nameOff = view.u32(at);
    if (nameOff + needle.length > strings.length) continue;
    for (let k = 0; k < needle.length; k++) if (strings[nameOff + k] !== needle[k]) continue outer;
    if (view.u16(at + shndxAt) === C.SHN_UNDEF) continue;
    const sym = symbolAt(file, table, i);
    if (sym.bind !== C.STB_LOCAL) return sym;
    local ??= sym;
  }
  return local;
}
