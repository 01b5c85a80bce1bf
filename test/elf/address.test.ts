import { memorySource } from '../../src/bytes/source';
import { addressToOffset, lookupAddress, offsetToAddress } from '../../src/elf/address';
import { parseElf } from '../../src/elf/file';
import { readNotes } from '../../src/elf/notes';
import { build, encodeNote, SHT_NOTE, u32 } from '../support/build-elf';
import { COMBOS, sampleSpec } from '../support/samples';

describe.each(COMBOS)('addresses in ELF%i %s', (cls, endian) => {
  const built = build(sampleSpec(cls, endian));
  const elf = parseElf(memorySource(built.bytes));
  const data = built.section('.data');
  const bss = built.section('.bss');
  const text = built.section('.text');

  it('maps through PT_LOAD p_vaddr/p_offset', () => {
    expect(addressToOffset(elf, data.addr)).toBe(data.offset);
    expect(addressToOffset(elf, data.addr + 7n)).toBe(data.offset + 7);
    expect(addressToOffset(elf, text.addr, text.size)).toBe(text.offset);
    expect(lookupAddress(elf, data.addr + 4n, 4)).toEqual({ ok: true, offset: data.offset + 4 });
  });

  it('never maps through p_paddr', () => {
    const load = elf.segments[0];
    expect(load.paddr).not.toBe(load.vaddr);
    expect(lookupAddress(elf, load.paddr)).toEqual({ ok: false, reason: 'unmapped' });
  });

  it("reports .bss addresses as 'bss'", () => {
    expect(lookupAddress(elf, bss.addr)).toEqual({ ok: false, reason: 'bss' });
    expect(lookupAddress(elf, bss.addr + 0xffn)).toEqual({ ok: false, reason: 'bss' });
    // a range that starts in .data and runs into .bss has no file bytes for its tail
    expect(lookupAddress(elf, data.addr + 4n, 8)).toEqual({ ok: false, reason: 'bss' });
    expect(lookupAddress(elf, bss.addr + 0x100n)).toEqual({ ok: false, reason: 'unmapped' });
  });

  it("reports gaps and the null page as 'unmapped'", () => {
    expect(lookupAddress(elf, 0n)).toEqual({ ok: false, reason: 'unmapped' });
    expect(lookupAddress(elf, text.addr + 0x800n)).toEqual({ ok: false, reason: 'unmapped' });
    expect(addressToOffset(elf, text.addr - 1n)).toBeUndefined();
  });

  it('offsetToAddress inverts it', () => {
    expect(offsetToAddress(elf, data.offset + 3)).toBe(data.addr + 3n);
    expect(offsetToAddress(elf, built.section('.note.netbsd.ident').offset)).toBeUndefined();
  });

  describe('without program headers: falls back to allocated sections', () => {
    const noph = build(sampleSpec(cls, endian, { noProgramHeaders: true }));
    const e = parseElf(memorySource(noph.bytes));
    const d = noph.section('.data');
    it('has no segments', () => expect(e.segments).toEqual([]));
    it('maps .data', () => {
      expect(addressToOffset(e, d.addr + 2n)).toBe(d.offset + 2);
      expect(offsetToAddress(e, d.offset + 2)).toBe(d.addr + 2n);
    });
    it("reports .bss as 'bss'", () => expect(lookupAddress(e, noph.section('.bss').addr)).toEqual({ ok: false, reason: 'bss' }));
    it('does not map non-allocated sections', () => expect(offsetToAddress(e, noph.section('.note.netbsd.ident').offset)).toBeUndefined());
  });
});

describe('notes seen through a section and a PT_NOTE', () => {
  it.each(COMBOS)('ELF%i %s: each note once, with both sources', (cls, endian) => {
    const base = sampleSpec(cls, endian);
    const sections = base.sections.map((s) => (s.name === '.note.netbsd.ident' ? { ...s, ptNote: true } : s));
    const built = build({ ...base, sections });
    const notes = readNotes(parseElf(memorySource(built.bytes)));
    expect(notes.map((n) => [n.name, n.sources.map((s) => `${s.kind} ${s.name}`)])).toEqual([
      ['Xen', ['section .note.Xen', 'segment 2']],
      ['NetBSD', ['section .note.netbsd.ident', 'segment 3']],
      ['PaX', ['section .note.netbsd.ident', 'segment 3']],
    ]);
  });

  it('a PT_NOTE without section headers still yields its notes', () => {
    const base = sampleSpec(64, 'little');
    const built = build({ ...base, noSectionHeaders: true, symbols: undefined });
    const notes = readNotes(parseElf(memorySource(built.bytes)));
    expect(notes.map((n) => [n.name, n.type, n.sources])).toEqual([['Xen', 18, [{ kind: 'segment', name: '2', index: 2 }]]]);
  });

  it('an empty name and trailing padding are read, not rejected', () => {
    const base = sampleSpec(32, 'big');
    const data = new Uint8Array([...encodeNote('', 7, u32(1, 'big'), 'big'), 0, 0, 0, 0]);
    const built = build({ ...base, sections: [...base.sections, { name: '.note.odd', type: SHT_NOTE, data, align: 4 }] });
    const odd = readNotes(parseElf(memorySource(built.bytes))).filter((n) => n.sources[0].name === '.note.odd');
    expect(odd.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex')])).toEqual([['', 7, '00000001']]);
  });
});
