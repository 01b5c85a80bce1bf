/**
 * `kpatch tslog [trace]` and `kpatch tslog diff before after`: boot profiles from tslog(4) traces.
 * The file (or standard input, gzip or not) is read here; src/tslog only sees text.
 */
import type { Command } from '@commander-js/extra-typings';
import type * as Zlib from 'node:zlib';
import { KpatchError } from '../../errors';
import { writeFileAtomically } from '../../node/atomic';
import { readRegularFile } from '../../node/read-kernel';
import { parseTrace } from '../../tslog/trace';
import { profileTrace, type Profile } from '../../tslog/profile';
import { diffProfiles, foldedStacks, foldedText, summarize, type Duration, type ProfileDiff, type Summary } from '../../tslog/summary';
import { renderSvg } from '../../tslog/svg';
import { action, type Context } from '../context';
import { plainJson, printWarnings } from '../render';

/** The largest trace kpatch reads: a full 262,144-record buffer is about 10 MB of text. */
const MAX_TRACE = 256 << 20;

/** Parses `--tsc-freq`: Hz, with an optional k/M/G multiplier and an optional `Hz` (2400000000, 2.4G, 2400MHz). */
export function parseFrequency(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:[hH][zZ])?$/.exec(text.trim());
  const mult = m ? { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 }[m[2]]! : 0;
  const hz = m ? Math.round(Number(m[1]) * mult) : 0;
  if (!m || !(hz > 0)) throw new KpatchError('USAGE', `--tsc-freq: expected a frequency in Hz (2400000000, 2.4G, 2400MHz), found '${text}'`);
  return hz;
}

function positive(what: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new KpatchError('USAGE', `${what}: expected a positive integer, found '${text}'`);
    return n;
  };
}

async function readStdin(ctx: Context): Promise<Buffer> {
  const stdin = ctx.io.stdin;
  if (!stdin || stdin.isTTY) throw new KpatchError('USAGE', 'no trace: give a file, or pipe one in (sysctl -n debug.tslog | kpatch tslog)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_TRACE) throw new KpatchError('IO', `cannot read standard input: more than ${MAX_TRACE >> 20} MiB, no trace is that large`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Reads a trace file (or standard input for `-` or none) as text, inflating gzip. */
async function readTrace(ctx: Context, file: string | undefined): Promise<{ name: string; text: string }> {
  const name = file === undefined || file === '-' ? '(standard input)' : file;
  let bytes = file === undefined || file === '-' ? await readStdin(ctx) : readRegularFile(name, MAX_TRACE);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = (require('node:zlib') as typeof Zlib).gunzipSync(bytes, { maxOutputLength: MAX_TRACE });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new KpatchError('IO', `cannot read ${name}: gzip data inflates past ${MAX_TRACE >> 20} MiB, no trace is that large`);
      throw new KpatchError('IO', `cannot read ${name}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return { name, text: bytes.toString('utf8') };
}

interface ProfileFlags {
  tscFreq?: number;
  partial?: boolean;
}

/** Reads and profiles a trace; its warnings go to stderr, except with --json, whose output carries them. */
async function loadProfile(ctx: Context, file: string | undefined, opts: ProfileFlags & { json?: boolean }): Promise<Profile> {
  const { name, text } = await readTrace(ctx, file);
  const p = profileTrace(parseTrace(text, name), { tscFreq: opts.tscFreq, partial: opts.partial });
  if (!opts.json) printWarnings(ctx.io, p.warnings);
  return p;
}

/** 1234567 -> "1,234,567". */
function group(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A duration as the summary shows it: ms with 2 decimals, or cycles. */
function show(d: Duration): string {
  return d.ms !== undefined ? `${d.ms.toFixed(2)} ms` : `${group(d.cycles)} cycles`;
}

const bare = (d: Duration) => (d.ms !== undefined ? d.ms.toFixed(2) : group(d.cycles));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The terminal summary. */
export function summaryText(s: Summary): string {
  const out: string[] = [];
  const os = s.os === 'netbsd' ? 'NetBSD' : 'FreeBSD';
  out.push(`${s.file}: ${os} tslog, ${group(s.records)} records, ${s.threads} thread${s.threads === 1 ? '' : 's'}, ${s.tscFreq ? `TSC ${group(s.tscFreq)} Hz` : 'no TSC frequency (times in cycles; give --tsc-freq)'}`);
  if (s.complete) out.push(`kernel boot: ${show(s.boot)} (first record to EXIT start_init); ${show(s.sinceReset)} since the TSC started`);
  else out.push(`PARTIAL trace: ${show(s.boot)} from the first record to the last; no EXIT start_init`);
  const also: string[] = [];
  if (s.kernelBootMs !== undefined) also.push(`kernel boot time: ${s.kernelBootMs} ms`);
  if (s.guestBootUs !== undefined) also.push(`Firecracker Guest-boot-time: ${(s.guestBootUs / 1000).toFixed(3)} ms`);
  if (also.length) out.push(`boot-time lines in the input: ${also.join('; ')}`);
  const unit = s.tscFreq ? 'ms' : 'cycles';
  out.push('', `top ${s.functions.length} functions by self time:`);
  const w = Math.max(unit.length, ...s.functions.map((f) => bare(f).length), ...s.longestWaits.map((f) => bare(f).length));
  out.push(`  ${unit.padStart(w)}       %  function`);
  for (const f of s.functions) out.push(`  ${bare(f).padStart(w)}  ${pct(f.share).padStart(6)}  ${f.function}`);
  out.push('', `waits (DELAY, delay, sleep-like): ${show(s.waits)}, ${pct(s.waits.share)} of the ${s.complete ? 'kernel boot' : 'trace'}`);
  if (s.longestWaits.length) {
    out.push('longest waits:');
    const at = (c: Summary['longestWaits'][number]) => (c.atMs !== undefined ? `${c.atMs.toFixed(2)} ms` : `${group(c.at)}`);
    const wa = Math.max(...s.longestWaits.map((c) => at(c).length), 2);
    out.push(`  ${unit.padStart(w)}  ${'at'.padStart(wa)}  wait (called from)`);
    for (const c of s.longestWaits) out.push(`  ${bare(c).padStart(w)}  ${at(c).padStart(wa)}  ${c.function} (${c.caller})`);
  }
  if (s.eventWaits.count) out.push(`boot thread waiting on other threads (EVENT WAIT .. UNWAIT): ${s.eventWaits.count} wait${s.eventWaits.count === 1 ? '' : 's'}, ${show(s.eventWaits)}`);
  if (s.userland) out.push(`userland (tslog_user): ${s.userland.processes} processes, ${show(s.userland)} from init to the end of /etc/rc`);
  return `${out.join('\n')}\n`;
}

/** The text of `tslog diff`. */
export function diffText(d: ProfileDiff, top: number): string {
  const v = (x: Duration) => (d.unit === 'ms' ? x.ms!.toFixed(2) : group(x.cycles));
  const signed = (x: Duration) => {
    const s = v(x);
    return s.startsWith('-') || /^[0.,]+$/.test(s) ? s : `+${s}`;
  };
  const out = [`kernel boot: ${v(d.before)} ${d.unit} -> ${v(d.after)} ${d.unit} (${signed({ cycles: d.after.cycles - d.before.cycles, ms: d.unit === 'ms' ? d.after.ms! - d.before.ms! : undefined })} ${d.unit})`];
  // a change that rounds to 0.00 ms is noise of a few cycles: counted, not listed
  const visible = d.unit === 'ms' ? d.functions.filter((f) => Math.abs(f.diff.ms!) >= 0.005) : d.functions;
  const shown = visible.slice(0, top);
  if (shown.length === 0) out.push('no function changed its self time');
  else {
    const rows = shown.map((f) => [v(f.before), v(f.after), signed(f.diff), f.function]);
    const w = [0, 1, 2].map((i) => Math.max(['before', 'after', 'diff'][i].length, ...rows.map((r) => r[i].length)));
    out.push(`  ${'before'.padStart(w[0])}  ${'after'.padStart(w[1])}  ${'diff'.padStart(w[2])}  function (${d.unit} of self time)`);
    for (const r of rows) out.push(`  ${r[0].padStart(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3]}`);
    if (visible.length > shown.length) out.push(`... and ${visible.length - shown.length} more (--top ${visible.length} shows them)`);
    if (d.functions.length > visible.length) out.push(`${d.functions.length - visible.length} more changed by less than 0.01 ms (--json lists them)`);
  }
  return `${out.join('\n')}\n`;
}

function registerDiff(tslog: Command<[string | undefined]>, ctx: Context): void {
  tslog
    .command('diff')
    .description('per-function self-time differences of two boots, largest change first')
    .argument('<before>', 'trace of the first boot')
    .argument('<after>', 'trace of the second boot')
    .option('--tsc-freq <hz>', 'TSC frequency for both traces (overrides machdep.tsc_freq)', parseFrequency)
    .option('--partial', 'profile traces without EXIT start_init up to their last record')
    .option('--top <n>', 'functions to list', positive('--top'), 20)
    .option('--json', 'print JSON: {unit, before, after, functions}')
    .addHelpText('after', '\nExit status: 0 no function changed, 1 some did, 2 bad input.\n\nExample:\n  kpatch tslog diff boot-before.txt boot-after.txt')
    .action(
      action(ctx, async (before, after, opts) => {
        const a = await loadProfile(ctx, before, opts);
        const b = await loadProfile(ctx, after, opts);
        const d = diffProfiles(a, b);
        if (!d) throw new KpatchError('USAGE', `${a.tscFreq ? after : before} has no TSC frequency and ${a.tscFreq ? before : after} has one: cycles of two machines do not compare`, 'give --tsc-freq, or capture machdep.tsc_freq with both');
        ctx.io.out(opts.json ? plainJson({ ...d, warnings: [...a.warnings, ...b.warnings] }) : diffText(d, opts.top));
        return d.functions.length === 0 ? 0 : 1;
      }),
    );
}

/** Registers `tslog` and `tslog diff`. */
export function registerTslog(program: Command, ctx: Context): void {
  const tslog = program
    .command('tslog')
    .description('boot profile from a tslog(4) trace: where the milliseconds went, flame chart, folded stacks')
    .argument('[trace]', 'sysctl debug.tslog output (plain or gzip); standard input when absent or -')
    .option('--tsc-freq <hz>', 'TSC frequency (overrides a machdep.tsc_freq line in the trace)', parseFrequency)
    .option('--svg <file>', 'write a flame chart (x = time) as a self-contained SVG')
    .option('--width <px>', 'SVG width in pixels', positive('--width'), 1200)
    .option('--no-zoom', 'leave the click-to-zoom script out of the SVG')
    .option('--folded', 'print folded stacks (flamegraph.pl, speedscope, inferno input), in cycles')
    .option('--json', 'print the summary, the folded stacks and the threads as JSON')
    .option('--top <n>', 'functions and waits to list', positive('--top'), 10)
    .option('--partial', 'profile a trace without EXIT start_init up to its last record')
    .addHelpText(
      'after',
      `
Input: sysctl debug.tslog, with or without -n (NetBSD or FreeBSD), optionally followed by debug.tslog_user, a
machdep.tsc_freq=HZ line, Firecracker's "Guest-boot-time = N us" and NetBSD's "kernel boot time: NNms".
Exit status: 0 done, 2 bad input (file:line and what was expected) or a truncated trace.

Examples:
  sysctl debug.tslog machdep.tsc_freq > boot.txt      on the guest: one capture, with the frequency
  kpatch tslog boot.txt                               where the milliseconds went
  kpatch tslog boot.txt --svg boot.svg                flame chart, opens in any browser, offline
  kpatch tslog boot.txt.gz --folded | flamegraph.pl > boot-graph.svg
  ssh guest sysctl -n debug.tslog | kpatch tslog --tsc-freq 2.4G
  kpatch tslog diff before.txt after.txt              what a change did, per function`,
    )
    .action(
      action(ctx, async (trace, opts) => {
        if (opts.folded && opts.json) throw new KpatchError('USAGE', '--folded and --json both print on standard output: choose one');
        const p = await loadProfile(ctx, trace, opts);
        if (opts.svg) printWarnings(ctx.io, writeFileAtomically(opts.svg, Buffer.from(renderSvg(p, { width: opts.width, zoom: opts.zoom }), 'utf8')).warnings);
        if (opts.folded) ctx.io.out(foldedText(foldedStacks(p)));
        else if (opts.json) ctx.io.out(plainJson(jsonOf(p, opts.top)));
        else ctx.io.out(summaryText(summarize(p, opts.top)));
        return 0;
      }),
    );
  registerDiff(tslog, ctx);
}

/** The --json document: the summary, every stack's self time, and the threads. */
function jsonOf(p: Profile, top: number) {
  return {
    ...summarize(p, top),
    stacks: foldedStacks(p).map((s) => ({ stack: s.stack, cycles: s.cycles, ms: p.tscFreq ? (s.cycles * 1000) / p.tscFreq : undefined })),
    threads: p.threads,
    eventWaitList: p.eventWaits,
  };
}
