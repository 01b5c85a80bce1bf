/**
 * Every malformed-field path of the ELF reader: each gives a KpatchError (a FormatError where a
 * byte offset exists) whose message names the structure and the offset.
 */
import { memorySource } from '../../src/bytes/source';
import { parseElf } from '../../src/elf/file';
import { readNotes } from '../../src/elf/notes';
import { allSymbols, loadSymbolTable } from '../../src/elf/symbols';
import { build, concat, elfLayout, encodeNote, put, SHT_NOTE, u32 } from '../support/build-elf';
import { expectFormatError, expectKpatchError } from '../support/errors';
import { COMBOS, sampleSpec } from '../support/samples';

describe.each(COMBOS)('malformed ELF%i %s', (cls, endian) => {
  const built = build(sampleSpec(cls, endian));
  const L = elfLayout(cls);
  const len = built.bytes.length;
  const shAt = (i: number) => built.shoff + i * built.shentsize;
  const phAt = (i: number) => built.phoff + i * built.phentsize;
  const idx = (name: string) => built.section(name).index;

  /** A copy of the sample with one field changed. */
  function mutate(edits: [table: 'ehdr' | 'phdr' | 'shdr' | 'sym', recordAt: number, field: string, value: number | bigint][]): Uint8Array {
    const b = built.bytes.slice();
    for (const [table, at, field, value] of edits) {
      const off = table === 'ehdr' ? L.ehdr(field) : at + L[table](field);
      put(b, off, L.width(table, field), value, endian);
    }
    return b;
  }
  const parse = (b: Uint8Array) => parseElf(memorySource(b));

  it('fewer bytes than e_ident', () => {
    expectKpatchError(() => parse(built.bytes.slice(0, 10)), 'ELF_FORMAT', 'not an ELF file: only 10 bytes');
  });

  it('bad magic', () => {
    const b = built.bytes.slice();
    b.set([0x4d, 0x5a, 0x90, 0x00]);
    expectFormatError(() => parse(b), "not an ELF file: bad magic number '4d5a9000'", 0);
  });

  it.each([
    [4, 3, "bad ELF class '3'"],
    [4, 0, "bad ELF class '0'"],
    [5, 0, "bad ELF byte order '0'"],
    [5, 3, "bad ELF byte order '3'"],
    [6, 2, "bad ELF version '2'"],
  ])('e_ident[%i] = %i', (at, value, message) => {
    const b = built.bytes.slice();
    b[at] = value;
    expectFormatError(() => parse(b), message, at);
  });

  it('truncated file header', () => {
    expectFormatError(() => parse(built.bytes.slice(0, 20)), `ELF header past end of file (${L.ehsize - 16} bytes)`, 0x10);
  });

  it('e_phoff past end', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'phoff', len]])), `program header table past end of file (${3 * L.phentsize} bytes)`, len);
  });

  it('e_phentsize too small', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'phentsize', 8]])), "program header entry size too small '8'", built.phoff);
  });

  it('e_phnum x e_phentsize past end', () => {
    const at = len - L.phentsize;
    expectFormatError(() => parse(mutate([['ehdr', 0, 'phoff', at]])), 'program header table past end of file', at);
  });

  it('segment contents past end', () => {
    expectFormatError(() => parse(mutate([['phdr', phAt(1), 'filesz', len]])), `segment 1 contents past end of file (${len} bytes)`, built.segments[1].offset);
  });

  it('e_shoff past end', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'shoff', len]])), 'section header past end of file', len);
  });

  it('e_shentsize too small', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'shentsize', 16]])), "section header entry size too small '0x10'", built.shoff);
  });

  it('e_shnum x e_shentsize past end', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'shnum', 200]])), `section header table past end of file (${200 * L.shentsize} bytes)`, built.shoff);
  });

  it('extended numbering: section 0 sh_size past end', () => {
    const b = build(sampleSpec(cls, endian, { extendedNumbering: true })).bytes;
    put(b, built.shoff + L.shdr('size'), L.width('shdr', 'size'), 5000, endian);
    expectFormatError(() => parse(b), 'section header table past end of file', built.shoff);
  });

  it('section contents past end', () => {
    const s = built.section('.rodata');
    expectFormatError(() => parse(mutate([['shdr', shAt(s.index), 'size', len]])), `section ${s.index} contents past end of file`, s.offset);
  });

  it('SHT_NOBITS sizes are not checked against the file', () => {
    expect(() => parse(mutate([['shdr', shAt(idx('.bss')), 'size', len * 10]]))).not.toThrow();
  });

  it('e_shstrndx out of range', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'shstrndx', 50]])), "section name table index out of range '0x32'", L.ehdr('shstrndx'));
  });

  it('extended numbering: section 0 sh_link (the real e_shstrndx) out of range', () => {
    const b = build(sampleSpec(cls, endian, { extendedNumbering: true })).bytes;
    put(b, built.shoff + L.shdr('link'), 4, 50, endian);
    expectFormatError(() => parse(b), "section name table index out of range '0x32'", built.shoff + L.shdr('link'));
  });

  it('e_shstrndx names a section that is not a string table', () => {
    expectFormatError(() => parse(mutate([['ehdr', 0, 'shstrndx', idx('.text')]])), "section name table is not SHT_STRTAB '1'", shAt(idx('.text')));
  });

  it('section name offset past the name table', () => {
    const i = idx('.rodata');
    expectFormatError(() => parse(mutate([['shdr', shAt(i), 'name', 0xffff]])), "section name offset past its table '0xffff'", shAt(i));
  });

  it('section name without NUL before the end of the table', () => {
    const sh = built.section('.shstrtab');
    const b = built.bytes.slice();
    b[sh.offset + sh.size - 1] = 0x41; // the last name loses its terminator
    expectFormatError(() => parse(b), 'unterminated section name', sh.offset + sh.size - '.shstrtab'.length - 1);
  });

  describe('symbols', () => {
    const symtab = built.section('.symtab');
    it('name offset past .strtab', () => {
      const at = symtab.offset + 2 * L.symsize;
      const elf = parse(mutate([['sym', at, 'name', 0xfffff]]));
      expectFormatError(() => allSymbols(elf, loadSymbolTable(elf)!), "symbol name offset past its string table '0xfffff'", at);
    });
    it('sh_link out of range', () => {
      const elf = parse(mutate([['shdr', shAt(symtab.index), 'link', 99]]));
      expectFormatError(() => loadSymbolTable(elf), "symbol string table index out of range '0x63'", shAt(symtab.index));
    });
    it('sh_link names a section that is not a string table', () => {
      const elf = parse(mutate([['shdr', shAt(symtab.index), 'link', idx('.data')]]));
      expectFormatError(() => loadSymbolTable(elf), "symbol string table is not SHT_STRTAB '1'", shAt(symtab.index));
    });
    it('sh_entsize too small', () => {
      const elf = parse(mutate([['shdr', shAt(symtab.index), 'entsize', 4]]));
      expectFormatError(() => loadSymbolTable(elf), "symbol entry size too small '4'", shAt(symtab.index));
    });
    it('unterminated name at the end of .strtab', () => {
      const strtab = built.section('.strtab');
      const b = built.bytes.slice();
      b[strtab.offset + strtab.size - 1] = 0x41;
      const elf = parse(b);
      expectFormatError(() => allSymbols(elf, loadSymbolTable(elf)!), 'unterminated symbol name', strtab.offset + strtab.size - 'abs'.length - 1);
    });
  });

  describe('notes', () => {
    const ident = built.section('.note.netbsd.ident');
    const note = (field: 0 | 4, value: number) => {
      const b = built.bytes.slice();
      put(b, ident.offset + field, 4, value, endian);
      return parse(b);
    };
    it('namesz past the section', () => {
      expectFormatError(() => readNotes(note(0, 0x1000)), "note past end of its section or segment '0x1000'", ident.offset);
    });
    it('descsz past the section', () => {
      expectFormatError(() => readNotes(note(4, 0x1000)), "note past end of its section or segment '0x1000'", ident.offset);
    });
    it('descsz that overruns by one byte', () => {
      // NetBSD (24 bytes) + PaX (20 bytes): a first descsz of 25 ends one byte past the 44-byte section
      expect(() => readNotes(note(4, 24))).not.toThrow();
      expectFormatError(() => readNotes(note(4, 25)), "note past end of its section or segment '0x19'", ident.offset);
    });
    it('namesz 0xffffffff does not wrap', () => {
      expectFormatError(() => readNotes(note(0, 0xffffffff)), "note past end of its section or segment '0xffffffff'", ident.offset);
    });
    it.each([[16], [2 ** 31], [3 as number]])('section sh_addralign %i', (align) => {
      const elf = parse(mutate([['shdr', shAt(ident.index), 'addralign', align]]));
      if (align <= 4) expect(readNotes(elf)).toHaveLength(3);
      else expectFormatError(() => readNotes(elf), `bad note alignment '0x${align.toString(16)}'`, shAt(ident.index));
    });
    it('PT_NOTE p_align 16', () => {
      const elf = parse(mutate([['phdr', phAt(2), 'align', 16]]));
      expectFormatError(() => readNotes(elf), "bad note alignment '0x10'", phAt(2));
    });
    it('8-aligned notes (sh_addralign 8) are read with 8-byte padding', () => {
      const base = sampleSpec(cls, endian);
      const desc8 = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
      const data = concat(encodeNote('NetBSD', 1, u32(1001000000, endian), endian, 8), encodeNote('GNU', 3, desc8, endian, 8));
      const b = build({ ...base, sections: [...base.sections, { name: '.note.eight', type: SHT_NOTE, data, align: 8 }] });
      const at = b.section('.note.eight').offset;
      const notes = readNotes(parse(b.bytes)).filter((n) => n.sources[0].name === '.note.eight');
      expect(notes.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex'), n.descOffset - at])).toEqual([
        ['NetBSD', 1, Buffer.from(u32(1001000000, endian)).toString('hex'), 24],
        ['GNU', 3, '0102030405060708', 32 + 16],
      ]);
    });
  });

  if (cls === 64) {
    it('e_phoff beyond 2^53', () => {
      expectFormatError(() => parse(mutate([['ehdr', 0, 'phoff', 1n << 60n]])), "e_phoff too large '0x1000000000000000'", L.ehdr('phoff'));
    });
    it('sh_offset beyond 2^53', () => {
      const i = idx('.data');
      expectFormatError(() => parse(mutate([['shdr', shAt(i), 'offset', 1n << 60n]])), 'sh_offset too large', shAt(i));
    });
  }
});
