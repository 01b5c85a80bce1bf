/**
 * Kernels without symbols (`strip`ped, as install media ship them): kpatch finds cfdata by its
 * shape. Every stripped fixture, of every port, must list and patch exactly as its table says.
 * Expected values come from the tables, the manifests and the readelf captures only: cfdata's
 * address is the unstripped twin's symbol, mapped through the stripped file's own sections.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import { alignmentOf } from '../../src/elf/target';
import { findCfdata } from '../../src/netbsd/find-cfdata';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { autoconfLayouts } from '../../src/netbsd/layouts';
import { FIXTURES, loadTable, manifest, type ManifestRow, readelfCapture, type Table, type TableEntry, expectedLocators } from '../support/fixtures';
import { PORTS } from '../support/ports';
import { runCli } from '../support/run-cli';

/**
 * A fixture without symbols: a committed `strip`ped file, or (`sstrip`) a kernel with symbols whose
 * section headers are dropped in memory, which takes the symbol table, the section names and, in
 * these fixtures, the ident note with them (only the program headers are left, as sstrip does).
 */
interface Row {
  readonly m: ManifestRow;
  readonly dir: string;
  readonly sstrip: boolean;
}
type PortsRow = ManifestRow & { image?: string };
const ports = JSON.parse(fs.readFileSync(path.join(PORTS, 'manifest.json'), 'utf8')) as PortsRow[];
const rows: Row[] = [
  ...manifest.filter((m) => m.stripped).map((m) => ({ m, dir: FIXTURES, sstrip: false })),
  ...ports.filter((m) => m.stripped && !m.image).map((m) => ({ m, dir: PORTS, sstrip: false })),
  ...manifest.filter((m) => m.table && !m.stripped).map((m) => ({ m, dir: FIXTURES, sstrip: true })),
  ...ports.filter((m) => !m.stripped && !m.image).map((m) => ({ m, dir: PORTS, sstrip: true })),
];

/** The file's bytes, with e_shoff, e_shnum and e_shstrndx zeroed for an sstrip row (ELF32: 0x20, 0x30, 0x32; ELF64: 0x28, 0x3c, 0x3e). */
function bytesOf(r: Row): Buffer {
  const b = Buffer.from(fs.readFileSync(path.join(r.dir, r.m.file)));
  if (!r.sstrip) return b;
  const [shoff, shoffSize, shnum] = b[4] === 2 ? [0x28, 8, 0x3c] : [0x20, 4, 0x30];
  b.fill(0, shoff, shoff + shoffSize);
  b.fill(0, shnum, shnum + 4);
  return b;
}

/** cfdata's address (the symbol of the file or of its unstripped twin) and its file offset (through the file's own section table). */
function cfdataPlace(r: Row): { address: bigint; offset: number } {
  const captures = path.join(r.dir, 'readelf');
  const twin = readelfCapture(r.m.file.replace(/-stripped$/, ''), captures);
  const address = twin.symbols.find((s) => s.name === 'cfdata' && s.type === 'OBJECT')!.value;
  const sec = readelfCapture(r.m.file, captures).sections.find((s) => s.type === 'PROGBITS' && address >= s.addr && address < s.addr + BigInt(s.size))!;
  return { address, offset: sec.off + Number(address - sec.addr) };
}

/** Where the state byte of entry `i` is: after cf_unit:24, or the low byte of short cf_fstate (C rules; entries are 6 pointer-sized words). */
function stateByte(bytes: Buffer, base: number, layout: 'bitfield' | 'short', i: number): number {
  const ptr = bytes[4] === 2 ? 8 : 4;
  const little = bytes[5] === 1;
  return base + i * 6 * ptr + 2 * ptr + (layout === 'bitfield' ? 3 : little ? 2 : 3);
}


let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-stripped-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('covers every port of the fixtures, stripped by strip and by dropping the section headers', () => {
  expect(new Set(rows.filter((r) => !r.sstrip).map((r) => r.m.arch)).size).toBeGreaterThanOrEqual(7);
  expect(new Set(rows.filter((r) => r.sstrip).map((r) => r.m.arch))).toEqual(new Set([...manifest.filter((m) => m.table), ...ports.filter((m) => !m.image)].map((m) => m.arch)));
});

describe.each(rows.map((r) => [`${r.m.file}${r.sstrip ? ' without section headers' : ''}`, r] as const))('%s', (_name, r) => {
  const t = loadTable(r.m.table!);
  const original = bytesOf(r);
  const place = cfdataPlace(r);
  let path_: string;
  beforeEach(() => {
    path_ = path.join(dir, r.m.file);
    fs.writeFileSync(path_, original);
  });

  it('finds cfdata by its shape and reads every entry as the table has it', () => {
    const table = requireAutoconf(inspectKernel(memorySource(new Uint8Array(original))));
    expect({ by: table.locatedBy, address: table.address, offset: table.offset, count: table.entries.length, variant: table.variant }).toEqual({
      by: 'shape',
      address: place.address,
      offset: place.offset,
      count: t.entries.length,
      variant: r.m.layout,
    });
    expect(table.roots).toEqual(t.entries.flatMap((e, i) => (e.parent === null ? [i] : [])));
    expect(table.drivers?.map((d) => d.name).sort()).toEqual(t.drivers.map((d) => d.name).sort());
    expect(table.entries.map((e) => ({ driver: e.driver, attachment: e.attachment, unit: e.unit, star: e.star, fstate: e.fstate, parent: e.parent, locators: e.locators, flags: e.flags }))).toEqual(
      t.entries.map((e) => ({ driver: e.driver, attachment: e.attachment, unit: e.unit, star: e.star, fstate: e.state, parent: e.parent, locators: expectedLocators(t, e), flags: e.flags })),
    );
    expect(table.locationEvidence[0]).toMatch(new RegExp(`^${t.entries.length} records with identifier names`));
  });

  it('disable changes exactly the two state bytes, enable gives the original back', async () => {
    const star = t.entries.findIndex((e) => e.state === 2);
    const norm = t.entries.findIndex((e) => e.state === 0 && e.parent !== null);
    const out = path.join(dir, 'out');
    const d = await runCli(['disable', `#${star}`, `#${norm}`, '-k', path_, '-o', out]);
    expect(d.code).toBe(0);
    const want = Buffer.from(original);
    want[stateByte(original, place.offset, r.m.layout!, star)] = 3;
    want[stateByte(original, place.offset, r.m.layout!, norm)] = 4;
    expect(fs.readFileSync(out).equals(want)).toBe(true);
    const back = path.join(dir, 'back');
    expect((await runCli(['enable', `#${star}`, `#${norm}`, '-k', out, '-o', back])).code).toBe(0);
    expect(fs.readFileSync(back).equals(original)).toBe(true);
  });
});

describe('files without symbols that are not kernels: one line, exit 2, file unchanged', () => {
  const refuse = async (bytes: Buffer, message: string) => {
    const k = path.join(dir, 'k');
    fs.writeFileSync(k, bytes);
    const r = await runCli(['list', k]);
    expect([r.code, r.out, r.err]).toEqual([2, '', `kpatch: ${message}\n`]);
    expect(fs.readFileSync(k).equals(bytes)).toBe(true);
  };

  it('a big-endian PowerPC program with its section headers dropped (no ident note, no symbols, no cfdata)', async () => {
    const b = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'elf-ppc32be')));
    b.fill(0, 0x20, 0x24); // e_shoff
    b.fill(0, 0x30, 0x34); // e_shnum, e_shstrndx
    await refuse(b, 'not a NetBSD kernel: ELF32 big-endian powerpc executable with no NetBSD ident note, no symbol table and no cfdata-shaped table');
  });

  it('random bytes', async () => {
    const b = Buffer.alloc(4096);
    let x = 0x9e3779b9;
    for (let i = 0; i < b.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    await refuse(b, `not an ELF file: bad magic number '${b.subarray(0, 4).toString('hex')}' at byte 0x0`);
  });
});

describe('the shape finder rules out look-alikes and refuses when two tables fit', () => {
  /**
   * A copy of a fixture's first three cfdata entries and an all-zero record written over the end
   * of its .data (offsets from the readelf capture): a second cfdata-shaped run.
   */
  function withLookalike(file: string, entsize: number): { bytes: Buffer; copyAt: bigint; real: bigint } {
    const re = readelfCapture(file);
    const data = re.sections.find((s) => s.name === '.data')!;
    const real = re.symbols.find((s) => s.name === 'cfdata')!.value;
    const b = Buffer.from(fs.readFileSync(path.join(FIXTURES, file)));
    const from = data.off + Number(real - data.addr);
    const at = (data.off + data.size - 4 * entsize) & ~7;
    b.copy(b, at, from, from + 3 * entsize);
    b.fill(0, at + 3 * entsize, at + 4 * entsize);
    // Drop the section headers, so there is no symbol table (ELF32 e_shoff 0x20, e_shnum 0x30; ELF64 0x28, 0x3c).
    const [shoff, size, shnum] = b[4] === 2 ? [0x28, 8, 0x3c] : [0x20, 4, 0x30];
    b.fill(0, shoff, shoff + size);
    b.fill(0, shnum, shnum + 4);
    return { bytes: b, copyAt: data.addr + BigInt(at - data.off), real };
  }
  const find = (bytes: Buffer) => {
    const k = inspectKernel(memorySource(new Uint8Array(bytes)));
    return findCfdata(k.elf, k.target!, autoconfLayouts(k.target!.model, alignmentOf(k.target!.abi)));
  };

  it('a look-alike that lacks the embedded config\'s devices is ruled out', () => {
    const { bytes, real } = withLookalike('netbsd-amd64', 48);
    const found = find(bytes);
    expect(found.address).toBe(real);
    expect(found.evidence).toContain('1 other cfdata-shaped run ruled out');
  });

  it('without an embedded config, two runs with their cfroots both fit: refused', () => {
    const { bytes, copyAt, real } = withLookalike('netbsd-i386', 24);
    expect(() => find(bytes)).toThrow(new RegExp(`^no symbol table, and 2 tables fit cfdata: 17 entries at 0x${real.toString(16)}; 3 entries at 0x${copyAt.toString(16)}$`));
  });
});
