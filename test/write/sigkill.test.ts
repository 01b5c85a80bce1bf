/**
 * Crash safety: the built CLI is killed with SIGKILL at random moments while it writes a patched
 * kernel (-o and --in-place, plain and .gz), hundreds of times. After every kill the target is the
 * complete old file or the complete new file (sha256 of one or the other), and with -o the input is
 * unchanged. A kill can leave a temporary file; the next write into the directory removes it.
 * Needs dist/ (npm test builds it first). `npm test` kills 15 writes per mode, `npm run test:full`
 * 60 (test/support/mode.ts); KPATCH_KILLS=<n> sets it, KPATCH_TEST_VERBOSE=1 prints the counts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { report, sized } from '../support/mode';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');
const KILLS = Number(process.env.KPATCH_KILLS ?? sized(15, 60)); // kills per mode; 4 modes
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shaFile = (f: string) => (fs.existsSync(f) ? sha(fs.readFileSync(f)) : 'absent');
const temporaries = (dir: string) => fs.readdirSync(dir).filter((f) => f.includes('.kpatch-'));

/** A 6 MB kernel: the fixture plus trailing bytes nothing points at (so a write takes a while). */
function bigKernel(): Buffer {
  const block = createHash('sha512').update('kpatch').digest();
  const pad = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < pad.length; i += block.length) {
    block.copy(pad, i);
    block[i % block.length] ^= i & 0xff; // varied enough that gzip has work to do
  }
  return Buffer.concat([fs.readFileSync(FIXTURE), pad]);
}

interface Mode {
  name: string;
  /** File names in the work dir. */
  input: string;
  target: string;
  args: (dir: string) => string[];
}
const MODES: Mode[] = [
  { name: '-o plain', input: 'netbsd', target: 'netbsd.new', args: (d) => ['-k', path.join(d, 'netbsd'), '-o', path.join(d, 'netbsd.new')] },
  { name: '--in-place plain', input: 'netbsd', target: 'netbsd', args: (d) => ['-k', path.join(d, 'netbsd'), '--in-place'] },
  { name: '-o .gz', input: 'netbsd', target: 'netbsd.new.gz', args: (d) => ['-k', path.join(d, 'netbsd'), '-o', path.join(d, 'netbsd.new.gz')] },
  { name: '--in-place .gz', input: 'netbsd.gz', target: 'netbsd.gz', args: (d) => ['-k', path.join(d, 'netbsd.gz'), '--in-place'] },
];

let work: string;
let kernel: Buffer;
let kernelGz: Buffer;
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli/main.js missing: run npm run build (npm test does)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-kill-'));
  kernel = bigKernel();
  kernelGz = zlib.gzipSync(kernel);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Lays out a work dir for `mode`: the input, and for -o an existing old output. */
function setUp(dir: string, mode: Mode): { oldTarget: string; input: string } {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (!f.includes('.kpatch-')) fs.rmSync(path.join(dir, f)); // keep leftovers: the next write must clean them
  fs.writeFileSync(path.join(dir, mode.input), mode.input.endsWith('.gz') ? kernelGz : kernel);
  if (mode.target !== mode.input) fs.writeFileSync(path.join(dir, mode.target), mode.target.endsWith('.gz') ? kernelGz : kernel);
  return { oldTarget: shaFile(path.join(dir, mode.target)), input: shaFile(path.join(dir, mode.input)) };
}

/** When to kill: after a delay from the start, or a random moment (up to `withinMs`) after the child's temporary file appears. */
type Kill = { afterMs: number } | { midWriteWithinMs: number };

function runOnce(dir: string, mode: Mode, kill?: Kill): Promise<{ signal: NodeJS.Signals | null; code: number | null; ms: number; pid: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, 'disable', 'com0', ...mode.args(dir)], { stdio: 'ignore' });
    const timers: NodeJS.Timeout[] = [];
    if (kill && 'afterMs' in kill) timers.push(setTimeout(() => child.kill('SIGKILL'), kill.afterMs));
    if (kill && 'midWriteWithinMs' in kill) {
      // This child's temporary file is `.<target>.kpatch-<its pid>-<hex>.tmp`; older leftovers have other pids.
      const mine = `.kpatch-${child.pid}-`;
      const poll = setInterval(() => {
        if (!temporaries(dir).some((f) => f.includes(mine))) return;
        clearInterval(poll);
        timers.push(setTimeout(() => child.kill('SIGKILL'), Math.random() * kill.midWriteWithinMs));
      }, 1);
      timers.push(poll);
    }
    child.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, ms: Date.now() - t0, pid: child.pid ?? -1 });
    });
  });
}

describe('SIGKILL during writes', () => {
  it.each(MODES)('$name: the target is always the old or the new file', async (mode) => {
    // one clean run gives the new file's hash and how long a write takes
    const ref = path.join(work, `${mode.name.replace(/\W+/g, '_')}-ref`);
    setUp(ref, mode);
    const clean = await runOnce(ref, mode);
    expect(clean.code).toBe(0);
    const newTarget = shaFile(path.join(ref, mode.target));
    const span = clean.ms;

    // Half the kills come at a moment drawn from [0, the time an uninterrupted write takes],
    // re-measured as runs complete (a loaded machine writes slower, a warm one faster); the other
    // half at a random moment after the child's temporary file appeared, so the writing phase is
    // hit however slow start-up is. Runs go on until KILLS of them were really killed (a kill that
    // lands after the process exited proves nothing) and more than KILLS / 10 of them came while the
    // temporary file existed (a small KILLS can fall short by chance: then only aimed kills follow),
    // at most 6 x KILLS runs.
    const MID_WRITE = Math.floor(KILLS / 10) + 1;
    const outcomes = { runs: 0, old: 0, new: 0, midWrite: 0, killed: 0 };
    const finished: number[] = [span];
    const window = () => [...finished].sort((a, b) => a - b)[finished.length >> 1];
    const lane = async (k: number) => {
      const dir = path.join(work, `${mode.name.replace(/\W+/g, '_')}-${k}`);
      while ((outcomes.killed < KILLS || outcomes.midWrite < MID_WRITE) && outcomes.runs < 6 * KILLS) {
        outcomes.runs++;
        const before = setUp(dir, mode);
        const blind = outcomes.runs % 2 === 1 && outcomes.killed < KILLS;
        const kill: Kill = blind ? { afterMs: Math.random() * window() * 1.2 } : { midWriteWithinMs: window() / 4 };
        const r = await runOnce(dir, mode, kill);
        if (r.signal === 'SIGKILL') outcomes.killed++;
        else finished.push(r.ms);
        const after = shaFile(path.join(dir, mode.target));
        expect([before.oldTarget, newTarget]).toContain(after);
        if (after === newTarget) outcomes.new++;
        else outcomes.old++;
        if (mode.target !== mode.input) expect(shaFile(path.join(dir, mode.input))).toBe(before.input);
        if (r.signal === 'SIGKILL' && temporaries(dir).some((f) => f.includes(`.kpatch-${r.pid}-`))) outcomes.midWrite++; // killed while its temporary file existed
      }
      // the next complete write removes whatever the killed ones left
      setUp(dir, mode);
      expect((await runOnce(dir, mode)).code).toBe(0);
      expect(temporaries(dir)).toEqual([]);
      expect(shaFile(path.join(dir, mode.target))).toBe(newTarget);
    };
    // two lanes at a time (2 cores), each in its own directory
    await Promise.all([lane(0), lane(1)]);
    report(`${mode.name}: ${outcomes.runs} runs (write ${span} ms at first, ${window()} ms median), ${outcomes.killed} killed; target old ${outcomes.old}, new ${outcomes.new}; killed mid-write ${outcomes.midWrite}`);
    expect(outcomes.killed).toBeGreaterThanOrEqual(KILLS); // the test had the power it claims
    expect(outcomes.midWrite).toBeGreaterThan(KILLS / 10); // and a good share of them while the new file was being written
  }, 120_000);
});
