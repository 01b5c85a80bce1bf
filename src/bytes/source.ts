/**
 * Random access to a file's bytes without loading the whole file: the core asks for ranges, the
 * caller decides whether they come from memory or from a file descriptor (Go's io.ReaderAt).
 */
import { FormatError } from '../errors';

/** Reads byte ranges of one file; `read` returns exactly `length` bytes or throws. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Returns `length` bytes starting at `offset`; the caller must not modify them. */
  read(offset: number, length: number): Uint8Array;
  /** Copies `target.length` bytes starting at `offset` into `target` (no allocation: for streaming a whole file). */
  readInto?(target: Uint8Array, offset: number): void;
}

/** Fills `target` from `offset` of `source`, without allocating when the source can. */
export function readInto(source: ByteSource, target: Uint8Array, offset: number): void {
  if (source.readInto) source.readInto(target, offset);
  else target.set(source.read(offset, target.length));
}

/** Checks that `length` bytes at `offset` lie inside a file of `size` bytes, or throws a FormatError naming `what`. */
export function checkRange(size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FormatError(Number.isSafeInteger(offset) && offset >= 0 ? offset : 0, `${what} past end of file (${length} bytes)`);
  }
}

/** Makes a ByteSource over bytes already in memory; reads are zero-copy views. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      checkRange(bytes.length, offset, length, 'read');
      return bytes.subarray(offset, offset + length);
    },
    readInto(target, offset) {
      checkRange(bytes.length, offset, target.length, 'read');
      target.set(bytes.subarray(offset, offset + target.length));
    },
  };
}

/** A function that fills `target` from file offset `position` and returns how many bytes it read (fs.readSync's shape). */
export type ReadAt = (target: Uint8Array, position: number) => number;

/**
 * Makes a ByteSource that reads through `readAt` in aligned chunks and keeps them, so scattered
 * small reads (strings, pointers) cost one system call per chunk, not per field.
 */
export function chunkedSource(size: number, readAt: ReadAt, chunkSize = 64 * 1024): ByteSource {
  const chunks = new Map<number, Uint8Array>();
  const readFully = (target: Uint8Array, offset: number): void => {
    let done = 0;
    while (done < target.length) {
      const n = readAt(target.subarray(done), offset + done);
      if (n <= 0) throw new FormatError(offset + done, 'file shrank while reading');
      done += n;
    }
  };
  const chunk = (index: number): Uint8Array => {
    let data = chunks.get(index);
    if (!data) {
      const start = index * chunkSize;
      data = new Uint8Array(Math.min(chunkSize, size - start));
      readFully(data, start);
      chunks.set(index, data);
    }
    return data;
  };
  return {
    size,
    read(offset, length) {
      checkRange(size, offset, length, 'read');
      const first = Math.floor(offset / chunkSize);
      const last = Math.floor((offset + Math.max(length, 1) - 1) / chunkSize);
      if (first === last) {
        const start = offset - first * chunkSize;
        return chunk(first).subarray(start, start + length);
      }
      // Large reads (a symbol table) bypass the cache: read them straight into one buffer.
      const out = new Uint8Array(length);
      readFully(out, offset);
      return out;
    },
    readInto(target, offset) {
      checkRange(size, offset, target.length, 'read');
      readFully(target, offset);
    },
  };
}
