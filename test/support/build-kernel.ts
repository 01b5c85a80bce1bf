/**
 * A NetBSD-kernel-shaped ELF built in memory from a table description (the same JSON shape as
 * test/fixtures/src/tables/*.json): the structures config(1) writes into ioconf.c (cfdata, loc[],
 * pspecN, <iattr>cf_iattrdata, <dev>_attrs, <dev>_cd, cfdriver_list_initial, cfroots), the vers.c
 * strings (ostype, osrelease, version), the non-allocated `.note.netbsd.ident`, and, for x86, the
 * allocated `.note.Xen` PVH note inside a PT_NOTE.
 *
 * Struct offsets come from autoconfLayouts (src/netbsd/layouts.ts); test/netbsd/layouts.test.ts
 * pins those offsets against hand-checked numbers, so the builder cannot drift along with a bug.
 */
import { ILP32, LP64, type DataModel } from '../../src/bytes/view';
import { autoconfLayouts, type CfdataVariant } from '../../src/netbsd/layouts';
import {
  build,
  type BuiltElf,
  type ElfClass,
  type Endian,
  encodeNote,
  put,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_PROGBITS,
  type SectionSpec,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  type SymbolSpec,
  u32,
} from './build-elf';

/** A locator description of an interface attribute. */
export interface TableLocator {
  readonly name: string;
  /** cld_defaultstr; null means no default (cld_defaultstr NULL, cld_default 0). */
  readonly default: string | null;
}

/** A driver (struct cfdriver). `class` is a DV_* name or its number. */
export interface TableDriver {
  readonly name: string;
  readonly class: string | number;
  readonly attrs: readonly string[];
}

/** A parent spec; `driver: null` is an interface-attribute-only parent (`at ata?`). */
export interface TableParent {
  readonly iattr: string;
  readonly driver: string | null;
  readonly unit: number;
}

/** One cfdata entry. `state` is the raw cf_fstate. */
export interface TableEntry {
  readonly driver: string;
  readonly attachment: string;
  readonly unit: number;
  readonly star: boolean;
  readonly state: number;
  readonly flags: number;
  readonly parent: TableParent | null;
  readonly locators: readonly number[];
}

/** A kernel description. */
export interface KernelTable {
  readonly name: string;
  readonly version: number;
  readonly osrelease: string;
  readonly ostype: string;
  readonly iattrs: Readonly<Record<string, readonly TableLocator[]>>;
  readonly drivers: readonly TableDriver[];
  readonly entries: readonly TableEntry[];
  readonly symbols?: readonly string[];
  readonly config?: string;
}

export type KernelArch = 'amd64' | 'i386' | 'aarch64';

/** How to build. */
export interface KernelOptions {
  readonly arch: KernelArch;
  readonly variant: CfdataVariant;
  /** Emit the `.note.Xen` PVH note (default: true on amd64/i386). */
  readonly pvh?: boolean;
  readonly pvhDescSize?: 4 | 8;
  /** Cover the ident note with a PT_NOTE too (as in userland programs). */
  readonly identInPtNote?: boolean;
  /** No .symtab/.strtab (a stripped kernel). */
  readonly noSymtab?: boolean;
  readonly omit?: readonly ('cfroots' | 'cfdriver_list_initial' | 'ident' | 'cfdata')[];
  /** Put the PVH note in a section no PT_NOTE covers. */
  readonly pvhOutsidePtNote?: boolean;
  /**
   * Share locator runs as `config -P` does (NetBSD usr.bin/config pack.c, packlocs): entries longest
   * run first, each reusing a run already in loc[] that ends with the same values (an equal run, or
   * the tail of a longer one), else appended. Without it every entry gets its own run, as plain
   * config(1) emits.
   */
  readonly packLocators?: boolean;
  /** Extra bytes of code after the functions, to make a kernel-sized file (reads must not scale with it). */
  readonly textPadding?: number;
  /** Override ELF header fields (unsupported machines, ET_REL modules). */
  readonly elf?: { readonly machine?: number; readonly endian?: Endian; readonly type?: number; readonly class?: ElfClass };
}

/** What the builder made, with the places tests poke at. */
export interface BuiltKernel {
  readonly bytes: Uint8Array;
  readonly elf: BuiltElf;
  readonly table: KernelTable;
  readonly model: DataModel;
  readonly endian: Endian;
  readonly entrySize: number;
  /** cf_fstate offset and width inside an entry for the chosen variant. */
  readonly stateField: { readonly offset: number; readonly size: 1 | 2 };
  readonly cfdata: { readonly address: bigint; readonly offset: number };
  /** File offset of entry `i` (entries.length is the terminator). */
  entryOffset(i: number): number;
  /** File offset of entry `i`'s cf_loc run, or undefined when cf_loc is NULL. */
  locOffset(i: number): number | undefined;
  /** Physical PVH entry address, when a PVH note was written. */
  readonly pvhEntry: number | undefined;
  /** Virtual base and physical mapping used. */
  readonly base: bigint;
  physical(va: bigint): bigint;
}

/** enum devclass (sys/sys/device.h). */
export const DEVCLASS = ['DV_DULL', 'DV_CPU', 'DV_DISK', 'DV_IFNET', 'DV_TAPE', 'DV_TTY', 'DV_AUDIODEV', 'DV_DISPLAYDEV', 'DV_BUS', 'DV_VIRTUAL'];

interface ArchRow {
  readonly machine: number;
  readonly class: ElfClass;
  readonly model: DataModel;
  readonly base: bigint;
  readonly physical: (va: bigint) => bigint;
  readonly pvh: boolean;
}

/** Per-arch ELF facts and address spaces (amd64: kern.ldscript's AT(ADDR(.text) & 0x0fffffff)). */
export const ARCHES: Readonly<Record<KernelArch, ArchRow>> = {
  amd64: { machine: 62, class: 64, model: LP64, base: 0xffffffff80200000n, physical: (va) => va & 0x0fffffffn, pvh: true },
  i386: { machine: 3, class: 32, model: ILP32, base: 0xc0100000n, physical: (va) => va - 0xc0000000n, pvh: true },
  aarch64: { machine: 183, class: 64, model: LP64, base: 0xffffc00000000000n, physical: (va) => va - 0xffffc00000000000n + 0x40000000n, pvh: false },
};

/** An address space being filled: alloc first (addresses known at once), write any time after. */
class Blob {
  bytes = new Uint8Array(0);
  constructor(
    readonly base: bigint,
    private readonly endian: Endian,
    private readonly model: DataModel,
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  alloc(size: number, align: number): bigint {
    const off = Math.ceil(this.bytes.length / align) * align;
    const grown = new Uint8Array(off + size);
    grown.set(this.bytes);
    this.bytes = grown;
    return this.base + BigInt(off);
  }
  private rel(addr: bigint): number {
    return Number(addr - this.base);
  }
  ptr(addr: bigint, value: bigint): void {
    put(this.bytes, this.rel(addr), this.model.ptr, value, this.endian);
  }
  int(addr: bigint, value: number, width: 1 | 2 | 4 = 4): void {
    put(this.bytes, this.rel(addr), width, value, this.endian);
  }
  raw(addr: bigint, data: Uint8Array): void {
    this.bytes.set(data, this.rel(addr));
  }
  cstring(s: string): bigint {
    const data = Buffer.from(`${s}\0`, 'latin1');
    const addr = this.alloc(data.length, 1);
    this.raw(addr, data);
    return addr;
  }
}

const roundUp = (n: bigint, a: bigint) => ((n + a - 1n) / a) * a;

/** Builds a kernel ELF from `table`. */
export function buildKernel(table: KernelTable, options: KernelOptions): BuiltKernel {
  const arch = ARCHES[options.arch];
  const endian: Endian = options.elf?.endian ?? 'little';
  const cls: ElfClass = options.elf?.class ?? arch.class;
  const model = cls === 64 ? LP64 : ILP32;
  const L = autoconfLayouts(model);
  const CF = L.cfdata[options.variant];
  const omit = new Set(options.omit ?? []);
  const P = model.ptr;
  const symbols: SymbolSpec[] = [];
  const sym = (name: string, value: bigint, size: number, section: string, bind = STB_GLOBAL, type = STT_OBJECT) =>
    symbols.push({ name, value, size: BigInt(size), section, bind, type });

  // .text: `start`, `start_xen32` (the PVH entry), and the table's extra function symbols.
  const extra = table.symbols ?? [];
  const textSize = 0x40 + 0x10 * extra.length + (options.textPadding ?? 0);
  const text = new Blob(arch.base, endian, model);
  text.alloc(textSize, 16);
  text.bytes.fill(0xcc);
  sym('start', arch.base, 0x20, '.text', STB_GLOBAL, STT_FUNC);
  sym('start_xen32', arch.base + 0x20n, 0x20, '.text', STB_GLOBAL, STT_FUNC);
  extra.forEach((name, i) => sym(name, arch.base + 0x40n + BigInt(i * 0x10), 0x10, '.text', STB_GLOBAL, STT_FUNC));

  // .note.Xen right after .text, as locore.S's ELFNOTE()s: PADDR_OFFSET (.quad 0), PHYS32_ENTRY.
  const wantPvh = options.pvh ?? arch.pvh;
  const pvhEntry = wantPvh ? Number(arch.physical(arch.base + 0x20n)) : undefined;
  const xenNote = wantPvh
    ? Buffer.concat([
        encodeNote('Xen', 4, new Uint8Array(8), endian),
        encodeNote('Xen', 18, options.pvhDescSize === 8 ? new Uint8Array([...u32(pvhEntry!, 'little'), 0, 0, 0, 0]) : u32(pvhEntry!, 'little'), endian),
      ])
    : undefined;
  const noteAddr = roundUp(arch.base + BigInt(textSize), 4n);

  // .rodata: strings, cfiattrdata, <dev>_attrs, pspecs, cfdriver_list_initial, cfroots, vers.c, config.
  const rodataBase = roundUp(noteAddr + BigInt(xenNote?.length ?? 0), 0x1000n);
  const ro = new Blob(rodataBase, endian, model);
  const strings = new Map<string, bigint>();
  const str = (s: string): bigint => {
    let a = strings.get(s);
    if (a === undefined) {
      a = ro.cstring(s);
      strings.set(s, a);
    }
    return a;
  };
  for (const e of table.entries) {
    str(e.driver);
    str(e.attachment);
    if (e.parent) {
      str(e.parent.iattr);
      if (e.parent.driver) str(e.parent.driver);
    }
  }
  for (const [ia, locs] of Object.entries(table.iattrs)) {
    str(ia);
    for (const l of locs) {
      str(l.name);
      if (l.default !== null) str(l.default);
    }
  }
  for (const d of table.drivers) str(d.name);

  const iattrAddr = new Map<string, bigint>();
  const usedIattrs: string[] = [];
  for (const d of table.drivers) for (const a of d.attrs) if (!usedIattrs.includes(a)) usedIattrs.push(a);
  for (const ia of usedIattrs) {
    const locs = table.iattrs[ia] ?? [];
    const addr = ro.alloc(L.locdescStart + Math.max(locs.length, 1) * L.cflocdesc.size, L.cfiattrdata.align);
    iattrAddr.set(ia, addr);
    sym(`${ia}cf_iattrdata`, addr, L.locdescStart + locs.length * L.cflocdesc.size, '.rodata', STB_LOCAL);
    ro.ptr(addr + BigInt(L.cfiattrdata.fields.name.offset), str(ia));
    ro.int(addr + BigInt(L.cfiattrdata.fields.loclen.offset), locs.length);
    locs.forEach((l, k) => {
      const d = addr + BigInt(L.locdescStart + k * L.cflocdesc.size);
      ro.ptr(d + BigInt(L.cflocdesc.fields.name.offset), str(l.name));
      ro.ptr(d + BigInt(L.cflocdesc.fields.defaultstr.offset), l.default === null ? 0n : str(l.default));
      ro.int(d + BigInt(L.cflocdesc.fields.default.offset), l.default === null ? 0 : locatorDefault(l.default));
    });
  }
  const attrsAddr = new Map<string, bigint>();
  for (const d of table.drivers) {
    if (!d.attrs.length) continue;
    const addr = ro.alloc((d.attrs.length + 1) * P, P);
    attrsAddr.set(d.name, addr);
    sym(`${d.name}_attrs`, addr, (d.attrs.length + 1) * P, '.rodata', STB_LOCAL);
    d.attrs.forEach((a, k) => ro.ptr(addr + BigInt(k * P), iattrAddr.get(a)!));
  }
  const pspecs: { p: TableParent; addr: bigint }[] = [];
  const pspecOf = table.entries.map((e) => {
    if (!e.parent) return 0n;
    const p = e.parent;
    let hit = pspecs.find((q) => q.p.iattr === p.iattr && q.p.driver === p.driver && q.p.unit === p.unit);
    if (!hit) {
      hit = { p, addr: ro.alloc(L.cfparent.size, L.cfparent.align) };
      sym(`pspec${pspecs.length}`, hit.addr, L.cfparent.size, '.rodata', STB_LOCAL);
      pspecs.push(hit);
      ro.ptr(hit.addr + BigInt(L.cfparent.fields.iattr.offset), str(p.iattr));
      ro.ptr(hit.addr + BigInt(L.cfparent.fields.parent.offset), p.driver === null ? 0n : str(p.driver));
      ro.int(hit.addr + BigInt(L.cfparent.fields.unit.offset), p.unit);
    }
    return hit.addr;
  });
  const listAddr = omit.has('cfdriver_list_initial') ? 0n : ro.alloc((table.drivers.length + 1) * P, P);
  if (listAddr) sym('cfdriver_list_initial', listAddr, (table.drivers.length + 1) * P, '.rodata');
  const roots = table.entries.flatMap((e, i) => (e.parent === null ? [i] : []));
  if (!omit.has('cfroots')) {
    const addr = ro.alloc((roots.length + 1) * 2, 2);
    sym('cfroots', addr, (roots.length + 1) * 2, '.rodata');
    [...roots, -1].forEach((r, k) => ro.int(addr + BigInt(k * 2), r, 2));
  }
  const versionText = `${table.ostype} ${table.osrelease} (${table.name}) #0: Thu Jan  1 00:00:00 UTC 2025\n\tfixture@localhost:/usr/src/sys/arch/${options.arch}/compile/${table.name}\n`;
  for (const [name, value] of [['ostype', table.ostype], ['osrelease', table.osrelease], ['version', versionText]] as const) {
    const addr = ro.cstring(value);
    sym(name, addr, value.length + 1, '.rodata');
  }
  if (table.config !== undefined) {
    const lines = [`### START CONFIG FILE "${table.name}"`, ...table.config.replace(/\n$/, '').split('\n'), `### END CONFIG FILE "${table.name}"`];
    const text = lines.map((l) => `_CFG_${l.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t')}\n`).join('');
    const addr = ro.cstring(text);
    sym('config', addr, text.length + 1, '.rodata', STB_LOCAL);
  }

  // .data: <dev>_cd, loc[], cfdata[].
  const dataBase = roundUp(rodataBase + BigInt(ro.size), 0x1000n);
  const data = new Blob(dataBase, endian, model);
  const CD = L.cfdriver;
  const cdAddr = table.drivers.map((d) => {
    const addr = data.alloc(CD.size, CD.align);
    sym(`${d.name}_cd`, addr, CD.size, '.data');
    data.ptr(addr + BigInt(CD.fields.name.offset), str(d.name));
    data.int(addr + BigInt(CD.fields.class.offset), typeof d.class === 'number' ? d.class : devclass(d.class));
    data.ptr(addr + BigInt(CD.fields.attrs.offset), attrsAddr.get(d.name) ?? 0n);
    return addr;
  });
  if (listAddr) cdAddr.forEach((a, k) => ro.ptr(listAddr + BigInt(k * P), a));
  // loc[]: where each entry's run starts (index into loc[]), or -1 for cf_loc NULL.
  const locValues: number[] = [];
  const locStart = table.entries.map(() => -1);
  const withLocs = table.entries.map((e, i) => i).filter((i) => table.entries[i].parent && table.entries[i].locators.length);
  const order = options.packLocators ? [...withLocs].sort((a, b) => table.entries[b].locators.length - table.entries[a].locators.length) : withLocs;
  const tails: number[] = [];
  for (const i of order) {
    const v = table.entries[i].locators;
    const reuse = options.packLocators ? tails.map((end) => end - v.length).find((off) => off >= 0 && v.every((x, k) => locValues[off + k] === x)) : undefined;
    if (reuse !== undefined) locStart[i] = reuse;
    else {
      locStart[i] = locValues.length;
      locValues.push(...v);
      tails.push(locValues.length);
    }
  }
  const locCount = locValues.length;
  const locAddr = locCount ? data.alloc(locCount * 4, 4) : 0n;
  if (locCount) sym('loc', locAddr, locCount * 4, '.data', STB_LOCAL);
  locValues.forEach((v, k) => data.int(locAddr + BigInt(k * 4), v));
  const entrySize = CF.size;
  const cfdataAddr = data.alloc((table.entries.length + 1) * entrySize, CF.align);
  if (!omit.has('cfdata')) sym('cfdata', cfdataAddr, (table.entries.length + 1) * entrySize, '.data');
  table.entries.forEach((e, i) => {
    const at = cfdataAddr + BigInt(i * entrySize);
    const f = CF.fields;
    data.ptr(at + BigInt(f.name.offset), str(e.driver));
    data.ptr(at + BigInt(f.atname.offset), str(e.attachment));
    if (f.unit.type === 'u24') {
      const unit = new Uint8Array(4);
      put(unit, 0, 4, e.unit, endian);
      data.raw(at + BigInt(f.unit.offset), endian === 'little' ? unit.subarray(0, 3) : unit.subarray(1, 4));
      data.int(at + BigInt(f.fstate.offset), e.state, 1);
    } else {
      data.int(at + BigInt(f.unit.offset), e.unit, 2);
      data.int(at + BigInt(f.fstate.offset), e.state, 2);
    }
    if (locStart[i] >= 0) data.ptr(at + BigInt(f.loc.offset), locAddr + BigInt(locStart[i] * 4));
    data.int(at + BigInt(f.flags.offset), e.flags);
    data.ptr(at + BigInt(f.pspec.offset), pspecOf[i]);
  });

  const sections: SectionSpec[] = [
    { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: arch.base, data: text.bytes, align: 16, load: 'text' },
  ];
  if (xenNote) {
    sections.push({ name: '.note.Xen', type: SHT_NOTE, flags: SHF_ALLOC, addr: noteAddr, data: xenNote, align: 4, load: 'text', ptNote: !options.pvhOutsidePtNote });
  }
  sections.push(
    { name: '.rodata', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: rodataBase, data: ro.bytes, align: 32, load: 'rodata' },
    { name: '.data', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, addr: dataBase, data: data.bytes, align: 32, load: 'data' },
    { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, addr: roundUp(dataBase + BigInt(data.size), 32n), size: 0x1000, align: 32, load: 'data' },
  );
  if (!omit.has('ident')) {
    sections.push({ name: '.note.netbsd.ident', type: SHT_NOTE, flags: 0n, data: encodeNote('NetBSD', 1, u32(table.version, endian), endian), align: 4, ptNote: options.identInPtNote ?? false });
  }
  const elf = build({
    class: cls,
    endian,
    type: options.elf?.type,
    machine: options.elf?.machine ?? arch.machine,
    entry: arch.physical(arch.base),
    physical: arch.physical,
    sections,
    symbols: options.noSymtab ? undefined : symbols,
  });
  const cfdataOffset = elf.offsetOf(cfdataAddr);
  return {
    bytes: elf.bytes,
    elf,
    table,
    model,
    endian,
    entrySize,
    stateField: { offset: CF.fields.fstate.offset, size: CF.fields.fstate.size as 1 | 2 },
    cfdata: { address: cfdataAddr, offset: cfdataOffset },
    entryOffset: (i) => cfdataOffset + i * entrySize,
    locOffset: (i) => (locStart[i] >= 0 ? elf.offsetOf(locAddr) + locStart[i] * 4 : undefined),
    pvhEntry,
    base: arch.base,
    physical: arch.physical,
  };
}

function devclass(name: string): number {
  const i = DEVCLASS.indexOf(name);
  if (i < 0) throw new Error(`build-kernel: unknown device class ${name}`);
  return i;
}

/** cld_default as config(1) computes it: the number, or -1 when the default string is not numeric. */
export function locatorDefault(s: string): number {
  const n = Number(s);
  return Number.isInteger(n) ? n : -1;
}
