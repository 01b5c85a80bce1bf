import { checkRange, chunkedSource, memorySource } from '../../src/bytes/source';
import { FormatError } from '../../src/errors';
import { rng } from '../support/random';

function fileBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

/** A readAt over `bytes` that returns at most `max` bytes per call, counting calls. */
function reader(bytes: Uint8Array, max = Infinity) {
  const calls: [number, number][] = [];
  const readAt = (target: Uint8Array, position: number) => {
    const n = Math.min(target.length, bytes.length - position, max);
    target.set(bytes.subarray(position, position + n));
    calls.push([position, n]);
    return Math.max(n, 0);
  };
  return { readAt, calls };
}

describe('chunkedSource', () => {
  const bytes = fileBytes(10_000, 1);
  const mem = memorySource(bytes);

  it.each([
    ['chunk 64, whole reads', 64, Infinity],
    ['chunk 100, short reads of 7 bytes', 100, 7],
    ['chunk 4096', 4096, Infinity],
    ['chunk 1', 1, Infinity],
  ])('%s: 2000 seeded random ranges equal memorySource reads', (_n, chunk, max) => {
    const src = chunkedSource(bytes.length, reader(bytes, max).readAt, chunk);
    const r = rng(chunk);
    for (let i = 0; i < 2000; i++) {
      const offset = r.int(bytes.length + 1);
      const length = r.int(Math.min(bytes.length - offset, r.pick([4, 64, 300, 3000])) + 1);
      const want = Buffer.from(mem.read(offset, length)).toString('hex');
      expect(`${offset}+${length}:${Buffer.from(src.read(offset, length)).toString('hex')}`).toBe(`${offset}+${length}:${want}`);
    }
  });

  it('reads across a chunk boundary', () => {
    const src = chunkedSource(bytes.length, reader(bytes).readAt, 64);
    expect(Buffer.from(src.read(60, 8))).toEqual(Buffer.from(bytes.subarray(60, 68)));
  });

  it('caches chunks: repeated small reads cost one readAt per chunk', () => {
    const r = reader(bytes);
    const src = chunkedSource(bytes.length, r.readAt, 64);
    for (let i = 0; i < 10; i++) src.read(3, 4);
    src.read(10, 20);
    expect(r.calls).toEqual([[0, 64]]);
  });

  it('the last chunk is short and reads up to the end', () => {
    const src = chunkedSource(bytes.length, reader(bytes).readAt, 4096);
    expect(Buffer.from(src.read(9990, 10))).toEqual(Buffer.from(bytes.subarray(9990)));
    expect(src.read(10_000, 0).length).toBe(0);
  });

  it.each([
    [9995, 6],
    [-1, 1],
    [10_001, 0],
    [0, 10_001],
  ])('read(%i, %i) past the end throws FormatError', (offset, length) => {
    const src = chunkedSource(bytes.length, reader(bytes).readAt, 64);
    expect(() => src.read(offset, length)).toThrow(FormatError);
    expect(() => mem.read(offset, length)).toThrow(FormatError);
  });

  it('a file that shrinks under it gives FormatError, not a hang', () => {
    const src = chunkedSource(20_000, reader(bytes).readAt, 4096);
    expect(() => src.read(12_000, 4)).toThrow('file shrank while reading at byte 0x2710');
  });
});

describe('checkRange', () => {
  it.each([
    [100, 0, 100, true],
    [100, 100, 0, true],
    [100, 99, 2, false],
    [100, -1, 1, false],
    [100, 0.5, 1, false],
    [100, 2 ** 60, 1, false],
    [100, 0, Number.NaN, false],
  ])('size %i, %p+%p ok=%p', (size, offset, length, ok) => {
    const f = () => checkRange(size, offset, length, 'thing');
    if (ok) expect(f).not.toThrow();
    else expect(f).toThrow(/^thing past end of file/);
  });
});
