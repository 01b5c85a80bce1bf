/**
 * C struct layouts computed from field lists and an ABI's alignment rules, so no offset is ever
 * typed by hand. Each scalar aligns as the ABI aligns an integer of its size (natural by default;
 * 2 for everything on m68k, 4 for 8-byte integers on i386); a `u24` is a 24-bit bitfield that opens
 * a 4-byte storage unit and occupies its first three bytes, so a following `u8` lands in the
 * unit's last byte (NetBSD >= 10 `cf_unit:24; cf_fstate`).
 * Fields are read and encoded through their layout (readField, encodeField), so a caller never
 * picks a reader or a width by hand.
 */
import { type ByteView, type DataModel, type Endian } from './view';

/** Scalar kinds a field may have. */
export type Scalar = 'u8' | 'u16' | 'i16' | 'u24' | 'u32' | 'i32' | 'u64' | 'ptr' | 'long';
/** Scalars that read as bigint: pointers and longs (kernel addresses exceed 2^53) and 64-bit integers. */
export type WordScalar = 'u64' | 'ptr' | 'long';
/** Scalars that read as number. */
export type IntScalar = Exclude<Scalar, WordScalar>;
/** What a field of scalar kind `T` reads as. */
export type ScalarValue<T extends Scalar> = T extends WordScalar ? bigint : number;
/** One field as declared: `"name:type"`. */
export type FieldSpec = `${string}:${Scalar}`;

/** One field's place in a struct. */
export interface FieldLayout<T extends Scalar = Scalar> {
  readonly offset: number;
  readonly size: number;
  readonly type: T;
}

type NameOf<S extends FieldSpec> = S extends `${infer N}:${Scalar}` ? N : never;
type TypeOf<S extends FieldSpec, N extends string> = S extends `${N}:${infer T extends Scalar}` ? T : never;

/** A struct's computed layout; `S` is the union of its field specs, so each field knows its scalar kind. */
export interface StructLayout<S extends FieldSpec = FieldSpec> {
  readonly size: number;
  readonly align: number;
  readonly fields: { readonly [N in NameOf<S>]: FieldLayout<TypeOf<S, N>> };
}

/** How an ABI aligns scalars inside structs, by size, and the smallest alignment of any struct. */
export interface Alignment {
  readonly 2: 1 | 2;
  readonly 4: 2 | 4;
  readonly 8: 2 | 4 | 8;
  /** The smallest alignment (and size multiple) of any struct: 4 under the old ARM APCS, else 1. */
  readonly structAlign?: 1 | 2 | 4;
}

/** The alignment most ABIs use: every scalar to its size, except 8-byte integers on 32-bit i386-like ABIs. */
export function naturalAlignment(model: DataModel): Alignment {
  // i386 SysV aligns 8-byte integers to 4 inside structs; kpatch's structs have none, so this only matters to callers' own.
  return { 2: 2, 4: 4, 8: model.ptr === 4 ? 4 : 8 };
}

function sizeAndAlign(type: Scalar, model: DataModel, rules: Alignment): [size: number, align: number] {
  switch (type) {
    case 'u8':
      return [1, 1];
    case 'u16':
    case 'i16':
      return [2, rules[2]];
    case 'u24':
      // A bitfield's storage unit is an unsigned int: it aligns as an int does.
      return [3, rules[4]];
    case 'u32':
    case 'i32':
      return [4, rules[4]];
    case 'u64':
      return [8, rules[8]];
    case 'ptr':
      return [model.ptr, rules[model.ptr]];
    case 'long':
      return [model.long, rules[model.long]];
  }
}

/** Lays out `fields` ("name:type", in declaration order) under `model` by C alignment rules (`rules`, natural by default). */
export function defineStruct<const S extends FieldSpec>(fields: readonly S[], model: DataModel, rules: Alignment = naturalAlignment(model)): StructLayout<S> {
  let offset = 0;
  let align: number = rules.structAlign ?? 1;
  const out: Record<string, FieldLayout> = {};
  for (const spec of fields) {
    const [name, type] = spec.split(':') as [string, Scalar];
    const [size, a] = sizeAndAlign(type, model, rules);
    offset = Math.ceil(offset / a) * a;
    out[name] = { offset, size, type };
    offset += size;
    align = Math.max(align, a);
  }
  return { size: Math.ceil(offset / align) * align, align, fields: out as StructLayout<S>['fields'] };
}

/**
 * Reads `field` of the struct at file offset `at` through `view` (whose byte order and data model
 * are the file's); `what` names it in a FormatError.
 */
export function readField<T extends Scalar>(view: ByteView, at: number, field: FieldLayout<T>, what?: string): ScalarValue<T>;
export function readField(view: ByteView, at: number, field: FieldLayout, what?: string): number | bigint {
  const o = at + field.offset;
  switch (field.type) {
    case 'u8':
      return view.u8(o, what);
    case 'u16':
      return view.u16(o, what);
    case 'i16':
      return view.i16(o, what);
    case 'u24':
      return view.u24(o, what);
    case 'u32':
      return view.u32(o, what);
    case 'i32':
      return view.i32(o, what);
    case 'u64':
      return view.u64(o, what);
    case 'ptr':
    case 'long':
      // The field's own size, not the view's model: a layout is computed for one data model.
      return field.size === 8 ? view.u64(o, what ?? 'pointer') : BigInt(view.u32(o, what ?? 'pointer'));
  }
}

/**
 * Encodes `value` as `field` holds it in a file of byte order `endian`: `field.size` bytes, two's
 * complement for signed kinds; a `u24` is the three bytes its bitfield occupies at the start of its
 * unit (least significant first in a little-endian file, most significant first in a big-endian one).
 * Throws a RangeError for a value the field cannot hold: an edit must never wrap silently.
 */
export function encodeField(field: FieldLayout, value: number | bigint, endian: Endian): Uint8Array {
  const bits = BigInt(field.size * 8);
  const v = BigInt(value);
  const signed = field.type === 'i16' || field.type === 'i32';
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < min || v > max) throw new RangeError(`${String(value)} does not fit a ${field.type} field`);
  let u = v < 0n ? v + (1n << bits) : v;
  const out = new Uint8Array(field.size);
  for (let i = 0; i < field.size; i++) {
    out[endian === 'little' ? i : field.size - 1 - i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}
