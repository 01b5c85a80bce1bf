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

/** A PT_LOAD segment's ranges, computed once per file: lookups run once per pointer in cfdata. */
interface LoadRange {
  readonly vaddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  /** The larger of the two sizes, as a bigint: no address past it can map. */
  readonly span: bigint;
  readonly offset: number;
}
const loadRanges = new WeakMap<ElfFile, readonly LoadRange[]>();

function loadsOf(file: ElfFile): readonly LoadRange[] {
  let ranges = loadRanges.get(file);
  if (!ranges) {
    ranges = file.segments.filter((p) => p.type === C.PT_LOAD).map((p) => ({ vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz, span: BigInt(Math.max(p.filesz, p.memsz)), offset: p.offset }));
    loadRanges.set(file, ranges);
  }
  return ranges;
}

/** `mapAddress`'s answer when the bytes lie in a segment's or section's zero-filled tail (.bss). */
export const IN_BSS = -1;
/** `mapAddress`'s answer when no segment or section holds the bytes. */
export const UNMAPPED = -2;

/**
 * Maps `length` bytes at `va` to a file offset, or IN_BSS / UNMAPPED. The allocation-free form
 * of lookupAddress for loops that map thousands of pointers (one bigint subtraction a segment).
 */
export function mapAddress(file: ElfFile, va: bigint, length = 1): number {
  let bss = false;
  const loads = loadsOf(file);
  if (loads.length > 0) {
    for (const p of loads) {
      const delta = va - p.vaddr;
      if (delta < 0n || delta > p.span) continue;
      const end = Number(delta) + length; // delta <= span < 2^53
      if (end <= p.filesz) return p.offset + Number(delta);
      if (end <= p.memsz) bss = true;
    }
    return bss ? IN_BSS : UNMAPPED;
  }
  const len = BigInt(length);
  for (const s of file.sections) {
    if (!(s.flags & C.SHF_ALLOC)) continue;
    const inside = va >= s.addr && va + len <= s.addr + BigInt(s.size);
    if (!inside) continue;
    if (s.type === C.SHT_NOBITS) bss = true;
    else return s.offset + Number(va - s.addr);
  }
  return bss ? IN_BSS : UNMAPPED;
}

/** Maps `length` bytes at virtual address `va` to a file offset; all of them must have file bytes. */
export function lookupAddress(file: ElfFile, va: bigint, length = 1): AddressLookup {
  const offset = mapAddress(file, va, length);
  if (offset >= 0) return { ok: true, offset };
  return { ok: false, reason: offset === IN_BSS ? 'bss' : 'unmapped' };
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
