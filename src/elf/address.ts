/**
 * The one seam between address space and file space (OpenBSD config's adjust/readjust).
 * Addresses map through PT_LOAD p_vaddr/p_offset, never p_paddr (kernels load at physical
 * addresses that differ from their link addresses); files without program headers fall back to
 * allocated sections.
 */
import * as C from './constants';
import type { ElfFile } from './file';

/** Where an address landed: a file offset, or why it has none. */
export type AddressLookup =
  | { readonly ok: true; readonly offset: number }
  | { readonly ok: false; readonly reason: 'unmapped' | 'bss' };

/** A PT_LOAD segment's ranges as bigints, computed once per file: lookups run once per pointer in cfdata. */
interface LoadRange {
  readonly vaddr: bigint;
  readonly fileEnd: bigint;
  readonly memEnd: bigint;
  readonly offset: number;
}
const loadRanges = new WeakMap<ElfFile, readonly LoadRange[]>();

function loadsOf(file: ElfFile): readonly LoadRange[] {
  let ranges = loadRanges.get(file);
  if (!ranges) {
    ranges = file.segments
      .filter((p) => p.type === C.PT_LOAD)
      .map((p) => ({ vaddr: p.vaddr, fileEnd: p.vaddr + BigInt(p.filesz), memEnd: p.vaddr + BigInt(p.memsz), offset: p.offset }));
    loadRanges.set(file, ranges);
  }
  return ranges;
}

/** Maps `length` bytes at virtual address `va` to a file offset; all of them must have file bytes. */
export function lookupAddress(file: ElfFile, va: bigint, length = 1): AddressLookup {
  const len = BigInt(length);
  let bss = false;
  const loads = loadsOf(file);
  if (loads.length > 0) {
    const end = va + len;
    for (const p of loads) {
      if (va < p.vaddr) continue;
      if (end <= p.fileEnd) return { ok: true, offset: p.offset + Number(va - p.vaddr) };
      if (end <= p.memEnd) bss = true;
    }
    return { ok: false, reason: bss ? 'bss' : 'unmapped' };
  }
  for (const s of file.sections) {
    if (!(s.flags & C.SHF_ALLOC)) continue;
    const inside = va >= s.addr && va + len <= s.addr + BigInt(s.size);
    if (!inside) continue;
    if (s.type === C.SHT_NOBITS) bss = true;
    else return { ok: true, offset: s.offset + Number(va - s.addr) };
  }
  return { ok: false, reason: bss ? 'bss' : 'unmapped' };
}

/** Maps a virtual address to a file offset, or undefined when no file bytes back it. */
export function addressToOffset(file: ElfFile, va: bigint, length = 1): number | undefined {
  const r = lookupAddress(file, va, length);
  return r.ok ? r.offset : undefined;
}

/** Maps a file offset back to the virtual address it is loaded at, if any. */
export function offsetToAddress(file: ElfFile, offset: number): bigint | undefined {
  for (const p of file.segments) {
    if (p.type === C.PT_LOAD && offset >= p.offset && offset < p.offset + p.filesz) return p.vaddr + BigInt(offset - p.offset);
  }
  if (file.segments.some((p) => p.type === C.PT_LOAD)) return undefined;
  for (const s of file.sections) {
    if (s.flags & C.SHF_ALLOC && s.type !== C.SHT_NOBITS && offset >= s.offset && offset < s.offset + s.size) {
      return s.addr + BigInt(offset - s.offset);
    }
  }
  return undefined;
}
