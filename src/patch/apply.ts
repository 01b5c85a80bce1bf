/**
 * Applying and verifying plans on bytes. Both are pure: the CLI's file code calls them on the
 * bytes it reads and writes, so the check "exactly the planned bytes differ" is the same code in
 * the library and in the tool.
 */
import { toHex } from '../bytes/view';
import { EditError } from '../errors';
import type { Edit } from './plan';

function mismatch(e: Edit, found: Uint8Array): EditError {
  return new EditError('PATCH_MISMATCH', e.offset, `byte 0x${e.offset.toString(16)} (${e.why}) holds ${toHex(found)}, expected ${toHex(e.before)}: the kernel changed since it was read`, 'nothing was written');
}

/**
 * Checks that every edit's old bytes are in `bytes` (which hold the file from offset `base` on), or
 * throws PATCH_MISMATCH naming the first that is not.
 */
export function checkBefore(bytes: Uint8Array, edits: readonly Edit[], base = 0): void {
  for (const e of edits) {
    const at = e.offset - base;
    if (at < 0 || at + e.before.length > bytes.length) throw new EditError('PATCH_MISMATCH', e.offset, `edit at byte 0x${e.offset.toString(16)} is past the end of the kernel (${base + bytes.length} bytes)`);
    const found = bytes.subarray(at, at + e.before.length);
    if (!found.every((b, i) => b === e.before[i])) throw mismatch(e, found);
  }
}

/** Returns a copy of `bytes` with `edits` applied, after checking their old bytes; the input is not modified. */
export function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  checkBefore(bytes, edits);
  const out = new Uint8Array(bytes);
  for (const e of edits) out.set(e.after, e.offset);
  return out;
}

/**
 * Compares one chunk of the old file with the same range of the new one: every differing byte
 * must be covered by an edit and equal its new value, and every edited byte must hold its new
 * value. Returns the number of differing bytes, or throws VERIFY_FAILED.
 * The stretches between edited bytes are compared with Buffer.equals (memcmp); only the edited
 * bytes, and a stretch that differs, are looked at byte by byte.
 */
export function verifyChunk(oldBytes: Uint8Array, newBytes: Uint8Array, start: number, edits: readonly Edit[]): number {
  if (oldBytes.length !== newBytes.length) throw new EditError('VERIFY_FAILED', start, `verification failed: written file has a different size near byte 0x${start.toString(16)}`);
  const expected = new Map<number, number>();
  for (const e of edits) {
    for (let i = 0; i < e.after.length; i++) {
      const at = e.offset + i;
      if (at >= start && at < start + oldBytes.length) expected.set(at - start, e.after[i]);
    }
  }
  const a = Buffer.from(oldBytes.buffer, oldBytes.byteOffset, oldBytes.length);
  const b = Buffer.from(newBytes.buffer, newBytes.byteOffset, newBytes.length);
  const stretch = (from: number, to: number): void => {
    if (from >= to) return;
    // Short runs (between the state bytes of neighbouring entries) are cheaper to compare in place
    // than to slice; long runs go to memcmp.
    if (to - from > 256 && a.subarray(from, to).equals(b.subarray(from, to))) return;
    for (let i = from; i < to; i++) {
      if (a[i] !== b[i]) throw new EditError('VERIFY_FAILED', start + i, `verification failed: byte 0x${(start + i).toString(16)} changed but no edit planned it`);
    }
  };
  let differing = 0;
  let from = 0;
  for (const i of [...expected.keys()].sort((x, y) => x - y)) {
    stretch(from, i);
    const want = expected.get(i)!;
    if (b[i] !== want) throw new EditError('VERIFY_FAILED', start + i, `verification failed: byte 0x${(start + i).toString(16)} is ${b[i].toString(16).padStart(2, '0')}, planned ${want.toString(16).padStart(2, '0')}`);
    if (a[i] !== b[i]) differing++;
    from = i + 1;
  }
  stretch(from, a.length);
  return differing;
}
