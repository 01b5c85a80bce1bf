/**
 * Writing a patched kernel, atomically and verified: the new image is written to a temporary
 * file in the target's directory, fsynced, re-read and compared with the input (exactly the
 * planned bytes may differ), and only then renamed over the target. On any failure the
 * temporary file is removed and the target is untouched.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { EditError, KpatchError } from '../errors';
import { type ByteSource, readInto } from '../bytes/source';
import { applyEdits, checkBefore, verifyChunk } from '../patch/apply';
import type { Edit } from '../patch/plan';
import { otherLinks, removeQuietly, removeStaleTemporaries, replaceable, settleOwnership, syncDir, temporaryFor, writeFully } from './atomic';
import { ioMessage } from './io-message';
import type { KernelFile } from './read-kernel';

/** What a write did. */
export interface WriteResult {
  readonly output: string;
  readonly gzip: boolean;
  /** sha256 of the kernel image (inflated) before and after; null when not asked for (hashing 27 MB twice costs ~30 ms). */
  readonly sha256Before: string | null;
  readonly sha256After: string | null;
  readonly bytesChanged: number;
  /** What the user must be told about the written file: an owner not kept, set-id bits cleared, other hard links. */
  readonly warnings: readonly string[];
}

const VERIFY_CHUNK = 4 << 20;

/** Hashes bytes as hex sha256. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Resolves where output goes and refuses the dangerous combinations. */
export function outputPath(input: string, output: string | undefined, inPlace: boolean): string {
  if (inPlace && output !== undefined) throw new KpatchError('USAGE', 'give either -o FILE or --in-place, not both');
  const target = inPlace ? input : output;
  if (target === undefined) throw new KpatchError('USAGE', 'no output: give -o FILE to write a new kernel, or --in-place to replace the input', 'add --dry-run to see the plan without writing');
  if (!inPlace && path.resolve(target) === path.resolve(input)) throw new KpatchError('USAGE', `output ${target} is the input: use --in-place to replace it`);
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(target);
  } catch {
    // a new file: the directory decides
  }
  if (existing && !inPlace) {
    try {
      const a = fs.statSync(input);
      if (a.dev === existing.dev && a.ino === existing.ino) throw new KpatchError('USAGE', `output ${target} is the input (same file): use --in-place to replace it`);
    } catch (e) {
      if (e instanceof KpatchError) throw e;
    }
  }
  return replaceable(target, existing, 'make it writable, or write a copy with -o');
}

/** Reads `length` bytes at `position` of the written file into the front of `into`. */
type ReadWritten = (into: Uint8Array, position: number, length: number) => void;

/**
 * Compares the old image with the written one chunk by chunk (every differing byte must be planned,
 * every planned byte must hold its new value) and hashes both on the way, so verifying a 27 MB
 * kernel holds two 4 MiB chunks in memory, not two copies of the kernel.
 */
function verifyImage(old: ByteSource, writtenSize: number, readWritten: ReadWritten, edits: readonly Edit[], hash: boolean): { changed: number; before: string | null; after: string | null } {
  if (writtenSize !== old.size) {
    throw new EditError('VERIFY_FAILED', Math.min(writtenSize, old.size), `verification failed: wrote ${writtenSize} bytes, expected ${old.size}`);
  }
  const before = hash ? createHash('sha256') : undefined;
  const after = hash ? createHash('sha256') : undefined;
  const oldBuffer = new Uint8Array(Math.min(VERIFY_CHUNK, old.size));
  const newBuffer = new Uint8Array(oldBuffer.length);
  let changed = 0;
  for (let start = 0; start < old.size; start += VERIFY_CHUNK) {
    const length = Math.min(VERIFY_CHUNK, old.size - start);
    const oldChunk = oldBuffer.subarray(0, length);
    readInto(old, oldChunk, start);
    const newChunk = newBuffer.subarray(0, length);
    readWritten(newChunk, start, length);
    changed += verifyChunk(oldChunk, newChunk, start, edits);
    before?.update(oldChunk);
    after?.update(newChunk);
  }
  return { changed, before: before?.digest('hex') ?? null, after: after?.digest('hex') ?? null };
}

/** The hooks tests use to break a write on purpose (a wrong byte, a damaged temporary file). */
export interface WriteHooks {
  /** Called with the bytes about to be written; may return different bytes (forces the in-memory path). */
  readonly tamper?: (bytes: Uint8Array) => Uint8Array;
  /** Called with the temporary file's path once it is written and synced, before it is verified. */
  readonly afterWrite?: (tmp: string) => void;
}

/** What a write should do besides writing. */
export interface WriteOptions extends WriteHooks {
  /** Hash the image before and after (default true). */
  readonly hash?: boolean;
}

/** Reads exactly `length` bytes at `position` of `fd`, or throws (the file shrank under us). */
function readFully(fd: number, into: Uint8Array, position: number, length: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, into, done, length - done, position + done);
    if (n <= 0) throw new EditError('VERIFY_FAILED', position + done, `verification failed: written file ends at byte 0x${(position + done).toString(16)}`);
    done += n;
  }
}

/** Edits grouped into runs whose gaps are under 64 KiB, in file order. */
export function editSpans(edits: readonly Edit[]): { start: number; end: number; edits: Edit[] }[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  const spans: { start: number; end: number; edits: Edit[] }[] = [];
  for (const e of sorted) {
    const last = spans[spans.length - 1];
    const end = e.offset + Math.max(e.before.length, e.after.length);
    if (last && e.offset - last.end < 64 * 1024) {
      last.end = Math.max(last.end, end);
      last.edits.push(e);
    } else spans.push({ start: e.offset, end, edits: [e] });
  }
  return spans;
}

/**
 * Fills the temporary file: a plain kernel is copied by the kernel (copy_file_range, or a reflink
 * where the file system has them) and only the edited bytes are written, so the image never passes
 * through JavaScript; a gzip kernel (or a tampered write) is written from memory.
 * Returns the written image's size and how to read it back.
 */
function fillTemporary(input: KernelFile, tmp: string, target: Target, gzip: boolean, edits: readonly Edit[], hooks: WriteHooks, opened: (fd: number) => void): { size: number; readWritten: ReadWritten; warnings: string[] } {
  if (!gzip && !input.gzip && !hooks.tamper) {
    fs.copyFileSync(input.path, tmp, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
    const fd = fs.openSync(tmp, 'r+');
    opened(fd);
    // The planned old bytes must be in the copy: the input may have changed since it was planned.
    // Edits are applied span by span (one read and one write per run of nearby edits), so a keep
    // that changes 1,400 state bytes in one cfdata table costs two system calls, not 2,800.
    for (const span of editSpans(edits)) {
      const bytes = new Uint8Array(span.end - span.start);
      let n = 0;
      while (n < bytes.length) {
        const got = fs.readSync(fd, bytes, n, bytes.length - n, span.start + n);
        if (got <= 0) break;
        n += got;
      }
      checkBefore(bytes.subarray(0, n), span.edits, span.start);
      for (const e of span.edits) bytes.set(e.after, e.offset - span.start);
      writeFully(fd, bytes, span.start);
    }
    // Owner and mode first, then fsync: they are inode metadata, and must be on disk with the data before the rename.
    const warnings = settleOwnership(fd, target.name, input, target.inPlace, input.path);
    fs.fsyncSync(fd);
    hooks.afterWrite?.(tmp);
    const size = fs.fstatSync(fd).size;
    return { size, readWritten: (into, position, length) => readFully(fd, into, position, length), warnings };
  }
  const image = input.source.read(0, input.source.size);
  const patched = applyEdits(image, edits);
  let bytes = gzip ? zlib.gzipSync(patched) : patched;
  if (hooks.tamper) bytes = hooks.tamper(bytes);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  opened(fd);
  writeFully(fd, bytes, null);
  const warnings = settleOwnership(fd, target.name, input, target.inPlace, input.path);
  fs.fsyncSync(fd);
  hooks.afterWrite?.(tmp);
  // Re-read what is on disk, not what we meant to write.
  let written: Uint8Array = fs.readFileSync(tmp);
  if (gzip) {
    try {
      written = zlib.gunzipSync(written);
    } catch (e) {
      throw new KpatchError('VERIFY_FAILED', `verification failed: written gzip data does not inflate (${(e as Error).message})`);
    }
  }
  const w = written;
  return { size: w.length, readWritten: (into, position, length) => into.set(w.subarray(position, position + length)), warnings };
}

/**
 * Replacing the input: if another writer changed it since kpatch read it (a second kpatch, a cp in
 * a pipeline), renaming our copy over it would silently undo that change. Refuse instead.
 */
function refuseIfChanged(input: KernelFile, output: string, target: Target): void {
  let now: fs.Stats;
  try {
    if (!target.inPlace) return; // -o: another file
    now = fs.statSync(output);
  } catch {
    return; // the input is gone: nothing of anyone's to lose
  }
  const was = input.stat;
  // A writer that replaced the file (a new inode) or rewrote it in place (size or time) came between.
  if (now.dev !== was.dev || now.ino !== was.ino || now.size !== was.size || now.mtimeMs !== was.mtimeMs) {
    throw new KpatchError('PATCH_MISMATCH', `${output} changed while kpatch was patching it`, 'nothing was written; run kpatch again');
  }
}

/** The file a write replaces, and whether it is the input itself (--in-place, or a path to the same file). */
interface Target {
  readonly name: string;
  readonly inPlace: boolean;
}

function targetOf(input: KernelFile, output: string): Target {
  let inPlace = false;
  try {
    inPlace = fs.realpathSync(input.path) === path.resolve(output);
  } catch {
    // the input is gone: nothing of it to keep
  }
  return { name: output, inPlace };
}

/** Writes `input` with `edits` applied to `output` (gzip when `gzip`), verified and atomic. */
export function writePatched(input: KernelFile, output: string, gzip: boolean, edits: readonly Edit[], hooks: WriteOptions = {}): WriteResult {
  const dir = path.dirname(path.resolve(output));
  removeStaleTemporaries(dir);
  const tmp = temporaryFor(output);
  let fd: number | undefined;
  try {
    const target = targetOf(input, output);
    const filled = fillTemporary(input, tmp, target, gzip, edits, hooks, (f) => {
      fd = f;
    });
    const v = verifyImage(input.source, filled.size, filled.readWritten, edits, hooks.hash ?? true);
    fs.closeSync(fd!);
    fd = undefined;
    refuseIfChanged(input, output, target);
    const links = otherLinks(output, 'kernel');
    fs.renameSync(tmp, output);
    syncDir(dir);
    return { output, gzip, sha256Before: v.before, sha256After: v.after, bytesChanged: v.changed, warnings: links ? [...filled.warnings, links] : filled.warnings };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    removeQuietly(tmp);
    if (e instanceof KpatchError) throw e;
    throw new KpatchError('IO', `cannot write ${output}: ${ioMessage(e)}`, 'nothing was written');
  }
}
