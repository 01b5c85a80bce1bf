/**
 * Atomic file replacement: a new file is written beside its target under a temporary name,
 * fsynced and renamed over it, so a reader sees the old file or the new one, never a mix; and the
 * temporary files a killed kpatch left behind are swept. Kernels (write-kernel.ts) and text
 * outputs (configs) are written this way.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KpatchError } from '../errors';
import { ioMessage } from './io-message';

/**
 * The path a write into `target` renames its temporary file over, or an error when the existing
 * target must not be replaced. `existing` is its stat, undefined when there is none yet.
 */
export function replaceable(target: string, existing: fs.Stats | undefined, readOnlyHint: string): string {
  if (!existing) {
    refuseDanglingLink(target);
    checkDirectory(target);
    return target;
  }
  // The write renames a new file over the target: a device (/dev/full, /dev/null) or a directory
  // would be replaced, not written to.
  if (!existing.isFile()) throw new KpatchError('IO', `cannot write ${target}: not a regular file`, 'nothing was written');
  // rename(2) would replace a file whose write bits are off (and root ignores them): refuse, as
  // its owner said it must not change.
  if ((existing.mode & 0o222) === 0) throw new KpatchError('IO', `cannot write ${target}: read-only file (mode ${(existing.mode & 0o777).toString(8).padStart(4, '0')})`, readOnlyHint);
  // A symlink (kernels/netbsd -> netbsd-SMOL-11.0) must keep pointing at the file it names:
  // renaming over the link would replace the link and leave its file as it was.
  return fs.realpathSync(target);
}

/**
 * Refuses to write through a symlink whose file does not exist. A live link is written through
 * (the file it names is replaced); renaming over a dangling one would replace the link instead, and
 * creating its target would write wherever the link points, which is how symlink attacks in shared
 * directories work. GNU cp refuses the same ("not writing through dangling symlink").
 */
function refuseDanglingLink(target: string): void {
  let link: string;
  try {
    if (!fs.lstatSync(target).isSymbolicLink()) return;
    link = fs.readlinkSync(target);
  } catch {
    return; // nothing there: a new file
  }
  let why = `dangling symlink (${link} does not exist)`;
  try {
    fs.statSync(target);
    return; // it came to life meanwhile: the caller's stat decides next time
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') why = `symlink to ${link}: ${ioMessage(e)}`;
  }
  throw new KpatchError('IO', `cannot write ${target}: ${why}`, 'kpatch writes through a symlink only when the file it names exists; nothing was written');
}

/**
 * Checks that the directory a new file goes into exists and is one, so the error names the
 * directory (`-o sub/dir/out`: "no directory sub/dir"), not the file kpatch was about to create.
 */
function checkDirectory(target: string): void {
  const dir = path.dirname(target);
  try {
    if (fs.statSync(dir).isDirectory()) return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KpatchError('IO', `cannot write ${target}: no directory ${dir}`, `create it first (mkdir -p ${dir}); nothing was written`);
    if (code !== 'ENOTDIR') throw new KpatchError('IO', `cannot write ${target}: ${dir}: ${ioMessage(e)}`, 'nothing was written');
  }
  // dir, or a directory above it, is a file (`-o netbsd/x`): name the one that is
  let file = dir;
  for (let up = dir; ; up = path.dirname(up)) {
    try {
      if (!fs.statSync(up).isDirectory()) file = up;
      break;
    } catch {
      if (path.dirname(up) === up) break;
    }
  }
  throw new KpatchError('IO', `cannot write ${target}: ${file} is not a directory`, 'nothing was written');
}

/** The owner, group and mode a new file takes over from the file it replaces or copies. */
export interface Ownership {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

const SET_ID = 0o6000;
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Gives the temporary file `fd` (to be renamed to `name`) the mode of `from`, and, when `keepOwner`
 * (replacing a file in place), its owner and group where the system permits: root may give a file
 * to anyone, an ordinary user only to a group they are in. The set-user-ID and set-group-ID bits are
 * carried over only when the new file ends up with `from`'s owner and group: a setuid kernel of
 * user 1234 patched by root must not become a setuid file of root's. Returns the sentences the user
 * must be told (an owner that could not be kept, set-id bits cleared). chown clears set-id bits, so
 * the mode is set after it.
 */
export function settleOwnership(fd: number, name: string, from: Ownership, keepOwner: boolean, source?: string): string[] {
  const fresh = fs.fstatSync(fd);
  let uid = fresh.uid;
  let gid = fresh.gid;
  if (keepOwner && (uid !== from.uid || gid !== from.gid)) {
    try {
      fs.fchownSync(fd, from.uid, from.gid);
      uid = from.uid;
      gid = from.gid;
    } catch {
      if (gid !== from.gid) {
        try {
          fs.fchownSync(fd, -1, from.gid);
          gid = from.gid;
        } catch {
          // not in that group either: the file keeps the group it was made with
        }
      }
    }
  }
  const same = uid === from.uid && gid === from.gid;
  const mode = same ? from.mode & 0o7777 : from.mode & 0o7777 & ~SET_ID;
  fs.fchmodSync(fd, mode);
  const told: string[] = [];
  const cleared = mode !== (from.mode & 0o7777) ? `; set-id bits cleared (mode ${octal(from.mode)} -> ${octal(mode)})` : '';
  if (keepOwner && !same) told.push(`${name}: owner ${from.uid}:${from.gid} not kept, it is now ${uid}:${gid} (only root can give a file to another user)${cleared}`);
  else if (cleared) told.push(`${name}: set-id bits not copied (mode ${octal(from.mode)} -> ${octal(mode)}): it is owned by ${uid}:${gid}, ${source ?? 'its source'} by ${from.uid}:${from.gid}`);
  return told;
}

/**
 * What renaming over `file` does to its other hard links, when it has some: they keep naming the old
 * inode. Returns the sentence to tell the user, or undefined.
 */
export function otherLinks(file: string, what: string): string | undefined {
  let links: number;
  try {
    links = fs.statSync(file).nlink;
  } catch {
    return undefined; // a new file
  }
  if (links <= 1) return undefined;
  const others = links - 1;
  return `${file} has ${links} hard links: the ${others === 1 ? 'other name keeps' : `${others} other names keep`} the old ${what} (only ${file} is replaced)`;
}

/** Removes a temporary file that may not exist (or whose directory may be gone); never throws. */
export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or never made: nothing to clean
  }
}

/** The temporary file a write into `target` fills before renaming it over `target`. */
export function temporaryFor(target: string): string {
  return path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.kpatch-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** The signals that end kpatch by default and can be caught: a terminal's Ctrl-C, kill(1)'s default, a closed terminal. */
const HELD_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `write`, a synchronous write through a temporary file, with SIGINT, SIGTERM and SIGHUP held:
 * by default they end the process at once, between creating the temporary file and renaming or
 * removing it, which leaves the file behind. A listener makes Node note the signal instead; it can
 * run only once `write` has returned (JavaScript is single-threaded), when the temporary file has
 * been renamed or removed, and it then ends the process with the same signal (the shell's status
 * 128 + its number). A signal that already has listeners (an application's, the editor's Ctrl-C)
 * is left to them. The listeners stay for one turn of the event loop, whose I/O phase delivers a
 * signal that came during the write, and are removed after it.
 */
export function withSignalsHeld<T>(write: () => T): T {
  const held = HELD_SIGNALS.filter((s) => process.listenerCount(s) === 0);
  const release = () => {
    for (const s of held) process.removeListener(s, deliver);
  };
  const deliver = (signal: NodeJS.Signals) => {
    release();
    process.kill(process.pid, signal);
  };
  for (const s of held) process.on(s, deliver);
  try {
    return write();
  } finally {
    if (held.length) setImmediate(release);
  }
}

/**
 * Writes a text file (a generated or merged config) as kernels are written: to a temporary file
 * beside it, fsynced, then renamed over it; never over a device, a directory or a read-only file,
 * through a symlink to the file it names, and with nothing left behind on failure (a SIGINT,
 * SIGTERM or SIGHUP waits for the write: withSignalsHeld).
 */
export function writeFileAtomically(target: string, bytes: Uint8Array): { readonly warnings: readonly string[] } {
  return withSignalsHeld(() => writeText(target, bytes));
}

function writeText(target: string, bytes: Uint8Array): { readonly warnings: readonly string[] } {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(target);
  } catch {
    // a new file: the directory decides
  }
  const file = replaceable(target, existing, 'make it writable, or leave out -o to print on standard output');
  const tmp = temporaryFor(file);
  let fd: number | undefined;
  try {
    // A replaced file keeps its owner, group and mode; a new one gets 0666 less the umask, as any new file.
    fd = fs.openSync(tmp, 'wx', existing ? 0o600 : 0o666);
    writeFully(fd, bytes, null);
    const warnings = existing ? settleOwnership(fd, file, { uid: existing.uid, gid: existing.gid, mode: existing.mode }, true) : [];
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    const links = otherLinks(file, 'file');
    fs.renameSync(tmp, file);
    syncDir(path.dirname(path.resolve(file)));
    return { warnings: links ? [...warnings, links] : warnings };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    removeQuietly(tmp);
    throw new KpatchError('IO', `cannot write ${target}: ${ioMessage(e)}`, 'nothing was written');
  }
}

/** Temporary files of kpatch writes: `.<target>.kpatch-<pid>-<8 hex>.tmp`. */
const TEMPORARY = /^\..+\.kpatch-(\d+)-[0-9a-f]{8}\.tmp$/;

/** Tells whether process `pid` exists on this machine (EPERM: it exists, owned by someone else). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed kpatch processes left in `dir` (a SIGKILL or a power cut
 * between creating the file and renaming or removing it). Only regular files with kpatch's exact
 * name pattern whose pid is not running are removed; errors are ignored (another kpatch may be
 * removing the same file). See docs/decisions.md.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.unlinkSync(file);
      removed.push(file);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Writes all of `bytes` at `position` of `fd`. */
export function writeFully(fd: number, bytes: Uint8Array, position: number | null): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done);
}

/** Makes a rename durable (best effort: some file systems refuse to fsync a directory). */
export function syncDir(dir: string): void {
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
