/**
 * info, list and pvh on every committed fixture, checked field by field against the tables the
 * fixtures were generated from, the manifest, and the readelf captures made at build time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { memorySource } from '../../src/bytes/source';
import { parseElf } from '../../src/elf/file';
import { allSymbols, loadSymbolTable } from '../../src/elf/symbols';
import { readNotes } from '../../src/elf/notes';
import { fixturePath, kernels, loadTable, manifest, readelfCapture, type TableEntry, expectedLocators } from '../support/fixtures';
import { expectedFeatures } from '../support/microvm-oracle';
import { runCli } from '../support/run-cli';

const STATE_FIELD = { bitfield: { 8: 19, 4: 11 }, short: { 8: 18, 4: 10 } } as const;
const ptrSize = (arch: string) => (arch === 'i386' ? 4 : 8);
const stateName = (s: number) => (s === 0 || s === 2 ? 'enabled' : s === 3 || s === 4 ? 'disabled' : 'invalid');


describe.each(kernels.map((m) => [m.file, m] as const))('%s', (file, m) => {
  const table = loadTable(m.table!);
  const readelf = readelfCapture(file);
  const cfdataSym = readelf.symbols.find((s) => s.name === 'cfdata')!;

  it('list --json gives every field of every entry as in the table', async () => {
    const r = await runCli(['list', fixturePath(file), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out);
    expect(list).toHaveLength(table.entries.length);
    const bytes = fs.readFileSync(fixturePath(file));
    const entsize = ptrSize(m.arch) === 8 ? 48 : 24;
    // cfdata's file offset: its VA through the readelf section that holds it.
    const sec = readelf.sections.find((s) => s.nr === Number(cfdataSym.ndx))!;
    const base = sec.off + Number(cfdataSym.value - sec.addr);
    table.entries.forEach((e, i) => {
      const stateOffset = base + i * entsize + STATE_FIELD[m.layout!][ptrSize(m.arch)];
      expect(list[i]).toEqual({
        index: i,
        name: e.driver,
        unit: e.unit,
        star: e.star,
        fstate: e.state,
        state: stateName(e.state),
        attachment: e.attachment,
        parent: e.parent,
        locators: expectedLocators(table, e),
        flags: e.flags,
        address: `0x${(cfdataSym.value + BigInt(i * entsize)).toString(16)}`,
        offset: base + i * entsize,
        stateOffset,
      });
      // The state really is at stateOffset, in the layout's width.
      const width = m.layout === 'short' ? 2 : 1;
      const onDisk = width === 1 ? bytes[stateOffset] : bytes.readInt16LE(stateOffset);
      expect(onDisk).toBe(e.state);
    });
  });

  it('info --json matches the manifest and the readelf capture', async () => {
    const r = await runCli(['info', fixturePath(file), '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.arch).toBe(m.arch);
    expect(info.netbsd).toEqual({ raw: m.version, text: m.osrelease });
    expect(info.osrelease).toBe(m.osrelease);
    expect(info.ostype).toBe(m.ostype);
    expect(info.size).toBe(m.size);
    expect(info.embeddedConfig).toBe(m.configEmbedded);
    expect(info.pvh === null ? null : `0x${info.pvh.entry.toString(16)}`).toBe(m.pvh ? m.pvhEntry : null);
    if (m.pvh) {
      const note = readelf.segments.findIndex((s) => s.type === 'NOTE');
      expect(info.pvh).toMatchObject({ descSize: 4, section: '.note.Xen', segment: note, loadSegment: 0, executable: true });
    }
    const states = table.entries.map((e) => e.state);
    expect(info.autoconf).toMatchObject({
      symbol: 'cfdata',
      address: `0x${cfdataSym.value.toString(16)}`,
      entries: table.entries.length,
      entrySize: ptrSize(m.arch) === 8 ? 48 : 24,
      variant: m.layout,
      enabled: states.filter((s) => s === 0 || s === 2).length,
      disabled: states.filter((s) => s === 3 || s === 4).length,
      roots: table.entries.filter((e) => e.parent === null).length,
      drivers: table.drivers.length,
    });
    // cfdata's symbol size covers the entries and the terminator.
    expect(cfdataSym.size).toBe((table.entries.length + 1) * (ptrSize(m.arch) === 8 ? 48 : 24));
    expect(info.warnings).toEqual([]);
    // The features are check --microvm's checks grouped; the oracle works both out from the manifest and table.
    expect(Object.fromEntries(info.features.map((f: { id: string; state: string }) => [f.id, f.state]))).toEqual(expectedFeatures(m));
  });

  it('pvh answers 0 with the entry, or 1 with one line on stderr', async () => {
    const r = await runCli(['pvh', fixturePath(file)]);
    if (m.pvh) {
      expect(r.code).toBe(0);
      expect(r.out.split('\n')[0]).toBe(m.pvhEntry);
    } else {
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe.each(manifest.map((m) => [m.file, m] as const))('reader on %s agrees with readelf', (file, m) => {
  const bytes = new Uint8Array(fs.readFileSync(fixturePath(file)));
  const elf = parseElf(memorySource(bytes));
  const want = readelfCapture(file);

  it('section headers', () => {
    expect(elf.sections.map((s) => [s.index, s.name, s.addr, s.offset, s.size])).toEqual(want.sections.map((s) => [s.nr, s.name, s.addr, s.off, s.size]));
  });

  it('program headers', () => {
    const got = elf.segments.filter((p) => p.type === 1 || p.type === 4);
    expect(got.map((p) => [p.type === 1 ? 'LOAD' : 'NOTE', p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.align])).toEqual(
      want.segments.map((s) => [s.type, s.offset, s.vaddr, s.paddr, s.filesz, s.memsz, s.align]),
    );
  });

  it('symbols', () => {
    const symtab = loadSymbolTable(elf);
    if (m.stripped) {
      expect(symtab).toBeUndefined();
      expect(want.symtabCount).toBeNull();
      return;
    }
    const syms = allSymbols(elf, symtab!);
    expect(syms).toHaveLength(want.symtabCount!);
    // readelf prints a section symbol (STT_SECTION, empty name) under its section's name.
    expect(syms.map((s) => [s.index, s.value, Number(s.size), s.type === 3 ? '' : s.name])).toEqual(want.symbols.map((s) => [s.num, s.value, s.size, s.type === 'SECTION' ? '' : s.name]));
  });

  it('notes: ident always, Xen only in PVH builds', () => {
    const notes = readNotes(elf);
    const ident = notes.filter((n) => n.name === 'NetBSD' && n.type === 1);
    expect(ident).toHaveLength(1);
    expect(ident[0].sources.map((s) => s.kind)).toEqual(['section']);
    const dv = new DataView(ident[0].desc.buffer, ident[0].desc.byteOffset, 4);
    expect(dv.getUint32(0, !m.arch.startsWith('ppc'))).toBe(m.version);
    const xen = notes.filter((n) => n.name === 'Xen' && n.type === 18);
    expect(xen).toHaveLength(m.pvh ? 1 : 0);
    if (m.pvh) expect(xen[0].sources.map((s) => s.kind).sort()).toEqual(['section', 'segment']);
  });
});

describe('files that are not patchable kernels', () => {
  it.each([
    // Big-endian PowerPC is a supported target: these ELFs have symbols and an ident note, but no cfdata.
    ['elf-ppc32be', /^kpatch: no cfdata symbol in NetBSD 10\.1 ELF32 big-endian powerpc executable/],
    ['elf-ppc64be', /^kpatch: no cfdata symbol in NetBSD 10\.1 ELF64 big-endian powerpc64 executable/],
    ['README.md', /^kpatch: not an ELF file: bad magic number '23204b65' at byte 0x0/],
  ])('list %s: one line, exit 2', async (file, message) => {
    const before = fs.readFileSync(fixturePath(file));
    const r = await runCli(['list', fixturePath(file)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(fixturePath(file)).equals(before)).toBe(true);
  });

  it('a gzip file that inflates past 512 MiB is refused before it is inflated whole', async () => {
    const member = zlib.gzipSync(Buffer.alloc(64 << 20), { level: 9 }); // 64 MiB of zeros, about 64 KiB packed
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-bomb-')), 'netbsd.gz');
    fs.writeFileSync(file, Buffer.concat(Array.from({ length: 9 }, () => member))); // gzip members concatenate
    try {
      for (const argv of [['info', file], ['config', 'extract', file]]) {
        const r = await runCli(argv);
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(r.err).toBe(`kpatch: cannot read ${file}: gzip data inflates past 512 MiB, no kernel is that large\n`);
      }
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('info on a stripped kernel finds the table by its shape', async () => {
    const r = await runCli(['info', fixturePath('netbsd-amd64-stripped'), '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect([info.autoconf.locatedBy, info.autoconf.entries, info.autoconfError]).toEqual(['shape', loadTable('microvm.json').entries.length, null]);
    expect(info.netbsd).toEqual({ raw: 1100000000, text: '11.0' });
    expect(info.pvh.entry).toBe(0x200010);
    expect(info.osrelease).toBeNull();
  });
});
