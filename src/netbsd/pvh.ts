/**
 * The PVH entry note: name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY = 18, descriptor the 32-bit
 * physical entry address (NetBSD emits `.long`; Linux widens it to 8 bytes, so 4 or 8 are
 * accepted and the low 32 bits are used, little-endian, as QEMU reads it). Loaders find it only
 * through PT_NOTE program headers, so where it was found matters.
 */
import { ByteView, ILP32 } from '../bytes/view';
import * as C from '../elf/constants';
import { loadSegmentByPaddr } from '../elf/address';
import type { ElfFile } from '../elf/file';
import type { Note } from '../elf/notes';

/** XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h). */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** A PVH entry point. */
export interface PvhEntry {
  /** Physical entry address. */
  readonly entry: number;
  readonly descSize: number;
  /** File offset of the note header. */
  readonly noteOffset: number;
  /** Section holding the note, if the file has section headers. */
  readonly section: string | null;
  /** PT_NOTE segment index holding it, or null: without one, QEMU and Firecracker will not see it. */
  readonly segment: number | null;
  /** The PT_LOAD segment whose physical range holds the entry, if any. */
  readonly loadSegment: number | null;
  /** Whether that segment is executable (PF_X). */
  readonly executable: boolean;
}

/** Finds the PVH entry note among `notes`. */
export function findPvh(file: ElfFile, notes: readonly Note[]): PvhEntry | undefined {
  const note = notes.find((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY && (n.desc.length === 4 || n.desc.length === 8));
  if (!note) return undefined;
  // Little-endian whatever the file's byte order: QEMU's read_pvh_start_addr reads it so (PVH is x86-only).
  const entry = new ByteView(note.desc, note.descOffset, 'little', ILP32).u32(note.descOffset, 'PVH entry');
  const load = loadSegmentByPaddr(file, BigInt(entry), 'memory');
  return {
    entry,
    descSize: note.desc.length,
    noteOffset: note.offset,
    section: note.sources.find((s) => s.kind === 'section')?.name ?? null,
    segment: note.sources.find((s) => s.kind === 'segment')?.index ?? null,
    loadSegment: load?.index ?? null,
    executable: load ? (load.flags & C.PF_X) !== 0 : false,
  };
}
