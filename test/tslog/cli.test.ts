/**
 * `kpatch tslog` at the edge: files, gzip, standard input, the four outputs, exit codes and
 * one-line errors. Expected numbers come from the trace generator.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { XMLValidator } from 'fast-xml-parser';
import { runCli } from '../support/run-cli';
import { generateTrace } from '../support/tslog-trace';
import { SCENARIOS, TRUNCATED } from './scenarios';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const [, waiting] = SCENARIOS[1];
const want = generateTrace(waiting);
const freq = waiting.tscFreq!;
const ms = (cycles: number) => ((cycles * 1000) / freq).toFixed(2);

let dir: string;
let trace: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-tslog-cli-'));
  trace = path.join(dir, 'boot.txt');
  fs.writeFileSync(trace, want.text);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the summary', () => {
  it('says how long the kernel took and where the time went', async () => {
    const r = await runCli(['tslog', trace]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`${trace}: NetBSD tslog, ${want.records} records, 2 threads, TSC 2,000,000 Hz`);
    expect(lines[1]).toBe(`kernel boot: ${ms(want.total)} ms (first record to EXIT start_init); ${ms(want.end)} ms since the TSC started`);
    const top = [...want.functions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    expect(r.out).toContain(`  ${ms(top[1])}  ${((100 * top[1]) / want.total).toFixed(1).padStart(5)}%  ${top[0]}\n`);
    expect(r.out).toContain(`waits (DELAY, delay, sleep-like): ${ms(want.waits)} ms, ${((100 * want.waits) / want.total).toFixed(1)}% of the kernel boot\n`);
    expect(r.out).toMatch(/\n {2}\d+\.\d\d {2}\d+\.\d\d ms {2}DELAY \(vioif_attach\)\n/);
  });

  it('reads gzip, and standard input', async () => {
    const gz = path.join(dir, 'boot.txt.gz');
    fs.writeFileSync(gz, zlib.gzipSync(want.text));
    const plain = await runCli(['tslog', trace]);
    const packed = await runCli(['tslog', gz]);
    expect(packed.out.split('\n').slice(1)).toEqual(plain.out.split('\n').slice(1));
    const piped = spawnSync(process.execPath, [CLI, 'tslog'], { input: zlib.gzipSync(want.text), encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stdout.split('\n').slice(1)).toEqual(plain.out.split('\n').slice(1));
    expect(piped.stdout.split('\n')[0]).toMatch(/^\(standard input\): NetBSD tslog/);
  });

  it('reports cycles when no frequency is known, and takes --tsc-freq', async () => {
    const bare = path.join(dir, 'bare.txt');
    fs.writeFileSync(bare, want.text.replace(/^machdep.*\n/m, ''));
    const r = await runCli(['tslog', bare]);
    expect(r.out).toContain('no TSC frequency (times in cycles; give --tsc-freq)');
    expect(r.out).toContain(`kernel boot: ${want.total.toLocaleString('en-US')} cycles`);
    const g = await runCli(['tslog', bare, '--tsc-freq', '2MHz']);
    expect(g.out.split('\n')[1]).toBe(`kernel boot: ${ms(want.total)} ms (first record to EXIT start_init); ${ms(want.end)} ms since the TSC started`);
  });
});

describe('--json, --folded, --svg', () => {
  it('--json is alone on standard output', async () => {
    const r = await runCli(['tslog', trace, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out) as { boot: { cycles: number; ms: number }; waits: { cycles: number }; stacks: { stack: string; cycles: number }[] };
    expect(j.boot.cycles).toBe(want.total);
    expect(j.boot.ms).toBeCloseTo((want.total * 1000) / freq, 9);
    expect(j.waits.cycles).toBe(want.waits);
    expect(new Map(j.stacks.map((s) => [s.stack, s.cycles]))).toEqual(want.folded);
  });

  it('--json carries the warnings, and stderr stays empty', async () => {
    const repaired = path.join(dir, 'repaired.txt');
    const w = generateTrace(SCENARIOS[3][1]);
    fs.writeFileSync(repaired, w.text);
    const r = await runCli(['tslog', repaired, '--json']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect((JSON.parse(r.out) as { warnings: string[] }).warnings).toEqual([`${w.repairs} cycle counts went backwards or repeated; repaired as tslog.sh does (each moved to 1 cycle after the record before it)`]);
    const text = await runCli(['tslog', repaired]);
    expect(text.err).toBe(`warning: ${w.repairs} cycle counts went backwards or repeated; repaired as tslog.sh does (each moved to 1 cycle after the record before it)\n`);
  });

  it('--folded prints stack and cycles lines', async () => {
    const r = await runCli(['tslog', trace, '--folded']);
    expect(new Set(r.out.trimEnd().split('\n'))).toEqual(new Set([...want.folded].map(([s, n]) => `${s} ${n}`)));
  });

  it('--svg writes the chart atomically and still prints the summary', async () => {
    const out = path.join(dir, 'chart', 'boot.svg');
    fs.mkdirSync(path.dirname(out));
    const r = await runCli(['tslog', trace, '--svg', out, '--width', '900']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^.*: NetBSD tslog/);
    const svg = fs.readFileSync(out, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/<svg [^>]*width="900"/);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['boot.svg']);
  });

  it('--svg into a missing directory writes nothing and says why', async () => {
    const r = await runCli(['tslog', trace, '--svg', path.join(dir, 'nowhere', 'x.svg')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kpatch: cannot write .*x\.svg: no directory .*nowhere; create it first/);
    expect(r.out).toBe('');
  });

  it('--folded and --json together are bad usage', async () => {
    const r = await runCli(['tslog', trace, '--folded', '--json']);
    expect([r.code, r.err]).toEqual([2, 'kpatch: --folded and --json both print on standard output: choose one\n']);
  });
});

describe('bad input', () => {
  it('a bad line: file:line, what was expected, exit 2, nothing on standard output', async () => {
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, '0x1 100 ENTER main\n0x1 200 ENTRE config\n');
    const r = await runCli(['tslog', bad]);
    expect([r.code, r.out, r.err]).toEqual([2, '', `kpatch: ${bad}:2: expected ENTER, EXIT, THREAD or EVENT, found 'ENTRE'\n`]);
  });

  it('a truncated trace is refused, or profiled with --partial', async () => {
    const cut = path.join(dir, 'cut.txt');
    fs.writeFileSync(cut, generateTrace(TRUNCATED).text);
    const r = await runCli(['tslog', cut]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`kpatch: ${cut}: truncated trace: no EXIT start_init record in 12 records: the trace stops before init started; capture the trace after boot, or add --partial to profile what is there\n`);
    const p = await runCli(['tslog', cut, '--partial']);
    expect(p.code).toBe(0);
    expect(p.err).toMatch(/^warning: partial profile: no EXIT start_init record/);
    expect(p.out.split('\n')[1]).toMatch(/^PARTIAL trace: /);
  });

  it('a missing file, a bad --tsc-freq', async () => {
    expect((await runCli(['tslog', path.join(dir, 'none.txt')])).err).toMatch(/^kpatch: cannot read .*none\.txt: no such file/);
    const r = await runCli(['tslog', trace, '--tsc-freq', 'fast']);
    expect([r.code, r.err]).toEqual([2, "kpatch: --tsc-freq: expected a frequency in Hz (2400000000, 2.4G, 2400MHz), found 'fast'\n"]);
  });

  it('corrupt gzip', async () => {
    const gz = path.join(dir, 'corrupt.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const r = await runCli(['tslog', gz]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kpatch: cannot read .*corrupt\.gz: corrupt gzip data/);
  });
});

describe('tslog diff', () => {
  it('lists what changed, exit 1; nothing changed, exit 0', async () => {
    const after = path.join(dir, 'after.txt');
    const [, nested] = SCENARIOS[0];
    const a = generateTrace(nested);
    const b = generateTrace({ ...nested, actions: nested.actions.filter((_, i) => !(i >= 4 && i <= 6)) });
    const before = path.join(dir, 'nested.txt');
    fs.writeFileSync(before, a.text);
    fs.writeFileSync(after, b.text);
    const r = await runCli(['tslog', 'diff', before, after]);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`kernel boot: ${(a.total / 1000).toFixed(2)} ms -> ${(b.total / 1000).toFixed(2)} ms (${((b.total - a.total) / 1000).toFixed(2)} ms)`);
    expect(lines[2]).toMatch(/^ +2\.00 +0\.00 +-2\.00 {2}cpu_configure;DELAY$/);
    const same = await runCli(['tslog', 'diff', before, before]);
    expect([same.code, same.out.split('\n')[1]]).toEqual([0, 'no function changed its self time']);
  });
});

describe('help', () => {
  it('has examples', async () => {
    const r = await runCli(['tslog', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('kpatch tslog boot.txt --svg boot.svg');
    expect(r.out).toContain('kpatch tslog diff before.txt after.txt');
  });
});
