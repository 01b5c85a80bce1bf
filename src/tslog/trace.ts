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

const RECORD = /^(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?(?:\s+(.*?))?\s*$/;
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

/** Parses a capture. `file` names it in messages (`-` for standard input). */
export function parseTrace(text: string, file: string): Trace {
  const lines = text.split('\n');
  const endsCut = text.length > 0 && !text.endsWith('\n');
  const n = lines.length;
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
  for (let i = 0; i < n; i++) {
    let s = lines[i];
    if (s.length === 0) continue;
    s = s.trim();
    if (s.length === 0 || s.charCodeAt(0) === 35 /* # */) continue;
    const lineNumber = i + 1;
    const bad = (detail: string): TraceError =>
      endsCut && i === n - 1
        ? new TraceError(file, lineNumber, `truncated record: the file ends inside it ('${shown(s)}')`, 'capture the whole sysctl output')
        : new TraceError(file, lineNumber, detail);
    if (s.charCodeAt(0) === 100 /* d */ && SYSCTL_PREFIX.test(s)) {
      s = s.replace(SYSCTL_PREFIX, '');
      if (s.length === 0) continue;
    }
    const m = RECORD.exec(s);
    if (m && THREAD_ID.test(m[1])) {
      if (!DECIMAL.test(m[2])) throw bad(`expected a decimal cycle count after the thread id, found '${shown(m[2])}'`);
      const t = Number(m[2]);
      if (t > Number.MAX_SAFE_INTEGER) throw bad(`cycle count ${m[2]} is past 2^53, which kpatch does not handle`);
      const k = KINDS[m[3]];
      if (k === undefined) throw bad(`expected ENTER, EXIT, THREAD or EVENT, found '${shown(m[3])}'`);
      if (m[4] === undefined) throw bad(`expected a name after ${m[3]}`);
      let id = threadIndex.get(m[1]);
      if (id === undefined) {
        id = threads.length;
        threads.push(m[1]);
        threadIndex.set(m[1], id);
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
        extra.push(m[5] === undefined || m[5] === '' ? undefined : m[5]);
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
  if (endsCut && count > 0 && lineNo[count - 1] === n) warnings.push(`${file} does not end with a newline: its last record (line ${n}) may be cut short`);
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
