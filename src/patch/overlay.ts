/**
 * A file as it will read once edits are applied, without copying it: reads that miss every edited
 * byte come from the file, the rest are copied and patched. The editor (`kpatch edit`) decodes its
 * view of the table through this, so what it shows is what the written file will hold, byte for
 * byte, and every command plans against the state the commands before it left.
 */
import type { ByteSource } from '../bytes/source';
import type { Edit } from './plan';

/** Edited bytes of one file: offset -> the byte on disk and the byte it becomes. */
export class ByteOverlay {
  private readonly bytes = new Map<number, { readonly before: number; after: number; why: string }>();
  private sorted: number[] | undefined;

  constructor(readonly base: ByteSource) {}

  /** Applies `edits` (planned against the file as this overlay shows it) on top of the edits already here. */
  apply(edits: readonly Edit[]): void {
    for (const e of edits) {
      const disk = this.base.read(e.offset, e.after.length);
      for (let i = 0; i < e.after.length; i++) {
        const at = e.offset + i;
        const known = this.bytes.get(at);
        if (known) {
          known.after = e.after[i];
          known.why = e.why;
        } else this.bytes.set(at, { before: disk[i], after: e.after[i], why: e.why });
      }
    }
    // A byte edited back to its value on disk is no edit at all (enable after disable).
    for (const [at, b] of this.bytes) if (b.before === b.after) this.bytes.delete(at);
    this.sorted = undefined;
  }

  /** The number of bytes that differ from the file. */
  get size(): number {
    return this.bytes.size;
  }

  private offsets(): number[] {
    return (this.sorted ??= [...this.bytes.keys()].sort((a, b) => a - b));
  }

  /**
   * The difference from the file as edits: one per run of adjacent changed bytes, with the bytes
   * on disk as `before`, so the write path checks and verifies them like any plan.
   */
  edits(): Edit[] {
    const out: Edit[] = [];
    const offsets = this.offsets();
    for (let i = 0; i < offsets.length; ) {
      let j = i + 1;
      while (j < offsets.length && offsets[j] === offsets[j - 1] + 1) j++;
      const run = offsets.slice(i, j).map((o) => this.bytes.get(o)!);
      const why = [...new Set(run.map((b) => b.why))].join('; ');
      out.push({ offset: offsets[i], before: Uint8Array.from(run, (b) => b.before), after: Uint8Array.from(run, (b) => b.after), why });
      i = j;
    }
    return out;
  }

  /** A ByteSource that reads the file with the edits applied. */
  source(): ByteSource {
    const base = this.base;
    const read = (offset: number, length: number): Uint8Array => {
      const bytes = base.read(offset, length);
      const offsets = this.offsets();
      if (offsets.length === 0 || offset > offsets[offsets.length - 1] || offset + length <= offsets[0]) return bytes;
      // First edited offset >= offset.
      let lo = 0;
      let hi = offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (offsets[mid] < offset) lo = mid + 1;
        else hi = mid;
      }
      if (lo >= offsets.length || offsets[lo] >= offset + length) return bytes;
      const out = new Uint8Array(bytes);
      for (let k = lo; k < offsets.length && offsets[k] < offset + length; k++) out[offsets[k] - offset] = this.bytes.get(offsets[k])!.after;
      return out;
    };
    return {
      size: base.size,
      read,
      readInto: (target, offset) => target.set(read(offset, target.length)),
    };
  }
}
