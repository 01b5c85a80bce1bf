/**
 * From records to a boot timeline, following what Colin Percival's freebsd-boot-profiling scripts
 * (tslog.sh, stackcollapse-tslog.pl, tslog-user.pl) compute; docs/formats.md states each rule:
 *  1. cycle counts that go backwards or repeat are repaired (tslog.sh's TSCOFFSET);
 *  2. each thread's stack is built from ENTER/EXIT, a THREAD record restarts it;
 *  3. the boot threads are the one that enters `main` (NetBSD) or `mi_startup` (FreeBSD), the one
 *     that enters `start_init`, and FreeBSD's loader (`0x0`); boot ends at `EXIT start_init`;
 *  4. while a boot thread waits (EVENT WAIT x .. UNWAIT x), the time goes to the thread that held x
 *     (HOLD x .. RELEASE x), drawn on top of the waiting stack;
 *  5. userland processes from tslog_user follow, as init's process tree.
 */
import { StackTree } from './stacks';
import { TS_ENTER, TS_EVENT, TS_EXIT, TS_THREAD, TSLOGSIZE, TraceError, type Trace, type UserRecord } from './trace';

/** Which kernel wrote the trace, told by its root function. */
export type TraceOs = 'netbsd' | 'freebsd';

/** The function each kernel's boot thread starts in (tslog.sh's MAIN). */
export const ROOT_FUNCTION: Record<TraceOs, string> = { netbsd: 'main', freebsd: 'mi_startup' };

/** A timeline: stack `node[i]` from `tsc[i]` to `tsc[i + 1]`, the last one to `end`. */
export interface Timeline {
  readonly tsc: Float64Array;
  readonly node: Int32Array;
  readonly count: number;
  readonly start: number;
  readonly end: number;
}

/** Frames as drawn: frame `node[i]` (its depth is the tree's) from `start[i]` to `end[i]`. */
export interface Spans {
  readonly node: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly count: number;
}

/** A boot thread's EVENT WAIT .. UNWAIT window. */
export interface EventWait {
  readonly topic: string;
  readonly thread: string;
  readonly start: number;
  readonly end: number;
  /** The threads the time went to (docs/formats.md, rule 4), in time order. */
  readonly holders: readonly string[];
}

/** One thread of the trace. */
export interface ThreadInfo {
  readonly id: string;
  /** Its last THREAD record's name, if any. */
  readonly name?: string;
  readonly records: number;
  readonly first: number;
  readonly last: number;
  readonly boot: boolean;
}

/** The userland part: init's process tree from tslog_user. */
export interface Userland {
  readonly timeline: Timeline;
  readonly spans: Spans;
  readonly processes: number;
}

/** A profiled boot. Cycle counts are repaired ones; `self` is per tree node, in cycles. */
export interface Profile {
  readonly file: string;
  readonly os: TraceOs;
  readonly records: number;
  readonly tscFreq?: number;
  readonly guestBootUs?: number;
  readonly kernelBootMs?: number;
  readonly tree: StackTree;
  readonly timeline: Timeline;
  readonly spans: Spans;
  readonly self: Float64Array;
  /** False when the trace has no `EXIT start_init` and was profiled up to its last record (--partial). */
  readonly complete: boolean;
  /** The buffer held TSLOGSIZE records: later events were dropped. */
  readonly full: boolean;
  readonly repairs: number;
  readonly unmatchedExits: number;
  readonly eventWaits: readonly EventWait[];
  readonly threads: readonly ThreadInfo[];
  readonly userland?: Userland;
  readonly warnings: readonly string[];
}

export interface ProfileOptions {
  /** Cycles per second; overrides the trace's machdep.tsc_freq. */
  readonly tscFreq?: number;
  /** Profile a trace without `EXIT start_init` up to its last record instead of refusing it. */
  readonly partial?: boolean;
}

/**
 * Rule 1 (tslog.sh): a cycle count not above the previous record's is moved to one cycle after the
 * previous record's repaired count, and every later record is shifted by as much.
 */
export function repairCycles(raw: Float64Array): { tsc: Float64Array; repairs: number } {
  const tsc = new Float64Array(raw.length);
  let offset = 0;
  let repairs = 0;
  for (let i = 0; i < raw.length; i++) {
    if (i > 0 && raw[i] <= raw[i - 1]) {
      offset += raw[i - 1] - raw[i] + 1;
      repairs++;
    }
    tsc[i] = raw[i] + offset;
  }
  return { tsc, repairs };
}

const frameLabel = (name: string, extra: string | undefined) => (extra === undefined ? name : `${name} ${extra}`);

/** Builds the profile of a parsed trace. Throws TraceError for a trace that is not a boot, or is cut short. */
export function profileTrace(trace: Trace, options: ProfileOptions = {}): Profile {
  const { file, count, kind, name, extra } = trace;
  const warnings = [...trace.warnings];
  if (count === 0) throw new TraceError(file, undefined, 'no tslog records', 'capture it with: sysctl debug.tslog machdep.tsc_freq > boot.txt');
  const { tsc, repairs } = repairCycles(trace.tsc);
  const tthread = trace.thread;

  // Rule 3: the boot threads and the end of the kernel's boot. mi_startup wins over main: FreeBSD's
  // loader (thread 0x0) may log its own main, which is never the kernel's.
  const loader = trace.threads.indexOf('0x0');
  let miStartup = -1;
  let netbsdMain = -1;
  let initThread = -1;
  let endRecord = -1;
  for (let i = 0; i < count; i++) {
    if (kind[i] === TS_ENTER) {
      if (miStartup < 0 && name[i] === 'mi_startup') miStartup = tthread[i];
      else if (netbsdMain < 0 && name[i] === 'main' && tthread[i] !== loader) netbsdMain = tthread[i];
      else if (initThread < 0 && name[i] === 'start_init') initThread = tthread[i];
    } else if (kind[i] === TS_EXIT && name[i] === 'start_init') endRecord = i;
  }
  const os: TraceOs | undefined = miStartup >= 0 ? 'freebsd' : netbsdMain >= 0 ? 'netbsd' : undefined;
  const mainThread = miStartup >= 0 ? miStartup : netbsdMain;
  if (os === undefined) throw new TraceError(file, undefined, 'no ENTER main (NetBSD) or ENTER mi_startup (FreeBSD) record: not a boot trace, or its start was lost');
  const full = count >= TSLOGSIZE;
  let complete = true;
  let end: number;
  if (endRecord < 0) {
    const why = full
      ? `the buffer is full (${count} records, TSLOGSIZE is ${TSLOGSIZE}) and has no EXIT start_init record: the kernel stopped logging before init started`
      : `no EXIT start_init record in ${count} records: the trace stops before init started`;
    if (!options.partial) throw new TraceError(file, undefined, `truncated trace: ${why}`, full ? 'rebuild with a larger options TSLOGSIZE, or add --partial to profile what is there' : 'capture the trace after boot, or add --partial to profile what is there');
    warnings.push(`partial profile: ${why}; it ends at the last record`);
    complete = false;
    end = tsc[count - 1];
  } else {
    end = tsc[endRecord];
    if (full) warnings.push(`the buffer is full (${count} records): later records were dropped, but the boot is complete (EXIT start_init is in it)`);
  }
  const bootThread = new Uint8Array(trace.threads.length);
  for (const t of [mainThread, initThread, loader]) if (t >= 0) bootThread[t] = 1;
  const isBoot = (t: number) => bootThread[t] === 1;

  // Rule 2: per-thread stacks, as (cycle count, node) points after every ENTER, EXIT and THREAD.
  const tree = new StackTree();
  const kernelRoot = tree.child(0, 'kernel');
  const nthreads = trace.threads.length;
  const current = new Int32Array(nthreads).fill(kernelRoot);
  // FreeBSD's loader logs as thread 0x0: its stacks grow from `loader`, not `kernel`
  if (loader >= 0) current[loader] = tree.child(0, 'loader');
  const after = new Int32Array(count).fill(-1); // each record's thread stack after it (-1 for EVENT)
  const threadNames: (string | undefined)[] = new Array<string | undefined>(nthreads);
  const threadRecords = new Int32Array(nthreads);
  const threadFirst = new Float64Array(nthreads).fill(-1);
  const threadLast = new Float64Array(nthreads);
  let unmatchedExits = 0;
  for (let i = 0; i < count; i++) {
    const t = tthread[i];
    threadRecords[t]++;
    if (threadFirst[t] < 0) threadFirst[t] = tsc[i];
    threadLast[t] = tsc[i];
    const k = kind[i];
    if (k === TS_ENTER) current[t] = tree.child(current[t], frameLabel(name[i], extra[i]), name[i]);
    else if (k === TS_EXIT) {
      // The innermost frame of that function is popped, with anything left above it.
      const label = frameLabel(name[i], extra[i]);
      let n = current[t];
      while (n > 0 && tree.label[n] !== label && tree.func[n] !== name[i]) n = tree.parent[n];
      if (n > 0) current[t] = tree.parent[n];
      else unmatchedExits++;
    } else if (k === TS_THREAD) {
      threadNames[t] = name[i];
      current[t] = tree.child(0, `THREAD ${name[i]}`, 'THREAD');
    }
    if (k !== TS_EVENT) after[i] = current[t];
  }
  if (unmatchedExits > 0) warnings.push(`${unmatchedExits} EXIT record${unmatchedExits === 1 ? '' : 's'} without a matching ENTER on ${unmatchedExits === 1 ? 'its' : 'their'} thread (ignored)`);

  // Rule 4: for each topic a boot thread unwaits, when the wait went to which holder.
  const segments = holderSegments(trace, tsc, isBoot);

  // The boot timeline, in cycle order: the boot threads' stacks, prefixed by the waiting stack
  // while a wait lasts, and the holders' stacks during the segments of a wait.
  const holderPoints = holderTimeline(segments, tsc, tthread, after, count);
  // at most one point per record and per holder point
  const outTsc = new Float64Array(count + holderPoints.length);
  const outNode = new Int32Array(count + holderPoints.length);
  let points = 0;
  const eventWaits: EventWait[] = [];
  let prefix = -1;
  let lastStack = kernelRoot;
  let waitStart = 0;
  let waitTopic = '';
  let waitThread = '';
  const grafted = new Map<number, number>();
  const emit = (at: number, node: number) => {
    outTsc[points] = at;
    outNode[points] = node;
    points++;
  };
  const under = (node: number) => {
    if (prefix < 0) return node;
    const key = prefix * 0x100000 + node;
    let g = grafted.get(key);
    if (g === undefined) {
      g = tree.graft(prefix, node);
      grafted.set(key, g);
    }
    return g;
  };
  const segmentsByStart = [...segments].sort((a, b) => a.start - b.start);
  let seg = 0;
  let h = 0;
  for (let i = 0; i < count && tsc[i] <= end; i++) {
    while (h < holderPoints.length && holderPoints[h].tsc < tsc[i]) {
      // only while a boot thread waits: a wait between two other threads is not the boot's
      if (holderPoints[h].tsc <= end && prefix >= 0) {
        lastStack = holderPoints[h].node;
        emit(holderPoints[h].tsc, under(lastStack));
      }
      h++;
    }
    if (!isBoot(tthread[i])) continue;
    if (kind[i] !== TS_EVENT) {
      lastStack = after[i];
      emit(tsc[i], under(lastStack));
    } else if (name[i] === 'WAIT' && prefix < 0) {
      prefix = lastStack;
      waitStart = tsc[i];
      waitTopic = extra[i] ?? '';
      waitThread = trace.threads[tthread[i]];
    } else if (name[i] === 'UNWAIT' && prefix >= 0) {
      emit(tsc[i], prefix);
      lastStack = prefix;
      const holders = new Set<string>();
      while (seg < segmentsByStart.length && segmentsByStart[seg].start < waitStart) seg++;
      for (let j = seg; j < segmentsByStart.length && segmentsByStart[j].start < tsc[i]; j++) if (segmentsByStart[j].topic === waitTopic) holders.add(trace.threads[segmentsByStart[j].holder]);
      eventWaits.push({ topic: waitTopic, thread: waitThread, start: waitStart, end: tsc[i], holders: [...holders] });
      prefix = -1;
    }
  }
  if (points === 0) throw new TraceError(file, undefined, 'no ENTER or EXIT record on the boot thread before the end of boot');
  const start = outTsc[0];
  const timeline: Timeline = { tsc: outTsc.subarray(0, points), node: outNode.subarray(0, points), count: points, start, end };
  const self = selfTimes(timeline, tree);
  const spans = spansOf(timeline, tree);

  const threads: ThreadInfo[] = trace.threads.map((id, t) => ({ id, name: threadNames[t], records: threadRecords[t], first: threadFirst[t], last: threadLast[t], boot: isBoot(t) }));
  const tscFreq = options.tscFreq ?? trace.tscFreq;
  if (options.tscFreq !== undefined && trace.tscFreq !== undefined && options.tscFreq !== trace.tscFreq) {
    warnings.push(`--tsc-freq ${options.tscFreq} overrides the trace's machdep.tsc_freq ${trace.tscFreq}`);
  }
  if (repairs > 0) warnings.push(`${repairs} cycle count${repairs === 1 ? '' : 's'} went backwards or repeated; repaired as tslog.sh does (each moved to 1 cycle after the record before it)`);
  const userland = userlandOf(trace.user, tree, warnings);
  return {
    file,
    os,
    records: count,
    tscFreq,
    guestBootUs: trace.guestBootUs,
    kernelBootMs: trace.kernelBootMs,
    tree,
    timeline,
    spans,
    self,
    complete,
    full,
    repairs,
    unmatchedExits,
    eventWaits,
    threads,
    userland,
    warnings,
  };
}

interface Segment {
  readonly topic: string;
  readonly start: number;
  readonly end: number;
  readonly holder: number;
}

/**
 * Rule 4, as tslog.sh walks it: backwards in time over a topic's events, an UNWAIT opens a wait,
 * each RELEASE adds its thread to the holders (latest release first); the HOLD (or THREAD record)
 * of the first holder closes a segment charged to it and moves the wait's end back to that HOLD;
 * the WAIT charges what is left to the first holder still holding. A segment ends no later than
 * its holder's RELEASE.
 */
function holderSegments(trace: Trace, tsc: Float64Array, isBoot: (t: number) => boolean): Segment[] {
  const { count, kind, name, extra, thread } = trace;
  const topics = new Set<string>();
  for (let i = 0; i < count; i++) if (kind[i] === TS_EVENT && name[i] === 'UNWAIT' && isBoot(thread[i])) topics.add(extra[i] ?? '');
  // only the boot threads' waits count; anyone's HOLD and RELEASE do
  const counts = (i: number) => name[i] === 'HOLD' || name[i] === 'RELEASE' || ((name[i] === 'WAIT' || name[i] === 'UNWAIT') && isBoot(thread[i]));
  if (topics.size === 0) return [];
  const byTopic = new Map<string, number[]>([...topics].map((t) => [t, []]));
  const threadStarts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (kind[i] === TS_THREAD) threadStarts.push(i);
    else if (kind[i] === TS_EVENT && counts(i)) byTopic.get(extra[i] ?? '')?.push(i);
  }
  const out: Segment[] = [];
  for (const [topic, events] of byTopic) {
    // the topic's events and every THREAD record, in record order, walked backwards
    const all = mergeSorted(events, threadStarts);
    let waiting: number | undefined;
    const holds: { thread: number; release: number }[] = [];
    for (let j = all.length - 1; j >= 0; j--) {
      const i = all[j];
      const t = thread[i];
      const what = kind[i] === TS_THREAD ? 'HOLD' : name[i];
      if (what === 'UNWAIT') waiting = tsc[i];
      else if (what === 'RELEASE') holds.push({ thread: t, release: tsc[i] });
      else if (what === 'HOLD') {
        const at = holds.findIndex((x) => x.thread === t);
        if (at === 0) {
          if (waiting !== undefined) {
            out.push({ topic, start: tsc[i], end: Math.min(waiting, holds[0].release), holder: t });
            waiting = tsc[i];
          }
          holds.shift();
        } else if (at > 0) holds.splice(at, 1);
      } else if (what === 'WAIT' && holds.length > 0 && waiting !== undefined) {
        out.push({ topic, start: tsc[i], end: Math.min(waiting, holds[0].release), holder: holds[0].thread });
        waiting = undefined;
      }
    }
  }
  return out.filter((s) => s.end > s.start);
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i] < b[j]) ? a[i++] : b[j++]);
  return out;
}

/**
 * The holder's stacks during each segment: the stack it had when the segment starts (shown one
 * cycle after the WAIT, as tslog.sh does), then each change before the segment ends. Sorted by cycle count.
 */
function holderTimeline(segments: readonly Segment[], tsc: Float64Array, thread: Int32Array, after: Int32Array, count: number): { tsc: number; node: number }[] {
  if (segments.length === 0) return [];
  const points: { tsc: number; node: number }[] = [];
  // the stack points of the threads that hold something, and only theirs
  const perThread = new Map<number, number[]>(segments.map((s) => [s.holder, []]));
  for (let i = 0; i < count; i++) {
    if (after[i] < 0) continue;
    perThread.get(thread[i])?.push(i);
  }
  for (const s of segments) {
    const list = perThread.get(s.holder) ?? [];
    // the holder's last point before the segment, by binary search (a boot has thousands of waits)
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tsc[list[mid]] < s.start) lo = mid + 1;
      else hi = mid;
    }
    let before = lo > 0 ? list[lo - 1] : -1;
    for (let j = lo; j < list.length; j++) {
      const i = list[j];
      if (tsc[i] < s.end) {
        if (before >= 0) {
          points.push({ tsc: s.start + 1, node: after[before] });
          before = -1;
        }
        points.push({ tsc: tsc[i], node: after[i] });
      } else break;
    }
    if (before >= 0) points.push({ tsc: s.start + 1, node: after[before] });
  }
  return points.sort((a, b) => a.tsc - b.tsc);
}

/** Each node's self time: the sum of the timeline's intervals spent exactly in it. */
function selfTimes(tl: Timeline, tree: StackTree): Float64Array {
  const self = new Float64Array(tree.size);
  for (let i = 0; i < tl.count; i++) self[tl.node[i]] += (i + 1 < tl.count ? tl.tsc[i + 1] : tl.end) - tl.tsc[i];
  return self;
}

/**
 * The frames of a timeline as a flame chart draws them (x = time, not merged): a frame lasts as long
 * as consecutive intervals keep it, with the same callers, on their stacks.
 */
export function spansOf(tl: Timeline, tree: StackTree): Spans {
  // Frames are recorded when they open, so they come out ordered by start, callers before callees,
  // with no sort; a frame's end is filled in when it closes.
  const node: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const open: number[] = []; // open[d]: the frame at depth d + 1 of the current stack
  const slot: number[] = []; // its index in node/start/end
  const close = (keep: number, at: number) => {
    for (let d = open.length - 1; d >= keep; d--) end[slot[d]] = at;
    open.length = keep;
    slot.length = keep;
  };
  const fresh: number[] = [];
  for (let i = 0; i < tl.count; i++) {
    // climb from the new stack's top to the deepest frame it shares with the open one
    let n = tl.node[i];
    fresh.length = 0;
    while (tree.depth[n] > open.length) {
      fresh.push(n);
      n = tree.parent[n];
    }
    while (n > 0 && open[tree.depth[n] - 1] !== n) {
      fresh.push(n);
      n = tree.parent[n];
    }
    const keep = tree.depth[n];
    if (keep < open.length) close(keep, tl.tsc[i]);
    for (let k = fresh.length - 1; k >= 0; k--) {
      open.push(fresh[k]);
      slot.push(node.length);
      node.push(fresh[k]);
      start.push(tl.tsc[i]);
      end.push(tl.tsc[i]);
    }
  }
  close(0, tl.end);
  // frames that lasted no cycle (opened and closed at the same count) are not drawn
  let kept = 0;
  for (let i = 0; i < node.length; i++) if (end[i] > start[i]) kept++;
  const out = { node: new Int32Array(kept), start: new Float64Array(kept), end: new Float64Array(kept), count: kept };
  for (let i = 0, k = 0; i < node.length; i++) {
    if (end[i] <= start[i]) continue;
    out.node[k] = node[i];
    out.start[k] = start[i];
    out.end[k] = end[i];
    k++;
  }
  return out;
}

/**
 * Rule 5 (tslog-user.pl): init's process tree as stacks `1 <init>;<pid> <name>;...`. rc is init's
 * first child by pid and is named /etc/rc; a process is named by what it executed, else a child of
 * rc by its first path looked up, else by its parent's name; init starts one cycle before rc; a child
 * ends no later than its parent; children run one after another, by pid; processes that never exited
 * (or were forked at cycle 0) are left out.
 */
function userlandOf(records: readonly UserRecord[], tree: StackTree, warnings: string[]): Userland | undefined {
  const procs = records.filter((r) => r.forked !== 0);
  if (procs.length === 0) return undefined;
  const byPid = new Map(procs.map((p) => [p.pid, { ...p }]));
  const pids = [...byPid.keys()].sort((a, b) => a - b);
  const rc = pids.find((p) => byPid.get(p)!.ppid === 1);
  const init = byPid.get(1);
  if (rc === undefined || !init) {
    warnings.push('tslog_user has no init (pid 1) with a child: userland left out');
    return undefined;
  }
  const start = new Map<number, number>(pids.map((p) => [p, byPid.get(p)!.forked]));
  const finish = new Map<number, number>(pids.map((p) => [p, byPid.get(p)!.exited]));
  start.set(1, start.get(rc)! - 1);
  const pname = new Map<number, string>();
  for (const p of pids) {
    const r = byPid.get(p)!;
    pname.set(p, r.execname !== '' ? r.execname : r.ppid === rc ? r.namei : (pname.get(r.ppid) ?? ''));
  }
  pname.set(rc, '/etc/rc');
  for (const p of pids) {
    const parentEnd = finish.get(byPid.get(p)!.ppid);
    if (parentEnd !== undefined && parentEnd !== 0 && finish.get(p)! > parentEnd) finish.set(p, parentEnd);
  }
  const children = new Map<number, number[]>();
  for (const p of pids) {
    const pp = byPid.get(p)!.ppid;
    if (p === pp) continue;
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp)!.push(p);
  }
  const outTsc: number[] = [];
  const outNode: number[] = [];
  let shown = 0;
  const initNode = tree.child(0, `1 ${pname.get(1)}`);
  outTsc.push(start.get(1)!);
  outNode.push(initNode);
  const visit = (above: number, pid: number, depth: number) => {
    if (depth > 64) return; // a ppid cycle: tslog_user is a table, not a tree we trust
    const node = tree.child(above, `${pid} ${pname.get(pid)}`);
    shown++;
    let at = start.get(pid)!;
    outTsc.push(at);
    outNode.push(node);
    for (const c of children.get(pid) ?? []) {
      if (start.get(c)! <= at) start.set(c, at + 1);
      if (finish.get(c)! < start.get(c)!) continue;
      visit(node, c, depth + 1);
      at = finish.get(c)!;
    }
    outTsc.push(finish.get(pid)!);
    outNode.push(above);
  };
  visit(initNode, rc, 0);
  // the last point closes rc: the userland timeline ends there
  const n = outTsc.length - 1;
  const timeline: Timeline = { tsc: Float64Array.from(outTsc.slice(0, n)), node: Int32Array.from(outNode.slice(0, n)), count: n, start: outTsc[0], end: outTsc[n] };
  if (timeline.tsc.some((t, i) => i > 0 && t < timeline.tsc[i - 1])) {
    warnings.push('tslog_user times are out of order: userland left out');
    return undefined;
  }
  return { timeline, spans: spansOf(timeline, tree), processes: shown + 1 };
}
