/**
 * Writing a patched kernel, atomically and verified: the new image is written to a temporary
 * file in the target's directory, fsynced, re-read and compared with the input (exactly the
 * planned bytes may differ), and only then renamed over the target. On any failure the
 * temporary file is removed and the target is untouched. Memory stays at a few 4 MiB chunks
 * besides the image a gzip kernel was inflated to: a plain kernel is copied by the kernel, a gzip
 * one deflated and verified chunk by chunk.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { EditError, KpatchError } from '../errors';
import { type ByteSource, readInto } from '../bytes/source';
import { checkBefore, verifyChunk } from '../patch/apply';
import type { Edit } from '../patch/plan';
import { otherLinks, removeQuietly, removeStaleTemporaries, replaceable, settleOwnership, syncDir, temporaryFor, withSignalsHeld, writeFully } from './atomic';
import { copyOpenFile } from './copy-file';
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

/** The unit of streaming: the image is patched, deflated, re-read and compared this many bytes at a time. */
const CHUNK = 4 << 20;

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
  const oldBuffer = new Uint8Array(Math.min(CHUNK, old.size));
  const newBuffer = new Uint8Array(oldBuffer.length);
  let changed = 0;
  for (let start = 0; start < old.size; start += CHUNK) {
    const length = Math.min(CHUNK, old.size - start);
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

/** The hooks tests use to break a write on purpose (a wrong byte, a damaged temporary file, another writer). */
export interface WriteHooks {
  /** Called with each chunk of the image about to be written and its offset; may return different bytes (forces the chunked path). */
  readonly tamper?: (bytes: Uint8Array, offset: number) => Uint8Array;
  /** Called before the input is copied into the temporary file. */
  readonly beforeCopy?: () => void;
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

/** What filling the temporary file gives: the written image's size, how to read it back, what to check last. */
interface Filled {
  readonly size: number;
  readonly readWritten: ReadWritten;
  /** Checks what the chunks do not cover (a gzip header and trailer), after every chunk was read back. */
  readonly finish?: () => void;
  readonly warnings: string[];
}

/**
 * Fills the temporary file: a plain kernel is copied by the kernel (copyOpenFile: from the
 * descriptor that was read, holes kept) and only the edited bytes are written, so the image never
 * passes through JavaScript; a gzip kernel, a plain one written from a gzip one, or a tampered
 * write is written chunk by chunk (writeChunks).
 */
function fillTemporary(input: KernelFile, tmp: string, target: Target, gzip: boolean, edits: readonly Edit[], hooks: WriteHooks, opened: (fd: number) => void): Filled {
  hooks.beforeCopy?.();
  if (gzip || input.fd === undefined || hooks.tamper) return writeChunks(input, tmp, target, gzip, edits, hooks, opened);
  copyOpenFile(input.fd, tmp);
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

/** gzip's member header as zlib writes it: deflate, no name, no time, Unix (RFC 1952). */
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3);

/** Where one chunk of the image went in a gzip file: its deflated bytes' offset and length. */
interface Segment {
  readonly at: number;
  readonly packed: number;
  readonly length: number;
  readonly last: boolean;
}

/** Checks that every edit's old bytes are in `source`, before anything is written. */
function checkSource(source: ByteSource, edits: readonly Edit[]): void {
  for (const span of editSpans(edits)) {
    const from = Math.min(span.start, source.size);
    checkBefore(source.read(from, Math.min(span.end, source.size) - from), span.edits, from);
  }
}

/** Writes the new values of the edits that fall in `chunk` (the image from `start` on). */
function patchChunk(chunk: Uint8Array, start: number, edits: readonly Edit[]): void {
  for (const e of edits) {
    if (e.offset >= start + chunk.length || e.offset + e.after.length <= start) continue;
    for (let i = 0; i < e.after.length; i++) {
      const at = e.offset + i - start;
      if (at >= 0 && at < chunk.length) chunk[at] = e.after[i];
    }
  }
}

/**
 * Writes the patched image from `input.source` in chunks of 4 MiB: as they are, or as a gzip file
 * whose deflate stream is made of one independently compressed piece per chunk (each ended by a
 * sync flush, the last by the final block, as pigz does), so no chunk needs another to be
 * compressed or inflated and the file is an ordinary single-member gzip file. Reading it back
 * inflates one piece per chunk from the disk (readDeflated).
 */
function writeChunks(input: KernelFile, tmp: string, target: Target, gzip: boolean, edits: readonly Edit[], hooks: WriteHooks, opened: (fd: number) => void): Filled {
  const source = input.source;
  checkSource(source, edits);
  const fd = fs.openSync(tmp, 'wx+', 0o600);
  opened(fd);
  const segments = new Map<number, Segment>();
  let position = 0;
  let crc = 0;
  if (gzip) {
    writeFully(fd, GZIP_HEADER, 0);
    position = GZIP_HEADER.length;
  }
  const buffer = new Uint8Array(Math.min(CHUNK, source.size));
  let start = 0;
  do {
    const length = Math.min(CHUNK, source.size - start);
    let chunk: Uint8Array = buffer.subarray(0, length);
    readInto(source, chunk, start);
    patchChunk(chunk, start, edits);
    if (hooks.tamper) chunk = hooks.tamper(chunk, start);
    const last = start + length >= source.size;
    const bytes = gzip ? zlib.deflateRawSync(chunk, { finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }) : chunk;
    if (gzip) {
      crc = zlib.crc32(chunk, crc);
      segments.set(start, { at: position, packed: bytes.length, length: chunk.length, last });
    }
    writeFully(fd, bytes, position);
    position += bytes.length;
    start += length;
  } while (start < source.size);
  if (gzip) {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(source.size % 2 ** 32, 4);
    writeFully(fd, trailer, position);
  }
  const warnings = settleOwnership(fd, target.name, input, target.inPlace, input.path);
  fs.fsyncSync(fd);
  hooks.afterWrite?.(tmp);
  if (!gzip) return { size: fs.fstatSync(fd).size, readWritten: (into, at, length) => readFully(fd, into, at, length), warnings };
  return { ...readDeflated(fd, segments), warnings };
}

const damaged = (what: string) => new KpatchError('VERIFY_FAILED', `verification failed: written gzip data ${what}`);

/**
 * Reads back a gzip file written by writeChunks, from the disk: its header and trailer as written,
 * and each chunk by inflating its piece. The chunks must be read in order (verifyImage does), so
 * the CRC of what was read back can be compared with the trailer's at the end.
 */
function readDeflated(fd: number, segments: ReadonlyMap<number, Segment>): Omit<Filled, 'warnings'> {
  const pieces = [...segments.values()];
  const size = pieces.reduce((n, s) => n + s.length, 0);
  const end = pieces.length ? pieces[pieces.length - 1].at + pieces[pieces.length - 1].packed : GZIP_HEADER.length;
  if (fs.fstatSync(fd).size !== end + 8) throw damaged(`is ${fs.fstatSync(fd).size} bytes, ${end + 8} were written`);
  const header = new Uint8Array(GZIP_HEADER.length);
  readFully(fd, header, 0, header.length);
  if (!Buffer.from(header).equals(GZIP_HEADER)) throw damaged('has a damaged header');
  const trailer = Buffer.alloc(8);
  readFully(fd, trailer, end, 8);
  if (trailer.readUInt32LE(4) !== size % 2 ** 32) throw damaged(`gives a size of ${trailer.readUInt32LE(4)} bytes, not ${size}`);
  let crc = 0;
  let next = 0;
  return {
    size,
    readWritten(into, position, length) {
      const s = segments.get(position);
      if (!s || position !== next || s.length !== length) throw new Error(`gzip chunk at ${position} read out of order`);
      const packed = Buffer.alloc(s.packed);
      readFully(fd, packed, s.at, s.packed);
      let plain: Buffer;
      try {
        plain = zlib.inflateRawSync(packed, { finishFlush: s.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH, chunkSize: Math.max(64, length + 1) });
      } catch (e) {
        throw damaged(`does not inflate (${(e as Error).message})`);
      }
      if (plain.length !== length) throw damaged(`inflates to ${plain.length} bytes at byte 0x${position.toString(16)} of the image, not ${length}`);
      into.set(plain);
      crc = zlib.crc32(plain, crc);
      next += length;
    },
    finish() {
      if (next !== size || (crc >>> 0) !== trailer.readUInt32LE(0)) throw damaged('fails its CRC');
    },
  };
}

/**
 * Replacing the input: if another writer changed it since kpatch read it (a second kpatch, a cp in
 * a pipeline), renaming our copy over it would silently undo that change. Tells whether that
 * happened: the path names another file now (a rename over it), or the file was rewritten in place
 * (size or time).
 */
function changedSince(input: KernelFile, output: string, target: Target): boolean {
  if (!target.inPlace) return false; // -o: another file
  let now: fs.Stats;
  try {
    now = fs.statSync(output);
  } catch {
    return false; // the input is gone: nothing of anyone's to lose
  }
  const was = input.stat;
  return now.dev !== was.dev || now.ino !== was.ino || now.size !== was.size || now.mtimeMs !== was.mtimeMs;
}

const changedWhilePatching = (output: string) => new KpatchError('PATCH_MISMATCH', `${output} changed while kpatch was patching it`, 'nothing was written; run kpatch again');

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

/**
 * A test's pause (KPATCH_TEST_HOLD_WRITE=FILE, docs/testing.md): once the temporary file is
 * written, creates FILE.held and waits until FILE exists (at most a minute), so a test can send a
 * signal at a known moment of the write.
 */
function holdForTest(file: string): void {
  fs.writeFileSync(`${file}.held`, '');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 60_000 && !fs.existsSync(file); waited += 10) Atomics.wait(nap, 0, 0, 10);
}

/**
 * Writes `input` with `edits` applied to `output` (gzip when `gzip`), verified and atomic. SIGINT,
 * SIGTERM and SIGHUP wait until the write is done or undone (withSignalsHeld), so they never leave
 * the temporary file behind.
 */
export function writePatched(input: KernelFile, output: string, gzip: boolean, edits: readonly Edit[], hooks: WriteOptions = {}): WriteResult {
  return withSignalsHeld(() => write(input, output, gzip, edits, hooks));
}

function write(input: KernelFile, output: string, gzip: boolean, edits: readonly Edit[], hooks: WriteOptions): WriteResult {
  const dir = path.dirname(path.resolve(output));
  removeStaleTemporaries(dir);
  const tmp = temporaryFor(output);
  const target = targetOf(input, output);
  let fd: number | undefined;
  try {
    const filled = fillTemporary(input, tmp, target, gzip, edits, hooks, (f) => {
      fd = f;
    });
    if (process.env.KPATCH_TEST_HOLD_WRITE) holdForTest(process.env.KPATCH_TEST_HOLD_WRITE);
    const v = verifyImage(input.source, filled.size, filled.readWritten, edits, hooks.hash ?? true);
    filled.finish?.();
    fs.closeSync(fd!);
    fd = undefined;
    if (changedSince(input, output, target)) throw changedWhilePatching(output);
    const links = otherLinks(output, 'kernel');
    fs.renameSync(tmp, output);
    syncDir(dir);
    return { output, gzip, sha256Before: v.before, sha256After: v.after, bytesChanged: v.changed, warnings: links ? [...filled.warnings, links] : filled.warnings };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    removeQuietly(tmp);
    // Old bytes or a verification that did not hold because another writer rewrote the input
    // meanwhile: that is the news, not the byte it happened to change.
    if (e instanceof EditError && changedSince(input, output, target)) throw changedWhilePatching(output);
    if (e instanceof KpatchError) throw e;
    throw new KpatchError('IO', `cannot write ${output}: ${ioMessage(e)}`, 'nothing was written');
  }
}
