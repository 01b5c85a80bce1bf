/**
 * End-to-end on aarch64: boot the raw arm64 Image fixture the way smolBSD boots
 * netbsd-SMOL-aarch64.img (`qemu-system-aarch64 -M virt -cpu cortex-a53 -kernel <image>`). Its
 * entry code (test/fixtures/src/locore_arm64.S) walks the kernel's own cfdata, prints
 * `attach <index> <driver><unit|*>` on the PL011 for every entry in state 0 or 2, then `done`,
 * and powers off through PSCI (QEMU exits 0). Expected lines come from the fixture tables; where
 * the state bytes are comes from the readelf capture of the ELF the image was made from and the
 * manifest's link base, never from kpatch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTable, type Table } from '../support/fixtures';
import { capturedSymbol, portPath, portRow, type PortRow } from '../support/ports';
import { runCli } from '../support/run-cli';
import { type BootResult, runVm, which } from './qemu';

jest.setTimeout(120_000);

/** The Debian package that provides qemu-system-aarch64. */
const QEMU_ARM_PACKAGE = 'qemu-system-arm';
const QEMU = which('qemu-system-aarch64');
const REQUIRE_QEMU = process.env.KPATCH_REQUIRE_QEMU === '1';

if (!QEMU) {
  if (REQUIRE_QEMU) {
    describe('aarch64 QEMU boot tests', () => {
      it('need qemu-system-aarch64 (KPATCH_REQUIRE_QEMU=1)', () => {
        throw new Error(`qemu-system-aarch64 is not on PATH but KPATCH_REQUIRE_QEMU=1: install the Debian package ${QEMU_ARM_PACKAGE}`);
      });
    });
  } else {
    process.stderr.write(`kpatch: skipping the aarch64 QEMU boot tests: qemu-system-aarch64 not found (Debian package ${QEMU_ARM_PACKAGE})\n`);
  }
}
const describeBoot = QEMU ? describe : describe.skip;

/** The command line smolBSD's startnb.sh shape uses for aarch64, minus the devices the fixture does not need. */
const vmArgs = (image: string, cpu = 'cortex-a53') => ['-M', 'virt', '-cpu', cpu, '-m', '128', '-nodefaults', '-display', 'none', '-serial', 'stdio', '-kernel', image];

/** What the entry code prints for these states: one line per entry in state 0 (unit) or 2 (`*`), then `done`. */
function expectedLines(t: Table, states: readonly number[]): string[] {
  return [...t.entries.flatMap((e, i) => (states[i] === 0 ? [`attach ${i} ${e.driver}${e.unit}`] : states[i] === 2 ? [`attach ${i} ${e.driver}*`] : [])), 'done'];
}

function assertBoot(r: BootResult, expected: readonly string[]): void {
  expect({ command: r.command, timedOut: r.timedOut, status: r.status, lines: r.lines }).toEqual({ command: r.command, timedOut: false, status: 0, lines: expected });
}

/** File offset of entry `i`'s state byte in a raw image: cfdata's link address (readelf) minus the image's link base, +19 (LP64 bitfield). */
function stateOffset(row: PortRow, i: number): number {
  const cfdata = capturedSymbol(row.from!, 'cfdata');
  return Number(cfdata.value - BigInt(row.linkBase!)) + i * 48 + 19;
}

const IMAGE = 'netbsd-aarch64-microvm.img';
const DISABLED = 'netbsd-aarch64-microvm-disabled.img';

describeBoot('QEMU -M virt boots of the raw arm64 Image', () => {
  let tmp = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-arm64-'));
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['cortex-a53', 'cortex-a57'])('the unpatched image prints every entry its table has in state 0 or 2 (-cpu %s)', async (cpu) => {
    const t = loadTable(portRow(IMAGE).table!);
    assertBoot(await runVm(QEMU!, vmArgs(portPath(IMAGE), cpu)), expectedLines(t, t.entries.map((e) => e.state)));
  });

  it('the image with four entries disabled in its table prints exactly the others', async () => {
    const row = portRow(DISABLED);
    const t = loadTable(row.table!);
    const base = loadTable(portRow(IMAGE).table!);
    const before = await runVm(QEMU!, vmArgs(portPath(IMAGE)));
    const after = await runVm(QEMU!, vmArgs(portPath(DISABLED)));
    assertBoot(after, expectedLines(t, t.entries.map((e) => e.state)));
    const gone = before.lines.filter((l) => !after.lines.includes(l)).map((l) => Number(/^attach (\d+) /.exec(l)![1]));
    expect(gone).toEqual(base.entries.flatMap((e, i) => (e.state !== t.entries[i].state ? [i] : [])));
  });

  it('the two images differ in exactly those state bytes, where the readelf capture puts them', () => {
    const a = fs.readFileSync(portPath(IMAGE));
    const b = fs.readFileSync(portPath(DISABLED));
    const t = loadTable(portRow(DISABLED).table!);
    const base = loadTable(portRow(IMAGE).table!);
    const differing = [...a.keys()].filter((i) => a[i] !== b[i]);
    expect(differing).toEqual(base.entries.flatMap((e, i) => (e.state !== t.entries[i].state ? [stateOffset(portRow(IMAGE), i)] : [])));
  });

  it('kpatch disable on the raw image itself: the boot loses exactly the planned entries', async () => {
    const row = portRow(IMAGE);
    const t = loadTable(row.table!);
    const img = path.join(tmp, 'patched.img');
    fs.copyFileSync(portPath(IMAGE), img);
    // One wildcard leaf, one wildcard with no children, one explicit-unit entry: by the table.
    const picks = [t.entries.findIndex((e) => e.driver === 'vioif'), t.entries.findIndex((e) => e.driver === 'plrtc'), t.entries.findIndex((e) => e.state === 0 && e.parent !== null)];
    const r = await runCli(['disable', ...picks.map((i) => `#${i}`), '-k', img, '--in-place', '--json']);
    expect(r.code).toBe(0);
    const states = t.entries.map((e, i) => (picks.includes(i) ? ({ 0: 4, 2: 3 } as Record<number, number>)[e.state] : e.state));
    // The plan kpatch printed names exactly those entries, with the table's old and new states, at the state bytes.
    expect(JSON.parse(r.out).changed.map((c: { index: number; offset: number; old: number; new: number }) => [c.index, c.offset, c.old, c.new])).toEqual(
      [...picks].sort((a, b) => a - b).map((i) => [i, stateOffset(row, i), t.entries[i].state, states[i]]),
    );
    const before = await runVm(QEMU!, vmArgs(portPath(IMAGE)));
    const after = await runVm(QEMU!, vmArgs(img));
    assertBoot(after, expectedLines(t, states));
    const gone = before.lines.filter((l) => !after.lines.includes(l)).map((l) => Number(/^attach (\d+) /.exec(l)![1]));
    expect(gone).toEqual([...picks].sort((a, b) => a - b));
  });

  it('teeth: writing the byte before each state byte (top byte of cf_unit) leaves the entries attached', async () => {
    const row = portRow(IMAGE);
    const t = loadTable(row.table!);
    const bytes = fs.readFileSync(portPath(IMAGE));
    const targets = [12, 15, 18]; // STAR entries: qemufwcfg*, vioif*, vio9p*
    for (const i of targets) bytes[stateOffset(row, i) - 1] = 3;
    const wrong = path.join(tmp, 'wrong.img');
    fs.writeFileSync(wrong, bytes);
    const r = await runVm(QEMU!, vmArgs(wrong));
    const predicted = expectedLines(t, t.entries.map((e, i) => (targets.includes(i) ? 3 : e.state)));
    expect([r.status, r.lines[r.lines.length - 1]]).toEqual([0, 'done']);
    expect(() => assertBoot(r, predicted)).toThrow();
    for (const i of targets) expect(r.lines).toContain(`attach ${i} ${t.entries[i].driver}*`);
  });
});
