import { decodeNetbsdVersion, parseOsrelease } from '../../src/netbsd/ident';

// MMmmrrpp00 (sys/sys/param.h): -current counts in pp ("2.99.9 (299000900)"), rr is 0.
describe('decodeNetbsdVersion', () => {
  it.each([
    [1001000000, '10.1', [10, 1, 0, 0]],
    [599001500, '5.99.15', [5, 99, 0, 15]],
    [903000000, '9.3', [9, 3, 0, 0]],
    [1100000000, '11.0', [11, 0, 0, 0]],
    [700000000, '7.0', [7, 0, 0, 0]],
    [999001000, '9.99.10', [9, 99, 0, 10]],
    [299000900, '2.99.9', [2, 99, 0, 9]],
  ])('%i -> %s', (raw, text, [major, minor, release, patch]) => {
    expect(decodeNetbsdVersion(raw)).toEqual({ raw, major, minor, release, patch, text });
  });

  it.each([
    ['10.1', 1001000000],
    ['11.0_BETA', 1100000000],
    ['9.99.15', 999001500],
    ['5.99.15', 599001500],
  ])('parseOsrelease(%s)', (s, raw) => expect(parseOsrelease(s)?.raw).toBe(raw));
  it.each([['smolBSD'], ['100.1'], ['']])('parseOsrelease(%p) is undefined', (s) => expect(parseOsrelease(s)).toBeUndefined());
});

