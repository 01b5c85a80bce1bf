/**
 * The one seam between address space and file space (OpenBSD config's adjust/readjust).
 * Addresses map through PT_LOAD p_vaddr/p_offset, never p_paddr (kernels load at physical
 * addresses that differ from their link addresses); files without program headers fall back to
 * allocated sections.
 */
import * as C from './constants';
import type { ElfFile, Segment } from './file';

/** Where an address landed: a file offset, or why it has none. */
export type AddressLookup =
  | { readonly ok: true; readonly offset: number }
  | { readonly ok: false; readonly reason: 'unmapped' | 'bss' };


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
  const loads = file.loads;
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

/**
 * Finds the PT_LOAD segment whose physical (load) range holds `paddr`: within p_filesz (`'file'`,
 * bytes the loader copies from the file) or within p_memsz (`'memory'`, the zero-filled tail too).
 * Loaders that enter a kernel at a physical address (PVH) look it up this way.
 */
export function loadSegmentByPaddr(file: ElfFile, paddr: bigint, extent: 'file' | 'memory'): Segment | undefined {
  return file.segments.find((p) => p.type === C.PT_LOAD && paddr >= p.paddr && paddr < p.paddr + BigInt(extent === 'file' ? p.filesz : p.memsz));
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
