/**
 * readAutoconf: NetBSD's autoconf tables as config(1) writes them into ioconf.c — `cfdata` up to
 * its all-zero terminator (the index is userconf's device number), `cfroots`, and
 * `cfdriver_list_initial` with each driver's interface attributes and their locators.
 * Missing optional tables degrade to warnings (OpenBSD config's check_int); a missing or
 * inconsistent `cfdata` is an error.
 */
import { type FieldLayout, readField } from '../bytes/struct';
import { type ByteView, type DataModel, type Endian, latin1 } from '../bytes/view';
import { IN_BSS, lookupAddress, mapAddress } from '../elf/address';
import type { ElfFile } from '../elf/file';
import { viewAt } from '../elf/file';
import { type ElfSymbol, findSymbol, type SymbolTable } from '../elf/symbols';
import { alignmentOf, type Target } from '../elf/target';
import { FormatError, KpatchError } from '../errors';
import type { NetbsdVersion } from './ident';
import { findCfdata, type FoundTables } from './find-cfdata';
import { NL } from './nlist';
import { type AutoconfLayouts, autoconfLayouts, CFDATA_ERA, type CfdataLayout, type CfdataVariant } from './layouts';

// NetBSD sys/sys/device.h. (The header's comments on 3 and 4 are swapped; subr_userconf.c is the truth.)
export const FSTATE_NOTFOUND = 0;
export const FSTATE_FOUND = 1;
export const FSTATE_STAR = 2;
export const FSTATE_DSTAR = 3;
export const FSTATE_DNOTFOUND = 4;
/** A cf_fstate value. */
export type FState = 0 | 1 | 2 | 3 | 4;

/** userconf(4)'s disable transitions, as data. */
export const DISABLED: Readonly<Partial<Record<number, FState>>> = { [FSTATE_NOTFOUND]: FSTATE_DNOTFOUND, [FSTATE_STAR]: FSTATE_DSTAR };
/** userconf(4)'s enable transitions, as data. */
export const ENABLED: Readonly<Partial<Record<number, FState>>> = { [FSTATE_DNOTFOUND]: FSTATE_NOTFOUND, [FSTATE_DSTAR]: FSTATE_STAR };

/** How an entry's raw state reads. */
export type StateName = 'enabled' | 'disabled' | 'found' | 'invalid';

/** Names a raw cf_fstate. */
export function stateName(fstate: number): StateName {
  if (fstate === FSTATE_NOTFOUND || fstate === FSTATE_STAR) return 'enabled';
  if (fstate === FSTATE_DSTAR || fstate === FSTATE_DNOTFOUND) return 'disabled';
  return fstate === FSTATE_FOUND ? 'found' : 'invalid';
}

/** One locator of an entry. */
export interface CfLocator {
  readonly name: string;
  readonly value: number;
  /** `?` in the config: the value equals the locator's default and the locator has a default string. */
  readonly wildcard: boolean;
}

/** A parent specification (`struct cfparent`). */
export interface CfParent {
  readonly iattr: string;
  /** The parent driver, or null when the config named only an interface attribute (`atabus* at ata?`). */
  readonly driver: string | null;
  /** The parent unit, -1 (DVUNIT_ANY) for `?`. */
  readonly unit: number;
}

/** One `cfdata` entry. */
export interface CfEntry {
  readonly index: number;
  readonly driver: string;
  readonly attachment: string;
  readonly unit: number;
  /** A wildcard entry (`dev*`): STAR or DSTAR. */
  readonly star: boolean;
  readonly fstate: number;
  readonly state: StateName;
  readonly parent: CfParent | null;
  readonly locators: readonly CfLocator[];
  /**
   * File offset of the entry's cf_loc run (its locators' int values, in order), or null when it
   * has none or they are unknown. `config -P` lets entries share runs: see planChanges.
   */
  readonly locOffset: number | null;
  readonly flags: number;
  readonly address: bigint;
  /** File offset of the entry. */
  readonly offset: number;
  /** File offset and width of its cf_fstate field. */
  readonly stateOffset: number;
  readonly stateSize: 1 | 2;
}

/** A locator description (`struct cflocdesc`). */
export interface LocatorDesc {
  readonly name: string;
  readonly defaultString: string | null;
  readonly default: number;
}

/** An interface attribute a driver provides (`struct cfiattrdata`). */
export interface InterfaceAttribute {
  readonly name: string;
  readonly locators: readonly LocatorDesc[];
}

/** A driver from `cfdriver_list_initial`. */
export interface CfDriver {
  readonly name: string;
  readonly class: number;
  readonly attrs: readonly InterfaceAttribute[];
}

/** The autoconf tables of a kernel. */
export interface AutoconfTable {
  readonly symbol: string;
  readonly address: bigint;
  /** How the table was found: through its symbol, or by its shape in a kernel without one (find-cfdata.ts). */
  readonly locatedBy: 'symbol' | 'shape';
  /** What the shape finder checked, one clause each (empty when found by symbol). */
  readonly locationEvidence: readonly string[];
  readonly offset: number;
  readonly entrySize: number;
  /** The file's byte order and data model: everything needed to encode a field of the table. */
  readonly endian: Endian;
  readonly model: DataModel;
  /** The layout of one entry (`struct cfdata` in `variant`); entry `i` starts at `offset + i * entrySize`. */
  readonly layout: CfdataLayout;
  /** The entries' cf_fstate field (`layout.fields.fstate`): a u8 in the bitfield variant, an i16 in the short one. */
  readonly stateField: FieldLayout<'u8' | 'i16'>;
  readonly variant: CfdataVariant;
  /** Why this variant was chosen. */
  readonly variantEvidence: string;
  readonly entries: readonly CfEntry[];
  /** cfdata indices listed in `cfroots`, or null when the symbol is absent. */
  readonly roots: readonly number[] | null;
  /** Drivers from `cfdriver_list_initial`, or null when the symbol is absent. */
  readonly drivers: readonly CfDriver[] | null;
  readonly warnings: readonly string[];
}

/** One `cf_loc` value: config(1) writes `static const int cfloc_N[]` (an int on every port). */
export const LOCATOR: FieldLayout<'i32'> = { offset: 0, size: 4, type: 'i32' };
/** One `cfroots` value: `const short cfroots[]`, -1 terminated. */
const ROOT: FieldLayout<'i16'> = { offset: 0, size: 2, type: 'i16' };

const MAX_ENTRIES = 100_000;
const MAX_NAME = 128;
/** Page size of the Reader's scalar cache; matches the CLI's chunked reads. */
const PAGE = 64 * 1024;

/** A malformed autoconf table: AUTOCONF_FORMAT, at the file offset of the field that is wrong. */
function fault(offset: number, what: string, value?: unknown): FormatError {
  return new FormatError(offset, what, value, 'AUTOCONF_FORMAT');
}

/** Escapes every byte outside printable ASCII as `\xNN` (real config(1) names are C identifiers and numbers). */
export function visible(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Reads pointers and strings of one kernel, caching strings by address. */
class Reader {
  private readonly strings = new Map<bigint, string>();
  private readonly pages = new Map<number, ByteView>();
  constructor(
    readonly file: ElfFile,
    readonly target: Target,
  ) {}

  /** File offset of `length` bytes at `va`, or a FormatError naming the field at `at`. */
  offsetOf(va: bigint, length: number, what: string, at: number): number {
    const offset = mapAddress(this.file, va, length);
    if (offset >= 0) return offset;
    throw fault(at, `${what} points ${offset === IN_BSS ? 'into .bss' : 'outside the file'}`, va);
  }

  /**
   * Reads a name; bytes outside printable ASCII come back as `\xNN`, so a corrupt pointer that lands
   * on binary data can never put a newline or a terminal escape into a listing or an error line.
   */
  string(va: bigint, what: string, at: number): string {
    let s = this.strings.get(va);
    if (s === undefined) {
      const offset = this.offsetOf(va, 1, what, at);
      const bytes = this.file.source.read(offset, Math.min(MAX_NAME, this.file.source.size - offset));
      // One pass finds the NUL and whether every byte is printable (names always are).
      let printable = true;
      let nul = -1;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b === 0) {
          nul = i;
          break;
        }
        if (b < 0x20 || b > 0x7e) printable = false;
      }
      if (nul < 0) throw fault(offset, `unterminated ${what}`);
      s = latin1(bytes.subarray(0, nul));
      if (!printable) s = visible(s);
      this.strings.set(va, s);
    }
    return s;
  }

  /**
   * A view that holds `length` bytes at file offset `offset`: the cached 64 KiB page they lie in
   * (the same pages the chunked file source keeps), so the thousands of small structures of a
   * GENERIC kernel (cfdriver, cfparent, cf_loc runs) cost no allocation each. ByteView reads take
   * file offsets, so callers read fields at `offset + field.offset` whichever view they get.
   */
  bytesAt(offset: number, length: number): ByteView {
    const index = Math.floor(offset / PAGE);
    if (offset + length > (index + 1) * PAGE) return viewAt(this.file, offset, length, this.target.model);
    let page = this.pages.get(index);
    if (!page) {
      const start = index * PAGE;
      page = viewAt(this.file, start, Math.min(PAGE, this.file.source.size - start), this.target.model);
      this.pages.set(index, page);
    }
    if (offset + length > page.end) return viewAt(this.file, offset, length, this.target.model); // past end: viewAt says so
    return page;
  }

  /** Reads the locator values at `va` (a `cf_loc` run), named by the parent attribute's descriptions. */
  locators(va: bigint, descs: readonly LocatorDesc[], what: string, at: number): CfLocator[] {
    const count = descs.length;
    if (count === 0) return [];
    const offset = this.offsetOf(va, count * LOCATOR.size, what, at);
    const v = this.bytesAt(offset, count * LOCATOR.size);
    const out = new Array<CfLocator>(count);
    for (let k = 0; k < count; k++) {
      const d = descs[k];
      const value = readField(v, offset + k * LOCATOR.size, LOCATOR, what);
      out[k] = { name: d.name, value, wildcard: d.defaultString !== null && value === d.default };
    }
    return out;
  }
}

/** The cfdata symbol, or undefined when the kernel has no symbol table or no such symbol (then the shape finder looks). */
function cfdataSymbol(file: ElfFile, symtab: SymbolTable | undefined): ElfSymbol | undefined {
  return symtab ? findSymbol(file, symtab, NL.cfdata.name) : undefined;
}

/** The variant a NetBSD release must use; 9.99.x (-current before 10) could have either. */
export function expectedVariant(v: NetbsdVersion | undefined): CfdataVariant | undefined {
  if (!v) return undefined;
  if (v.major >= 10) return 'bitfield';
  if (v.major < 9 || v.minor < 99) return 'short';
  return undefined;
}

/** How one layout reads the entries: how many states are possible (0-4), how many non-zero, the largest |unit|. */
interface Reading {
  readonly valid: number;
  readonly nonzero: number;
  readonly maxUnit: number;
}

function readAs(view: ByteView, count: number, tableOffset: number, layout: CfdataLayout): { reading: Reading; units: number[]; states: number[] } {
  const units: number[] = [];
  const states: number[] = [];
  let valid = 0;
  let nonzero = 0;
  let maxUnit = 0;
  for (let i = 0; i < count; i++) {
    const at = tableOffset + i * layout.size;
    const state = readField(view, at, layout.fields.fstate);
    const unit = readField(view, at, layout.fields.unit);
    if (state >= 0 && state <= 4) valid++;
    if (state !== 0) nonzero++;
    maxUnit = Math.max(maxUnit, Math.abs(unit));
    units.push(unit);
    states.push(state);
  }
  return { reading: { valid, nonzero, maxUnit }, units, states };
}

/**
 * Decides the cfdata variant from the bytes, then checks it against the release. The unit/state
 * word is 4 bytes in both layouts; read under the wrong layout, one field takes bytes of the other:
 * - a bitfield kernel read as short has state = (a unit byte or the state) << 8 in little-endian
 *   files and (low unit byte) << 8 | state in big-endian ones: impossible states (> 4);
 * - a short kernel read as bitfield has its short state's high byte (0) as the state in
 *   little-endian files, and units that are the short units << 8 (plus the state << 16 in
 *   little-endian files): the same or fewer non-zero states and larger units.
 * So the layout with more possible states wins; on a tie, the one with more non-zero states; then
 * the one with smaller units. When both read every entry the same (every unit a multiple of 256
 * and the same states: all units 0 on a big-endian kernel, say), only the release can decide.
 */
function detectVariant(view: ByteView, count: number, tableOffset: number, layouts: AutoconfLayouts, version: NetbsdVersion | undefined): [CfdataVariant, string] {
  const b = readAs(view, count, tableOffset, layouts.cfdata.bitfield);
  const s = readAs(view, count, tableOffset, layouts.cfdata.short);
  const expected = expectedVariant(version);
  const release = version ? `NetBSD ${version.text}` : undefined;
  const same = b.units.every((u, i) => u === s.units[i] && b.states[i] === s.states[i]);
  let variant: CfdataVariant | undefined;
  let evidence = '';
  const other = (v: CfdataVariant): CfdataVariant => (v === 'bitfield' ? 'short' : 'bitfield');
  const pick = (v: CfdataVariant, why: string) => {
    variant = v;
    evidence = why;
  };
  const [rb, rs] = [b.reading, s.reading];
  if (rb.valid !== rs.valid) {
    const v: CfdataVariant = rb.valid > rs.valid ? 'bitfield' : 'short';
    const lost = v === 'bitfield' ? rs : rb;
    pick(v, `${count - lost.valid} of ${count} entries read a state outside 0-4 as ${other(v)}`);
  } else if (!same && rb.nonzero !== rs.nonzero) {
    const v: CfdataVariant = rb.nonzero > rs.nonzero ? 'bitfield' : 'short';
    const won = v === 'bitfield' ? rb : rs;
    pick(v, `${won.nonzero} of ${count} entries have a non-zero state in the ${v} state field, ${(v === 'bitfield' ? rs : rb).nonzero} as ${other(v)}`);
  } else if (!same && rb.maxUnit !== rs.maxUnit) {
    const v: CfdataVariant = rb.maxUnit < rs.maxUnit ? 'bitfield' : 'short';
    pick(v, `the same states either way; units reach ${(v === 'bitfield' ? rb : rs).maxUnit} as ${v} and ${(v === 'bitfield' ? rs : rb).maxUnit} as ${other(v)} (the other field's bytes)`);
  }
  if (!variant) {
    const why = rb.nonzero === 0 ? 'every entry has state 0' : 'both layouts read the same units and states';
    if (!expected) {
      throw new KpatchError('LAYOUT_AMBIGUOUS', `cfdata layout unclear: ${why} and ${release ?? 'no NetBSD version'} does not decide`, 'refusing to guess: a wrong guess would corrupt unit numbers');
    }
    variant = expected;
    evidence = rb.nonzero === 0 ? `every state is 0, so ${release} decides` : `both layouts read the same units and states, so ${release} decides`;
  } else if (expected && expected !== variant) {
    throw new KpatchError('LAYOUT_AMBIGUOUS', `cfdata bytes look like ${CFDATA_ERA[variant]} but the kernel says ${release}, which uses ${CFDATA_ERA[expected]}`, 'refusing to guess: a wrong guess would corrupt unit numbers');
  } else if (expected) {
    evidence += `; agrees with ${release}`;
  }
  return [variant, evidence];
}

function readDrivers(r: Reader, symtab: SymbolTable | undefined, found: FoundTables | undefined, layouts: AutoconfLayouts, warnings: string[]): CfDriver[] | null {
  const symbol = NL.cfdriverList.name;
  const sym = symtab ? findSymbol(r.file, symtab, symbol) : found?.driverList != null ? { value: found.driverList, size: 0n } : undefined;
  if (!sym) {
    warnings.push(`no ${symbol} ${symtab ? 'symbol' : 'found'}: locator names and interface-attribute parents are unknown`);
    return null;
  }
  const ptr = r.target.model.ptr;
  // A found list has no size: read up to its segment's end (the terminator check below still applies).
  const start = r.offsetOf(sym.value, ptr, symbol, 0);
  const max = sym.size > 0n ? Number(sym.size) / ptr : Math.floor(segmentRest(r.file, sym.value) / ptr);
  const drivers: CfDriver[] = [];
  const listLength = Math.min(max, 10_000) * ptr;
  const list = viewAt(r.file, sym.size > 0n ? r.offsetOf(sym.value, listLength, symbol, 0) : start, listLength, r.target.model);
  const cd = layouts.cfdriver;
  for (let i = 0; ; i++) {
    const at = list.base + i * ptr;
    if (i >= max || !list.contains(at, ptr)) throw fault(list.base, `${symbol} has no NULL terminator`);
    const p = list.word(at, 'cfdriver pointer');
    if (p === 0n) break;
    const o = r.offsetOf(p, cd.size, 'cfdriver pointer', at);
    const v = r.bytesAt(o, cd.size);
    const name = r.string(readField(v, o, cd.fields.name), 'cd_name', o + cd.fields.name.offset);
    const attrsPtr = readField(v, o, cd.fields.attrs);
    const attrs = attrsPtr === 0n ? [] : readAttrs(r, attrsPtr, layouts, o + cd.fields.attrs.offset);
    drivers.push({ name, class: readField(v, o, cd.fields.class), attrs });
  }
  return drivers;
}

function readAttrs(r: Reader, va: bigint, layouts: AutoconfLayouts, at: number): InterfaceAttribute[] {
  const ptr = r.target.model.ptr;
  const out: InterfaceAttribute[] = [];
  for (let i = 0; ; i++) {
    if (i > 64) throw fault(at, 'cd_attrs has no NULL terminator');
    const so = r.offsetOf(va + BigInt(i * ptr), ptr, 'cd_attrs', at);
    const p = r.bytesAt(so, ptr).word(so);
    if (p === 0n) return out;
    const ci = layouts.cfiattrdata;
    const ho = r.offsetOf(p, ci.size, 'cfiattrdata pointer', so);
    const h = r.bytesAt(ho, ci.size);
    const name = r.string(readField(h, ho, ci.fields.name), 'ci_name', ho);
    const loclen = readField(h, ho, ci.fields.loclen);
    if (loclen < 0 || loclen > 32) throw fault(ho + ci.fields.loclen.offset, 'bad ci_loclen', loclen);
    const ld = layouts.cflocdesc;
    const locators: LocatorDesc[] = [];
    const dso = loclen === 0 ? 0 : r.offsetOf(p + BigInt(layouts.locdescStart), loclen * ld.size, 'ci_locdesc', ho);
    const descs = loclen === 0 ? undefined : r.bytesAt(dso, loclen * ld.size);
    for (let k = 0; k < loclen && descs; k++) {
      const d = dso + k * ld.size;
      const defaultPtr = readField(descs, d, ld.fields.defaultstr);
      locators.push({
        name: r.string(readField(descs, d, ld.fields.name), 'cld_name', d),
        defaultString: defaultPtr === 0n ? null : r.string(defaultPtr, 'cld_defaultstr', d),
        default: readField(descs, d, ld.fields.default),
      });
    }
    out.push({ name, locators });
  }
}

function readRoots(r: Reader, symtab: SymbolTable | undefined, found: FoundTables | undefined, count: number, warnings: string[]): number[] | null {
  const name = NL.cfroots.name;
  if (found) {
    if (!found.roots) warnings.push(`no ${name} found: roots are taken from entries without a parent`);
    return found.roots ? [...found.roots] : null;
  }
  const sym = symtab ? findSymbol(r.file, symtab, name) : undefined;
  if (!sym) {
    warnings.push(`no ${name} symbol: roots are taken from entries without a parent`);
    return null;
  }
  const max = sym.size > 0n ? Number(sym.size) / ROOT.size : count + 1;
  const length = Math.min(max, count + 1) * ROOT.size;
  const v = viewAt(r.file, r.offsetOf(sym.value, length, name, 0), length, r.target.model);
  const roots: number[] = [];
  for (let i = 0; i < Math.min(max, count + 1); i++) {
    const at = v.base + i * ROOT.size;
    const idx = readField(v, at, ROOT);
    if (idx === -1) return roots;
    if (idx < 0 || idx >= count) throw fault(at, `${name} index out of range`, idx);
    roots.push(idx);
  }
  throw fault(v.base, `${name} has no -1 terminator`);
}

/** How many file-backed bytes follow `va` in its PT_LOAD segment. */
function segmentRest(file: ElfFile, va: bigint): number {
  for (const l of file.loads) if (va >= l.vaddr && va < l.vaddr + BigInt(l.filesz)) return l.filesz - Number(va - l.vaddr);
  return 0;
}

/** Formats how many entries a table had, for errors. */
function tableSize(sym: ElfSymbol, entrySize: number, at: number): number {
  if (sym.size === 0n) return MAX_ENTRIES;
  if (sym.size % BigInt(entrySize) !== 0n) throw fault(at, `cfdata size is not a multiple of ${entrySize}`, sym.size);
  return Math.min(Number(sym.size / BigInt(entrySize)), MAX_ENTRIES);
}

/**
 * Reads the autoconf tables of a kernel for `target`; `version` (ident note or osrelease) cross-checks the layout.
 * A malformed table throws a FormatError with code AUTOCONF_FORMAT, also when the fault shows as a read past the data.
 */
export function readAutoconf(file: ElfFile, target: Target, symbols: SymbolTable | undefined, version: NetbsdVersion | undefined): AutoconfTable {
  try {
    return readTables(file, target, symbols, version);
  } catch (e) {
    // ByteView and checkRange report ELF_FORMAT: inside the autoconf reader the bytes they miss are the tables'.
    if (e instanceof FormatError && e.code === 'ELF_FORMAT') throw fault(e.offset, e.what, e.value);
    throw e;
  }
}

function readTables(file: ElfFile, target: Target, symbols: SymbolTable | undefined, version: NetbsdVersion | undefined): AutoconfTable {
  const layouts = autoconfLayouts(target.model, alignmentOf(target.abi));
  const r = new Reader(file, target);
  const entrySize = layouts.cfdata.bitfield.size;
  const sym = cfdataSymbol(file, symbols);
  // Without the symbol, the table is found by its shape (find-cfdata.ts), which also finds its size.
  const found = sym ? undefined : findCfdata(file, target, layouts);
  let address: bigint;
  let view: ByteView;
  if (sym) {
    const symAt = symbols!.section.offset + sym.index * symbols!.entsize;
    const capacity = tableSize(sym, entrySize, symAt);
    const where = lookupAddress(file, sym.value, entrySize);
    if (!where.ok) throw fault(symAt, `cfdata symbol points ${where.reason === 'bss' ? 'into .bss' : 'outside the file'}`, sym.value);
    const available = Math.floor((file.source.size - where.offset) / entrySize);
    view = viewAt(file, where.offset, Math.min(capacity, available) * entrySize, target.model);
    address = sym.value;
  } else {
    view = viewAt(file, found!.offset, (found!.count + 1) * entrySize, target.model);
    address = found!.address;
  }

  // Walk to the terminator (cf_name == NULL) first: the count does not depend on the variant.
  let count = 0;
  for (; ; count++) {
    const at = view.base + count * entrySize;
    if (!view.contains(at, entrySize)) throw fault(view.base, 'cfdata has no terminating entry');
    if (readField(view, at, layouts.cfdata.bitfield.fields.name) === 0n) break;
  }
  const [variant, variantEvidence] = detectVariant(view, count, view.base, layouts, version);
  const layout: CfdataLayout = layouts.cfdata[variant];
  const L = layout.fields;
  const warnings: string[] = [];
  const drivers = readDrivers(r, symbols, found, layouts, warnings);
  const iattrs = new Map<string, InterfaceAttribute>();
  for (const d of drivers ?? []) for (const a of d.attrs) if (!iattrs.has(a.name)) iattrs.set(a.name, a);
  const unknownIattrs = new Set<string>();
  const parents = new Map<bigint, CfParent>();

  const entries: CfEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = view.base + i * entrySize;
    const fstate = readField(view, at, L.fstate);
    const unit = readField(view, at, L.unit);
    const pspec = readField(view, at, L.pspec);
    let parent: CfParent | null = null;
    if (pspec !== 0n) {
      // config(1) shares one pspecN among every entry with the same parent: decode each once.
      parent = parents.get(pspec) ?? null;
      if (!parent) {
        const P = layouts.cfparent;
        const po = r.offsetOf(pspec, P.size, 'cf_pspec', at + L.pspec.offset);
        const pv = r.bytesAt(po, P.size);
        const parentPtr = readField(pv, po, P.fields.parent);
        parent = {
          iattr: r.string(readField(pv, po, P.fields.iattr), 'cfp_iattr', po),
          driver: parentPtr === 0n ? null : r.string(parentPtr, 'cfp_parent', po + P.fields.parent.offset),
          unit: readField(pv, po, P.fields.unit),
        };
        parents.set(pspec, parent);
      }
    }
    const loc = readField(view, at, L.loc);
    let locators: CfLocator[] = [];
    let locOffset: number | null = null;
    if (loc !== 0n && parent) {
      const ia = iattrs.get(parent.iattr);
      if (ia) {
        locators = r.locators(loc, ia.locators, 'cf_loc', at + L.loc.offset);
        if (locators.length) locOffset = r.offsetOf(loc, locators.length * LOCATOR.size, 'cf_loc', at + L.loc.offset);
      } else if (drivers) unknownIattrs.add(parent.iattr);
    }
    entries.push({
      index: i,
      driver: r.string(readField(view, at, L.name), 'cf_name', at + L.name.offset),
      attachment: r.string(readField(view, at, L.atname), 'cf_atname', at + L.atname.offset),
      unit,
      star: fstate === FSTATE_STAR || fstate === FSTATE_DSTAR,
      fstate,
      state: stateName(fstate),
      parent,
      locators,
      locOffset,
      flags: readField(view, at, L.flags),
      address: address + BigInt(i * entrySize),
      offset: at,
      stateOffset: at + L.fstate.offset,
      stateSize: L.fstate.size as 1 | 2,
    });
  }
  for (const name of unknownIattrs) warnings.push(`no driver provides interface attribute '${name}': its locators are not shown`);
  const roots = readRoots(r, symbols, found, count, warnings);
  return {
    symbol: NL.cfdata.name,
    address,
    offset: view.base,
    locatedBy: found ? 'shape' : 'symbol',
    locationEvidence: found ? found.evidence : [],
    entrySize,
    endian: file.header.endian,
    model: target.model,
    layout,
    stateField: L.fstate,
    variant,
    variantEvidence,
    entries,
    roots,
    drivers,
    warnings,
  };
}
