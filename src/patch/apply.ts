/**
 * Applying and verifying plans on bytes. Both are pure: the CLI's file code calls them on the
 * bytes it reads and writes, so the check "exactly the planned bytes differ" is the same code in
 * the library and in the tool.
 */
import { toHex } from '../bytes/view';
import { KpatchError } from '../errors';
import type { Edit } from './plan';

function mismatch(e: Edit, found: Uint8Array): KpatchError {
  return new KpatchError('PATCH_MISMATCH', `byte 0x${e.offset.toString(16)} (${e.why}) holds ${toHex(found)}, expected ${toHex(e.before)}: the kernel changed since it was read`, 'nothing was written');
}

/** Checks that every edit's old bytes are in `bytes`, or throws PATCH_MISMATCH naming the first that is not. */
export function checkBefore(bytes: Uint8Array, edits: readonly Edit[]): void {
  for (const e of edits) {
    if (e.offset < 0 || e.offset + e.before.length > bytes.length) throw new KpatchError('PATCH_MISMATCH', `edit at byte 0x${e.offset.toString(16)} is past the end of the kernel (${bytes.length} bytes)`);
    const found = bytes.subarray(e.offset, e.offset + e.before.length);
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
 */
export function verifyChunk(oldBytes: Uint8Array, newBytes: Uint8Array, start: number, edits: readonly Edit[]): number {
  if (oldBytes.length !== newBytes.length) throw new KpatchError('VERIFY_FAILED', `verification failed: written file has a different size near byte 0x${start.toString(16)}`);
  const expected = new Map<number, number>();
  for (const e of edits) {
    for (let i = 0; i < e.after.length; i++) {
      const at = e.offset + i;
      if (at >= start && at < start + oldBytes.length) expected.set(at, e.after[i]);
    }
  }
  let differing = 0;
  // Fast path: Buffer.compare on the unedited stretch is memcmp.
  const a = Buffer.from(oldBytes.buffer, oldBytes.byteOffset, oldBytes.length);
  const b = Buffer.from(newBytes.buffer, newBytes.byteOffset, newBytes.length);
  if (expected.size === 0 && a.equals(b)) return 0;
  for (let i = 0; i < a.length; i++) {
    const at = start + i;
    const want = expected.get(at);
    if (want !== undefined) {
      if (b[i] !== want) throw new KpatchError('VERIFY_FAILED', `verification failed: byte 0x${at.toString(16)} is ${b[i].toString(16).padStart(2, '0')}, planned ${want.toString(16).padStart(2, '0')}`);
      if (a[i] !== b[i]) differing++;
    } else if (a[i] !== b[i]) {
      throw new KpatchError('VERIFY_FAILED', `verification failed: byte 0x${at.toString(16)} changed but no edit planned it`);
    }
  }
  return differing;
}
