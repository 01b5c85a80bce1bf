/**
 * Output paths that are not plain new files: a directory that does not exist, a path through a
 * file, a dangling symlink, a symlink loop, a live symlink. Each refusal is exit 2 with one
 * `kpatch: ` line naming what is wrong, nothing written and nothing left behind; `config generate -o`
 * goes through the same writer and behaves the same. And selector words that used to reach RegExp
 * or a float unchecked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/run-cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'netbsd-amd64');

let dir: string;
let cwd: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-paths-'));
  fs.copyFileSync(FIXTURE, path.join(dir, 'K'));
  cwd = process.cwd();
  process.chdir(dir); // relative paths, as a user types them
});
afterEach(() => {
  process.chdir(cwd);
  fs.rmSync(dir, { recursive: true, force: true });
});

const listing = () => fs.readdirSync(dir).sort();

/** Runs a command that must be refused with exactly `line` on stderr, changing nothing in the directory. */
async function refused(args: string[], line: string) {
  const before = listing();
  const links = before.filter((f) => fs.lstatSync(f).isSymbolicLink()).map((f) => [f, fs.readlinkSync(f)]);
  const r = await runCli(args);
  expect(r.err).toBe(`${line}\n`);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(listing()).toEqual(before);
  for (const [f, to] of links) expect(fs.readlinkSync(f)).toBe(to);
  expect(fs.readFileSync('K').equals(fs.readFileSync(FIXTURE))).toBe(true);
}

describe('the directory of a new output', () => {
  it('a missing directory is named, not the file', async () => {
    await refused(['disable', 'com', '-k', 'K', '-o', 'sub/dir/out'], 'kpatch: cannot write sub/dir/out: no directory sub/dir; create it first (mkdir -p sub/dir); nothing was written');
    await refused(['config', 'generate', '--arch', 'amd64', '-o', 'sub/SMOL'], 'kpatch: cannot write sub/SMOL: no directory sub; create it first (mkdir -p sub); nothing was written');
  });

  it('a path through a file names the file (no ENOTDIR from the cleanup)', async () => {
    await refused(['disable', 'com', '-k', 'K', '-o', 'K/x'], 'kpatch: cannot write K/x: K is not a directory; nothing was written');
    await refused(['disable', 'com', '-k', 'K', '-o', 'K/a/b'], 'kpatch: cannot write K/a/b: K is not a directory; nothing was written');
    await refused(['config', 'generate', '--arch', 'amd64', '-o', 'K/SMOL'], 'kpatch: cannot write K/SMOL: K is not a directory; nothing was written');
  });

  it('the library writer cleans up quietly when the directory is not one', () => {
    const { openKernelFile } = require('../../src/node/read-kernel') as typeof import('../../src/node/read-kernel');
    const { writePatched } = require('../../src/node/write-kernel') as typeof import('../../src/node/write-kernel');
    const file = openKernelFile('K');
    try {
      // writePatched itself (no outputPath check first): the failed open and the cleanup both meet ENOTDIR
      expect(() => writePatched(file, 'K/x', false, [])).toThrow('cannot write K/x: a part of the path is not a directory');
    } finally {
      file.close();
    }
  });
});

describe('symlinks as the output', () => {
  it('a dangling symlink is refused, for kernels and for config output alike', async () => {
    fs.symlinkSync('nowhere', 'dang');
    const line = 'kpatch: cannot write dang: dangling symlink (nowhere does not exist); kpatch writes through a symlink only when the file it names exists; nothing was written';
    await refused(['disable', 'com', '-k', 'K', '-o', 'dang'], line);
    await refused(['disable', 'com', '-k', 'K', '-o', 'dang', '--json'], line);
    await refused(['config', 'generate', '--arch', 'amd64', '-o', 'dang'], line);
    expect(fs.existsSync('nowhere')).toBe(false);
  });

  it('a symlink loop is refused', async () => {
    fs.symlinkSync('loop', 'loop');
    await refused(['disable', 'com', '-k', 'K', '-o', 'loop'], 'kpatch: cannot write loop: symlink to loop: too many levels of symbolic links; kpatch writes through a symlink only when the file it names exists; nothing was written');
  });

  it('a live symlink is written through: its file is replaced, the link stays', async () => {
    fs.writeFileSync('old', 'an old kernel');
    fs.symlinkSync('old', 'live');
    const r = await runCli(['disable', 'com0', '-k', 'K', '-o', 'live']);
    expect(r.code).toBe(0);
    expect(fs.readlinkSync('live')).toBe('old');
    const want = fs.readFileSync(FIXTURE);
    want[0x3163] = 4; // com0 (#7): NOTFOUND -> DNOTFOUND
    expect(fs.readFileSync('old').equals(want)).toBe(true);
    fs.writeFileSync('old.conf', '');
    fs.symlinkSync('old.conf', 'live.conf');
    expect((await runCli(['config', 'generate', '--arch', 'amd64', '-o', 'live.conf'])).code).toBe(0);
    expect(fs.readlinkSync('live.conf')).toBe('old.conf');
    expect(fs.readFileSync('old.conf', 'utf8')).toMatch(/^include "arch\/amd64\/conf\/MICROVM"$/m);
  });
});

describe('selector words', () => {
  it.each([
    [['list', 'K', '[z-a]'], "kpatch: bad selector '[z-a]': range 'z-a' is out of order"],
    [['list', 'K', '#99999999999999999999'], 'kpatch: no entry #99999999999999999999: the table has entries #0 to #16'],
    [['disable', '[z-a]', '-k', 'K', '--dry-run'], "kpatch: bad selector '[z-a]': range 'z-a' is out of order"],
  ])('%j', async (args, line) => {
    const r = await runCli(args);
    expect(r.err).toBe(`${line}\n`);
    expect(r.code).toBe(2);
  });
});
