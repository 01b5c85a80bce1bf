import { ByteView, type Endian, ILP32, LP64, toHex } from '../../src/bytes/view';
import { FormatError, KpatchError } from '../../src/errors';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));
const view = (bytes: string, endian: Endian, base = 0, model = LP64) => new ByteView(hex(bytes), base, endian, model);

describe('ByteView scalars', () => {
  it.each([
    ['u8', 'little', 'aa', 0xaa],
    ['u8', 'big', 'aa', 0xaa],
    ['u16', 'little', 'bb aa', 0xaabb],
    ['u16', 'big', 'aa bb', 0xaabb],
    ['i16', 'little', 'fe ff', -2],
    ['i16', 'big', 'ff fe', -2],
    ['i16', 'little', 'ff 7f', 0x7fff],
    ['u24', 'little', 'cc bb aa', 0xaabbcc],
    ['u24', 'big', 'aa bb cc', 0xaabbcc],
    ['u32', 'little', 'dd cc bb aa', 0xaabbccdd],
    ['u32', 'big', 'aa bb cc dd', 0xaabbccdd],
    ['i32', 'little', 'fe ff ff ff', -2],
    ['i32', 'big', 'ff ff ff fe', -2],
    ['i32', 'little', 'ff ff ff 7f', 0x7fffffff],
  ] as const)('%s %s of %s = %p', (fn, endian, bytes, want) => {
    expect(view(bytes, endian)[fn](0)).toBe(want);
  });

  it.each([
    ['little', '88 77 66 55 44 33 22 11', 0x1122334455667788n],
    ['big', '11 22 33 44 55 66 77 88', 0x1122334455667788n],
    ['little', '00 00 20 80 ff ff ff ff', 0xffffffff80200000n],
  ] as const)('u64 %s of %s', (endian, bytes, want) => {
    expect(view(bytes, endian).u64(0)).toBe(want);
  });

  it('u24 reads the low 24 bits of a bitfield unit and leaves the fourth byte (cf_fstate) alone', () => {
    // NetBSD >= 10 cfdata probe: {.., 0xABCDEF, 0x5A, ..} emits ef cd ab 5a.
    const v = view('ef cd ab 5a', 'little');
    expect(v.u24(0)).toBe(0xabcdef);
    expect(v.u8(3)).toBe(0x5a);
  });

  it.each([
    ['ILP32', ILP32, 'little', 'dd cc bb aa 11 22 33 44', 0xaabbccddn],
    ['ILP32', ILP32, 'big', 'aa bb cc dd 11 22 33 44', 0xaabbccddn],
    ['LP64', LP64, 'little', '00 00 20 80 ff ff ff ff', 0xffffffff80200000n],
    ['LP64', LP64, 'big', 'ff ff ff ff 80 20 00 00', 0xffffffff80200000n],
  ] as const)('word on %s %s is pointer-sized', (_n, model, endian, bytes, want) => {
    expect(view(bytes, endian, 0, model).word(0)).toBe(want);
  });

  it('offsets are file offsets: a view based at 0x100 reads file byte 0x101', () => {
    const v = view('00 11 22 33', 'little', 0x100);
    expect(v.u8(0x101)).toBe(0x11);
    expect(v.u16(0x102)).toBe(0x3322);
    expect(v.end).toBe(0x104);
    expect(v.contains(0x100, 4)).toBe(true);
    expect(v.contains(0x101, 4)).toBe(false);
    expect(v.contains(0xff, 1)).toBe(false);
  });

  it('respects the byteOffset of a subarray (the classic DataView bug)', () => {
    const whole = hex('ff ff dd cc bb aa');
    const v = new ByteView(whole.subarray(2), 0x10, 'little', LP64);
    expect(v.u32(0x10)).toBe(0xaabbccdd);
  });
});

describe('ByteView bounds', () => {
  const v = view('01 02 03 04 05 06 07 08', 'little', 0x40);
  it.each([
    ['u8', 0x48, 0x48],
    ['u16', 0x47, 0x47],
    ['u24', 0x46, 0x46],
    ['u32', 0x45, 0x45],
    ['i32', 0x45, 0x45],
    ['u64', 0x41, 0x41],
    ['word', 0x41, 0x41],
    ['u8', 0x3f, 0x3f],
  ] as const)('%s at 0x%s past the end throws FormatError at that offset', (fn, at, want) => {
    let err: unknown;
    try {
      v[fn](at);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect(err).toBeInstanceOf(KpatchError);
    expect((err as FormatError).offset).toBe(want);
    expect((err as FormatError).code).toBe('ELF_FORMAT');
    expect((err as Error).message).toContain(`at byte 0x${want.toString(16)}`);
  });

  it('names the field in the message', () => {
    expect(() => v.u32(0x46, 'cf_flags')).toThrow('cf_flags past end of data at byte 0x46');
  });

  it('slice is bounded and zero-copy', () => {
    const s = v.slice(0x42, 3);
    expect(toHex(s)).toBe('030405');
    expect(() => v.slice(0x46, 3)).toThrow(FormatError);
  });
});

describe('ByteView.cstring', () => {
  const v = new ByteView(Uint8Array.from(Buffer.from('abc\0\xe9t\xe9\0xyz', 'latin1')), 0x200, 'little', ILP32);
  it('reads up to the NUL', () => {
    expect(v.cstring(0x200)).toBe('abc');
    expect(v.cstring(0x203)).toBe('');
  });
  it('decodes latin1 so no byte is lost', () => {
    expect(v.cstring(0x204)).toBe('\u00e9t\u00e9');
  });
  it('throws when the string runs off the end of the view', () => {
    expect(() => v.cstring(0x208, 'cf_name')).toThrow('unterminated cf_name at byte 0x208');
  });
  it('throws when no NUL comes within max bytes', () => {
    expect(() => v.cstring(0x200, 'name', 3)).toThrow('unterminated name at byte 0x200');
    expect(v.cstring(0x200, 'name', 4)).toBe('abc');
  });
  it('throws for a start outside the view', () => {
    expect(() => v.cstring(0x20b)).toThrow('unterminated string at byte 0x20b');
    expect(() => v.cstring(0x20c)).toThrow('string past end of data at byte 0x20c');
    expect(() => v.cstring(0x1ff)).toThrow(FormatError);
  });
});
