/**
 * Copying an open kernel into the temporary file of a write: from the descriptor kpatch read and
 * planned (not from its path, which another writer may have renamed a new file over since), and
 * with the holes of a sparse file kept.
 */
import * as fs from 'node:fs';
import { removeQuietly, writeFully } from './atomic';

const COPY_CHUNK = 1 << 20;

/** Tells whether a file has holes: fewer bytes allocated on disk than its size. */
export function hasHoles(st: fs.Stats): boolean {
  return st.blocks * 512 < st.size;
}

/**
 * A path that opens the very file `fd` is open on, or undefined: Linux's /proc/self/fd/N (a new
 * open of the same inode, even after a rename over its old name). Checked by device and inode,
 * so a system without it, or with something else there, gets undefined.
 */
function pathOfDescriptor(fd: number, st: fs.Stats): string | undefined {
  const self = `/proc/self/fd/${fd}`;
  try {
    const there = fs.statSync(self);
    return there.dev === st.dev && there.ino === st.ino ? self : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Copies the regular file open as `fd` to `dest`, a new file (it must not exist). The kernel copies
 * when it can: a reflink on file systems that have them (instant, holes stay holes), else
 * copy_file_range, through the descriptor's /proc path. copy_file_range writes a hole out as zeros
 * (a 26 MB sparse kernel became 614 MB on ext4), so a file with holes that cannot be reflinked, or
 * a system without /proc, is copied by reading: with holes, every all-zero block is left unwritten
 * (cp --sparse=always), which keeps the holes and reads back as the same bytes.
 */
export function copyOpenFile(fd: number, dest: string): void {
  const st = fs.fstatSync(fd);
  const sparse = hasHoles(st);
  const self = pathOfDescriptor(fd, st);
  if (self) {
    const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = fs.constants;
    try {
      fs.copyFileSync(self, dest, COPYFILE_EXCL | (sparse ? COPYFILE_FICLONE_FORCE : COPYFILE_FICLONE));
      return;
    } catch (e) {
      if (!sparse) throw e;
      removeQuietly(dest); // no reflinks here: copy it below
    }
  }
  copyByReading(fd, st.size, st.blksize || 4096, sparse, dest);
}

/** Copies `size` bytes of `fd` to the new file `dest` through a buffer; with `sparse`, all-zero blocks of `block` bytes are skipped. */
function copyByReading(fd: number, size: number, block: number, sparse: boolean, dest: string): void {
  const out = fs.openSync(dest, 'wx', 0o600);
  try {
    const chunk = Buffer.allocUnsafe(Math.max(block, COPY_CHUNK - (COPY_CHUNK % block)));
    const zero = Buffer.alloc(block);
    for (let position = 0; position < size; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      if (n <= 0) break; // the file shrank: verification reports the short copy
      if (!sparse) writeFully(out, chunk.subarray(0, n), position);
      else {
        // runs of blocks that hold a non-zero byte, each written with one call
        let run = -1;
        for (let at = 0; at <= n; at += block) {
          const end = Math.min(at + block, n);
          const data = at < n && chunk.compare(zero, 0, end - at, at, end) !== 0;
          if (data && run < 0) run = at;
          if (!data && run >= 0) {
            writeFully(out, chunk.subarray(run, at), position + run);
            run = -1;
          }
        }
        if (run >= 0) writeFully(out, chunk.subarray(run, n), position + run);
      }
      position += n;
    }
    // the size, and the hole at the end when the file ends in zeros
    fs.ftruncateSync(out, size);
  } finally {
    fs.closeSync(out);
  }
}
