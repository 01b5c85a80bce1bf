/** Helpers for asserting on thrown errors with readable failures. */
import { FormatError, KpatchError } from '../../src/errors';

/** Runs `fn` and returns what it threw (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception, got none');
}

/** Asserts `fn` throws a FormatError at `offset` whose message matches `message`. */
export function expectFormatError(fn: () => unknown, message: RegExp | string, offset: number): FormatError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(FormatError);
  const f = e as FormatError;
  expect({ message: f.message, offset: `0x${f.offset.toString(16)}` }).toEqual({
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
    offset: `0x${offset.toString(16)}`,
  });
  expect(f.message).toContain(`at byte 0x${offset.toString(16)}`);
  return f;
}

/** Asserts `fn` throws a KpatchError with `code` whose message matches `message`. */
export function expectKpatchError(fn: () => unknown, code: string, message: RegExp | string): KpatchError {
  const e = thrown(fn);
  if (!(e instanceof KpatchError)) throw e;
  expect({ code: e.code, message: e.message }).toEqual({
    code,
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  return e;
}
