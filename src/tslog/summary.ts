/**
 * What a profile says, as data: where the cycles went (self time per function), how much of the
 * boot was spent waiting, the longest waits and their callers; folded stacks for flamegraph.pl,
 * speedscope and inferno; the per-function difference of two boots.
 */
import type { Profile, Timeline } from './profile';
import type { StackTree } from './stacks';

/** A duration in cycles, and in milliseconds when the TSC frequency is known. */
export interface Duration {
  readonly cycles: number;
  readonly ms?: number;
}

/** Self time of one function (a wait is named with its caller, `caller;DELAY`, as supercollapse.sh does). */
export interface FunctionTime extends Duration {
  readonly function: string;
  /** Share of the kernel's boot, 0..1. */
  readonly share: number;
}

/** One call of a wait function. */
export interface WaitCall extends Duration {
  readonly function: string;
  readonly caller: string;
  /** Cycles from the start of the boot timeline. */
  readonly at: number;
  readonly atMs?: number;
}

export interface Summary {
  readonly file: string;
  readonly os: Profile['os'];
  readonly records: number;
  readonly complete: boolean;
  readonly tscFreq?: number;
  /** The boot timeline: first boot-thread record to EXIT start_init. */
  readonly boot: Duration;
  /** EXIT start_init's cycle count: time since the TSC started (firmware and loader included). */
  readonly sinceReset: Duration;
  readonly guestBootUs?: number;
  readonly kernelBootMs?: number;
  readonly functions: readonly FunctionTime[];
  /** Time in wait functions (docs/formats.md) and its share of the boot. */
  readonly waits: Duration & { readonly share: number };
  readonly longestWaits: readonly WaitCall[];
  /** Time boot threads spent in EVENT WAIT .. UNWAIT. */
  readonly eventWaits: Duration & { readonly count: number };
  readonly userland?: Duration & { readonly processes: number };
  readonly threads: number;
  readonly repairs: number;
  readonly warnings: readonly string[];
}

/** Converts cycles to a Duration. */
export function duration(cycles: number, freq: number | undefined): Duration {
  return freq ? { cycles, ms: (cycles * 1000) / freq } : { cycles };
}

/** The name self time is counted under: the leaf, or `caller;leaf` for a wait. */
function functionKey(tree: StackTree, node: number): string {
  const parent = tree.parent[node];
  return tree.family[node] === 'wait' && parent > 0 ? `${tree.label[parent]};${tree.label[node]}` : tree.label[node];
}

/** Self time per function of the kernel's boot, most first (ties by name). */
export function functionTimes(p: Profile): FunctionTime[] {
  const total = p.timeline.end - p.timeline.start;
  const by = new Map<string, number>();
  for (let n = 1; n < p.self.length; n++) {
    if (p.self[n] === 0) continue;
    const k = functionKey(p.tree, n);
    by.set(k, (by.get(k) ?? 0) + p.self[n]);
  }
  return [...by]
    .map(([f, cycles]) => ({ function: f, ...duration(cycles, p.tscFreq), share: total > 0 ? cycles / total : 0 }))
    .sort((a, b) => b.cycles - a.cycles || (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
}

/** Summarises a profile; `top` functions and waits are listed. */
export function summarize(p: Profile, top = 10): Summary {
  const { tree, spans, tscFreq } = p;
  const total = p.timeline.end - p.timeline.start;
  let waited = 0;
  for (let n = 1; n < p.self.length; n++) if (tree.inWait[n]) waited += p.self[n];
  // one call = one span of a wait function not itself inside a wait (DELAY's own calls are not counted twice)
  const calls: WaitCall[] = [];
  for (let i = 0; i < spans.count; i++) {
    const n = spans.node[i];
    if (tree.family[n] !== 'wait' || tree.inWait[tree.parent[n]]) continue;
    const at = spans.start[i] - p.timeline.start;
    calls.push({ function: tree.label[n], caller: tree.label[tree.parent[n]] || '-', at, atMs: tscFreq ? (at * 1000) / tscFreq : undefined, ...duration(spans.end[i] - spans.start[i], tscFreq) });
  }
  calls.sort((a, b) => b.cycles - a.cycles || a.at - b.at);
  const eventCycles = p.eventWaits.reduce((s, w) => s + (w.end - w.start), 0);
  const ul = p.userland;
  return {
    file: p.file,
    os: p.os,
    records: p.records,
    complete: p.complete,
    tscFreq,
    boot: duration(total, tscFreq),
    sinceReset: duration(p.timeline.end, tscFreq),
    guestBootUs: p.guestBootUs,
    kernelBootMs: p.kernelBootMs,
    functions: functionTimes(p).slice(0, top),
    waits: { ...duration(waited, tscFreq), share: total > 0 ? waited / total : 0 },
    longestWaits: calls.slice(0, top),
    eventWaits: { ...duration(eventCycles, tscFreq), count: p.eventWaits.length },
    userland: ul ? { ...duration(ul.timeline.end - ul.timeline.start, tscFreq), processes: ul.processes } : undefined,
    threads: p.threads.length,
    repairs: p.repairs,
    warnings: p.warnings,
  };
}

/** A stack and its self time, for folded output. */
export interface FoldedStack {
  readonly stack: string;
  readonly cycles: number;
}

/** flamegraph.pl's frame separator is `;` and its count follows the last space: keep frames from breaking either. */
function foldedFrame(label: string): string {
  return label.replace(/;/g, ':');
}

function foldTimeline(tl: Timeline, tree: StackTree, out: Map<number, number>): void {
  for (let i = 0; i < tl.count; i++) {
    const d = (i + 1 < tl.count ? tl.tsc[i + 1] : tl.end) - tl.tsc[i];
    if (d > 0 && tl.node[i] > 0) out.set(tl.node[i], (out.get(tl.node[i]) ?? 0) + d);
  }
}

/** Folded stacks (`a;b;c cycles`), one per distinct stack, in the order they first ran; userland after the kernel. */
export function foldedStacks(p: Profile): FoldedStack[] {
  const acc = new Map<number, number>();
  foldTimeline(p.timeline, p.tree, acc);
  if (p.userland) foldTimeline(p.userland.timeline, p.tree, acc);
  // a stack's text is its caller's plus one frame: nodes are made after their parents, so one pass in id order does
  const text: string[] = new Array<string>(p.tree.size);
  text[0] = '';
  for (let n = 1; n < p.tree.size; n++) {
    const parent = p.tree.parent[n];
    text[n] = parent === 0 ? foldedFrame(p.tree.label[n]) : `${text[parent]};${foldedFrame(p.tree.label[n])}`;
  }
  return [...acc].map(([node, cycles]) => ({ stack: text[node], cycles }));
}

/** The text of folded stacks, one `stack count` line each. */
export function foldedText(stacks: readonly FoldedStack[]): string {
  return stacks.map((s) => `${s.stack} ${Math.round(s.cycles)}\n`).join('');
}

/** One function's self time in two boots. */
export interface FunctionDiff {
  readonly function: string;
  readonly before: Duration;
  readonly after: Duration;
  readonly diff: Duration;
}

export interface ProfileDiff {
  /** `ms` when both profiles know their TSC frequency, else `cycles` (and both must lack it). */
  readonly unit: 'ms' | 'cycles';
  readonly before: Duration;
  readonly after: Duration;
  readonly functions: readonly FunctionDiff[];
}

/**
 * Per-function self-time differences of two boots, largest change first. Milliseconds when both
 * traces have a TSC frequency (they may differ), cycles when neither has; `undefined` when only one
 * has it, as cycles of different machines do not compare.
 */
export function diffProfiles(a: Profile, b: Profile): ProfileDiff | undefined {
  const both = a.tscFreq !== undefined && b.tscFreq !== undefined;
  if (!both && (a.tscFreq !== undefined || b.tscFreq !== undefined)) return undefined;
  const value = (x: Duration) => (both ? x.ms! : x.cycles);
  const fa = new Map(functionTimes(a).map((f) => [f.function, f as Duration]));
  const fb = new Map(functionTimes(b).map((f) => [f.function, f as Duration]));
  const zero = (p: Profile) => duration(0, p.tscFreq);
  const names = [...new Set([...fa.keys(), ...fb.keys()])];
  const functions = names
    .map((f) => {
      const before = fa.get(f) ?? zero(a);
      const after = fb.get(f) ?? zero(b);
      const diff: Duration = both ? { cycles: after.cycles - before.cycles, ms: after.ms! - before.ms! } : { cycles: after.cycles - before.cycles };
      return { function: f, before, after, diff };
    })
    .filter((d) => value(d.diff) !== 0)
    .sort((x, y) => Math.abs(value(y.diff)) - Math.abs(value(x.diff)) || (x.function < y.function ? -1 : x.function > y.function ? 1 : 0));
  return { unit: both ? 'ms' : 'cycles', before: duration(a.timeline.end - a.timeline.start, a.tscFreq), after: duration(b.timeline.end - b.timeline.start, b.tscFreq), functions };
}
