/**
 * sha256 of a kernel image before and after a plan, in one streaming pass: what `--json` reports
 * when nothing is written (`--dry-run`, `--check`), without holding the image or a patched copy.
 */
import { createHash } from 'node:crypto';
import { type ByteSource, readInto } from '../bytes/source';
import { checkBefore } from '../patch/apply';
import type { Edit } from '../patch/plan';

const CHUNK = 1 << 20;

/** Hashes `source` as it is and as `edits` would leave it; the edits' old bytes are checked on the way. */
export function hashBeforeAfter(source: ByteSource, edits: readonly Edit[]): { before: string; after: string } {
  const before = createHash('sha256');
  const after = edits.length ? createHash('sha256') : before;
  const chunk = new Uint8Array(Math.min(CHUNK, source.size));
  for (let start = 0; start < source.size; start += chunk.length) {
    const bytes = chunk.subarray(0, Math.min(chunk.length, source.size - start));
    readInto(source, bytes, start);
    before.update(bytes);
    if (after === before) continue;
    // An edit is a few bytes and may straddle two chunks: check and apply the part inside this one.
    const inside = edits.flatMap((e) => {
      const from = Math.max(e.offset, start);
      const to = Math.min(e.offset + e.after.length, start + bytes.length);
      return from < to ? [{ ...e, offset: from, before: e.before.subarray(from - e.offset, to - e.offset), after: e.after.subarray(from - e.offset, to - e.offset) }] : [];
    });
    checkBefore(bytes, inside, start);
    for (const e of inside) bytes.set(e.after, e.offset - start);
    after.update(bytes);
  }
  const digest = before.digest('hex');
  return { before: digest, after: after === before ? digest : after.digest('hex') };
}
