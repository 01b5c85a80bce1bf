/**
 * Writing a patched kernel, atomically and verified: the new image is written to a temporary
 * file in the target's directory, fsynced, re-read and compared with the input (exactly the
 * planned bytes may differ), and only then renamed over the target. On any failure the
 * temporary file is removed and the target is untouched.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { KpatchError } from '../errors';
import { applyEdits, verifyChunk } from '../patch/apply';
import type { Edit } from '../patch/plan';
import { ioMessage, type KernelFile } from './io';

/** What a write did. */
export interface WriteResult {
  readonly output: string;
  readonly gzip: boolean;
  /** sha256 of the kernel image (inflated) before and after. */
  readonly sha256Before: string;
  readonly sha256After: string;
  readonly bytesChanged: number;
}

const VERIFY_CHUNK = 1 << 20;

/** Hashes bytes as hex sha256. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Resolves where output goes and refuses the dangerous combinations. */
export function outputPath(input: string, output: string | undefined, inPlace: boolean): string {
  if (inPlace && output !== undefined) throw new KpatchError('USAGE', 'give either -o FILE or --in-place, not both');
  if (inPlace) return input;
  if (output === undefined) throw new KpatchError('USAGE', 'no output: give -o FILE to write a new kernel, or --in-place to replace the input', 'add --dry-run to see the plan without writing');
  if (path.resolve(output) === path.resolve(input)) throw new KpatchError('USAGE', `output ${output} is the input: use --in-place to replace it`);
  try {
    const a = fs.statSync(input);
    const b = fs.statSync(output);
    if (a.dev === b.dev && a.ino === b.ino) throw new KpatchError('USAGE', `output ${output} is the input (same file): use --in-place to replace it`);
  } catch (e) {
    if (e instanceof KpatchError) throw e;
  }
  return output;
}

/** Compares the old image with the written one chunk by chunk; returns how many bytes differ. */
function verifyImage(oldImage: Uint8Array, written: Uint8Array, edits: readonly Edit[]): number {
  if (written.length !== oldImage.length) {
    throw new KpatchError('VERIFY_FAILED', `verification failed: wrote ${written.length} bytes, expected ${oldImage.length}`);
  }
  let changed = 0;
  for (let start = 0; start < oldImage.length; start += VERIFY_CHUNK) {
    const end = Math.min(start + VERIFY_CHUNK, oldImage.length);
    changed += verifyChunk(oldImage.subarray(start, end), written.subarray(start, end), start, edits);
  }
  return changed;
}

/** The hooks tests use to break a write on purpose (a wrong byte, a failing rename). */
export interface WriteHooks {
  /** Called with the bytes about to be written; may return different bytes. */
  readonly tamper?: (bytes: Uint8Array) => Uint8Array;
}

/** Writes `input` with `edits` applied to `output` (gzip when `gzip`), verified and atomic. */
export function writePatched(input: KernelFile, output: string, gzip: boolean, edits: readonly Edit[], hooks: WriteHooks = {}): WriteResult {
  const image = input.source.read(0, input.source.size);
  const patched = applyEdits(image, edits);
  let bytes = gzip ? zlib.gzipSync(patched) : patched;
  if (hooks.tamper) bytes = hooks.tamper(bytes);
  const dir = path.dirname(path.resolve(output));
  const tmp = path.join(dir, `.${path.basename(output)}.kpatch-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, input.mode & 0o7777);
    fs.closeSync(fd);
    fd = undefined;
    // Re-read what is on disk, not what we meant to write.
    let written: Uint8Array = fs.readFileSync(tmp);
    if (gzip) {
      try {
        written = zlib.gunzipSync(written);
      } catch (e) {
        throw new KpatchError('VERIFY_FAILED', `verification failed: written gzip data does not inflate (${(e as Error).message})`);
      }
    }
    const changed = verifyImage(image, written, edits);
    fs.renameSync(tmp, output);
    syncDir(dir);
    return { output, gzip, sha256Before: sha256(image), sha256After: sha256(written), bytesChanged: changed };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (e instanceof KpatchError) throw e;
    throw new KpatchError('IO', `cannot write ${output}: ${ioMessage(e)}`, 'nothing was written');
  }
}

/** Makes a rename durable (best effort: some file systems refuse to fsync a directory). */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // the rename itself is atomic; durability of the directory entry is all that is lost
  }
}
