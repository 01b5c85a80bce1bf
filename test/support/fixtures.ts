/**
 * Access to the committed kernel fixtures: their manifest, the tables they were generated from,
 * and the readelf captures made when they were built. Expected values in tests come from here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export interface ManifestRow {
  file: string;
  arch: string;
  table: string | null;
  layout: 'bitfield' | 'short' | null;
  version: number;
  osrelease: string;
  ostype: string;
  pvh: boolean;
  stripped: boolean;
  configEmbedded: boolean;
  kernbase: string;
  pvhEntry?: string;
  size: number;
  sha256: string;
}

export interface TableEntry {
  driver: string;
  attachment: string;
  unit: number;
  star: boolean;
  state: number;
  flags: number;
  parent: { iattr: string; driver: string | null; unit: number } | null;
  locators: number[];
}

export interface Table {
  name: string;
  iattrs: Record<string, { name: string; default: string | null }[]>;
  drivers: { name: string; class: string; attrs: string[] }[];
  entries: TableEntry[];
  symbols?: string[];
  config?: string;
}

export const fixturePath = (file: string) => path.join(FIXTURES, file);
export const manifest: ManifestRow[] = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8'));
export const loadTable = (name: string): Table => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'src', 'tables', name), 'utf8'));
export const kernels = manifest.filter((m) => m.table !== null && !m.stripped);

/**
 * The locators of a table entry as kpatch should name them: each value with the name the parent's interface
 * attribute gives it, and whether it is that locator's default (what config(1) writes for `?`).
 */
export function expectedLocators(table: Table, e: TableEntry): { name: string; value: number; wildcard: boolean }[] {
  if (!e.parent || e.locators.length === 0) return [];
  const descs = table.iattrs[e.parent.iattr];
  return e.locators.map((value, k) => ({ name: descs[k].name, value, wildcard: descs[k].default !== null && value === Number(descs[k].default) }));
}

export interface ReadelfSection { nr: number; name: string; type: string; addr: bigint; off: number; size: number }
export interface ReadelfSegment { type: string; offset: number; vaddr: bigint; paddr: bigint; filesz: number; memsz: number; flags: string; align: number }
export interface ReadelfSymbol { num: number; value: bigint; size: number; type: string; bind: string; ndx: string; name: string }
export interface Readelf { sections: ReadelfSection[]; segments: ReadelfSegment[]; symbols: ReadelfSymbol[]; symtabCount: number | null }

/** Parses the `readelf -hlSsnW` capture of a fixture (only the parts the tests compare); `dir` holds the captures. */
export function readelfCapture(file: string, dir = path.join(FIXTURES, 'readelf')): Readelf {
  const text = fs.readFileSync(path.join(dir, `${file}.txt`), 'utf8');
  const sections: ReadelfSection[] = [];
  for (const m of text.matchAll(/^\s+\[\s*(\d+)\] (.*?)\s*\b(NULL|PROGBITS|NOBITS|NOTE|SYMTAB|STRTAB|DYNSYM|RELA?|HASH|DYNAMIC|(?:INIT|FINI)_ARRAY|LOUSER|LOOS\+\S+)\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/gm)) {
    sections.push({ nr: Number(m[1]), name: m[2].trim(), type: m[3], addr: BigInt(`0x${m[4]}`), off: parseInt(m[5], 16), size: parseInt(m[6], 16) });
  }
  const segments: ReadelfSegment[] = [];
  for (const m of text.matchAll(/^\s+(LOAD|NOTE)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)/gm)) {
    segments.push({ type: m[1], offset: parseInt(m[2], 16), vaddr: BigInt(`0x${m[3]}`), paddr: BigInt(`0x${m[4]}`), filesz: parseInt(m[5], 16), memsz: parseInt(m[6], 16), flags: m[7].trim(), align: parseInt(m[8], 16) });
  }
  const symbols: ReadelfSymbol[] = [];
  for (const m of text.matchAll(/^\s+(\d+): ([0-9a-f]+)\s+(\d+)\s+(\S+)\s+(\S+)\s+\S+\s+(\S+)(?: (.*))?$/gm)) {
    symbols.push({ num: Number(m[1]), value: BigInt(`0x${m[2]}`), size: Number(m[3]), type: m[4], bind: m[5], ndx: m[6], name: (m[7] ?? '').trim() });
  }
  const count = /Symbol table '\.symtab' contains (\d+) entries/.exec(text);
  return { sections, segments, symbols, symtabCount: count ? Number(count[1]) : null };
}
