/**
 * C struct layouts computed from field lists and a data model, so no offset is ever typed by hand.
 * Rules: each scalar aligns to its size (SysV i386 and x86-64, AAPCS64: all natural for these
 * sizes); a `u24` is a 24-bit bitfield that opens a 4-byte storage unit and occupies its first
 * three bytes, so a following `u8` lands in the unit's last byte (NetBSD >= 10 `cf_unit:24; cf_fstate`).
 */
import type { DataModel } from './view';

/** Scalar kinds a field may have. */
export type Scalar = 'u8' | 'u16' | 'i16' | 'u24' | 'u32' | 'i32' | 'u64' | 'ptr' | 'long';

/** One field's place in a struct. */
export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
  readonly type: Scalar;
}

/** A struct's computed layout. */
export interface StructLayout<F extends string = string> {
  readonly size: number;
  readonly align: number;
  readonly fields: Readonly<Record<F, FieldLayout>>;
}

function sizeAndAlign(type: Scalar, model: DataModel): [size: number, align: number] {
  switch (type) {
    case 'u8':
      return [1, 1];
    case 'u16':
    case 'i16':
      return [2, 2];
    case 'u24':
      return [3, 4];
    case 'u32':
    case 'i32':
      return [4, 4];
    case 'u64':
      // i386 SysV aligns 8-byte integers to 4 inside structs.
      return [8, model.ptr === 4 ? 4 : 8];
    case 'ptr':
      return [model.ptr, model.ptr];
    case 'long':
      return [model.long, model.long];
  }
}

/** Lays out `fields` ("name:type", in declaration order) under `model` by C alignment rules. */
export function defineStruct<F extends string>(fields: readonly `${F}:${Scalar}`[], model: DataModel): StructLayout<F> {
  let offset = 0;
  let align = 1;
  const out = {} as Record<F, FieldLayout>;
  for (const spec of fields) {
    const [name, type] = spec.split(':') as [F, Scalar];
    const [size, a] = sizeAndAlign(type, model);
    offset = Math.ceil(offset / a) * a;
    out[name] = { offset, size, type };
    offset += size;
    align = Math.max(align, a);
  }
  return { size: Math.ceil(offset / align) * align, align, fields: out };
}
