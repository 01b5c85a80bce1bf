/**
 * Typed errors for the whole library. The core throws these; only src/cli/ turns them into
 * exit codes and one line on stderr.
 */

/** What went wrong, as a stable code a caller can switch on. */
export type ErrorCode =
  | 'ELF_FORMAT' // the bytes are not a well-formed ELF file
  | 'UNSUPPORTED_TARGET' // a well-formed ELF for something kpatch does not handle
  | 'NOT_A_KERNEL' // a NetBSD ELF, but not a kernel with autoconf tables
  | 'SYMBOL_MISSING' // a required symbol is absent (stripped kernel?)
  | 'AUTOCONF_FORMAT' // autoconf tables present but inconsistent
  | 'LAYOUT_AMBIGUOUS' // cannot tell which cfdata layout the kernel uses
  | 'NO_SUCH_DEVICE' // a selector matched nothing
  | 'BAD_STATE' // an entry is in a state that must not be edited (FOUND, out of range)
  | 'SHARED_LOCATORS' // a change would alter another entry's locators (config -P shares cf_loc runs)
  | 'PATCH_MISMATCH' // planned old bytes differ from the file
  | 'VERIFY_FAILED' // the written file is not what was planned
  | 'PATCH_FILE' // a .kpatch file has a bad line or a failing guard
  | 'CONFIG_SYNTAX' // a config(5) file does not parse
  | 'TRACE_FORMAT' // a tslog(4) trace has a bad line or is truncated
  | 'USAGE' // the command line is wrong
  | 'IO' // a file cannot be read or written
  | 'NOT_FOUND'; // a negative answer: what was asked for is not in the file (no PVH note, no embedded config)

/** The base of every error kpatch raises on purpose; `hint` says what to try next. */
export class KpatchError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A malformed structure in a binary file: what, the offending value, and the file offset (Go's debug/elf FormatError). */
export class FormatError extends KpatchError {
  constructor(
    readonly offset: number,
    readonly what: string,
    readonly value?: unknown,
    code: ErrorCode = 'ELF_FORMAT',
  ) {
    super(code, `${what}${value === undefined ? '' : ` '${formatValue(value)}'`} at byte 0x${offset.toString(16)}`);
  }
}

/**
 * A negative answer rather than a failure: the file is fine but lacks what was asked for (no PVH
 * note, no embedded config). The CLI reports it in one line like any error, with exit status 1.
 */
export class NotFoundError extends KpatchError {
  constructor(message: string, hint?: string) {
    super('NOT_FOUND', message, hint);
  }
}

/**
 * A planned byte edit that does not hold: the old bytes differ before the write (PATCH_MISMATCH), or
 * the written file differs from the plan (VERIFY_FAILED). `offset` is the file offset of the first
 * byte concerned, for callers that point at it (the message says it too).
 */
export class EditError extends KpatchError {
  constructor(
    code: 'PATCH_MISMATCH' | 'VERIFY_FAILED',
    readonly offset: number,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 16) return `0x${value.toString(16)}`;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}
