/**
 * A generator of tslog(4) traces whose profile is known by construction. A scenario is a list of
 * actions on named threads; the generator prints the records (NetBSD or FreeBSD format) and, as it
 * goes, charges every cycle to the stack the documented rules say the boot is in (docs/formats.md,
 * "kpatch tslog"): the boot thread's stack; during a boot thread's EVENT WAIT, one cycle to the
 * waiting stack and then the holder's stack on top of it, frozen at the holder's RELEASE. It never
 * calls kpatch: the expected numbers come from the scenario alone.
 */

export type Action =
  | { readonly op: 'enter'; readonly t: string; readonly fn: string; readonly extra?: string }
  | { readonly op: 'exit'; readonly t: string; readonly fn: string; readonly extra?: string }
  | { readonly op: 'thread'; readonly t: string; readonly name: string }
  | { readonly op: 'event'; readonly t: string; readonly what: 'WAIT' | 'UNWAIT' | 'HOLD' | 'RELEASE'; readonly topic: string }
  /** Cycles that pass before the next record (at least 1 always does). */
  | { readonly op: 'spend'; readonly cycles: number }
  /** The next record's printed cycle count is `cycles` below the previous one's (0: repeated). */
  | { readonly op: 'back'; readonly cycles: number };

export interface Scenario {
  readonly os: 'netbsd' | 'freebsd';
  readonly actions: readonly Action[];
  /** The printed cycle count of the first record. */
  readonly firstTsc?: number;
  readonly tscFreq?: number;
  /** Separate the fields with two spaces, as one NetBSD revision did. */
  readonly doubleSpaces?: boolean;
  /** Keep only the first N records (a trace cut short). */
  readonly keep?: number;
}

export interface Expected {
  readonly text: string;
  readonly records: number;
  readonly repairs: number;
  readonly start: number;
  readonly end: number;
  readonly total: number;
  /** Kernel-boot stacks (`kernel;main;...`) and their cycles. */
  readonly folded: ReadonlyMap<string, number>;
  /** Self time per function: the leaf, or `caller;leaf` for a wait function. */
  readonly functions: ReadonlyMap<string, number>;
  /** Cycles in stacks holding a wait function. */
  readonly waits: number;
  /** Calls of wait functions on the boot threads, in call order. */
  readonly waitCalls: readonly { readonly function: string; readonly caller: string; readonly cycles: number; readonly at: number }[];
  /** The frames of the chart: stack (labels joined by `;`), start and end cycle counts. */
  readonly spans: readonly { readonly stack: string; readonly start: number; readonly end: number }[];
}

/** The wait functions the scenarios use (all in docs/formats.md's list). */
const WAITS = new Set(['DELAY', 'delay', 'tsleep', 'kpause']);

/** Printed thread ids: NetBSD prints the LWP id (proc0's and init's first LWP are both 1), FreeBSD a pointer. */
function threadIds(os: Scenario['os']): (t: string) => string {
  const netbsd: Record<string, string> = { main: '0x1', init: '0x1' };
  const freebsd: Record<string, string> = { main: '0xffffffff81f4e940', init: '0xfffff80003a6c740', loader: '0x0' };
  let next = 2;
  const others = new Map<string, string>();
  return (t) => {
    const fixed = (os === 'netbsd' ? netbsd : freebsd)[t];
    if (fixed) return fixed;
    if (!others.has(t)) others.set(t, os === 'netbsd' ? `0x${(next++).toString(16)}` : `0xfffff80003${(0xa00000 + next++ * 0x740).toString(16)}`);
    return others.get(t)!;
  };
}

/** Generates the trace text of a scenario and what its profile must be. */
export function generateTrace(s: Scenario): Expected {
  const root = s.os === 'netbsd' ? 'main' : 'mi_startup';
  const idOf = threadIds(s.os);
  const lines: string[] = [];
  const stacks = new Map<string, string[]>(); // by printed id
  const stackOf = (id: string) => {
    if (!stacks.has(id)) stacks.set(id, [id === '0x0' ? 'loader' : 'kernel']);
    return stacks.get(id)!;
  };
  const hasPoint = new Set<string>(); // threads that logged an ENTER, EXIT or THREAD
  const bootIds = new Set<string>();
  // a boot thread is one for all its records, also those before it enters main or start_init
  for (const a of s.actions) {
    if (a.op === 'spend' || a.op === 'back') continue;
    if (a.t === 'loader' || (a.op === 'enter' && (a.fn === root || a.fn === 'start_init'))) bootIds.add(idOf(a.t));
  }
  // the charged stack and the intervals
  const intervals: { start: number; stack: string[] }[] = [];
  let charged: string[] | undefined;
  let lastBoot: string[] | undefined;
  let wait: { topic: string; stack: string[]; holder?: string; frozen?: string[] } | undefined;
  const holders = new Map<string, string>(); // topic -> holding thread id
  let clock = s.firstTsc ?? 1000;
  let offset = 0; // printed = clock - offset
  let pending = 0;
  let back: number | undefined;
  let prevPrinted = -1;
  let records = 0;
  let repairs = 0;
  let end: number | undefined;
  const sep = s.doubleSpaces ? '  ' : ' ';
  let start: number | undefined;

  const chargeFrom = (at: number, stack: string[] | undefined) => {
    if (stack) intervals.push({ start: at, stack: [...stack] });
  };
  const holderView = (): string[] | undefined => {
    if (!wait) return lastBoot;
    const h = wait.frozen ?? (wait.holder && hasPoint.has(wait.holder) ? stackOf(wait.holder) : undefined);
    return h ? [...wait.stack, ...h] : wait.stack;
  };

  for (const a of s.actions) {
    if (s.keep !== undefined && records >= s.keep) break;
    if (a.op === 'spend') {
      pending += a.cycles;
      continue;
    }
    if (a.op === 'back') {
      back = a.cycles;
      continue;
    }
    // the record's cycle count
    let printed: number;
    if (records === 0) {
      printed = clock;
    } else if (back !== undefined) {
      clock += 1;
      printed = prevPrinted - back;
      offset = clock - printed;
      repairs++;
      back = undefined;
    } else {
      clock += Math.max(1, pending);
      printed = clock - offset;
    }
    pending = 0;
    prevPrinted = printed;
    const id = idOf(a.t);
    const word = a.op === 'enter' ? 'ENTER' : a.op === 'exit' ? 'EXIT' : a.op === 'thread' ? 'THREAD' : 'EVENT';
    const rest = a.op === 'thread' ? a.name : a.op === 'event' ? `${a.what} ${a.topic}` : a.extra ? `${a.fn} ${a.extra}` : a.fn;
    lines.push([id, String(printed), word, rest].join(sep));
    records++;
    const isBoot = bootIds.has(id);
    const stack = stackOf(id);
    const label = a.op === 'enter' || a.op === 'exit' ? (a.extra ? `${a.fn} ${a.extra}` : a.fn) : '';
    if (a.op === 'enter') {
      stack.push(label);
      hasPoint.add(id);
    } else if (a.op === 'exit') {
      const at = stack.lastIndexOf(label);
      if (at < 0) throw new Error(`scenario: EXIT ${label} without ENTER on ${a.t}`);
      stack.length = at;
      hasPoint.add(id);
      if (a.fn === 'start_init') end = clock;
    } else if (a.op === 'thread') {
      stack.length = 0;
      stack.push(`THREAD ${a.name}`);
      hasPoint.add(id);
    } else if (a.what === 'HOLD') holders.set(a.topic, id);
    else if (a.what === 'RELEASE') {
      if (wait && wait.topic === a.topic && wait.holder === id && !wait.frozen) wait.frozen = hasPoint.has(id) ? [...stackOf(id)] : [];
      holders.delete(a.topic);
    }
    if (start === undefined && isBoot && a.op !== 'event') start = clock;
    // what the boot is in from this record on
    if (isBoot && a.op === 'event' && a.what === 'WAIT' && !wait) {
      wait = { topic: a.topic, stack: [...(lastBoot ?? [])], holder: holders.get(a.topic) };
      chargeFrom(clock, wait.stack);
      // one cycle later the holder's stack shows (tslog.sh's TSC1 + 1), if it has one
      if (wait.holder && hasPoint.has(wait.holder)) {
        pending = 0;
        intervals.push({ start: clock + 1, stack: holderView()! });
      }
      continue;
    }
    if (isBoot && a.op === 'event' && a.what === 'UNWAIT' && wait && wait.topic === a.topic) {
      lastBoot = wait.stack;
      wait = undefined;
      chargeFrom(clock, lastBoot);
      continue;
    }
    if (isBoot && a.op !== 'event' && !wait) {
      lastBoot = [...stack];
      chargeFrom(clock, lastBoot);
    } else if (wait && id === wait.holder && a.op !== 'event' && !wait.frozen) chargeFrom(clock, holderView());
  }
  const last = clock;
  if (end === undefined) end = last; // cut short: the profile ends at the last record
  if (start === undefined) throw new Error('scenario: no boot-thread record');
  // intervals -> per-stack time, up to the end
  const folded = new Map<string, number>();
  const used: { start: number; end: number; stack: string[] }[] = [];
  const sorted = intervals.filter((i) => i.start <= end!).sort((x, y) => x.start - y.start);
  sorted.forEach((iv, k) => {
    const to = k + 1 < sorted.length ? sorted[k + 1].start : end!;
    if (to <= iv.start) return;
    used.push({ start: iv.start, end: to, stack: iv.stack });
    const key = iv.stack.join(';');
    folded.set(key, (folded.get(key) ?? 0) + to - iv.start);
  });
  const functions = new Map<string, number>();
  let waits = 0;
  for (const [key, cycles] of folded) {
    const frames = key.split(';');
    const leaf = frames[frames.length - 1];
    const fn = leaf.split(' ')[0];
    const name = WAITS.has(fn) && frames.length > 1 ? `${frames[frames.length - 2]};${leaf}` : leaf;
    functions.set(name, (functions.get(name) ?? 0) + cycles);
    if (frames.some((f) => WAITS.has(f.split(' ')[0]))) waits += cycles;
  }
  // spans: a frame lasts while consecutive intervals keep the same stack up to it
  const spans: { stack: string; start: number; end: number }[] = [];
  let open: { key: string; start: number }[] = [];
  for (const iv of used) {
    const keys = iv.stack.map((_, d) => iv.stack.slice(0, d + 1).join(';'));
    let same = 0;
    while (same < keys.length && same < open.length && keys[same] === open[same].key) same++;
    for (const o of open.slice(same)) spans.push({ stack: o.key, start: o.start, end: iv.start });
    open = [...open.slice(0, same), ...keys.slice(same).map((key) => ({ key, start: iv.start }))];
  }
  for (const o of open) spans.push({ stack: o.key, start: o.start, end: end });
  const sortedSpans = spans.filter((x) => x.end > x.start).sort((a, b) => a.start - b.start || a.stack.split(';').length - b.stack.split(';').length);
  // a wait call is a drawn frame of a wait function not itself inside a wait
  const waitCalls = sortedSpans
    .map((x) => ({ x, frames: x.stack.split(';').map((f) => f.split(' ')[0]) }))
    .filter(({ frames }) => WAITS.has(frames[frames.length - 1]) && !frames.slice(0, -1).some((f) => WAITS.has(f)))
    .map(({ x, frames }) => ({ function: x.stack.split(';').pop()!, caller: x.stack.split(';').slice(-2)[0], cycles: x.end - x.start, at: x.start }));
  return {
    text: `${lines.slice(0, s.keep ?? lines.length).join('\n')}\n${s.tscFreq ? `machdep.tsc_freq=${s.tscFreq}\n` : ''}`,
    records,
    repairs,
    start,
    end,
    total: end - start,
    folded,
    functions,
    waits,
    waitCalls,
    spans: sortedSpans,
  };
}

/** Shorthands for scenarios. */
export const on = (t: string) => ({
  enter: (fn: string, extra?: string): Action => ({ op: 'enter', t, fn, extra }),
  exit: (fn: string, extra?: string): Action => ({ op: 'exit', t, fn, extra }),
  thread: (name: string): Action => ({ op: 'thread', t, name }),
  event: (what: 'WAIT' | 'UNWAIT' | 'HOLD' | 'RELEASE', topic: string): Action => ({ op: 'event', t, what, topic }),
  /** ENTER fn, `cycles` inside, EXIT fn. */
  call: (fn: string, cycles: number): Action[] => [{ op: 'enter', t, fn }, { op: 'spend', cycles }, { op: 'exit', t, fn }],
});
export const spend = (cycles: number): Action => ({ op: 'spend', cycles });
export const back = (cycles: number): Action => ({ op: 'back', cycles });
