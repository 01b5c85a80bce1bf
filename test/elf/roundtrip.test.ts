import { memorySource } from '../../src/bytes/source';
import { parseElf } from '../../src/elf/file';
import { readNotes } from '../../src/elf/notes';
import { allSymbols, loadSymbolTable } from '../../src/elf/symbols';
import {
  build,
  type ElfClass,
  type ElfSpec,
  type Endian,
  encodeNote,
  concat,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_PROGBITS,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  u32,
} from '../support/build-elf';

const COMBOS: [ElfClass, Endian][] = [
  [32, 'little'],
  [32, 'big'],
  [64, 'little'],
  [64, 'big'],
];

function spec(cls: ElfClass, endian: Endian, extra: Partial<ElfSpec> = {}): ElfSpec {
  const base = cls === 64 ? 0xffffffff80200000n : 0xc0100000n;
  return {
    class: cls,
    endian,
    machine: cls === 64 ? 62 : 3,
    entry: base,
    osabi: 0,
    physical: (v) => v & 0x0fffffffn,
    sections: [
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: base, data: new Uint8Array(0x40).fill(0xcc), align: 16, load: 'text' },
      { name: '.note.Xen', type: SHT_NOTE, flags: SHF_ALLOC, addr: base + 0x40n, data: encodeNote('Xen', 18, u32(0x200000, 'little'), endian), align: 4, load: 'text' },
      { name: '.rodata', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: base + 0x1000n, data: Buffer.from('hello\0world\0'), align: 8, load: 'data' },
      { name: '.data', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, addr: base + 0x1010n, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), align: 8, load: 'data' },
      { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, addr: base + 0x1018n, size: 0x100, align: 8, load: 'data' },
      {
        name: '.note.netbsd.ident',
        type: SHT_NOTE,
        flags: 0n,
        data: concat(encodeNote('NetBSD', 1, u32(1001000000, endian), endian), encodeNote('PaX', 3, u32(0x10, endian), endian)),
        align: 4,
      },
    ],
    symbols: [
      { name: 'start', value: base, size: 0x40n, type: STT_FUNC, bind: STB_GLOBAL, section: '.text' },
      { name: 'cfdata', value: base + 0x1010n, size: 8n, type: STT_OBJECT, bind: STB_GLOBAL, section: '.data' },
      { name: 'loc', value: base + 0x1000n, size: 6n, type: STT_OBJECT, bind: STB_LOCAL, section: '.rodata' },
      { name: 'abs', value: 0x1234n, section: 'ABS' },
    ],
    ...extra,
  };
}

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
