/**
 * disable / enable / keep / apply on the committed fixtures, comparing whole output files byte
 * for byte with what the tables say the state bytes must become.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fixturePath, kernels, loadTable, type ManifestRow, readelfCapture, type Table } from '../support/fixtures';
import { runCli } from '../support/run-cli';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-patch-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const DISABLE: Record<number, number> = { 0: 4, 2: 3 };
const ENABLE: Record<number, number> = { 4: 0, 3: 2 };

/** Where each entry's state lives, computed from readelf's view of the cfdata symbol (not from kpatch). */
function stateOffsets(m: ManifestRow, table: Table): number[] {
  const re = readelfCapture(m.file);
  const sym = re.symbols.find((s) => s.name === 'cfdata')!;
  const sec = re.sections.find((s) => s.nr === Number(sym.ndx))!;
  const base = sec.off + Number(sym.value - sec.addr);
  const [entsize, field] = m.arch === 'i386' ? [24, m.layout === 'short' ? 10 : 11] : [48, m.layout === 'short' ? 18 : 19];
  return table.entries.map((_, i) => base + i * entsize + field);
}

/** The file `bytes` with entry states replaced by `states`, encoded in the fixture's layout. */
function withStates(bytes: Buffer, m: ManifestRow, table: Table, states: number[]): Buffer {
  const out = Buffer.from(bytes);
  stateOffsets(m, table).forEach((off, i) => {
    if (m.layout === 'short') out.writeInt16LE(states[i], off);
    else out[off] = states[i];
  });
  return out;
}

const read = (p: string) => fs.readFileSync(p);
const copy = (file: string) => {
  const p = path.join(dir, file);
  fs.copyFileSync(fixturePath(file), p);
  return p;
};

describe.each(kernels.map((m) => [m.file, m] as const))('%s', (file, m) => {
  const table = loadTable(m.table!);
  const original = read(fixturePath(file));
  const states = table.entries.map((e) => e.state);
  // One wildcard entry and one explicit-unit entry, the first enabled of each.
  const star = table.entries.findIndex((e) => e.state === 2);
  const norm = table.entries.findIndex((e) => e.state === 0 && e.parent !== null);

  it('disable changes exactly the planned bytes, and enable gives the original back', async () => {
    const out = path.join(dir, 'out');
    const r = await runCli(['disable', `#${star}`, `#${norm}`, '-k', fixturePath(file), '-o', out, '--json']);
    expect(r.code).toBe(0);
    const want = states.slice();
    want[star] = DISABLE[states[star]];
    want[norm] = DISABLE[states[norm]];
    expect(read(out).equals(withStates(original, m, table, want))).toBe(true);
    const json = JSON.parse(r.out);
    const offs = stateOffsets(m, table);
    expect(json.changed.map((c: { index: number; offset: number; old: number; new: number }) => [c.index, c.offset, c.old, c.new])).toEqual(
      [star, norm].sort((a, b) => a - b).map((i) => [i, offs[i], states[i], want[i]]),
    );
    expect(json.modified).toBe(true);
    expect(read(fixturePath(file)).equals(original)).toBe(true);

    const back = path.join(dir, 'back');
    const e = await runCli(['enable', `#${star}`, `#${norm}`, '-k', out, '-o', back]);
    expect(e.code).toBe(0);
    expect(read(back).equals(original)).toBe(true);
  });

  it('a second disable is "already disabled" and writes nothing', async () => {
    const k = copy(file);
    expect((await runCli(['disable', `#${star}`, '-k', k, '--in-place'])).code).toBe(0);
    const once = read(k);
    const mtime = fs.statSync(k).mtimeMs;
    const r = await runCli(['disable', `#${star}`, '-k', k, '--in-place']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/already disabled/);
    expect(r.out).toMatch(/kernel not modified/);
    expect(read(k).equals(once)).toBe(true);
    expect(fs.statSync(k).mtimeMs).toBe(mtime);
  });

  it('--dry-run and --check write nothing; --check exits 1 only when something would change', async () => {
    const k = copy(file);
    const dry = await runCli(['disable', `#${star}`, '-k', k, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`0x${stateOffsets(m, table)[star].toString(16)}: ${m.layout === 'short' ? '0200 -> 0300' : '02 -> 03'}`);
    expect((await runCli(['disable', `#${star}`, '-k', k, '--check'])).code).toBe(1);
    expect(read(k).equals(original)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([file]);
    await runCli(['disable', `#${star}`, '-k', k, '--in-place']);
    expect((await runCli(['disable', `#${star}`, '-k', k, '--check'])).code).toBe(0);
  });

  it('.gz output round-trips and --in-place keeps gzip', async () => {
    const gz = path.join(dir, 'k.gz');
    expect((await runCli(['disable', `#${star}`, '-k', fixturePath(file), '-o', gz])).code).toBe(0);
    const want = states.slice();
    want[star] = DISABLE[states[star]];
    expect(zlib.gunzipSync(read(gz)).equals(withStates(original, m, table, want))).toBe(true);
    expect((await runCli(['enable', `#${star}`, '-k', gz, '--in-place'])).code).toBe(0);
    expect(read(gz).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    expect(zlib.gunzipSync(read(gz)).equals(original)).toBe(true);
  });
});

/** Entries that can be a parent of entry `i`, worked out from the table alone. */
function parentsOf(table: Table, i: number): number[] {
  const p = table.entries[i].parent;
  if (!p) return [];
  return table.entries
    .map((e, j) => ({ e, j }))
    .filter(({ e, j }) => {
      if (j === i && !e.star) return false;
      if (p.driver !== null) return e.driver === p.driver && (p.unit === -1 || e.star || e.unit === p.unit);
      return table.drivers.some((d) => d.name === e.driver && d.attrs.includes(p.iattr));
    })
    .map(({ j }) => j);
}

function keepClosure(table: Table, drivers: string[]): Set<number> {
  const keep = new Set(table.entries.flatMap((e, i) => (drivers.includes(e.driver) ? [i] : [])));
  const stack = [...keep];
  while (stack.length) {
    for (const p of parentsOf(table, stack.pop()!)) {
      if (!keep.has(p)) {
        keep.add(p);
        stack.push(p);
      }
    }
  }
  return keep;
}

describe('keep', () => {
  it.each([
    ['netbsd-amd64', ['ld', 'vioif', 'viocon'], ['mainbus', 'pv', 'virtio']],
    ['netbsd-amd64-generic', ['wd', 'vioif', 'wsdisplay'], ['atabus', 'piixide', 'pci', 'ppb', 'mainbus', 'virtio', 'vga', 'pcdisplay', 'isa', 'pcib']],
    ['netbsd-i386-old', ['wd', 'com'], ['atabus', 'piixide', 'pci', 'isa', 'acpi', 'mainbus']],
    ['netbsd-aarch64', ['ld', 'plcom'], ['virtio', 'simplebus', 'armfdt']],
  ])('%s keep %j keeps their ancestors, including interface-attribute parents', async (file, keepList, mustKeep) => {
    const m = kernels.find((k) => k.file === file)!;
    const table = loadTable(m.table!);
    const closure = keepClosure(table, keepList);
    for (const d of mustKeep) expect(table.entries.some((e, i) => e.driver === d && closure.has(i))).toBe(true);
    const out = path.join(dir, 'out');
    const r = await runCli(['keep', ...keepList, '-k', fixturePath(file), '-o', out, '--json']);
    expect(r.code).toBe(0);
    const want = table.entries.map((e, i) => (closure.has(i) ? (ENABLE[e.state] ?? e.state) : (DISABLE[e.state] ?? e.state)));
    expect(read(out).equals(withStates(read(fixturePath(file)), m, table, want))).toBe(true);
    const json = JSON.parse(r.out);
    const ancestors = [...closure].filter((i) => !keepList.includes(table.entries[i].driver)).sort((a, b) => a - b);
    expect(json.keptAncestors.map((a: { index: number }) => a.index).sort((a: number, b: number) => a - b)).toEqual(ancestors);
  });

  it('--no-ancestors keeps only the named drivers and warns that they can never attach', async () => {
    const m = kernels.find((k) => k.file === 'netbsd-amd64')!;
    const table = loadTable(m.table!);
    const out = path.join(dir, 'out');
    const r = await runCli(['keep', 'ld', '--no-ancestors', '-k', fixturePath(m.file), '-o', out]);
    expect(r.code).toBe(0);
    const want = table.entries.map((e) => (e.driver === 'ld' || e.parent === null ? (e.parent === null ? DISABLE[e.state] : e.state) : DISABLE[e.state]));
    expect(read(out).equals(withStates(read(fixturePath(m.file)), m, table, want))).toBe(true);
    expect(r.err).toMatch(/ld\* can never attach/);
    expect(r.err).toMatch(/disabling root entry #0 mainbus0 has no effect/);
  });
});

describe('the disabled fixture', () => {
  it('disable xenbus* xencons* com0 vio9p* on netbsd-amd64 reproduces netbsd-amd64-disabled byte for byte', async () => {
    const out = path.join(dir, 'out');
    const r = await runCli(['disable', 'xenbus*', 'xencons*', 'com0', 'vio9p*', '-k', fixturePath('netbsd-amd64'), '-o', out]);
    expect(r.code).toBe(0);
    expect(read(out).equals(read(fixturePath('netbsd-amd64-disabled')))).toBe(true);
    const back = path.join(dir, 'back');
    expect((await runCli(['enable', 'xenbus', 'xencons', 'com', 'vio9p', '-k', out, '-o', back])).code).toBe(0);
    expect(read(back).equals(read(fixturePath('netbsd-amd64')))).toBe(true);
  });
});

describe('refusals leave nothing behind', () => {
  it('a state of 1 (FOUND) on disk is refused', async () => {
    const m = kernels.find((k) => k.file === 'netbsd-amd64')!;
    const table = loadTable(m.table!);
    const k = path.join(dir, 'k');
    const states = table.entries.map((e) => e.state);
    states[10] = 1;
    fs.writeFileSync(k, withStates(read(fixturePath(m.file)), m, table, states));
    const before = read(k);
    const r = await runCli(['disable', '#10', '-k', k, '--in-place']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kpatch: entry #10 ld0 has state 1 \(found\) on disk: refusing to disable it/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(read(k).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['k']);
  });

  it.each([
    [['disable', 'ld', '-k', 'K'], /^kpatch: no output: give -o FILE/],
    [['disable', 'ld', '-k', 'K', '-o', 'K'], /^kpatch: output .* is the input: use --in-place/],
    [['disable', 'nosuch', '-k', 'K', '-o', 'OUT'], /^kpatch: no driver 'nosuch' in this kernel/],
    [['disable', 'ld7', '-k', 'K', '-o', 'OUT'], /^kpatch: no entry ld7: ld has ld\*$/m],
    [['disable', 'com5', '-k', 'K', '-o', 'OUT'], /^kpatch: no entry com5: com has com0/],
    [['disable', '#99', '-k', 'K', '-o', 'OUT'], /^kpatch: no entry #99: the table has entries #0 to #16/],
    [['disable', 'ld', '--at', 'pci', '-k', 'K', '-o', 'OUT'], /^kpatch: no entry of ld attaches at 'pci'/],
    [['disable', 'ld', '-k', 'K', '-o', 'OUT', '--in-place'], /^kpatch: give either -o FILE or --in-place, not both/],
    [['disable', 'ld', '-k', 'K', '--dry-run', '--check'], /^kpatch: give either --dry-run or --check, not both/],
    [['disable', 'ld', '-k', 'NOFILE', '-o', 'OUT'], /^kpatch: cannot read .*nofile: no such file$/m],
  ])('%j', async (args, message) => {
    const k = copy('netbsd-amd64');
    const before = read(k);
    const argv = args.map((a) => (a === 'K' ? k : a === 'OUT' ? path.join(dir, 'out') : a === 'NOFILE' ? path.join(dir, 'nofile') : a));
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(read(k).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['netbsd-amd64']);
  });
});
