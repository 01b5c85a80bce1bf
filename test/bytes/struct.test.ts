import { defineStruct, encodeField, type FieldLayout, readField, type Scalar } from '../../src/bytes/struct';
import { ByteView, type Endian, ILP32, LP64, toHex } from '../../src/bytes/view';
import { autoconfLayouts, CFDATA_FIELDS } from '../../src/netbsd/layouts';

const offsets = (l: { fields: Record<string, { offset: number }> }) => Object.fromEntries(Object.entries(l.fields).map(([k, v]) => [k, v.offset]));

// Numbers from netbsd-kernel.md §1.4 (checked with GCC 12 for x86_64, i386, aarch64), typed by
// hand on purpose: these pin defineStruct, which the kernel builder also uses.
describe('defineStruct: struct cfdata', () => {
  it.each([
    ['LP64', LP64, { name: 0, atname: 8, unit: 16, fstate: 19, loc: 24, flags: 32, pspec: 40 }, 48],
    ['ILP32', ILP32, { name: 0, atname: 4, unit: 8, fstate: 11, loc: 12, flags: 16, pspec: 20 }, 24],
  ] as const)('bitfield (NetBSD >= 10) on %s', (_n, model, want, size) => {
    const l = defineStruct(CFDATA_FIELDS.bitfield, model);
    expect(offsets(l)).toEqual(want);
    expect(l.size).toBe(size);
    expect(l.fields.fstate.size).toBe(1);
    expect(l.fields.unit.size).toBe(3);
  });

  it.each([
    ['LP64', LP64, { name: 0, atname: 8, unit: 16, fstate: 18, loc: 24, flags: 32, pspec: 40 }, 48],
    ['ILP32', ILP32, { name: 0, atname: 4, unit: 8, fstate: 10, loc: 12, flags: 16, pspec: 20 }, 24],
  ] as const)('short (NetBSD <= 9) on %s', (_n, model, want, size) => {
    const l = defineStruct(CFDATA_FIELDS.short, model);
    expect(offsets(l)).toEqual(want);
    expect(l.size).toBe(size);
    expect(l.fields.fstate.size).toBe(2);
  });
});

describe('autoconfLayouts', () => {
  it.each([
    [
      'LP64',
      LP64,
      {
        cfparent: [{ iattr: 0, parent: 8, unit: 16 }, 24],
        cflocdesc: [{ name: 0, defaultstr: 8, default: 16 }, 24],
        cfiattrdata: [{ name: 0, loclen: 8 }, 16],
        cfdriver: [{ next: 0, prev: 8, attach: 16, devs: 24, name: 32, class: 40, ndevs: 44, attrs: 48 }, 56],
        locdescStart: 16,
      },
    ],
    [
      'ILP32',
      ILP32,
      {
        cfparent: [{ iattr: 0, parent: 4, unit: 8 }, 12],
        cflocdesc: [{ name: 0, defaultstr: 4, default: 8 }, 12],
        cfiattrdata: [{ name: 0, loclen: 4 }, 8],
        cfdriver: [{ next: 0, prev: 4, attach: 8, devs: 12, name: 16, class: 20, ndevs: 24, attrs: 28 }, 32],
        locdescStart: 8,
      },
    ],
  ] as const)('%s matches netbsd-kernel.md §1.4', (_n, model, want) => {
    const L = autoconfLayouts(model);
    expect([offsets(L.cfparent), L.cfparent.size]).toEqual(want.cfparent);
    expect([offsets(L.cflocdesc), L.cflocdesc.size]).toEqual(want.cflocdesc);
    expect([offsets(L.cfiattrdata), L.cfiattrdata.size]).toEqual(want.cfiattrdata);
    expect([offsets(L.cfdriver), L.cfdriver.size]).toEqual(want.cfdriver);
    expect(L.locdescStart).toBe(want.locdescStart);
    expect(L.cfdata.bitfield.size).toBe(model.ptr * 6);
  });
});

describe('defineStruct alignment rules', () => {
  it.each([
    ['u8 then u32 pads to 4', ['a:u8', 'b:u32'], LP64, { a: 0, b: 4 }, 8],
    ['u8 then ptr pads to 8 on LP64', ['a:u8', 'b:ptr'], LP64, { a: 0, b: 8 }, 16],
    ['u8 then ptr pads to 4 on ILP32', ['a:u8', 'b:ptr'], ILP32, { a: 0, b: 4 }, 8],
    ['u64 aligns to 4 on i386', ['a:u32', 'b:u64'], ILP32, { a: 0, b: 4 }, 12],
    ['u64 aligns to 8 on LP64', ['a:u32', 'b:u64'], LP64, { a: 0, b: 8 }, 16],
    ['u24 then u8 share a unit', ['a:u24', 'b:u8'], LP64, { a: 0, b: 3 }, 4],
    ['u24 alone rounds to 4', ['a:u8', 'b:u24'], ILP32, { a: 0, b: 4 }, 8],
    ['long follows the model', ['a:u8', 'b:long'], ILP32, { a: 0, b: 4 }, 8],
    ['tail padding to the largest alignment', ['a:ptr', 'b:u8'], LP64, { a: 0, b: 8 }, 16],
  ] as const)('%s', (_n, fields, model, want, size) => {
    const l = defineStruct(fields as unknown as readonly `${string}:${'u8'}`[], model);
    expect(offsets(l)).toEqual(want);
    expect(l.size).toBe(size);
  });
});

const field = <T extends Scalar>(type: T, size: number, offset = 0): FieldLayout<T> => ({ offset, size, type });

// Hex literals both ways (token-types style): every scalar kind, both byte orders.
describe('encodeField and readField', () => {
  it.each([
    ['u8', 1, 'little', 0xaa, 'aa'],
    ['u8', 1, 'big', 0xaa, 'aa'],
    ['u16', 2, 'little', 0xaabb, 'bbaa'],
    ['u16', 2, 'big', 0xaabb, 'aabb'],
    ['i16', 2, 'little', -2, 'feff'],
    ['i16', 2, 'big', -2, 'fffe'],
    ['u24', 3, 'little', 0xaabbcc, 'ccbbaa'],
    ['u24', 3, 'big', 0xaabbcc, 'aabbcc'],
    ['u32', 4, 'little', 0xaabbccdd, 'ddccbbaa'],
    ['u32', 4, 'big', 0xaabbccdd, 'aabbccdd'],
    ['i32', 4, 'little', -0x55443322, 'deccbbaa'],
    ['i32', 4, 'big', -0x55443322, 'aabbccde'],
    ['u64', 8, 'little', 0x1122334455667788n, '8877665544332211'],
    ['u64', 8, 'big', 0x1122334455667788n, '1122334455667788'],
    ['ptr', 8, 'little', 0xffffffff80200000n, '00002080ffffffff'],
    ['ptr', 4, 'big', 0xc0100000n, 'c0100000'],
    ['long', 4, 'little', 0x80000000n, '00000080'],
  ] as const)('%s (%i bytes) %s: %p <-> %s', (type, size, endian, value, hex) => {
    const f = field(type, size);
    expect(toHex(encodeField(f, value, endian))).toBe(hex);
    const model = size === 8 ? LP64 : ILP32;
    // Read back at a non-zero field offset inside a view that starts at a non-zero file offset.
    const bytes = new Uint8Array([0xee, ...Buffer.from(hex, 'hex'), 0xee]);
    expect(readField(new ByteView(bytes, 0x40, endian as Endian, model), 0x40, field(type, size, 1))).toBe(value);
  });

  it('refuses values the field cannot hold instead of wrapping them', () => {
    expect(() => encodeField(field('u8', 1), 256, 'little')).toThrow(RangeError);
    expect(() => encodeField(field('u8', 1), -1, 'little')).toThrow(RangeError);
    expect(() => encodeField(field('i16', 2), 0x8000, 'big')).toThrow(RangeError);
    expect(() => encodeField(field('u24', 3), 0x1000000, 'little')).toThrow(RangeError);
    expect(toHex(encodeField(field('i16', 2), -0x8000, 'big'))).toBe('8000');
  });

  it('reads the cfdata state and unit of both layouts through their fields', () => {
    // One LP64 entry: unit 0x000102 and state 3 (bitfield), the same bytes read as shorts.
    const entry = new Uint8Array(48);
    entry.set([0x02, 0x01, 0x00, 0x03], 16);
    const v = new ByteView(entry, 0x1000, 'little', LP64);
    const bitfield = defineStruct(CFDATA_FIELDS.bitfield, LP64).fields;
    const short = defineStruct(CFDATA_FIELDS.short, LP64).fields;
    expect([readField(v, 0x1000, bitfield.unit), readField(v, 0x1000, bitfield.fstate)]).toEqual([0x102, 3]);
    expect([readField(v, 0x1000, short.unit), readField(v, 0x1000, short.fstate)]).toEqual([0x102, 0x300]);
    expect(() => readField(v, 0x1008, bitfield.pspec)).toThrow('pointer past end of data at byte 0x1030');
  });
});
