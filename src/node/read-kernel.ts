/**
 * Reading kernels and the text files that go with them (configs, patch files): regular files
 * only, a plain kernel read on demand through its descriptor, a gzip kernel inflated in memory
 * into one buffer of the size its trailer gives.
 * This and the rest of src/node/ are the library's file I/O; the core below takes bytes.
 */
import * as fs from 'node:fs';
import type * as Zlib from 'node:zlib';
import { type ByteSource, chunkedSource, memorySource } from '../bytes/source';
import { KpatchError } from '../errors';
import { ioMessage } from './io-message';

/** An opened kernel file. */
export interface KernelFile {
  readonly path: string;
  readonly source: ByteSource;
  /**
   * The open descriptor of a plain kernel (undefined for a gzip one, read whole and closed): a
   * write copies this file, the one that was read and planned, even when another writer has since
   * renamed a new file over the path.
   */
  readonly fd: number | undefined;
  /** Set when the file was gzip-compressed (read whole and inflated in memory). */
  readonly gzip: boolean;
  /** Size of the file on disk. */
  readonly fileSize: number;
  readonly mode: number;
  /** Owner and group, which an in-place write keeps when permitted. */
  readonly uid: number;
  readonly gid: number;
  /** Identity and last change of the file when it was opened, to notice another writer before replacing it. */
  readonly stat: { readonly dev: number; readonly ino: number; readonly size: number; readonly mtimeMs: number };
  close(): void;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/** The largest image a gzip kernel may inflate to. */
export const MAX_INFLATED = 512 << 20;

const identity = (st: fs.Stats) => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });

/** The largest config or patch file kpatch reads (real ones are under 100 KB). */
export const MAX_TEXT = 64 << 20;

/**
 * Opens `path` for reading and refuses anything but a regular file. O_NONBLOCK makes the open
 * itself return at once on a FIFO (a plain open waits for a writer, forever), and fstat on the
 * opened descriptor, not a stat before the open, decides: nothing can swap the file in between.
 * On a regular file O_NONBLOCK changes nothing.
 */
export function openRegular(path: string): { fd: number; st: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new KpatchError('IO', `cannot read ${path}: ${ioMessage(e)}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new KpatchError('IO', `cannot read ${path}: not a regular file`);
    return { fd, st };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof KpatchError ? e : new KpatchError('IO', `cannot read ${path}: ${ioMessage(e)}`);
  }
}

/** Reads a whole regular file of at most `max` bytes (a config, a patch file, a kernel for `config extract`). */
export function readRegularFile(path: string, max = MAX_TEXT): Buffer {
  const { fd, st } = openRegular(path);
  try {
    if (st.size > max) throw new KpatchError('IO', `cannot read ${path}: ${st.size} bytes, more than the ${max >> 20} MiB kpatch reads`);
    return fs.readFileSync(fd);
  } catch (e) {
    throw e instanceof KpatchError ? e : new KpatchError('IO', `cannot read ${path}: ${ioMessage(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a kernel for reading: plain files are read on demand, gzip files are inflated whole. */
export function openKernelFile(path: string): KernelFile {
  const { fd, st } = openRegular(path);
  try {
    const head = new Uint8Array(2);
    const n = st.size >= 2 ? fs.readSync(fd, head, 0, 2, 0) : 0;
    if (n === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
      if (st.size > MAX_INFLATED) throw new KpatchError('IO', `cannot read ${path}: ${st.size} bytes of gzip data, no kernel is that large`);
      const packed = fs.readFileSync(fd);
      fs.closeSync(fd);
      let bytes: Uint8Array;
      try {
        // zlib is loaded only for gzip kernels. The cap keeps a gzip bomb from eating the machine:
        // NetBSD kernels are tens of megabytes. zlib's sync API gathers its output in chunks of
        // `chunkSize` and concatenates them, which holds the image twice at the end; one chunk a
        // byte larger than the image (ISIZE, the last 4 bytes, is the inflated size modulo 2^32)
        // is returned as it is. A wrong ISIZE (several members, a damaged file) only costs the copy.
        const isize = packed.length >= 18 ? packed.readUInt32LE(packed.length - 4) : 0;
        bytes = (require('node:zlib') as typeof Zlib).gunzipSync(packed, { maxOutputLength: MAX_INFLATED, chunkSize: Math.max(64 * 1024, Math.min(isize, MAX_INFLATED) + 1) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new KpatchError('IO', `cannot read ${path}: gzip data inflates past ${MAX_INFLATED >> 20} MiB, no kernel is that large`);
        throw new KpatchError('IO', `cannot read ${path}: corrupt gzip data (${(e as Error).message})`);
      }
      return { path, source: memorySource(bytes), fd: undefined, gzip: true, fileSize: st.size, mode: st.mode, uid: st.uid, gid: st.gid, stat: identity(st), close() {} };
    }
    const source = chunkedSource(st.size, (target, position) => fs.readSync(fd, target, 0, target.length, position));
    let open = true;
    return {
      path,
      source,
      fd,
      gzip: false,
      fileSize: st.size,
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      stat: identity(st),
      close() {
        if (open) fs.closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed (gzip path)
    }
    if (e instanceof KpatchError) throw e;
    throw new KpatchError('IO', `cannot read ${path}: ${ioMessage(e)}`);
  }
}
