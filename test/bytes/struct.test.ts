import { defineStruct } from '../../src/bytes/struct';
import { ILP32, LP64 } from '../../src/bytes/view';
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
