/**
 * Writes that cannot or must not happen: each gives exit 2, one `kpatch: ` line on stderr, leaves
 * no file behind (no temporary, no new output) and the input unchanged. Plus the write that looks
 * risky but is fine: output on another file system (the temporary file is made beside the target).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/run-cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'netbsd-amd64');
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const temporaries = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.kpatch-'));

let dir: string;
let input: string;
let inputSha: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-write-'));
  input = path.join(dir, 'netbsd');
  fs.copyFileSync(FIXTURE, input);
  inputSha = sha(input);
});
afterEach(() => {
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a write that must fail, and checks the common promises. */
async function refused(args: string[], message: RegExp, watch: string[] = [dir]) {
  const before = watch.map((d) => fs.readdirSync(d).sort());
  const r = await runCli(args);
  expect(r.code).toBe(2);
  const lines = r.err.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kpatch: /);
  expect(lines[0]).toMatch(message);
  expect(r.err).not.toMatch(/internal error/);
  expect(sha(input)).toBe(inputSha);
  watch.forEach((d, i) => expect(fs.readdirSync(d).sort()).toEqual(before[i]));
  return r;
}

/** Mounts a tmpfs (root only); returns undefined and the reason when it cannot. */
function mountTmpfs(options: string): { dir?: string; reason?: string } {
  if (process.getuid?.() !== 0) return { reason: 'not root: cannot mount a tmpfs' };
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt], { stdio: 'pipe' });
    return { dir: mnt };
  } catch (e) {
    fs.rmdirSync(mnt);
    return { reason: `mount -t tmpfs failed: ${String((e as Error).message).split('\n')[0]}` };
  }
}
function unmount(mnt: string) {
  execFileSync('umount', [mnt]);
  fs.rmdirSync(mnt);
}

describe('refused writes', () => {
  it('read-only input with --in-place', async () => {
    fs.chmodSync(input, 0o444);
    await refused(['disable', 'com0', '-k', input, '--in-place'], /read-only file \(mode 0444\)/);
  });

  it('read-only existing output with -o', async () => {
    const out = path.join(dir, 'out');
    fs.copyFileSync(FIXTURE, out);
    fs.chmodSync(out, 0o400);
    await refused(['disable', 'com0', '-k', input, '-o', out], /read-only file/);
    expect(sha(out)).toBe(inputSha);
  });

  it('read-only output directory', async () => {
    // root ignores directory modes, so as root the directory is a read-only tmpfs
    let outDir: string;
    let cleanup: () => void;
    if (process.getuid?.() === 0) {
      const m = mountTmpfs('ro,size=64k');
      if (!m.dir) {
        console.warn(`skipped read-only directory: ${m.reason}`);
        return;
      }
      outDir = m.dir;
      cleanup = () => unmount(m.dir!);
    } else {
      outDir = path.join(dir, 'ro');
      fs.mkdirSync(outDir, 0o555);
      cleanup = () => fs.chmodSync(outDir, 0o755);
    }
    try {
      await refused(['disable', 'com0', '-k', input, '-o', path.join(outDir, 'netbsd.new')], /cannot write .*netbsd\.new: (read-only file system|permission denied)/, [dir, outDir]);
    } finally {
      cleanup();
    }
  });

  it('full disk: a 64 KiB tmpfs and a 256 KiB kernel', async () => {
    const m = mountTmpfs('size=64k');
    if (!m.dir) {
      console.warn(`skipped full tmpfs: ${m.reason}`);
      return;
    }
    try {
      // a valid kernel with 235 KB of trailing random bytes (nothing points there; gzip cannot shrink them)
      const big = Buffer.concat([fs.readFileSync(FIXTURE), randomBytes(256 * 1024 - fs.statSync(FIXTURE).size)]);
      fs.writeFileSync(input, big);
      inputSha = sha(input);
      await refused(['disable', 'com0', '-k', input, '-o', path.join(m.dir, 'netbsd')], /no space left on device/, [dir, m.dir]);
      await refused(['disable', 'com0', '-k', input, '-o', path.join(m.dir, 'netbsd.gz')], /no space left on device|cannot write/, [dir, m.dir]);
    } finally {
      unmount(m.dir);
    }
  });

  it('/dev/full (and any non-regular file) as the output', async () => {
    await refused(['disable', 'com0', '-k', input, '-o', '/dev/full'], /cannot write \/dev\/full: not a regular file/, [dir, '/dev']);
    await refused(['disable', 'com0', '-k', input, '-o', dir], /not a regular file/);
  });

  it('output path equal to the input without --in-place', async () => {
    await refused(['disable', 'com0', '-k', input, '-o', input], /is the input: use --in-place/);
    await refused(['disable', 'com0', '-k', input, '-o', path.join(dir, '.', 'netbsd')], /is the input/);
    fs.linkSync(input, path.join(dir, 'hardlink'));
    await refused(['disable', 'com0', '-k', input, '-o', path.join(dir, 'hardlink')], /is the input \(same file\)/);
  });
});

describe('writes that work', () => {
  it('output on another file system: the temporary file is made beside the target', async () => {
    const other = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/kpatch-other-') : undefined;
    if (!other) {
      console.warn('skipped: no /dev/shm');
      return;
    }
    try {
      expect(fs.statSync(other).dev).not.toBe(fs.statSync(dir).dev);
      for (const out of ['netbsd', 'netbsd.gz']) {
        const r = await runCli(['disable', 'com0', '-k', input, '-o', path.join(other, out)]);
        expect(r.code).toBe(0);
        expect(r.err).toBe('');
      }
      expect(fs.readdirSync(other).sort()).toEqual(['netbsd', 'netbsd.gz']);
      expect(temporaries(dir)).toEqual([]);
      expect(sha(input)).toBe(inputSha);
      // and in place on that file system
      fs.copyFileSync(FIXTURE, path.join(other, 'inplace'));
      expect((await runCli(['disable', 'com0', '-k', path.join(other, 'inplace'), '--in-place'])).code).toBe(0);
      expect(temporaries(other)).toEqual([]);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('symlinks', () => {
  it('--in-place through a symlink patches the kernel it points to and keeps the link', async () => {
    const real = path.join(dir, 'netbsd-SMOL-11.0');
    const link = path.join(dir, 'kernel');
    fs.copyFileSync(FIXTURE, real);
    fs.symlinkSync('netbsd-SMOL-11.0', link);
    const r = await runCli(['disable', 'vioif', '-k', link, '--in-place']);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('netbsd-SMOL-11.0');
    const want = fs.readFileSync(FIXTURE);
    want[0x3000 + 12 * 48 + 19] = 3; // vioif* (#12), state byte of the NetBSD >= 10 layout
    expect(fs.readFileSync(real).equals(want)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['kernel', 'netbsd', 'netbsd-SMOL-11.0']);
  });
});

describe('another writer', () => {
  it('--in-place refuses to replace a kernel that changed after kpatch read it', () => {
    const { openKernelFile } = require('../../src/node/read-kernel') as typeof import('../../src/node/read-kernel');
    const { writePatched } = require('../../src/node/write-kernel') as typeof import('../../src/node/write-kernel');
    const { inspectKernel, requireAutoconf } = require('../../src/netbsd/kernel') as typeof import('../../src/netbsd/kernel');
    const { planOperations } = require('../../src/patch/plan') as typeof import('../../src/patch/plan');
    const file = openKernelFile(input);
    try {
      const plan = planOperations(requireAutoconf(inspectKernel(file.source)), [{ verb: 'disable', selectors: ['vioif'] }]);
      // Another process replaces the kernel (a new file renamed over it, with a different byte)
      // while kpatch is writing its copy. kpatch's verification still reads the file it opened.
      const other = () => {
        const b = fs.readFileSync(input);
        b[0x3000 + 13 * 48 + 19] = 3;
        fs.writeFileSync(`${input}.new`, b);
        fs.renameSync(`${input}.new`, input);
      };
      expect(() => writePatched(file, input, false, plan.edits, { afterWrite: other })).toThrow(`${input} changed while kpatch was patching it`);
    } finally {
      file.close();
    }
    const b = fs.readFileSync(FIXTURE);
    b[0x3000 + 13 * 48 + 19] = 3;
    expect(fs.readFileSync(input).equals(b)).toBe(true); // the other writer's change survives
    expect(temporaries(dir)).toEqual([]);
  });
});
