/** A small ELF for reader tests: text + PVH note in one PT_LOAD, rodata/data/bss in another, a non-alloc ident note, four symbols. */
import {
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
} from './build-elf';

/** Every class x byte order combination. */
export const COMBOS: [ElfClass, Endian][] = [
  [32, 'little'],
  [32, 'big'],
  [64, 'little'],
  [64, 'big'],
];

export function sampleSpec(cls: ElfClass, endian: Endian, extra: Partial<ElfSpec> = {}): ElfSpec {
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

