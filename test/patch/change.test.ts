/**
 * change: locators and flags written exactly. Expected bytes come from the fixture tables and
 * readelf captures (loc[] and cfdata offsets, int32 values encoded here with Buffer), or from the
 * builder's own record of where it put each run — never from kpatch's reader.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import { parseUserconfNumber } from '../../src/netbsd/format';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { applyEdits } from '../../src/patch/apply';
import { type Assignment, parseAssignment } from '../../src/patch/change';
import { planOperations } from '../../src/patch/plan';
import { parsePatchScript } from '../../src/patch/script';
import { buildKernel, type KernelTable } from '../support/build-kernel';
import { expectKpatchError } from '../support/errors';
import { fixturePath, kernels, loadTable, type ManifestRow, readelfCapture, type Table } from '../support/fixtures';
import { runCli } from '../support/run-cli';
import { PORTS, portPath, portsManifest } from '../support/ports';
import { MICROVM, withEntries } from '../support/tables';

const set = (...words: string[]): Assignment[] => words.map((w) => parseAssignment(w, parseUserconfNumber));
const diff = (a: Uint8Array, b: Uint8Array) => [...a].flatMap((x, i) => (x === b[i] ? [] : [i]));

/** `bytes` with int32 `value` at `offset`, in `endian`. */
function withInt(bytes: Uint8Array, offset: number, value: number, endian: 'little' | 'big' = 'little'): Buffer {
  const out = Buffer.from(bytes);
  if (endian === 'little') out.writeInt32LE(value | 0, offset);
  else out.writeInt32BE(value | 0, offset);
  return out;
}

describe('parseAssignment', () => {
  it.each([
    ['port=0x2f8', { name: 'port', value: 0x2f8 }],
    ['IRQ=3', { name: 'irq', value: 3 }],
    ['drq=?', { name: 'drq', value: '?' }],
    ['iomem=0xfed40000', { name: 'iomem', value: -19660800 }],
    ['flags=010', { name: 'flags', value: 8 }],
    ['irq=-1', { name: 'irq', value: -1 }],
  ])('%s', (word, want) => expect(set(word)).toEqual([want]));

  it.each([
    ['port', 'bad change'],
    ['port=', "bad value '' for port"],
    ['port=0x1g', "bad value '0x1g' for port"],
    ['port=4294967296', 'fits 32 bits'],
    ['flags=?', 'flags has no default'],
    ['=3', 'bad change'],
  ])('%s is refused', (word, message) => {
    expectKpatchError(() => set(word), 'USAGE', message);
  });
});

describe.each([
  ['amd64', 'bitfield'],
  ['i386', 'bitfield'],
  ['amd64', 'short'],
  ['aarch64', 'bitfield'],
] as const)('change on a built %s kernel, %s cfdata', (arch, variant) => {
  const table: KernelTable = variant === 'short' ? { ...MICROVM, version: 903000000, osrelease: '9.3' } : MICROVM;
  const k = buildKernel(table, { arch, variant });
  const t = requireAutoconf(inspectKernel(memorySource(k.bytes)));
  // cf_flags: after name, atname, unit/fstate (4 bytes either way) and cf_loc: +32 on LP64, +16 on ILP32 (fixture README).
  const flagsOffset = (i: number) => k.entryOffset(i) + (arch === 'i386' ? 16 : 32);
  const com0 = 4;

  it('writes the named locators into the cf_loc run, and nothing else', () => {
    const plan = planOperations(t, [{ verb: 'change', selectors: ['com0'], set: set('port=0x2f8', 'irq=3') }]);
    const want = withInt(withInt(k.bytes, k.locOffset(com0)!, 0x2f8), k.locOffset(com0)! + 4 * 4, 3);
    expect(Buffer.from(applyEdits(k.bytes, plan.edits)).equals(want)).toBe(true);
    expect(plan.fieldChanges.map((f) => [f.index, f.field, f.old, f.new])).toEqual([
      [com0, 'port', 0x3f8, 0x2f8],
      [com0, 'irq', 4, 3],
    ]);
    expect(plan.changes).toEqual([]);
    // Read back, the entry says what was asked.
    const after = requireAutoconf(inspectKernel(memorySource(applyEdits(k.bytes, plan.edits)))).entries[com0];
    expect(after.locators.map((l) => [l.name, l.value])).toEqual([['port', 0x2f8], ['size', 0], ['iomem', -1], ['iosiz', 0], ['irq', 3], ['drq', -1], ['drq2', -1]]);
  });

  it('? writes the default config(1) writes for ?, and flags go into cf_flags', () => {
    const plan = planOperations(t, [{ verb: 'change', selectors: ['#4'], set: set('irq=?', 'flags=0x10') }]);
    const want = withInt(withInt(k.bytes, k.locOffset(com0)! + 4 * 4, -1), flagsOffset(com0), 0x10);
    expect(Buffer.from(applyEdits(k.bytes, plan.edits)).equals(want)).toBe(true);
  });

  it('a value that is already there plans nothing', () => {
    const plan = planOperations(t, [{ verb: 'change', selectors: ['com0'], set: set('port=0x3f8', 'flags=0') }]);
    expect(plan.edits).toEqual([]);
  });

  it('the last of several changes to one field wins, and state edits join the same plan', () => {
    const plan = planOperations(t, [
      { verb: 'change', selectors: ['com0'], set: set('irq=5') },
      { verb: 'disable', selectors: ['vioif'] },
      { verb: 'change', selectors: ['com0'], set: set('irq=7') },
    ]);
    const want = withInt(k.bytes, k.locOffset(com0)! + 16, 7);
    const stateAt = k.entryOffset(8) + k.stateField.offset;
    if (k.stateField.size === 1) want[stateAt] = 3;
    else want.writeInt16LE(3, stateAt);
    expect(Buffer.from(applyEdits(k.bytes, plan.edits)).equals(want)).toBe(true);
  });
});

describe("change encodes in the table's byte order", () => {
  it('a big-endian table gets big-endian ints (the same table read as big-endian: only the encoding differs)', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
    const t = requireAutoconf(inspectKernel(memorySource(k.bytes)));
    const big = { ...t, endian: 'big' as const };
    const plan = planOperations(big, [{ verb: 'change', selectors: ['com0'], set: set('port=0x2f8', 'flags=0x10') }]);
    const edits = plan.edits.map((e) => [e.offset, Buffer.from(e.before).toString('hex'), Buffer.from(e.after).toString('hex')]);
    expect(edits.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      [
        [k.entryOffset(4) + 32, '00000000', '00000010'],
        [k.locOffset(4)!, '000003f8', '000002f8'],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });
});

describe('change refuses what it cannot do', () => {
  const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
  const t = requireAutoconf(inspectKernel(memorySource(k.bytes)));
  it.each([
    ['com0', 'prot=1', 'NO_SUCH_DEVICE', "#4 com0 has no locator 'prot' (its locators: port size iomem iosiz irq drq drq2; and flags)"],
    ['vioif', 'irq=1', 'NO_SUCH_DEVICE', '#8 vioif* has no locators: its parent attribute virtio declares none (only flags)'],
    ['mainbus', 'irq=1', 'NO_SUCH_DEVICE', '#0 mainbus0 attaches at root: it has no locators (only flags)'],
    ['nosuch', 'irq=1', 'NO_SUCH_DEVICE', "no driver 'nosuch'"],
  ])('change %s %s', (sel, word, code, message) => {
    expectKpatchError(() => planOperations(t, [{ verb: 'change', selectors: [sel], set: set(word) }]), code, message);
  });

  it('a locator without a default cannot be wildcarded, as config(1) says', () => {
    const table = withEntries({ ...MICROVM, iattrs: { ...MICROVM.iattrs, ata_hl: [{ name: 'drive', default: null }] } }, (es) => es.map((e) => (e.driver === 'wd' ? { ...e, locators: [0] } : e)));
    const b = buildKernel(table, { arch: 'amd64', variant: 'bitfield' });
    const tt = requireAutoconf(inspectKernel(memorySource(b.bytes)));
    expectKpatchError(() => planOperations(tt, [{ verb: 'change', selectors: ['wd'], set: set('drive=?') }]), 'USAGE', 'cannot wildcard drive of #11 wd*: the locator has no default');
    const ok = planOperations(tt, [{ verb: 'change', selectors: ['wd'], set: set('drive=1') }]);
    expect(Buffer.from(applyEdits(b.bytes, ok.edits)).equals(withInt(b.bytes, b.locOffset(11)!, 1))).toBe(true);
  });

  it('without cfdriver_list_initial the locators have no names; flags still work', () => {
    const b = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', omit: ['cfdriver_list_initial'] });
    const tt = requireAutoconf(inspectKernel(memorySource(b.bytes)));
    expectKpatchError(() => planOperations(tt, [{ verb: 'change', selectors: ['com0'], set: set('irq=3') }]), 'NO_SUCH_DEVICE', 'locators of #4 com0 are unknown: the kernel has no cfdriver_list_initial');
    const ok = planOperations(tt, [{ verb: 'change', selectors: ['com0'], set: set('flags=1') }]);
    expect(Buffer.from(applyEdits(b.bytes, ok.edits)).equals(withInt(b.bytes, b.entryOffset(4) + 32, 1))).toBe(true);
  });
});

describe('locator runs shared by config -P', () => {
  // amd64 GENERIC-shaped: pckbc0, pcdisplay0, vga0 and pcppi0 at isa? have equal runs; cpu*, ioapic* (apid), pci* (bus),
  // wd* (drive) ... hold one -1, the tail of those runs. -P packs them together.
  const generic = loadTable('generic.json') as unknown as KernelTable;
  const packed = buildKernel(generic, { arch: 'amd64', variant: 'bitfield', packLocators: true });
  const plain = buildKernel(generic, { arch: 'amd64', variant: 'bitfield' });
  const tp = requireAutoconf(inspectKernel(memorySource(packed.bytes)));
  const tu = requireAutoconf(inspectKernel(memorySource(plain.bytes)));
  const idx = (driver: string, unit: number) => generic.entries.findIndex((e) => e.driver === driver && e.unit === unit && !e.star);
  const pckbc0 = idx('pckbc', 0);
  const sharers = [idx('pckbc', 0), idx('pcdisplay', 0), idx('vga', 0), idx('pcppi', 0)];

  it('the builder really shares them, and the reader reads a packed table as the plain one', () => {
    expect(new Set(sharers.map((i) => packed.locOffset(i))).size).toBe(1);
    expect(new Set(sharers.map((i) => plain.locOffset(i))).size).toBe(4);
    expect(tp.entries.map((e) => e.locators)).toEqual(tu.entries.map((e) => e.locators));
  });

  it('refuses to change one entry behind the others’ backs, naming them', () => {
    expectKpatchError(
      () => planOperations(tp, [{ verb: 'change', selectors: ['pckbc0'], set: set('irq=1') }]),
      'SHARED_LOCATORS',
      `refusing to change irq of #${pckbc0} pckbc0: its cf_loc int at byte 0x${(packed.locOffset(pckbc0)! + 16).toString(16)} is shared with #${sharers[1]} pcdisplay0 (irq), #${sharers[2]} vga0 (irq), #${sharers[3]} pcppi0 (irq) (config -P packs equal locator runs)`,
    );
  });

  it('a run that is the tail of another is shared too, under another locator name', () => {
    const cpu = generic.entries.findIndex((e) => e.driver === 'cpu');
    // pack.c reuses the first tail that matches: here the last int of an isa run (drq2), so 27 entries share cpu's -1,
    // pchb's function among them; the message names the first eight.
    expectKpatchError(
      () => planOperations(tp, [{ verb: 'change', selectors: ['cpu'], set: set('apid=0') }]),
      'SHARED_LOCATORS',
      /^refusing to change apid of #6 cpu\*: .* shared with #8 ioapic\* \(apid\), #16 pci\* \(bus\), #17 pchb\* \(function\), .* and 19 more \(config -P/,
    );
    // Unpacked, the same change touches cpu's own int only.
    const ok = planOperations(tu, [{ verb: 'change', selectors: ['cpu'], set: set('apid=0') }]);
    expect(diff(plain.bytes, applyEdits(plain.bytes, ok.edits))).toEqual([plain.locOffset(cpu)!, plain.locOffset(cpu)! + 1, plain.locOffset(cpu)! + 2, plain.locOffset(cpu)! + 3]);
  });

  it('changing every sharer to the same value is allowed: one write of the shared int', () => {
    const plan = planOperations(tp, [{ verb: 'change', selectors: ['pckbc0', 'pcdisplay0', 'vga0', 'pcppi0'], set: set('irq=1') }]);
    expect(Buffer.from(applyEdits(packed.bytes, plan.edits)).equals(withInt(packed.bytes, packed.locOffset(pckbc0)! + 16, 1))).toBe(true);
    expect(plan.fieldChanges.map((f) => f.index)).toEqual([...sharers].sort((a, b) => a - b));
  });

  it('sharers asked for different values are refused', () => {
    expectKpatchError(
      () =>
        planOperations(tp, [
          { verb: 'change', selectors: ['pckbc0', 'pcdisplay0', 'vga0'], set: set('irq=1') },
          { verb: 'change', selectors: ['pcppi0'], set: set('irq=2') },
        ]),
      'SHARED_LOCATORS',
      'want different values',
    );
  });
});

describe('change lines in patch files', () => {
  it('parse to change operations, and run with the other lines as one plan', async () => {
    const script = parsePatchScript('change com0 port=0x2f8 irq=? --if-present\ndisable vioif\n', 'x.kpatch');
    expect(script.operations[0]).toEqual({ verb: 'change', selectors: ['com0'], set: [{ name: 'port', value: 0x2f8 }, { name: 'irq', value: '?' }], at: undefined, ifPresent: true, origin: { file: 'x.kpatch', line: 1 } });
    expect(() => parsePatchScript('change com0\n', 'x')).toThrow('x:1: change needs locator=value or flags=value');
    expect(() => parsePatchScript('change com0 irq=zz\n', 'x')).toThrow("x:1: bad value 'zz' for irq");
    // kpatch apply: the change and the disable in one verified write.
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-change-apply-'));
    try {
      fs.writeFileSync(path.join(dir, 'k'), k.bytes);
      fs.writeFileSync(path.join(dir, 'x.kpatch'), 'change com0 port=0x2f8 irq=?\ndisable vioif\n');
      const r = await runCli(['apply', path.join(dir, 'x.kpatch'), '-k', path.join(dir, 'k'), '-o', path.join(dir, 'out')]);
      expect(r.code).toBe(0);
      const want = withInt(withInt(k.bytes, k.locOffset(4)!, 0x2f8), k.locOffset(4)! + 16, -1);
      want[k.entryOffset(8) + k.stateField.offset] = 3;
      expect(fs.readFileSync(path.join(dir, 'out')).equals(want)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kpatch change on the committed fixtures', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-change-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** loc[] and cfdata file offsets from readelf; runs are in table order, one per entry with locators (fixture README). */
  function offsets(m: ManifestRow, table: Table) {
    const re = readelfCapture(m.file);
    const at = (name: string) => {
      const sym = re.symbols.find((s) => s.name === name)!;
      const sec = re.sections.find((s) => s.nr === Number(sym.ndx))!;
      return sec.off + Number(sym.value - sec.addr);
    };
    const loc = at('loc');
    const starts: number[] = [];
    let next = 0;
    for (const e of table.entries) {
      starts.push(e.parent && e.locators.length ? loc + next * 4 : -1);
      if (e.parent) next += e.locators.length;
    }
    const lp64 = m.arch !== 'i386';
    return { loc: starts, flags: (i: number) => at('cfdata') + i * (lp64 ? 48 : 24) + (lp64 ? 32 : 16) };
  }

  it.each(kernels.map((m) => [m.file, m] as const))('%s: the first locator and the flags of the first entry with locators', async (file, m) => {
    const table = loadTable(m.table!);
    const i = table.entries.findIndex((e) => e.parent && e.locators.length);
    const names = (table.iattrs[table.entries[i].parent!.iattr] ?? []).map((l) => l.name);
    const out = path.join(dir, 'out');
    const r = await runCli(['change', `#${i}`, `${names[0]}=0x1234`, 'flags=0x10', '-k', fixturePath(file), '-o', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const o = offsets(m, table);
    const want = withInt(withInt(fs.readFileSync(fixturePath(file)), o.loc[i], 0x1234), o.flags(i), 0x10);
    expect(fs.readFileSync(out).equals(want)).toBe(true);
  });

  // The other ports' fixtures, ILP32 and LP64, both cfdata layouts: the ints must be written in the kernel's byte
  // order. Every port kpatch reads is run; the big-endian ones join as soon as the reader reads them (today it
  // refuses their layout as ambiguous), and the test below keeps the little-endian ones from dropping out unnoticed.
  const reads = (file: string) => {
    try {
      requireAutoconf(inspectKernel(memorySource(fs.readFileSync(portPath(file)))));
      return true;
    } catch {
      return false;
    }
  };
  const ports = portsManifest.filter((r) => !r.stripped && !r.image && r.table && reads(r.file));
  it('runs every little-endian port fixture with symbols', () => {
    const little = portsManifest.filter((r) => !r.stripped && !r.image && r.table && /Data:.*little endian/.test(fs.readFileSync(path.join(PORTS, 'readelf', `${r.file}.txt`), 'utf8')));
    expect(ports.map((r) => r.file)).toEqual(expect.arrayContaining(little.map((r) => r.file)));
    expect(little.length).toBeGreaterThanOrEqual(4);
  });
  it.each(ports.map((r) => [r.file, r] as const))('port %s: locator and flags in the kernel byte order', async (file, r) => {
    const table = loadTable(r.table!);
    const capture = `../ports/readelf/${file}`;
    const text = fs.readFileSync(path.join(PORTS, 'readelf', `${file}.txt`), 'utf8');
    const endian = /Data:.*big endian/.test(text) ? 'big' : 'little';
    const lp64 = /Class:\s+ELF64/.test(text);
    const re = readelfCapture(capture);
    const at = (name: string) => {
      const sym = re.symbols.find((x) => x.name === name)!;
      const sec = re.sections.find((x) => x.nr === Number(sym.ndx))!;
      return sec.off + Number(sym.value - sec.addr);
    };
    const i = table.entries.findIndex((e) => e.parent && e.locators.length);
    const before = table.entries.slice(0, i).reduce((n, e) => n + (e.parent ? e.locators.length : 0), 0);
    const names = (table.iattrs[table.entries[i].parent!.iattr] ?? []).map((l) => l.name);
    const out = path.join(dir, 'out');
    const res = await runCli(['change', `#${i}`, `${names[0]}=0x12345678`, 'flags=0x10', '-k', portPath(file), '-o', out]);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const want = withInt(withInt(fs.readFileSync(portPath(file)), at('loc') + before * 4, 0x12345678, endian), at('cfdata') + i * (lp64 ? 48 : 24) + (lp64 ? 32 : 16), 0x10, endian);
    expect(fs.readFileSync(out).equals(want)).toBe(true);
  });

  it('--dry-run shows old and new values by name, and the ints as they are written', async () => {
    const m = kernels.find((r) => r.file === 'netbsd-amd64')!;
    const table = loadTable(m.table!);
    const i = table.entries.findIndex((e) => e.driver === 'com');
    const o = offsets(m, table);
    const r = await runCli(['change', 'com0', 'port=0x2f8', 'irq=3', 'drq=5', '-k', fixturePath('netbsd-amd64'), '--dry-run']);
    expect(r.code).toBe(0);
    const hex = (n: number) => `0x${n.toString(16)}`;
    expect(r.out).toBe(
      `change  [ ${i}] com0 at isa?: port 0x3f8 -> 0x2f8, irq 4 -> 3, drq ? -> 5  ${hex(o.loc[i])}: f8030000 -> f8020000, ${hex(o.loc[i] + 16)}: 04000000 -> 03000000, ${hex(o.loc[i] + 20)}: ffffffff -> 05000000\n` +
        'dry run: 1 entry would change; nothing written\n',
    );
  });

  it('a bad assignment is one line and exit 2, nothing written', async () => {
    const out = path.join(dir, 'out');
    const r = await runCli(['change', 'com0', 'port', '-k', fixturePath('netbsd-amd64'), '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("kpatch: bad change 'port': give locator=value or flags=value (port=0x2f8, irq=3, drq=?, flags=0x10)\n");
    expect(fs.existsSync(out)).toBe(false);
  });
});
