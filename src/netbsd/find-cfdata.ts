/**
 * findCfdata: the autoconf tables of a kernel without symbols (stripped, an install kernel, a raw
 * boot image), found by their shape alone. config(1)'s ioconf.c gives them one:
 * - `struct cfdata cfdata[]` (writable data): records whose cf_name and cf_atname point to short
 *   NUL-terminated C identifiers, whose state is 0-4 in one of the two layouts, whose cf_loc is
 *   NULL or points into the file, and whose cf_pspec is NULL (a root) or points to a
 *   `struct cfparent` whose cfp_iattr is an identifier and cfp_parent NULL or one; the array ends
 *   with an all-zero record;
 * - `const short cfroots[]`: the indices of the root entries, then -1;
 * - `struct cfdriver * const cfdriver_list_initial[]`: every driver, NULL terminated;
 * - with `options INCLUDE_CONFIG_FILE`, the config itself, whose every `device at parent` line
 *   names a driver of the table.
 * Every size, offset and alignment comes from the target's layouts (layouts.ts), so one scan
 * serves every port. The scan never guesses: it reports its evidence, and refuses when the
 * evidence is thin or when more than one table fits.
 */
import { readInto } from '../bytes/source';
import { readField } from '../bytes/struct';
import { ByteView, hex } from '../bytes/view';
import { mapAddress } from '../elf/address';
import * as C from '../elf/constants';
import type { ElfFile, LoadRange } from '../elf/file';
import type { Target } from '../elf/target';
import { KpatchError } from '../errors';
import { CONFIG_MARKER, strunvis } from './embedded-config';
import type { AutoconfLayouts } from './layouts';

/** Where the tables were found, and why kpatch believes it. */
export interface FoundTables {
  readonly address: bigint;
  readonly offset: number;
  readonly count: number;
  /** cfroots as found (the root entries' indices), or null when no such array is in the file. */
  readonly roots: readonly number[] | null;
  /** The address of cfdriver_list_initial, or null when it was not found. */
  readonly driverList: bigint | null;
  /** What was checked, one short clause each. */
  readonly evidence: readonly string[];
}

/** A C identifier as config(1) writes names (drivers, attachments, interface attributes): at most this long. */
const MAX_IDENT = 64;
/** A run shorter than this is not evidence of anything: every real config has a root and a child. */
const MIN_ENTRIES = 2;
/** configDevices reads this much at a time, plus the longest config line it expects to cross a window's end. */
const CONFIG_WINDOW = 256 * 1024;
const MAX_CONFIG_LINE = 4096;
/** Where to look for cfroots and cfdriver_list_initial first: ioconf.c's read-only data lies near the parent specs. */
const NEAR = 128 * 1024;

function isIdentStart(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f;
}
function isIdentByte(b: number): boolean {
  return isIdentStart(b) || (b >= 0x30 && b <= 0x39);
}

/** One candidate run of records ending in an all-zero record. */
interface Candidate {
  readonly address: bigint;
  readonly offset: number;
  readonly count: number;
  readonly names: readonly string[];
  /** Indices of entries with a NULL cf_pspec. */
  readonly roots: readonly number[];
  /** Parent specs resolved (distinct cfparent records). */
  readonly parents: number;
  /** Drivers named as parents that no entry of the run has. */
  readonly strangers: readonly string[];
  /** The address of one parent spec, to look near. */
  readonly pspec: bigint | null;
}

/** Reads pointers and identifiers of one file, caching by address. */
class Shapes {
  private readonly idents = new Map<number, string | null>();
  private readonly parents = new Map<number, { iattr: string; parent: string | null } | null>();
  private readonly loadBytes = new Map<number, Buffer>();
  private readonly windows = new Map<string, Buffer>();
  readonly ptr: number;
  constructor(
    readonly file: ElfFile,
    readonly target: Target,
    readonly layouts: AutoconfLayouts,
  ) {
    this.ptr = target.model.ptr;
  }

  /** The file bytes of a load (read once per search: the cross-checks look through them several times), as a Buffer view, not a copy. */
  bytesOf(l: LoadRange): Buffer {
    let b = this.loadBytes.get(l.offset);
    if (!b) {
      const u = this.file.source.read(l.offset, l.filesz);
      b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      this.loadBytes.set(l.offset, b);
    }
    return b;
  }

  /** `length` bytes at file offset `offset` inside load `l`: a view of the load when it was read whole, else just those bytes. */
  slice(l: LoadRange, offset: number, length: number): Buffer {
    const whole = this.loadBytes.get(l.offset);
    if (whole || length === l.filesz) return this.bytesOf(l).subarray(offset - l.offset, offset - l.offset + length);
    // cfroots and cfdriver_list_initial are searched in the same window near the parent specs: read it once.
    const key = `${offset}:${length}`;
    let b = this.windows.get(key);
    if (!b) {
      const u = this.file.source.read(offset, length);
      b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      this.windows.set(key, b);
    }
    return b;
  }

  /** The identifier at `va`, or null when `va` is not the start of a short NUL-terminated C identifier. */
  ident(va: bigint): string | null {
    return this.identAt(mapAddress(this.file, va, 2));
  }

  /** The identifier at file offset `offset` (negative: none), or null. Cached by offset: the scan asks by number, not bigint. */
  identAt(offset: number): string | null {
    let s = this.idents.get(offset);
    if (s !== undefined) return s;
    s = null;
    if (offset >= 0 && offset + 2 <= this.file.source.size) {
      const bytes = this.file.source.read(offset, Math.min(MAX_IDENT + 1, this.file.source.size - offset));
      if (isIdentStart(bytes[0])) {
        for (let i = 1; i < bytes.length; i++) {
          const b = bytes[i];
          if (b === 0) {
            s = String.fromCharCode.apply(null, bytes.subarray(0, i) as unknown as number[]);
            break;
          }
          if (!isIdentByte(b)) break;
        }
      }
    }
    this.idents.set(offset, s);
    return s;
  }

  /** The cfparent at file offset `offset` (iattr and parent names), or null when it does not hold one. */
  parentAt(offset: number): { iattr: string; parent: string | null } | null {
    let p = this.parents.get(offset);
    if (p !== undefined) return p;
    p = null;
    const P = this.layouts.cfparent;
    if (offset >= 0 && offset + P.size <= this.file.source.size) {
      const v = new ByteView(this.file.source.read(offset, P.size), offset, this.file.header.endian, this.target.model);
      const iattr = this.ident(readField(v, offset, P.fields.iattr));
      const parentPtr = readField(v, offset, P.fields.parent);
      const parent = parentPtr === 0n ? null : this.ident(parentPtr);
      const unit = readField(v, offset, P.fields.unit);
      // cfp_unit: DVUNIT_ANY (-1) or a unit number.
      if (iattr !== null && (parentPtr === 0n || parent !== null) && unit >= -1 && unit < 1 << 24) p = { iattr, parent };
    }
    this.parents.set(offset, p);
    return p;
  }
}

/** Tells whether the pointer-sized word at `i` of `dv` may point into one of `loads` (cheap: numbers only). */
function pointerTest(loads: readonly LoadRange[], ptr: number, little: boolean): (dv: DataView, i: number) => boolean {
  // Each range as [hi, lo] pairs of its first and one-past-last file-backed address.
  const ranges = loads.filter((l) => l.filesz > 0).map((l) => {
    const end = l.vaddr + BigInt(l.filesz);
    return [Number(l.vaddr >> 32n), Number(l.vaddr & 0xffffffffn), Number(end >> 32n), Number(end & 0xffffffffn)];
  });
  if (ptr === 4) {
    return (dv, i) => {
      const w = dv.getUint32(i, little);
      for (const r of ranges) if (w >= r[1] && (r[2] > 0 || w < r[3])) return true;
      return false;
    };
  }
  return (dv, i) => {
    const hi = dv.getUint32(little ? i + 4 : i, little);
    const lo = dv.getUint32(little ? i : i + 4, little);
    for (const r of ranges) {
      const aboveStart = hi > r[0] || (hi === r[0] && lo >= r[1]);
      const belowEnd = hi < r[2] || (hi === r[2] && lo < r[3]);
      if (aboveStart && belowEnd) return true;
    }
    return false;
  };
}

/**
 * The file offset the pointer-sized word at `i` of `dv` points to, when it points into the
 * file-backed part of a load; else -1. Numbers only (the offset inside a segment is below 2^53).
 */
function pointerOffset(loads: readonly LoadRange[], ptr: number, little: boolean): (dv: DataView, i: number) => number {
  const ranges = loads.filter((l) => l.filesz > 0).map((l) => [Number(l.vaddr >> 32n), Number(l.vaddr & 0xffffffffn), l.filesz, l.offset]);
  return (dv, i) => {
    const hi = ptr === 8 ? dv.getUint32(little ? i + 4 : i, little) : 0;
    const lo = dv.getUint32(ptr === 8 && !little ? i + 4 : i, little);
    for (const r of ranges) {
      const delta = (hi - r[0]) * 0x100000000 + (lo - r[1]);
      if (delta >= 0 && delta < r[2]) return r[3] + delta;
    }
    return -1;
  };
}

function word(dv: DataView, i: number, ptr: number, little: boolean): bigint {
  return ptr === 8 ? dv.getBigUint64(i, little) : BigInt(dv.getUint32(i, little));
}

/**
 * The regions to scan for cfdata: writable PT_LOAD segments (cfdata is not const: userconf writes
 * it), or every segment when none is marked writable (a raw image's one range, odd linker scripts).
 */
function dataRegions(file: ElfFile): LoadRange[] {
  const writable = file.segments.filter((p) => p.type === C.PT_LOAD && p.flags & C.PF_W && p.filesz > 0);
  if (writable.length > 0) return writable.map((p) => ({ vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz, span: BigInt(Math.max(p.filesz, p.memsz)), offset: p.offset }));
  return file.loads.filter((l) => l.filesz > 0);
}

/** Scans `file` for runs of cfdata-shaped records that end in an all-zero record. */
function scanCandidates(s: Shapes): Candidate[] {
  const { file, layouts, ptr } = s;
  const little = file.header.endian === 'little';
  const B = layouts.cfdata.bitfield;
  const S = layouts.cfdata.short;
  const size = B.size;
  const step = B.align;
  const [oName, oAt, oLoc, oPspec] = [B.fields.name.offset, B.fields.atname.offset, B.fields.loc.offset, B.fields.pspec.offset];
  const oStateB = B.fields.fstate.offset;
  const oStateS = S.fields.fstate.offset;
  const mayPoint = pointerTest(file.loads, ptr, little);
  const pointsTo = pointerOffset(file.loads, ptr, little);
  const out: Candidate[] = [];
  for (const region of dataRegions(file)) {
    const bytes = file.source.read(region.offset, region.filesz);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The first record must start at an address aligned for struct cfdata.
    const first = (step - Number(region.vaddr % BigInt(step))) % step;
    const record = (i: number): { name: string; pspec: number; parent: { iattr: string; parent: string | null } | null } | null => {
      const nameAt = pointsTo(dv, i + oName);
      if (nameAt < 0) return null;
      const atnameAt = pointsTo(dv, i + oAt);
      if (atnameAt < 0) return null;
      const stateB = bytes[i + oStateB];
      const stateS = dv.getInt16(i + oStateS, little);
      if (stateB > 4 && (stateS < 0 || stateS > 4)) return null;
      const name = s.identAt(nameAt);
      if (name === null || s.identAt(atnameAt) === null) return null;
      if (!isNull(i + oLoc) && pointsTo(dv, i + oLoc) < 0) return null;
      if (isNull(i + oPspec)) return { name, pspec: -1, parent: null };
      const pspec = pointsTo(dv, i + oPspec);
      const parent = pspec < 0 ? null : s.parentAt(pspec);
      return parent ? { name, pspec, parent } : null;
    };
    const isNull = (i: number): boolean => {
      for (let k = 0; k < ptr; k++) if (bytes[i + k] !== 0) return false;
      return true;
    };
    const zero = (i: number): boolean => {
      for (let k = 0; k < size; k++) if (bytes[i + k] !== 0) return false;
      return true;
    };
    for (let i = first; i + size <= bytes.length; ) {
      if (!mayPoint(dv, i + oName)) {
        i += step;
        continue;
      }
      const names: string[] = [];
      const roots: number[] = [];
      const pspecs = new Set<number>();
      const parentNames = new Set<string>();
      let firstPspec = -1; // the byte index of the first entry with a parent spec, to take its address from
      let j = i;
      for (; j + size <= bytes.length; j += size) {
        const r = record(j);
        if (!r) break;
        if (r.parent === null) roots.push(names.length);
        else {
          if (firstPspec < 0) firstPspec = j;
          pspecs.add(r.pspec);
          if (r.parent.parent !== null) parentNames.add(r.parent.parent);
        }
        names.push(r.name);
      }
      if (names.length > 0 && j + size <= bytes.length && zero(j)) {
        const drivers = new Set(names);
        out.push({
          address: region.vaddr + BigInt(i),
          offset: region.offset + i,
          count: names.length,
          names,
          roots,
          parents: pspecs.size,
          strangers: [...parentNames].filter((n) => !drivers.has(n)),
          pspec: firstPspec >= 0 ? word(dv, firstPspec + oPspec, ptr, little) : null,
        });
        i = j + size;
      } else i += step;
    }
  }
  return out;
}

/**
 * The driver names of the config's `device at parent` lines (`_CFG_` records; a tab is written
 * `\011`), or undefined when the kernel embeds no config. The loads are searched a window at a
 * time through one buffer (a GENERIC kernel is tens of megabytes), up to the END record.
 */
function configDevices(s: Shapes): string[] | undefined {
  const marker = CONFIG_MARKER;
  const names: string[] = [];
  let seen = false;
  const buf = Buffer.allocUnsafe(CONFIG_WINDOW + MAX_CONFIG_LINE);
  for (const l of s.file.loads) {
    for (let at = 0; at < l.filesz; at += CONFIG_WINDOW) {
      const length = Math.min(buf.length, l.filesz - at);
      const bytes = buf.subarray(0, length);
      readInto(s.file.source, bytes, l.offset + at);
      // Records starting in this window; the overlap lets the last one end in the next.
      for (let i = bytes.indexOf(marker); i >= 0 && i < CONFIG_WINDOW; i = bytes.indexOf(marker, i + marker.length)) {
        seen = true;
        let end = i + marker.length;
        while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0) end++;
        const line = bytes.toString('latin1', i + marker.length, end);
        if (line.startsWith('### END CONFIG FILE')) return names;
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*?)(\d+|\*|\?)?\s+at\s+\S/.exec(strunvis(line).replace(/#.*/, ''));
        if (m && m[1] !== 'no') names.push(m[1]);
      }
    }
  }
  return seen ? names : undefined;
}

/** Encodes cfroots as config(1) writes it for `roots`: shorts in the file's byte order, then -1. */
function rootsBytes(roots: readonly number[], little: boolean): Buffer {
  const b = Buffer.alloc((roots.length + 1) * 2);
  [...roots, -1].forEach((r, k) => (little ? b.writeInt16LE(r, k * 2) : b.writeInt16BE(r, k * 2)));
  return b;
}

/** Byte ranges of the loads to search for ioconf.c's read-only arrays: near `va` first, then everywhere. */
function searchOrder(file: ElfFile, va: bigint | null): { offset: number; length: number; vaddr: bigint; load: LoadRange }[] {
  const all = file.loads.filter((l) => l.filesz > 0).map((l) => ({ offset: l.offset, length: l.filesz, vaddr: l.vaddr, load: l }));
  if (va === null) return all;
  const near: typeof all = [];
  for (const l of all) {
    const d = va - l.vaddr;
    if (d < 0n || d >= BigInt(l.length)) continue;
    const from = Math.max(0, Number(d) - NEAR);
    const to = Math.min(l.length, Number(d) + NEAR);
    near.push({ offset: l.offset + from, length: to - from, vaddr: l.vaddr + BigInt(from), load: l.load });
  }
  return [...near, ...all];
}

/** Finds `const short cfroots[]` holding exactly `roots` then -1, 2-byte aligned. */
function findRoots(s: Shapes, roots: readonly number[], near: bigint | null): bigint | null {
  const needle = rootsBytes(roots, s.file.header.endian === 'little');
  for (const r of searchOrder(s.file, near)) {
    const hay = s.slice(r.load, r.offset, r.length);
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
      if ((r.vaddr + BigInt(i)) % 2n === 0n) return r.vaddr + BigInt(i);
    }
  }
  return null;
}

/**
 * Finds `cfdriver_list_initial`: pointer-aligned, NULL-terminated pointers to `struct cfdriver`s
 * whose cd_name are identifiers, naming every driver of `drivers` (config(1) lists them all).
 */
function findDriverList(s: Shapes, drivers: ReadonlySet<string>, near: bigint | null): bigint | null {
  const { file, ptr, layouts } = s;
  const little = file.header.endian === 'little';
  const cd = layouts.cfdriver;
  const mayPoint = pointerTest(file.loads, ptr, little);
  const pointsTo = pointerOffset(file.loads, ptr, little);
  const nameField = cd.fields.name.offset;
  // cd_name of the struct cfdriver at file offset `o`: numbers only, cached by offset (a GENERIC has ~1,000 drivers).
  const names = new Map<number, string | null>();
  const cdName = (o: number): string | null => {
    let n = names.get(o);
    if (n !== undefined) return n;
    n = null;
    if (o >= 0 && o + cd.size <= file.source.size) {
      const b = file.source.read(o + nameField, ptr);
      n = s.identAt(pointsTo(new DataView(b.buffer, b.byteOffset, ptr), 0));
    }
    names.set(o, n);
    return n;
  };
  for (const r of searchOrder(file, near)) {
    const bytes = s.slice(r.load, r.offset, r.length);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = (ptr - Number(r.vaddr % BigInt(ptr))) % ptr;
    for (let i = first; i + ptr <= bytes.length; i += ptr) {
      if (!mayPoint(dv, i)) continue;
      // A run of pointer-like words first (numbers only): the list names every driver, so it is
      // at least that long and ends in NULL. Only such a run has its structs read.
      let end = i;
      while (end + ptr <= bytes.length && mayPoint(dv, end)) end += ptr;
      if ((end - i) / ptr < drivers.size || end + ptr > bytes.length || word(dv, end, ptr, little) !== 0n) {
        i = end;
        continue;
      }
      // The list is the longest tail of the run whose pointers all reach a cfdriver: walk back from the NULL.
      const seen = new Set<string>();
      let start = end;
      for (let j = end - ptr; j >= i; j -= ptr) {
        const n = cdName(pointsTo(dv, j));
        if (n === null) break;
        seen.add(n);
        start = j;
      }
      if ((end - start) / ptr >= drivers.size && [...drivers].every((d) => seen.has(d))) return r.vaddr + BigInt(start);
      i = end;
    }
  }
  return null;
}

/**
 * Finds the cfdata table of a kernel that has no symbol for it. Throws SYMBOL_MISSING (nothing
 * shaped like cfdata) or LAYOUT_AMBIGUOUS (thin evidence, or several tables fit).
 */
export function findCfdata(file: ElfFile, target: Target, layouts: AutoconfLayouts): FoundTables {
  const s = new Shapes(file, target, layouts);
  const candidates = scanCandidates(s);
  if (candidates.length === 0) {
    throw new KpatchError('SYMBOL_MISSING', 'no cfdata symbol, and no cfdata-shaped table in the loadable data: not a NetBSD kernel, or one without autoconf');
  }
  const config = configDevices(s);
  const checked = candidates.map((c) => {
    const drivers = new Set(c.names);
    const missing = config ? [...new Set(config)].filter((d) => !drivers.has(d)) : [];
    const thin = c.count < MIN_ENTRIES ? `only ${c.count} entry` : c.parents === 0 ? 'no parent specs' : c.strangers.length ? `parents ${c.strangers.join(', ')} are not in it` : missing.length ? `the embedded config's ${missing.slice(0, 3).join(', ')} are not in it` : null;
    return { c, thin };
  });
  const strong = checked.filter((x) => x.thin === null).map((x) => x.c);
  const where = (c: Candidate) => `${c.count} entries at ${hex(c.address)}`;
  if (strong.length === 0) {
    const best = checked.reduce((a, b) => (b.c.count > a.c.count ? b : a));
    throw new KpatchError('LAYOUT_AMBIGUOUS', `no symbol table, and the cfdata evidence is thin: the best candidate (${where(best.c)}): ${best.thin}`, 'refusing to guess: use a kernel built with symbols');
  }
  let survivors = strong;
  const rootsAt = new Map<Candidate, bigint | null>(survivors.map((c) => [c, findRoots(s, c.roots, c.pspec)]));
  if (survivors.length > 1) survivors = survivors.filter((c) => rootsAt.get(c) !== null);
  if (survivors.length !== 1) {
    const list = (survivors.length ? survivors : strong).map(where).join('; ');
    throw new KpatchError('LAYOUT_AMBIGUOUS', `no symbol table, and ${survivors.length || strong.length} tables fit cfdata: ${list}`, 'refusing to guess: use a kernel built with symbols');
  }
  const c = survivors[0];
  const roots = rootsAt.get(c) ?? null;
  const named = new Set([...c.names]);
  const driverList = findDriverList(s, named, c.pspec);
  const evidence = [
    `${c.count} records with identifier names, states 0-4 and ${c.parents} parent specs resolving to cfparent records, then an all-zero record`,
    roots !== null ? `cfroots {${[...c.roots, -1].join(', ')}} at ${hex(roots)}` : `no cfroots array {${[...c.roots, -1].join(', ')}} found`,
    config ? `all ${config.length} device lines of the embedded config name its drivers` : 'no embedded config to compare',
    driverList !== null ? `cfdriver_list_initial at ${hex(driverList)}` : 'no cfdriver_list_initial found',
  ];
  if (candidates.length > 1) evidence.push(`${candidates.length - 1} other cfdata-shaped run${candidates.length > 2 ? 's' : ''} ruled out`);
  return { address: c.address, offset: c.offset, count: c.count, roots: roots !== null ? c.roots : null, driverList, evidence };
}
