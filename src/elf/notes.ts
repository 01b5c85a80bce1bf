/**
 * ELF notes from both SHT_NOTE sections and PT_NOTE segments. Loaders find the PVH note through
 * PT_NOTE, while old NetBSD kernels carry their ident note only in a non-allocated section, so
 * both places are read and a note seen through both is reported once, with both sources.
 */
import { latin1 } from '../bytes/view';
import { FormatError } from '../errors';
import * as C from './constants';
import type { ElfFile } from './file';

/** Where a note was found. */
export interface NoteSource {
  readonly kind: 'section' | 'segment';
  /** Section name, or segment index as a string. */
  readonly name: string;
  readonly index: number;
}

/** One ELF note. */
export interface Note {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
  /** File offset of the note header. */
  readonly offset: number;
  /** File offset of the descriptor. */
  readonly descOffset: number;
  /** Every place the note was seen (a section inside a PT_NOTE gives two). */
  readonly sources: readonly NoteSource[];
}

interface Region {
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly source: NoteSource;
}

/**
 * Note alignment as the gABI and object's reader settle it: 0..4 mean 4, 8 means 8 (NetBSD
 * kernel notes are 4-aligned even in ELF64); anything else is malformed.
 */
function noteAlign(align: number, at: number): 4 | 8 {
  if (align <= 4) return 4;
  if (align === 8) return 8;
  throw new FormatError(at, 'bad note alignment', align);
}

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

function readRegion(file: ElfFile, r: Region, seen: Map<number, Note & { sources: NoteSource[] }>, out: Note[]): void {
  const nhdr = file.records.nhdr;
  const bytes = file.source.read(r.offset, r.size);
  const end = r.offset + r.size;
  let at = r.offset;
  while (at + nhdr.size <= end) {
    const h = nhdr.parse(bytes.subarray(at - r.offset, at - r.offset + nhdr.size));
    const namesz = Number(h.namesz);
    const descsz = Number(h.descsz);
    const nameOff = at + nhdr.size;
    const descOffset = roundUp(nameOff + namesz, r.align);
    const next = roundUp(descOffset + descsz, r.align);
    if (namesz > r.size || descsz > r.size || descOffset + descsz > end) throw new FormatError(at, 'note past end of its section or segment', namesz > r.size ? namesz : descsz);
    const rawName = bytes.subarray(nameOff - r.offset, nameOff - r.offset + namesz);
    const nul = rawName.indexOf(0);
    const name = latin1(nul < 0 ? rawName : rawName.subarray(0, nul));
    const prior = seen.get(at);
    if (prior) prior.sources.push(r.source);
    else {
      const note = {
        name,
        type: Number(h.type),
        desc: bytes.subarray(descOffset - r.offset, descOffset - r.offset + descsz),
        offset: at,
        descOffset,
        sources: [r.source],
      };
      seen.set(at, note);
      out.push(note);
    }
    at = next;
  }
}

/** Reads every note of `file`, sections first (they carry names), then segments. */
export function readNotes(file: ElfFile): Note[] {
  const regions: Region[] = [];
  const shAt = (i: number) => file.header.shoff + i * file.header.shentsize;
  for (const s of file.sections) {
    if (s.type === C.SHT_NOTE) {
      regions.push({ offset: s.offset, size: s.size, align: noteAlign(s.addralign, shAt(s.index)), source: { kind: 'section', name: s.name, index: s.index } });
    }
  }
  for (const p of file.segments) {
    if (p.type === C.PT_NOTE) {
      regions.push({
        offset: p.offset,
        size: p.filesz,
        align: noteAlign(p.align, file.header.phoff + p.index * file.header.phentsize),
        source: { kind: 'segment', name: String(p.index), index: p.index },
      });
    }
  }
  const seen = new Map<number, Note & { sources: NoteSource[] }>();
  const out: Note[] = [];
  for (const r of regions) readRegion(file, r, seen, out);
  return out;
}
