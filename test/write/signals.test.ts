/**
 * SIGINT, SIGTERM and SIGHUP during a write: the built CLI is held at a known point (its temporary
 * file written, not yet verified or renamed: KPATCH_TEST_HOLD_WRITE, docs/testing.md), signalled,
 * then let go. The write finishes or is undone as a whole, no temporary file stays, and the process
 * ends by the signal it got (a shell reports 128 + its number). Without the held signals the process
 * died at once and left its temporary file. No timing is involved: the test waits for files.
 * Needs dist/ (npm test builds it first).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');
const COM0_STATE = 0x3163; // com0 (#7): NOTFOUND 00 -> DNOTFOUND 04
const temporaries = (d: string) => fs.readdirSync(d).filter((f) => f.includes('.kpatch-'));

/** Resolves once `file` exists (polled: the child cannot tell us otherwise while it is held). */
async function appears(file: string): Promise<void> {
  while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 5));
}

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli/main.js missing: run npm run build (npm test does)');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-signal-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([['SIGINT'], ['SIGTERM'], ['SIGHUP']] as const)('%s during a write', (signal) => {
  it.each([
    ['--in-place plain', 'netbsd', (d: string) => ['-k', path.join(d, 'netbsd'), '--in-place']],
    ['--in-place .gz', 'netbsd.gz', (d: string) => ['-k', path.join(d, 'netbsd.gz'), '--in-place']],
  ])('%s: the write completes, no temporary file stays, the process ends by the signal', async (_, name, args) => {
    const kernel = fs.readFileSync(FIXTURE);
    const file = path.join(dir, name);
    fs.writeFileSync(file, name.endsWith('.gz') ? zlib.gzipSync(kernel) : kernel);
    const hold = path.join(os.tmpdir(), `kpatch-hold-${process.pid}-${path.basename(dir)}`);
    const child = spawn(process.execPath, [CLI, 'disable', 'com0', ...args(dir)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KPATCH_TEST_HOLD_WRITE: hold } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    try {
      await appears(`${hold}.held`);
      expect(temporaries(dir)).toHaveLength(1); // held with its temporary file written
      child.kill(signal);
      fs.writeFileSync(hold, '');
      const r = await exited;
      expect({ ...r, err }).toEqual({ code: null, signal, err: '' });
      expect(out).toMatch(/^wrote .* 1 byte changed, verified$/m);
      expect(temporaries(dir)).toEqual([]);
      const want = Buffer.from(kernel);
      want[COM0_STATE] = 4;
      const now = fs.readFileSync(file);
      expect((name.endsWith('.gz') ? zlib.gunzipSync(now) : now).equals(want)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(hold, { force: true });
      fs.rmSync(`${hold}.held`, { force: true });
    }
  }, 30_000);
});
