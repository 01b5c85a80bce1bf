/**
 * End-to-end: boot the PVH fixtures in QEMU before and after `kpatch disable` / `enable` / `keep`
 * / `apply`, and check that the drivers the kernel's own cfdata walk prints change exactly as the
 * plan says. The x86 fixtures carry a PVH routine (test/fixtures/README.md) that prints
 * `attach <index> <driver><unit|*>` for every entry in state 0 or 2, then `done`, and exits QEMU
 * with status 33 through isa-debug-exit. Expected lines come from the fixture tables and the
 * CLI's JSON plan, never from this file. A test-only plan that writes the neighbouring byte shows
 * the assertion catches a wrong offset.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { applyEdits } from '../../src/patch/apply';
import { type Edit, planOperations } from '../../src/patch/plan';
import { fixtureBytes, fixtureTable } from '../support/attach-oracle';
import { FIXTURES, manifest, type ManifestRow, type Table } from '../support/fixtures';
import { boot, type BootResult, DEBUG_EXIT_STATUS, kpatchCli, type Machine, QEMU_PACKAGE, which } from './qemu';

jest.setTimeout(180_000);

const QEMU64 = which('qemu-system-x86_64');
const QEMU32 = which('qemu-system-i386');
const REQUIRE_QEMU = process.env.KPATCH_REQUIRE_QEMU === '1';
const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

if (!QEMU64) {
  if (REQUIRE_QEMU) {
    describe('QEMU boot tests', () => {
      it('need qemu-system-x86_64 (KPATCH_REQUIRE_QEMU=1)', () => {
        throw new Error(`qemu-system-x86_64 is not on PATH but KPATCH_REQUIRE_QEMU=1: install the Debian package ${QEMU_PACKAGE} (apt-get install --no-install-recommends ${QEMU_PACKAGE})`);
      });
    });
  } else {
    process.stderr.write(`kpatch: skipping the QEMU boot tests: qemu-system-x86_64 not found (Debian package ${QEMU_PACKAGE})\n`);
  }
}
const describeBoot = QEMU64 ? describe : describe.skip;

const X86 = ['amd64', 'i386'];
const rows = manifest.filter((r) => X86.includes(r.arch));
const bootable = rows.filter((r) => r.pvh);
const refused = rows.filter((r) => !r.pvh);

/** The machines a fixture boots on: microvm and pc, and qemu-system-i386 too for i386 kernels (it cannot load ELF64). */
function machinesFor(row: ManifestRow): Machine[] {
  const q64 = QEMU64 ?? 'qemu-system-x86_64';
  const out: Machine[] = [
    { qemu: q64, machine: 'microvm' },
    { qemu: q64, machine: 'pc' },
  ];
  if (row.arch === 'i386' && QEMU32) out.push({ qemu: QEMU32, machine: 'microvm' }, { qemu: QEMU32, machine: 'pc' });
  return out;
}
const machineName = (m: Machine) => `${path.basename(m.qemu)} -M ${m.machine}`;

/** What the PVH routine prints for these states: one line per entry in state 0 (unit) or 2 (`*`), then `done`. */
function expectedLines(t: Table, states: readonly number[]): string[] {
  const lines = t.entries.flatMap((e, i) => (states[i] === 0 ? [`attach ${i} ${e.driver}${e.unit}`] : states[i] === 2 ? [`attach ${i} ${e.driver}*`] : []));
  return [...lines, 'done'];
}

/** A change as kpatch --json reports it. */
interface JsonChange {
  readonly index: number;
  readonly name: string;
  readonly old: number;
  readonly new: number;
}

/** The table's states after the plan's changes; every change must start from the table's state. */
function statesAfter(t: Table, changed: readonly JsonChange[]): number[] {
  const states = t.entries.map((e) => e.state);
  for (const c of changed) {
    expect(states[c.index]).toBe(c.old);
    states[c.index] = c.new;
  }
  return states;
}

/** The boot test's assertion: QEMU exited through isa-debug-exit and printed exactly these lines. */
function assertBootMatches(r: BootResult, expected: readonly string[]): void {
  expect({ command: r.command, timedOut: r.timedOut, status: r.status, lines: r.lines }).toEqual({ command: r.command, timedOut: false, status: DEBUG_EXIT_STATUS, lines: expected });
}

const attached = (r: BootResult) => new Set(r.lines.map((l) => /^attach (\d+) /.exec(l)).filter((m) => m !== null).map((m) => Number(m![1])));

// One boot per (kernel, machine), started early and at most two at a time; tests await them in order.
const boots = new Map<string, Promise<BootResult>>();
function bootOnce(m: Machine, kernel: string): Promise<BootResult> {
  const key = `${m.qemu} ${m.machine} ${kernel}`;
  let p = boots.get(key);
  if (!p) {
    p = boot(m, kernel);
    p.catch(() => {}); // awaited (and reported) by the test that needs it
    boots.set(key, p);
  }
  return p;
}

/** A patch run through the built CLI. */
interface Scenario {
  readonly name: string;
  readonly fixture: string;
  /** kpatch arguments before `-k`; `{patch}` is replaced by a patch file written to the temp dir. */
  readonly args: readonly string[];
  readonly patchFile?: string;
}

const SCENARIOS: Scenario[] = [
  ...['netbsd-amd64', 'netbsd-i386'].flatMap((fixture): Scenario[] => [
    { name: 'disable vio9p com xencons', fixture, args: ['disable', 'vio9p', 'com', 'xencons'] },
    { name: 'keep ld viocon', fixture, args: ['keep', 'ld', 'viocon'] },
    {
      name: 'apply (disable vio*, enable viocon, disable qemufwcfg at pv)',
      fixture,
      args: ['apply', '{patch}'],
      patchFile: "# boot test\nrequire pvh\nrequire driver pv\ndisable 'vio*'\nenable viocon\ndisable qemufwcfg --at pv\n",
    },
  ]),
  { name: 'enable xenbus xencons com vio9p', fixture: 'netbsd-amd64-disabled', args: ['enable', 'xenbus', 'xencons', 'com', 'vio9p'] },
];

describeBoot('QEMU boots of the PVH fixtures', () => {
  let tmp = '';
  const patched = new Map<Scenario, { output: string; changed: JsonChange[] }>();

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-boot-'));
    SCENARIOS.forEach((s, i) => {
      const output = path.join(tmp, `${s.fixture}.${i}`);
      let args = [...s.args];
      if (s.patchFile !== undefined) {
        const file = path.join(tmp, `scenario${i}.kpatch`);
        fs.writeFileSync(file, s.patchFile);
        args = args.map((a) => (a === '{patch}' ? file : a));
      }
      const r = kpatchCli(MAIN, [...args, '-k', path.join(FIXTURES, s.fixture), '-o', output, '--json']);
      if (r.status !== 0) throw new Error(`kpatch ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      const json = JSON.parse(r.stdout) as { changed: JsonChange[]; output: string };
      patched.set(s, { output, changed: json.changed });
    });
    // Start every boot now; the limiter in ./qemu runs two at a time.
    for (const row of bootable) for (const m of machinesFor(row)) void bootOnce(m, path.join(FIXTURES, row.file));
    for (const s of SCENARIOS) for (const m of machinesFor(rowOf(s.fixture))) void bootOnce(m, patched.get(s)!.output);
  });

  afterAll(async () => {
    await Promise.allSettled(boots.values());
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rowOf = (file: string) => rows.find((r) => r.file === file)!;

  describe.each(bootable)('$file, unpatched', (row) => {
    it.each(machinesFor(row).map((m) => [machineName(m), m] as const))('prints the entries its table has in state 0 or 2 (%s)', async (_name, m) => {
      const t = fixtureTable(row);
      assertBootMatches(await bootOnce(m, path.join(FIXTURES, row.file)), expectedLines(t, t.entries.map((e) => e.state)));
    });
  });

  describe.each(SCENARIOS.map((s) => [`${s.fixture}: kpatch ${s.name}`, s] as const))('%s', (_title, s) => {
    const row = rowOf(s.fixture);
    it('changes some entries (the plan is not empty)', () => {
      expect(patched.get(s)!.changed.length).toBeGreaterThan(0);
    });
    it.each(machinesFor(row).map((m) => [machineName(m), m] as const))('prints exactly the plan\'s result (%s)', async (_name, m) => {
      const t = fixtureTable(row);
      const { output, changed } = patched.get(s)!;
      const after = await bootOnce(m, output);
      assertBootMatches(after, expectedLines(t, statesAfter(t, changed)));
      // And against the unpatched boot: lines vanish exactly for the disabled entries, appear for the enabled ones.
      const before = await bootOnce(m, path.join(FIXTURES, row.file));
      const was = attached(before);
      const now = attached(after);
      const gone = [...was].filter((i) => !now.has(i)).sort((a, b) => a - b);
      const came = [...now].filter((i) => !was.has(i)).sort((a, b) => a - b);
      expect({ gone, came }).toEqual({
        gone: changed.filter((c) => c.new === 3 || c.new === 4).map((c) => c.index),
        came: changed.filter((c) => c.new === 0 || c.new === 2).map((c) => c.index),
      });
    });
    it('kpatch check --microvm agrees the patched kernel is PVH-bootable', () => {
      const r = kpatchCli(MAIN, ['check', patched.get(s)!.output, '--microvm', '--json']);
      const pvh = (JSON.parse(r.stdout) as { checks: { id: string; status: string }[] }).checks.filter((c) => c.id.startsWith('pvh-'));
      expect(pvh.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
    });
  });

  describe('teeth: a plan that writes the neighbouring byte (top byte of cf_unit)', () => {
    it.each(['netbsd-amd64', 'netbsd-i386'])('makes the boot assertion fail (%s)', async (file) => {
      const bytes = fixtureBytes(file);
      const kernel = inspectKernel(memorySource(bytes));
      const table = requireAutoconf(kernel);
      const plan = planOperations(table, [{ verb: 'disable', selectors: ['vio9p', 'com', 'xencons'] }]);
      // Test-only: every edit one byte early, its old bytes read from there so applyEdits accepts it.
      const wrong: Edit[] = plan.edits.map((e) => ({ ...e, offset: e.offset - 1, before: bytes.slice(e.offset - 1, e.offset - 1 + e.before.length), why: `test-only: ${e.why}, one byte early` }));
      const out = path.join(tmp, `${file}.wrong-offset`);
      fs.writeFileSync(out, applyEdits(bytes, wrong));
      const t = fixtureTable(rowOf(file));
      const predicted = expectedLines(t, statesAfter(t, plan.changes));
      const r = await bootOnce({ qemu: QEMU64!, machine: 'microvm' }, out);
      // The VM ran the routine to the end: the failure is about what it printed, not a crash.
      expect([r.status, r.lines[r.lines.length - 1]]).toEqual([DEBUG_EXIT_STATUS, 'done']);
      expect(() => assertBootMatches(r, predicted)).toThrow();
      // The entries the plan meant to disable still attach.
      for (const c of plan.changes) expect(attached(r).has(c.index)).toBe(true);
    });
  });

  describe('kernels without the PVH note', () => {
    describe.each(refused)('$file', (row) => {
      it.each(machinesFor(row).map((m) => [machineName(m), m] as const))('is refused by QEMU (%s)', async (_name, m) => {
        const r = await bootOnce(m, path.join(FIXTURES, row.file));
        expect({ status: r.status, lines: r.lines, timedOut: r.timedOut }).toEqual({ status: 1, lines: [], timedOut: false });
        expect(r.stderr).toContain('Error loading uncompressed kernel without PVH ELF Note');
      });
      it('and kpatch check --microvm predicts it: exit 1, pvh-note failed', () => {
        const r = kpatchCli(MAIN, ['check', path.join(FIXTURES, row.file), '--microvm', '--json']);
        expect(r.status).toBe(1);
        const j = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
        expect(j.ok).toBe(false);
        expect(j.checks.find((c) => c.id === 'pvh-note')!.status).toBe('fail');
      });
    });
    describe.each(bootable)('$file (has the note)', (row) => {
      it('kpatch check --microvm says the PVH checks pass', () => {
        const r = kpatchCli(MAIN, ['check', path.join(FIXTURES, row.file), '--microvm', '--json']);
        const j = JSON.parse(r.stdout) as { checks: { id: string; status: string }[] };
        expect(j.checks.filter((c) => c.id.startsWith('pvh-')).map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
      });
    });
  });
});
