/**
 * Owners, set-id bits and hard links of a replaced file. --in-place keeps the kernel's owner and
 * group (root may; an ordinary user cannot give a file to someone else, and is told so), never
 * leaves set-id bits on a file whose owner or group changed, and warns that other hard links keep
 * the old kernel. Tests that chown to another uid need root (CI runs as root) and are skipped,
 * visibly, otherwise.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { runCli } from '../support/run-cli';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');
const COM0_STATE = 0x3163; // com0 (#7): NOTFOUND 00 -> DNOTFOUND 04
const isRoot = process.getuid?.() === 0;
const asRoot = isRoot ? it : it.skip;

const patched = () => {
  const b = fs.readFileSync(FIXTURE);
  b[COM0_STATE] = 4;
  return b;
};
const owner = (f: string) => {
  const st = fs.statSync(f);
  return `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-owners-'));
  fs.chmodSync(dir, 0o755);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('owner and group', () => {
  asRoot('as root: --in-place keeps owner 1234:4321 and mode 4755, plain and gzip, and says nothing', async () => {
    const plain = path.join(dir, 'netbsd');
    const gz = path.join(dir, 'netbsd.gz');
    fs.copyFileSync(FIXTURE, plain);
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(FIXTURE)));
    for (const f of [plain, gz]) {
      fs.chownSync(f, 1234, 4321);
      fs.chmodSync(f, 0o4755);
      const r = await runCli(['disable', 'com0', '-k', f, '--in-place']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(owner(f)).toBe('1234:4321 4755');
    }
    expect(fs.readFileSync(plain).equals(patched())).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(gz)).equals(patched())).toBe(true);
  });

  asRoot('as root: -o makes root\'s file, so the set-id bits of 1234\'s kernel are not copied, and it says so', async () => {
    const input = path.join(dir, 'netbsd');
    fs.copyFileSync(FIXTURE, input);
    fs.chownSync(input, 1234, 4321);
    fs.chmodSync(input, 0o6755);
    const out = path.join(dir, 'out');
    const r = await runCli(['disable', 'com0', '-k', input, '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const warning = `${out}: set-id bits not copied (mode 6755 -> 0755): it is owned by 0:0, ${input} by 1234:4321`;
    expect(JSON.parse(r.out).warnings).toEqual([warning]);
    expect(owner(out)).toBe('0:0 0755');
    expect(owner(input)).toBe('1234:4321 6755');
    // the same file's owner running -o keeps the bits: nothing changed hands
    fs.chownSync(input, 0, 0);
    fs.chmodSync(input, 0o6755); // chown cleared them
    const again = await runCli(['disable', 'com0', '-k', input, '-o', path.join(dir, 'out2')]);
    expect(again.err).toBe('');
    expect(owner(path.join(dir, 'out2'))).toBe('0:0 6755');
  });

  asRoot('as root: an ordinary user patching another user\'s set-id kernel gets it as their own, set-id bits cleared, and is told', () => {
    if (!fs.existsSync(CLI)) throw new Error('dist/cli/main.js missing: run npm run build (npm test does)');
    // uid 2000 owns the directory and may write the group-writable kernel of user 1234
    fs.chownSync(dir, 2000, 2000);
    const input = path.join(dir, 'netbsd');
    fs.copyFileSync(FIXTURE, input);
    fs.chownSync(input, 1234, 2000);
    fs.chmodSync(input, 0o6775);
    const r = spawnSync(process.execPath, [CLI, 'disable', 'com0', '-k', input, '--in-place'], { uid: 2000, gid: 2000, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.stderr).toBe(`warning: ${input}: owner 1234:2000 not kept, it is now 2000:2000 (only root can give a file to another user); set-id bits cleared (mode 6775 -> 0775)\n`);
    expect(r.status).toBe(0);
    expect(owner(input)).toBe('2000:2000 0775');
    expect(fs.readFileSync(input).equals(patched())).toBe(true);
  });

  asRoot('as root: config output replacing 1234:4321 0640 keeps them', async () => {
    const conf = path.join(dir, 'SMOL');
    fs.writeFileSync(conf, 'old\n');
    fs.chownSync(conf, 1234, 4321);
    fs.chmodSync(conf, 0o640);
    const r = await runCli(['config', 'generate', '--arch', 'amd64', '-o', conf]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(owner(conf)).toBe('1234:4321 0640');
    expect(fs.readFileSync(conf, 'utf8')).not.toBe('old\n');
  });
});

describe('hard links', () => {
  it('--in-place on one of two links warns that the other keeps the old kernel, and leaves it so', async () => {
    const input = path.join(dir, 'netbsd');
    const other = path.join(dir, 'netbsd.link');
    fs.copyFileSync(FIXTURE, input);
    fs.linkSync(input, other);
    const r = await runCli(['disable', 'com0', '-k', input, '--in-place']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`warning: ${input} has 2 hard links: the other name keeps the old kernel (only ${input} is replaced)\n`);
    expect(fs.readFileSync(input).equals(patched())).toBe(true);
    expect(fs.readFileSync(other).equals(fs.readFileSync(FIXTURE))).toBe(true);
    expect(fs.statSync(input).nlink).toBe(1);
  });

  it('the warning is in --json warnings too, and counts the other names', async () => {
    const input = path.join(dir, 'netbsd');
    fs.copyFileSync(FIXTURE, input);
    fs.linkSync(input, path.join(dir, 'a'));
    fs.linkSync(input, path.join(dir, 'b'));
    const r = await runCli(['disable', 'com0', '-k', input, '--in-place', '--json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).warnings).toEqual([`${input} has 3 hard links: the 2 other names keep the old kernel (only ${input} is replaced)`]);
  });
});
