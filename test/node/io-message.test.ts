/**
 * The few words after "cannot read F:" / "cannot write F:": plain words for the errors people
 * meet, libuv's description once (not "ELOOP: ELOOP: ..., open 'F'", the path already being in
 * the line) for the rest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ioMessage } from '../../src/node/io-message';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

it.each([
  [errno('ENOENT', "ENOENT: no such file or directory, open 'k'"), 'no such file'],
  [errno('EACCES', "EACCES: permission denied, open 'k'"), 'permission denied'],
  [errno('ELOOP', "ELOOP: too many symbolic links encountered, open 'k'"), 'too many levels of symbolic links'],
  [errno('ENOTDIR', "ENOTDIR: not a directory, open 'f/k'"), 'a part of the path is not a directory'],
  [errno('EMFILE', "EMFILE: too many open files, open 'k'"), 'too many open files (EMFILE)'],
  [errno('EIO', 'EIO: i/o error, read'), 'i/o error (EIO)'],
  [errno('EXDEV', "EXDEV: cross-device link not permitted, rename 'a' -> 'b'"), 'cross-device link not permitted (EXDEV)'],
  [errno('EWEIRD', 'something odd'), 'something odd (EWEIRD)'],
  [new Error('no code at all'), 'no code at all'],
])('%p -> %s', (e, words) => {
  expect(ioMessage(e)).toBe(words);
});

it('a real symlink loop reads as one plain line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-loop-'));
  try {
    fs.symlinkSync('b', path.join(dir, 'a'));
    fs.symlinkSync('a', path.join(dir, 'b'));
    let message = '';
    try {
      fs.openSync(path.join(dir, 'a'), 'r');
    } catch (e) {
      message = ioMessage(e);
    }
    expect(message).toBe('too many levels of symbolic links');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
