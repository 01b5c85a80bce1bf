import { memorySource } from '../../src/bytes/source';
import { parseElf } from '../../src/elf/file';
import { readNotes } from '../../src/elf/notes';
import { allSymbols, loadSymbolTable } from '../../src/elf/symbols';
import { build, u32 } from '../support/build-elf';
import { COMBOS, sampleSpec as spec } from '../support/samples';

describe.each(COMBOS)('ELF%i %s round trip', (cls, endian) => {
  const built = build(spec(cls, endian));
  const elf = parseElf(memorySource(built.bytes));

  it('header', () => {
    expect(elf.header).toEqual({
      class: cls,
      endian,
      osabi: 0,
      type: 2,
      machine: cls === 64 ? 62 : 3,
      entry: cls === 64 ? 0xffffffff80200000n : 0xc0100000n,
      flags: 0,
      phoff: built.phoff,
      shoff: built.shoff,
      phentsize: cls === 64 ? 56 : 32,
      phnum: built.segments.length,
      shentsize: cls === 64 ? 64 : 40,
      shnum: built.sections.length,
      shstrndx: built.shstrndx,
    });
  });

  it('sections', () => {
    expect(elf.sections).toEqual(built.sections);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.note.Xen', '.rodata', '.data', '.bss', '.note.netbsd.ident', '.symtab', '.strtab', '.shstrtab']);
  });

  it('segments', () => {
    expect(elf.segments).toEqual(built.segments);
    expect(elf.segments.map((p) => [p.type, p.flags])).toEqual([[1, 5], [1, 6], [4, 4]]);
  });

  it('symbols', () => {
    const table = loadSymbolTable(elf)!;
    const syms = allSymbols(elf, table);
    expect(syms[0]).toMatchObject({ index: 0, name: '', value: 0n });
    expect(syms.slice(1).map(({ table: _t, ...s }) => s)).toEqual(built.symbols);
    expect(syms.map((s) => s.name)).toEqual(['', 'loc', 'start', 'cfdata', 'abs']);
  });

  it('notes', () => {
    const notes = readNotes(elf);
    expect(notes.map((n) => ({ name: n.name, type: n.type, desc: Buffer.from(n.desc).toString('hex'), sources: n.sources }))).toEqual([
      { name: 'Xen', type: 18, desc: '00002000', sources: [{ kind: 'section', name: '.note.Xen', index: 2 }, { kind: 'segment', name: '2', index: 2 }] },
      { name: 'NetBSD', type: 1, desc: Buffer.from(u32(1001000000, endian)).toString('hex'), sources: [{ kind: 'section', name: '.note.netbsd.ident', index: 6 }] },
      { name: 'PaX', type: 3, desc: Buffer.from(u32(0x10, endian)).toString('hex'), sources: [{ kind: 'section', name: '.note.netbsd.ident', index: 6 }] },
    ]);
  });

  it('section contents sit at the reported offsets', () => {
    const data = elf.sections.find((s) => s.name === '.data')!;
    expect(Buffer.from(built.bytes.subarray(data.offset, data.offset + 8)).toString('hex')).toBe('0102030405060708');
  });

  it('extended numbering gives the same sections', () => {
    const ext = build(spec(cls, endian, { extendedNumbering: true }));
    const e = parseElf(memorySource(ext.bytes));
    expect(e.header.shnum).toBe(0);
    expect(e.header.shstrndx).toBe(0xffff);
    expect(e.sections.slice(1)).toEqual(built.sections.slice(1));
  });
});
