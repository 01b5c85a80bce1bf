/**
 * Files that are not regular files. Reading one must fail at once with one line and exit 2: a
 * FIFO used to block the open forever (no writer ever comes) and /dev/zero would be read without
 * end. Writing a config over one (-o /dev/null, a directory) must not replace it. These run the
 * built CLI in a child with a time limit, so a regression fails the test instead of hanging CI.
 * Needs dist/ (npm test builds it first).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const KERNEL = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');

function kpatch(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000, cwd });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let fifo: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-special-'));
  fifo = path.join(dir, 'fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['a FIFO', () => fifo],
  ['/dev/zero', () => '/dev/zero'],
  ['a directory', () => dir],
])('reading %s', (_what, special) => {
  it.each([
    ['info', (f: string) => ['info', f]],
    ['list', (f: string) => ['list', f, '--json']],
    ['check', (f: string) => ['check', f, '--microvm']],
    ['disable -k', (f: string) => ['disable', 'com0', '-k', f, '--dry-run']],
    ['apply (patch file)', (f: string) => ['apply', f, '-k', KERNEL, '--dry-run']],
    ['config lint', (f: string) => ['config', 'lint', f]],
    ['config extract', (f: string) => ['config', 'extract', f]],
    ['config diff', (f: string) => ['config', 'diff', f, f]],
    ['config merge', (f: string) => ['config', 'merge', f, f]],
  ])('kpatch %s: one line, exit 2, at once', (_name, argv) => {
    const f = special();
    const r = kpatch(argv(f));
    expect(r.signal).toBeNull(); // not killed by the time limit
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe(`kpatch: cannot read ${f}: not a regular file\n`);
  });
});

it('an include that names a FIFO in the --sys tree is a file config(1) cannot open, not a hang', () => {
  const sys = path.join(dir, 'sys');
  fs.mkdirSync(path.join(sys, 'conf'), { recursive: true });
  expect(spawnSync('mkfifo', [path.join(sys, 'conf', 'std')]).status).toBe(0);
  const conf = path.join(dir, 'K');
  fs.writeFileSync(conf, 'include "conf/std"\nconfig netbsd root on ? type ?\n');
  const r = kpatch(['config', 'lint', conf, '--sys', sys, '--json']);
  expect(r.signal).toBeNull();
  expect(r.status).toBe(1);
  const [result] = JSON.parse(r.stdout) as { errors: { line: number; message: string }[] }[];
  expect(result.errors[0]).toMatchObject({ line: 1 });
  expect(result.errors[0].message).toMatch(/conf\/std/);
});

describe('config output (-o) is written like a kernel', () => {
  it('never over a device or a directory, and nothing is left behind', () => {
    for (const target of ['/dev/null', dir]) {
      const before = fs.readdirSync(path.dirname(target)).filter((f) => f.includes('.kpatch-'));
      const r = kpatch(['config', 'generate', '--arch', 'amd64', '-o', target]);
      expect(r).toMatchObject({ status: 2, stdout: '', stderr: `kpatch: cannot write ${target}: not a regular file; nothing was written\n` });
      expect(fs.readdirSync(path.dirname(target)).filter((f) => f.includes('.kpatch-'))).toEqual(before);
    }
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('through a symlink, to the file it names; a read-only file is refused', () => {
    const real = path.join(dir, 'SMOL');
    const link = path.join(dir, 'SMOL.link');
    fs.writeFileSync(real, 'old\n');
    fs.symlinkSync('SMOL', link);
    const ok = kpatch(['config', 'generate', '--arch', 'i386', '-o', link]);
    expect(ok).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(fs.readlinkSync(link)).toBe('SMOL');
    expect(fs.readFileSync(real, 'utf8')).toBe(kpatch(['config', 'generate', '--arch', 'i386']).stdout);
    fs.chmodSync(real, 0o444);
    const refused = kpatch(['config', 'generate', '--arch', 'amd64', '-o', real]);
    expect(refused).toMatchObject({ status: 2, stdout: '', stderr: `kpatch: cannot write ${real}: read-only file (mode 0444); make it writable, or leave out -o to print on standard output\n` });
    expect(fs.readdirSync(dir).filter((f) => f.includes('.kpatch-'))).toEqual([]);
  });
});
