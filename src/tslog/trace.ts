/**
 * Reading a tslog(4) capture: the text of `sysctl -n debug.tslog` (NetBSD or FreeBSD), optionally
 * followed by `debug.tslog_user`, a `machdep.tsc_freq` line and the boot-time lines people already
 * have (Firecracker's `Guest-boot-time = N us`, NetBSD's `kernel boot time: NNms`). Text in, columnar
 * records out; docs/formats.md describes every accepted line.
 */
import { KpatchError } from '../errors';

/** Record kinds, as sys/sys/tslog.h numbers them (TS_ENTER 0, TS_EXIT 1, TS_THREAD 2, TS_EVENT 3). */
export const TS_ENTER = 0;
export const TS_EXIT = 1;
export const TS_THREAD = 2;
export const TS_EVENT = 3;
export type RecordKind = typeof TS_ENTER | typeof TS_EXIT | typeof TS_THREAD | typeof TS_EVENT;

const KINDS: Record<string, RecordKind> = { ENTER: TS_ENTER, EXIT: TS_EXIT, THREAD: TS_THREAD, EVENT: TS_EVENT };

/** TSLOGSIZE's default in both kernels (sys/kern/kern_tslog.c): a trace this long filled the buffer. */
export const TSLOGSIZE = 262144;

/** One `debug.tslog_user` line: a process's fork and exit cycle counts and its names. */
export interface UserRecord {
  readonly pid: number;
  readonly ppid: number;
  readonly forked: number;
  readonly exited: number;
  readonly execname: string;
  readonly namei: string;
  readonly line: number;
}

/** A parsed capture. Records are columns, in file order (the kernel's slot order). */
export interface Trace {
  readonly file: string;
  readonly count: number;
  /** Index into `threads` of each record's thread. */
  readonly thread: Int32Array;
  /** The cycle count as printed (before any repair). */
  readonly tsc: Float64Array;
  readonly kind: Uint8Array;
  /** The function (ENTER, EXIT), thread name (THREAD) or event name (EVENT). */
  readonly name: readonly string[];
  /** The optional string after the name (TSENTER2's argument, the topic of WAIT, HOLD...). */
  readonly extra: readonly (string | undefined)[];
  readonly line: Int32Array;
  /** Thread ids as printed: NetBSD's `0x<lwp id>`, FreeBSD's thread pointer, `0x0` for FreeBSD's loader. */
  readonly threads: readonly string[];
  readonly user: readonly UserRecord[];
  /** machdep.tsc_freq from the input, in Hz. */
  readonly tscFreq?: number;
  /** Firecracker's `Guest-boot-time = N us`, in microseconds. */
  readonly guestBootUs?: number;
  /** NetBSD's `kernel boot time: NNms` (BOOT_DURATION), in milliseconds. */
  readonly kernelBootMs?: number;
  readonly warnings: readonly string[];
}

/** A bad line of a trace: file:line and what was expected, in one line. */
export class TraceError extends KpatchError {
  constructor(file: string, line: number | undefined, detail: string, hint?: string) {
    super('TRACE_FORMAT', `${file}${line === undefined ? '' : `:${line}`}: ${detail}`, hint);
  }
}

const USER = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+"(.*)"\s+"(.*)"\s*$/;
const THREAD_ID = /^0x[0-9a-fA-F]+$/;
const DECIMAL = /^\d+$/;
const SYSCTL_PREFIX = /^debug\.tslog(?:_user)?\s*[=:]\s*/;
const TSC_FREQ = /^machdep\.tsc_freq\s*[=:]\s*(\S+)\s*$/;
const GUEST_BOOT = /Guest-boot-time\s*=\s*(\d+)\s*us/;
const KERNEL_BOOT = /kernel boot time:\s*(\d+)\s*ms/;

const EXPECTED = 'expected a tslog record (0x<thread> <tsc> ENTER|EXIT|THREAD|EVENT <name>), a tslog_user record (<pid> <ppid> <forked> <exited> "<exec>" "<namei>") or machdep.tsc_freq=<Hz>';

function shown(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isBlank = (c: number) => c === 32 || c === 9;

/**
 * Splits a trimmed line into its first four words and the rest (blanks at the end dropped), as the
 * indexes 1-5 of a match (undefined for what is missing); undefined with fewer than three words.
 * By hand rather than by a regular expression: it runs once per record, 262,144 times for a full buffer.
 */
function splitRecord(s: string): (string | undefined)[] | undefined {
  const out: (string | undefined)[] = [s, undefined, undefined, undefined, undefined, undefined];
  let i = 0;
  const n = s.length;
  for (let w = 1; w <= 4; w++) {
    while (i < n && isBlank(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const from = i;
    while (i < n && !isBlank(s.charCodeAt(i))) i++;
    out[w] = s.slice(from, i);
  }
  while (i < n && isBlank(s.charCodeAt(i))) i++;
  if (i < n) {
    let end = n;
    while (end > i && isBlank(s.charCodeAt(end - 1))) end--;
    out[5] = s.slice(i, end);
  }
  return out[3] === undefined ? undefined : out;
}

/** The kinds the fast path reads (THREAD, whose name runs to the end of the line, takes the general path). */
const KIND_WORDS: readonly (readonly [string, RecordKind])[] = [
  ['ENTER', TS_ENTER],
  ['EXIT', TS_EXIT],
  ['EVENT', TS_EVENT],
];

/** Parses a capture. `file` names it in messages (the CLI says `(standard input)` for a pipe). */
export function parseTrace(text: string, file: string): Trace {
  const endsCut = text.length > 0 && !text.endsWith('\n');
  // at most one record a line
  let n = 1;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) n++;
  const thread = new Int32Array(n);
  const tsc = new Float64Array(n);
  const kind = new Uint8Array(n);
  const lineNo = new Int32Array(n);
  const name: string[] = [];
  const extra: (string | undefined)[] = [];
  const threads: string[] = [];
  const threadIndex = new Map<string, number>();
  const user: UserRecord[] = [];
  const warnings: string[] = [];
  let tscFreq: number | undefined;
  let guestBootUs: number | undefined;
  let kernelBootMs: number | undefined;
  let count = 0;
  let lastId = '';
  let lastIndex = -1;

  /**
   * The common record (`0x<id> <tsc> ENTER|EXIT|EVENT <name>[ <extra>]`, single blanks or more) read
   * straight from the text, without making the line's string: false sends the line to the general
   * path below, which reads everything else and words the errors. Both read a record the same way.
   */
  const fast = (from: number, to: number, lineNumber: number): boolean => {
    if (text.charCodeAt(from) !== 48 /* 0 */ || text.charCodeAt(from + 1) !== 120 /* x */) return false;
    let i = from + 2;
    while (i < to && !isBlank(text.charCodeAt(i))) i++;
    const idEnd = i;
    // the thread: most records are on the thread of the record before
    let id = -1;
    if (idEnd - from === lastId.length && text.startsWith(lastId, from)) id = lastIndex;
    while (i < to && isBlank(text.charCodeAt(i))) i++;
    let t = 0;
    const digits = i;
    while (i < to) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      t = t * 10 + c;
      i++;
    }
    if (i === digits || i - digits > 15 || i >= to || !isBlank(text.charCodeAt(i))) return false;
    while (i < to && isBlank(text.charCodeAt(i))) i++;
    let k: RecordKind | undefined;
    for (const [word, kk] of KIND_WORDS) {
      if (text.startsWith(word, i) && (i + word.length === to || isBlank(text.charCodeAt(i + word.length)))) {
        k = kk;
        i += word.length;
        break;
      }
    }
    if (k === undefined) return false;
    while (i < to && isBlank(text.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < to && !isBlank(text.charCodeAt(i))) i++;
    if (i === nameStart) return false;
    const nameEnd = i;
    while (i < to && isBlank(text.charCodeAt(i))) i++;
    let end = to;
    while (end > i && isBlank(text.charCodeAt(end - 1))) end--;
    if (id < 0) {
      const idText = text.slice(from, idEnd);
      if (!THREAD_ID.test(idText)) return false;
      const known = threadIndex.get(idText);
      if (known === undefined) {
        id = threads.length;
        threads.push(idText);
        threadIndex.set(idText, id);
      } else id = known;
      lastId = idText;
      lastIndex = id;
    }
    thread[count] = id;
    tsc[count] = t;
    kind[count] = k;
    lineNo[count] = lineNumber;
    name.push(text.slice(nameStart, nameEnd));
    extra.push(i < end ? text.slice(i, end) : undefined);
    count++;
    return true;
  };

  let lineNumber = 0;
  for (let from = 0; from <= text.length; ) {
    let eol = text.indexOf('\n', from);
    if (eol < 0) eol = text.length;
    lineNumber++;
    const next = eol + 1;
    let to = eol;
    if (to > from && text.charCodeAt(to - 1) === 13 /* \r */) to--;
    if (to === from || fast(from, to, lineNumber)) {
      from = next;
      continue;
    }
    let s = text.slice(from, to).trim();
    from = next;
    const last = next > text.length;
    if (s.length === 0 || s.charCodeAt(0) === 35 /* # */) continue;
    const bad = (detail: string): TraceError =>
      endsCut && last
        ? new TraceError(file, lineNumber, `truncated record: the file ends inside it ('${shown(s)}')`, 'capture the whole sysctl output')
        : new TraceError(file, lineNumber, detail);
    if (s.charCodeAt(0) === 100 /* d */ && SYSCTL_PREFIX.test(s)) {
      s = s.replace(SYSCTL_PREFIX, '');
      if (s.length === 0) continue;
    }
    const m = s.charCodeAt(0) === 48 /* 0 */ ? splitRecord(s) : undefined;
    if (m && (threadIndex.has(m[1]!) || THREAD_ID.test(m[1]!))) {
      if (!DECIMAL.test(m[2]!)) throw bad(`expected a decimal cycle count after the thread id, found '${shown(m[2]!)}'`);
      const t = Number(m[2]);
      if (t > Number.MAX_SAFE_INTEGER) throw bad(`cycle count ${m[2]} is past 2^53, which kpatch does not handle`);
      const k = KINDS[m[3]!];
      if (k === undefined) throw bad(`expected ENTER, EXIT, THREAD or EVENT, found '${shown(m[3]!)}'`);
      if (m[4] === undefined) throw bad(`expected a name after ${m[3]}`);
      let id = threadIndex.get(m[1]!);
      if (id === undefined) {
        id = threads.length;
        threads.push(m[1]!);
        threadIndex.set(m[1]!, id);
      }
      thread[count] = id;
      tsc[count] = t;
      kind[count] = k;
      lineNo[count] = lineNumber;
      // A thread's name is all the rest of the line (FreeBSD's "swi4: clock (0)"); elsewhere the
      // first word is the name and the rest its argument.
      if (k === TS_THREAD) {
        name.push(m[5] === undefined ? m[4] : `${m[4]} ${m[5]}`);
        extra.push(undefined);
      } else {
        name.push(m[4]);
        extra.push(m[5] === '' ? undefined : m[5]);
      }
      count++;
      continue;
    }
    const u = USER.exec(s);
    if (u) {
      const nums = [u[1], u[2], u[3], u[4]].map(Number);
      if (nums.some((x) => x > Number.MAX_SAFE_INTEGER)) throw bad('tslog_user number past 2^53, which kpatch does not handle');
      user.push({ pid: nums[0], ppid: nums[1], forked: nums[2], exited: nums[3], execname: u[5], namei: u[6], line: lineNumber });
      continue;
    }
    const f = TSC_FREQ.exec(s);
    if (f) {
      if (!DECIMAL.test(f[1]) || Number(f[1]) === 0) throw bad(`expected machdep.tsc_freq in Hz (a positive integer), found '${shown(f[1])}'`);
      tscFreq = Number(f[1]);
      continue;
    }
    const g = GUEST_BOOT.exec(s);
    if (g) {
      guestBootUs = Number(g[1]);
      continue;
    }
    const b = KERNEL_BOOT.exec(s);
    if (b) {
      kernelBootMs = Number(b[1]);
      continue;
    }
    throw bad(`${EXPECTED}, found '${shown(s)}'`);
  }
  if (endsCut && count > 0 && lineNo[count - 1] === lineNumber) warnings.push(`${file} does not end with a newline: its last record (line ${lineNumber}) may be cut short`);
  return {
    file,
    count,
    thread: thread.subarray(0, count),
    tsc: tsc.subarray(0, count),
    kind: kind.subarray(0, count),
    name,
    extra,
    line: lineNo.subarray(0, count),
    threads,
    user,
    tscFreq,
    guestBootUs,
    kernelBootMs,
    warnings,
  };
}
