/**
 * ByteView: endian- and data-model-aware reads of one region of a file. Offsets given to it are
 * file offsets, so every error it raises names the byte in the file, not in the region.
 * This is the only DataView user in kpatch.
 */
import { FormatError } from '../errors';

/** Byte order of a file. */
export type Endian = 'little' | 'big';

/** C data model: sizes of pointers and longs (int is 4 and short 2 on every supported target). */
export interface DataModel {
  readonly name: 'ILP32' | 'LP64';
  readonly ptr: 4 | 8;
  readonly long: 4 | 8;
}
/** i386 (and every 32-bit NetBSD port). */
export const ILP32: DataModel = { name: 'ILP32', ptr: 4, long: 4 };
/** amd64, aarch64. */
export const LP64: DataModel = { name: 'LP64', ptr: 8, long: 8 };

/** Reads scalars from `bytes`, which hold the file's bytes starting at file offset `base`. */
export class ByteView {
  private readonly dv: DataView;
  private readonly little: boolean;

  constructor(
    readonly bytes: Uint8Array,
    readonly base: number,
    readonly endian: Endian,
    readonly model: DataModel,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = endian === 'little';
  }

  /** The file offset one past the last byte of this view. */
  get end(): number {
    return this.base + this.bytes.length;
  }

  /** Tells whether `length` bytes at file offset `offset` are inside this view. */
  contains(offset: number, length: number): boolean {
    return offset >= this.base && offset + length <= this.end;
  }

  /** The index in `bytes` of `length` bytes at file offset `offset`, or a FormatError (inlined: every read runs it). */
  private at(offset: number, length: number, what: string): number {
    const i = offset - this.base;
    if (i < 0 || i + length > this.bytes.length) throw new FormatError(offset, `${what} past end of data`);
    return i;
  }

  /** Reads an unsigned byte. */
  u8(offset: number, what = 'u8'): number {
    return this.dv.getUint8(this.at(offset, 1, what));
  }
  /** Reads an unsigned 16-bit integer. */
  u16(offset: number, what = 'u16'): number {
    return this.dv.getUint16(this.at(offset, 2, what), this.little);
  }
  /** Reads a signed 16-bit integer. */
  i16(offset: number, what = 'i16'): number {
    return this.dv.getInt16(this.at(offset, 2, what), this.little);
  }
  /** Reads the low 24 bits of a 32-bit storage unit laid out as a C bitfield `:24` that comes first in its unit. */
  u24(offset: number, what = 'u24'): number {
    const i = this.at(offset, 3, what);
    const b = this.bytes;
    return this.little ? b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) : (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
  }
  /** Reads an unsigned 32-bit integer. */
  u32(offset: number, what = 'u32'): number {
    return this.dv.getUint32(this.at(offset, 4, what), this.little);
  }
  /** Reads a signed 32-bit integer. */
  i32(offset: number, what = 'i32'): number {
    return this.dv.getInt32(this.at(offset, 4, what), this.little);
  }
  /** Reads an unsigned 64-bit integer as bigint. */
  u64(offset: number, what = 'u64'): bigint {
    return this.dv.getBigUint64(this.at(offset, 8, what), this.little);
  }
  /** Reads a pointer of the data model's size as bigint (kernel addresses exceed 2^53). */
  word(offset: number, what = 'pointer'): bigint {
    return this.model.ptr === 8 ? this.u64(offset, what) : BigInt(this.u32(offset, what));
  }
  /** Returns a zero-copy slice of `length` bytes at file offset `offset`. */
  slice(offset: number, length: number, what = 'data'): Uint8Array {
    const i = this.at(offset, length, what);
    return this.bytes.subarray(i, i + length);
  }
  /** Reads a NUL-terminated string (latin1) that must end inside the view and within `max` bytes. */
  cstring(offset: number, what = 'string', max = 4096): string {
    const i = this.at(offset, 0, what);
    const limit = Math.min(this.bytes.length, i + max);
    for (let j = i; j < limit; j++) {
      if (this.bytes[j] === 0) return latin1(this.bytes.subarray(i, j));
    }
    throw new FormatError(offset, `unterminated ${what}`);
  }
}

/** Decodes bytes as latin1 (one char per byte), so no kernel byte is ever lost or replaced. */
export function latin1(bytes: Uint8Array): string {
  // Kernel names are short: String.fromCharCode beats allocating a Buffer per string (~3x on cfdata names).
  if (bytes.length <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Formats bytes as lowercase hex, two digits a byte, no separators. */
export function toHex(bytes: Uint8Array): string {
  // State bytes are 1 or 2 bytes long and a keep prints 1,400 of them: no Buffer for those.
  if (bytes.length <= 8) {
    let s = '';
    for (const b of bytes) s += HEX[b];
    return s;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
