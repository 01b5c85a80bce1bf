/** PVH notes, and what inspectKernel/requireAutoconf say about files that are not kernels. */
import { memorySource } from '../../src/bytes/source';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { build, type ElfSpec, encodeNote, put, SHF_ALLOC, SHF_EXECINSTR, SHT_NOTE, SHT_PROGBITS, STT_FUNC, u32 } from '../support/build-elf';
import { buildKernel } from '../support/build-kernel';
import { expectKpatchError } from '../support/errors';
import { MICROVM } from '../support/tables';

const inspect = (b: Uint8Array) => inspectKernel(memorySource(b));

describe('PVH note', () => {
  it.each([
    ['amd64', 4, 0x200020],
    ['amd64', 8, 0x200020],
    ['i386', 4, 0x100020],
    ['i386', 8, 0x100020],
  ] as const)('%s, desc size %i: entry, PT_NOTE and executable PT_LOAD', (arch, size, entry) => {
    const k = buildKernel(MICROVM, { arch, variant: 'bitfield', pvhDescSize: size });
    const note = k.elf.section('.note.Xen');
    expect(k.pvhEntry).toBe(entry);
    expect(inspect(k.bytes).pvh).toEqual({
      entry,
      descSize: size,
      noteOffset: note.offset + 24, // after the PADDR_OFFSET note (12 + "Xen\0" + .quad)
      section: '.note.Xen',
      segment: 3,
      loadSegment: 0,
      executable: true,
    });
  });

  it('an 8-byte descriptor uses the low 32 bits, little-endian', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', pvhDescSize: 8 });
    const b = k.bytes.slice();
    const desc = k.elf.section('.note.Xen').offset + 24 + 16;
    b.set([0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff], desc);
    expect(inspect(b).pvh?.entry).toBe(0x12345678);
  });

  it('outside any PT_NOTE: found through the section, segment null', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', pvhOutsidePtNote: true });
    expect(inspect(k.bytes).pvh).toMatchObject({ section: '.note.Xen', segment: null, loadSegment: 0, executable: true });
  });

  it('an entry outside every PT_LOAD', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
    const b = k.bytes.slice();
    put(b, k.elf.section('.note.Xen').offset + 24 + 16, 4, 0x7fff0000, 'little');
    expect(inspect(b).pvh).toMatchObject({ entry: 0x7fff0000, loadSegment: null, executable: false });
  });

  it('an entry inside a non-executable PT_LOAD (.data)', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
    const b = k.bytes.slice();
    const data = k.elf.segments.find((s) => s.type === 1 && s.flags === 6)!;
    put(b, k.elf.section('.note.Xen').offset + 24 + 16, 4, Number(data.paddr) + 8, 'little');
    expect(inspect(b).pvh).toMatchObject({ loadSegment: data.index, executable: false });
  });

  it.each([['aarch64'], ['amd64 with pvh: false']])('%s: no PVH note', (what) => {
    const k = buildKernel(MICROVM, { arch: what === 'aarch64' ? 'aarch64' : 'amd64', variant: 'bitfield', pvh: false });
    expect(inspect(k.bytes).pvh).toBeUndefined();
  });

  it('a Xen note of type 18 with a 2-byte descriptor is not a PVH entry', () => {
    const spec = linuxLike([{ name: '.note.Xen', type: SHT_NOTE, flags: SHF_ALLOC, addr: 0x401000n, data: encodeNote('Xen', 18, new Uint8Array(2), 'little'), align: 4 }]);
    expect(inspect(build(spec).bytes).pvh).toBeUndefined();
  });
});

/** A Linux-like x86-64 executable: .text, optional notes, and a symtab without cfdata. */
function linuxLike(notes: ElfSpec['sections'], extra: Partial<ElfSpec> = {}): ElfSpec {
  return {
    class: 64,
    endian: 'little',
    machine: 62,
    entry: 0x400000n,
    sections: [{ name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: 0x400000n, data: new Uint8Array(16), align: 16 }, ...notes],
    symbols: [{ name: 'main', value: 0x400000n, size: 16n, type: STT_FUNC, section: '.text' }],
    ...extra,
  };
}
const gnuNote = { name: '.note.gnu.build-id', type: SHT_NOTE, flags: SHF_ALLOC, addr: 0x400010n, data: encodeNote('GNU', 3, new Uint8Array(20).fill(0xab), 'little'), align: 4 };
const identNote = (type = 1) => ({ name: '.note.netbsd.ident', type: SHT_NOTE, flags: SHF_ALLOC, addr: 0x400010n, data: encodeNote('NetBSD', type, u32(1001000000, 'little'), 'little'), align: 4 });

describe('files that are not NetBSD kernels', () => {
  it('a Linux-like ELF (GNU note, no ident, no cfdata)', () => {
    const k = inspect(build(linuxLike([gnuNote])).bytes);
    expect(k.ident).toBeUndefined();
    expect(k.notes.map((n) => n.name)).toEqual(['GNU']);
    expectKpatchError(() => requireAutoconf(k), 'NOT_A_KERNEL', 'not a NetBSD kernel: GNU/Linux ELF64 little-endian x86-64 executable with no NetBSD ident note and no cfdata symbol');
  });

  it('a stripped Linux-like ELF', () => {
    const k = inspect(build(linuxLike([gnuNote], { symbols: undefined })).bytes);
    expectKpatchError(() => requireAutoconf(k), 'NOT_A_KERNEL', 'not a NetBSD kernel: ELF64 little-endian x86-64 executable with no NetBSD ident note, no symbol table and no cfdata-shaped table');
  });

  it('a NetBSD userland program (ident note in PT_NOTE, symtab, no cfdata)', () => {
    const k = inspect(build(linuxLike([identNote()], { type: 3 })).bytes);
    expect(k.ident?.version.text).toBe('10.1');
    expect(k.ident?.note.sources.map((s) => s.kind)).toEqual(['section', 'segment']);
    expectKpatchError(() => requireAutoconf(k), 'SYMBOL_MISSING', 'no cfdata symbol in NetBSD 10.1 ELF64 little-endian x86-64 shared object: a userland program, or a kernel without autoconf?');
  });

  it('a stripped NetBSD kernel', () => {
    const k = inspect(buildKernel(MICROVM, { arch: 'i386', variant: 'bitfield', noSymtab: true }).bytes);
    expect(k.symtab).toBeUndefined();
    expect(k.strings).toEqual({ ostype: null, osrelease: null, version: null });
    expect(k.pvh?.entry).toBe(0x100020);
    // Found by its shape: the same table the symbol finds.
    const t = requireAutoconf(k);
    expect([t.locatedBy, t.entries.map((e) => e.driver)]).toEqual(['shape', MICROVM.entries.map((e) => e.driver)]);
  });

  it('a NetBSD note of another type is not an ident note', () => {
    const k = inspect(build(linuxLike([identNote(5)])).bytes);
    expect(k.ident).toBeUndefined();
  });

  it('an ident note only in a PT_NOTE (no section headers) is still found', () => {
    const k = inspect(build(linuxLike([identNote()], { noSectionHeaders: true, symbols: undefined })).bytes);
    expect(k.ident?.version.raw).toBe(1001000000);
    expect(k.ident?.note.sources).toEqual([{ kind: 'segment', name: '2', index: 2 }]);
  });
});
