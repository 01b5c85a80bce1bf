/**
 * The fixtures of the other NetBSD ports (test/fixtures/ports): every entry of every table,
 * field by field, through the library and once through the CLI, with the expected values taken
 * from the tables, the manifest and the readelf captures only. Where a state byte lives is
 * worked out here from the captures and the C rules (entry size 2 pointers + 4 ints + a pointer
 * aligned; the state byte 3 bytes into the unit/state word, or the low byte of the short).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { loadTable, type Table, type TableEntry, expectedLocators } from '../support/fixtures';
import { PORTS, type PortRow, portPath, portsManifest } from '../support/ports';
import { runCli } from '../support/run-cli';

const ELF_CLASS_64 = 2;

interface Geometry {
  readonly ptr: 4 | 8;
  readonly little: boolean;
}

function geometry(bytes: Uint8Array): Geometry {
  return { ptr: bytes[4] === ELF_CLASS_64 ? 8 : 4, little: bytes[5] === 1 };
}

/** Where cf_fstate starts in an entry: the byte after cf_unit:24, or the short after short cf_unit. */
function stateField(g: Geometry, layout: 'bitfield' | 'short'): number {
  return 2 * g.ptr + (layout === 'bitfield' ? 3 : 2);
}

/** The state byte's place in an entry: cf_fstate after cf_unit:24, or the low byte of short cf_fstate. */
function stateByte(g: Geometry, layout: 'bitfield' | 'short'): number {
  const word = 2 * g.ptr;
  return layout === 'bitfield' ? word + 3 : word + (g.little ? 2 : 3);
}

/** cfdata's file offset, from the readelf capture: its symbol value through the section holding it. */
function cfdataOffset(file: string): { value: bigint; offset: number } {
  const text = fs.readFileSync(path.join(PORTS, 'readelf', `${file}.txt`), 'utf8');
  const sym = /^\s+\d+: ([0-9a-f]+)\s+\d+ OBJECT\s+GLOBAL\s+DEFAULT\s+(\d+) cfdata$/m.exec(text)!;
  const sec = new RegExp(`^\\s+\\[\\s*${sym[2]}\\] \\S+\\s+\\S+\\s+([0-9a-f]+) ([0-9a-f]+)`, 'm').exec(text)!;
  const value = BigInt(`0x${sym[1]}`);
  return { value, offset: parseInt(sec[2], 16) + Number(value - BigInt(`0x${sec[1]}`)) };
}


// ELF kernels with a symbol table, both byte orders (the stripped ones and the raw images: kernel/stripped.test.ts).
const readable = (m: PortRow) => !m.image && !m.stripped;
const rows = portsManifest.filter(readable);

describe('the ports manifest', () => {
  it.each(portsManifest.map((m) => [m.file, m] as const))('%s is the committed file (sha256, size)', (file, m) => {
    const bytes = fs.readFileSync(portPath(file));
    expect([bytes.length, require('node:crypto').createHash('sha256').update(bytes).digest('hex')]).toEqual([m.size, m.sha256]);
  });
});

describe.each(rows.map((m) => [m.file, m] as const))('%s', (file, m) => {
  const t = loadTable(m.table!);
  const bytes = new Uint8Array(fs.readFileSync(portPath(file)));
  const g = geometry(bytes);
  const entsize = 6 * g.ptr;
  const cf = cfdataOffset(file);

  it('reads every entry as the table has it, at the offsets the readelf capture gives', () => {
    const k = inspectKernel(memorySource(bytes));
    const table = requireAutoconf(k);
    expect({ arch: k.target?.arch, variant: table.variant, count: table.entries.length, address: table.address, offset: table.offset }).toEqual({ arch: m.arch, variant: m.layout, count: t.entries.length, address: cf.value, offset: cf.offset });
    t.entries.forEach((e, i) => {
      const entry = table.entries[i];
      expect({ driver: entry.driver, attachment: entry.attachment, unit: entry.unit, star: entry.star, fstate: entry.fstate, parent: entry.parent, locators: entry.locators, flags: entry.flags, offset: entry.offset, stateOffset: entry.stateOffset }).toEqual({
        driver: e.driver,
        attachment: e.attachment,
        unit: e.unit,
        star: e.star,
        fstate: e.state,
        parent: e.parent,
        locators: expectedLocators(t, e),
        flags: e.flags,
        offset: cf.offset + i * entsize,
        stateOffset: cf.offset + i * entsize + stateField(g, m.layout!),
      });
      expect(bytes[cf.offset + i * entsize + stateByte(g, m.layout!)]).toBe(e.state);
    });
  });

  it('kpatch info names the arch and the NetBSD release of the manifest', async () => {
    const r = await runCli(['info', portPath(file), '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect({ arch: info.arch, osrelease: info.osrelease, entries: info.autoconf.entries, variant: info.autoconf.variant }).toEqual({ arch: m.arch, osrelease: m.osrelease, entries: t.entries.length, variant: m.layout });
  });

  it('disable changes exactly the two state bytes, enable gives the original back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-ports-'));
    try {
      const star = t.entries.findIndex((e) => e.state === 2);
      const norm = t.entries.findIndex((e) => e.state === 0 && e.parent !== null);
      const out = path.join(dir, 'out');
      expect((await runCli(['disable', `#${star}`, `#${norm}`, '-k', portPath(file), '-o', out])).code).toBe(0);
      const want = Buffer.from(bytes);
      want[cf.offset + star * entsize + stateByte(g, m.layout!)] = 3;
      want[cf.offset + norm * entsize + stateByte(g, m.layout!)] = 4;
      expect(fs.readFileSync(out).equals(want)).toBe(true);
      const back = path.join(dir, 'back');
      expect((await runCli(['enable', `#${star}`, `#${norm}`, '-k', out, '-o', back])).code).toBe(0);
      expect(fs.readFileSync(back).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

it('disabling on the big-endian short-layout kernel what its disabled table disables reproduces the disabled kernel byte for byte', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-ports-'));
  try {
    const base = loadTable('generic.json');
    const off = loadTable('generic-disabled.json');
    const picks = base.entries.flatMap((e, i) => (e.state !== off.entries[i].state ? [`#${i}`] : []));
    expect(picks).toHaveLength(4);
    const out = path.join(dir, 'out');
    expect((await runCli(['disable', ...picks, '-k', portPath('netbsd-mipseb-old'), '-o', out])).code).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(portPath('netbsd-mipseb-old-disabled')))).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
