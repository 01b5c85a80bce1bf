/**
 * `kpatch confkerndev` runs confkerndev's command lines as smolBSD's Makefiles type them, on the
 * GENERIC-shaped fixture. The written kernel is compared byte for byte with what the fixture's
 * table says: every entry of a driver not on the keep list disabled as userconf does (0 -> 4,
 * 2 -> 3), nothing else touched; offsets come from the readelf capture, not from kpatch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseNameList } from '../../src/cli/commands/confkerndev';
import { fixturePath, loadTable, manifest, readelfCapture } from '../support/fixtures';
import { runCli } from '../support/run-cli';

const FIXTURE = 'netbsd-amd64-generic';
const m = manifest.find((r) => r.file === FIXTURE)!;
const table = loadTable(m.table!);
const DISABLE: Record<number, number> = { 0: 4, 2: 3 };

/** smolBSD Makefile (BIOSBOOT=y SMOLIFY=y): confkerndev -v -i kernels/${BIOSKERNEL}.SMOL -w -k ... */
const SMOLBSD_KEEP = ['mainbus', 'cpu', 'acpicpu', 'ioapic', 'pci', 'isa', 'pcdisplay', 'wsdisplay', 'com', 'virtio', 'ld', 'vioif', 'qemufwcfg'];

function stateOffset(i: number): number {
  const re = readelfCapture(FIXTURE);
  const sym = re.symbols.find((s) => s.name === 'cfdata')!;
  const sec = re.sections.find((s) => s.nr === Number(sym.ndx))!;
  return sec.off + Number(sym.value - sec.addr) + i * 48 + 19;
}

/** The fixture with every entry whose driver is not kept disabled, from the table alone. */
function keptOnly(keep: readonly string[]): Buffer {
  const out = Buffer.from(fs.readFileSync(fixturePath(FIXTURE)));
  table.entries.forEach((e, i) => {
    if (!keep.includes(e.driver)) out[stateOffset(i)] = DISABLE[e.state];
  });
  return out;
}

let dir: string;
let kernel: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-confkerndev-'));
  kernel = path.join(dir, 'netbsd-GENERIC.SMOL');
  fs.copyFileSync(fixturePath(FIXTURE), kernel);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('kpatch confkerndev', () => {
  it("runs smolBSD's own line: -v -i K -w -k mainbus -k cpu ... -k qemufwcfg", async () => {
    expect(SMOLBSD_KEEP.every((d) => table.entries.some((e) => e.driver === d))).toBe(true);
    const r = await runCli(['confkerndev', '-v', '-i', kernel, '-w', ...SMOLBSD_KEEP.flatMap((d) => ['-k', d])]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(kernel).equals(keptOnly(SMOLBSD_KEEP))).toBe(true);
    const disabled = table.entries.filter((e) => !SMOLBSD_KEEP.includes(e.driver));
    // -v: one plan line per disabled entry, then the note and the write.
    expect(r.out.split('\n').filter((l) => l.startsWith('disable '))).toHaveLength(disabled.length);
    expect(r.out).toContain(`wrote ${kernel}: ${disabled.length} disabled, ${disabled.length} bytes changed, verified\n`);
    // confkerndev keeps no ancestors; kpatch says which ones kpatch keep would have kept (acpi0 parents com* and qemufwcfg*).
    expect(r.out).toMatch(/^note: kpatch keep would also keep \d+ ancestors of the kept drivers, which this run disables: .*#11 acpi0/m);
    expect(r.err).toContain('warning: #12 com* can never attach: every possible parent is disabled or unreachable\n');
  });

  it('-K FILE (smolBSD 2023: -v -i K -K virtio.list -w) is the same as the -k names', async () => {
    fs.writeFileSync(path.join(dir, 'virtio.list'), `${SMOLBSD_KEEP.join('\n')}\n`);
    const r = await runCli(['confkerndev', '-v', '-i', kernel, '-K', path.join(dir, 'virtio.list'), '-w']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(kernel).equals(keptOnly(SMOLBSD_KEEP))).toBe(true);
  });

  it('without -w nothing is written; without -v only the outcome is printed', async () => {
    const r = await runCli(['confkerndev', '-i', kernel, '-k', 'mainbus']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('disable [');
    expect(r.out).toContain(`${table.entries.length - 1} entries would change; nothing written (give -w to write)\n`);
    expect(fs.readFileSync(kernel).equals(fs.readFileSync(fixturePath(FIXTURE)))).toBe(true);
  });

  it('-d disables just those drivers, and -D reads them from a file', async () => {
    fs.writeFileSync(path.join(dir, 'off'), '# no USB\nehci uhci\n\nusb\n');
    const r = await runCli(['confkerndev', '-i', kernel, '-d', 'wm', '-D', path.join(dir, 'off'), '-w']);
    expect(r.code).toBe(0);
    const want = Buffer.from(fs.readFileSync(fixturePath(FIXTURE)));
    table.entries.forEach((e, i) => {
      if (['wm', 'ehci', 'uhci', 'usb'].includes(e.driver)) want[stateOffset(i)] = DISABLE[e.state];
    });
    expect(fs.readFileSync(kernel).equals(want)).toBe(true);
  });

  it('a name the kernel lacks is skipped with a warning, so one list serves several kernels', async () => {
    const r = await runCli(['confkerndev', '-i', kernel, '-w', ...[...SMOLBSD_KEEP, 'viocon'].flatMap((d) => ['-k', d])]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning: -k viocon: no driver 'viocon' in this kernel");
    expect(fs.readFileSync(kernel).equals(keptOnly(SMOLBSD_KEEP))).toBe(true);
  });

  it('-l lists the driver names, once each, in table order', async () => {
    const r = await runCli(['confkerndev', '-i', kernel, '-l']);
    expect(r.code).toBe(0);
    expect(r.out).toBe([...new Set(table.entries.map((e) => e.driver))].map((d) => `${d}\n`).join(''));
  });

  it('no action lists the entries with their state', async () => {
    const r = await runCli(['confkerndev', '-i', kernel]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toHaveLength(table.entries.length);
  });

  it('refuses a keep list that names no driver of the kernel, and an empty list file', async () => {
    const a = await runCli(['confkerndev', '-i', kernel, '-w', '-k', 'nosuch']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('kpatch: no -k name is a driver of this kernel: refusing to disable every entry\n');
    fs.writeFileSync(path.join(dir, 'empty'), '# nothing\n');
    const b = await runCli(['confkerndev', '-i', kernel, '-w', '-K', path.join(dir, 'empty')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('no driver names in the file');
    expect(fs.readFileSync(kernel).equals(fs.readFileSync(fixturePath(FIXTURE)))).toBe(true);
  });

  it('reads name lists as smolBSD writes them', () => {
    expect(parseNameList('mainbus\ncpu\n\n# comment\nld vioif # trailing\n\t com\n')).toEqual(['mainbus', 'cpu', 'ld', 'vioif', 'com']);
  });
});
