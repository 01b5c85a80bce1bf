/**
 * kpatch tslog's core against traces whose profile the generator knows by construction
 * (test/support/tslog-trace.ts): totals, per-stack and per-function self time, waits, spans.
 */
import { generateTrace } from '../support/tslog-trace';
import { parseTrace } from '../../src/tslog/trace';
import { profileTrace, repairCycles } from '../../src/tslog/profile';
import { foldedStacks, foldedText, functionTimes, summarize, diffProfiles } from '../../src/tslog/summary';
import { KpatchError } from '../../src/errors';
import { SCENARIOS, TRUNCATED } from './scenarios';

const profileOf = (text: string, file = 'boot.txt', partial = false) => profileTrace(parseTrace(text, file), { partial });

describe.each(SCENARIOS)('%s', (_name, scenario) => {
  const want = generateTrace(scenario);
  const p = profileOf(want.text);

  it('counts the records and the repairs', () => {
    expect(p.records).toBe(want.records);
    expect(p.repairs).toBe(want.repairs);
    expect(p.os).toBe(scenario.os);
    expect(p.complete).toBe(true);
  });

  it('ends the boot at EXIT start_init and starts it at the first boot-thread record', () => {
    expect([p.timeline.start, p.timeline.end]).toEqual([want.start, want.end]);
    expect(summarize(p).boot.cycles).toBe(want.total);
  });

  it('charges every cycle to the stack the rules say', () => {
    expect(new Map(foldedStacks(p).map((s) => [s.stack, s.cycles]))).toEqual(want.folded);
    expect([...want.folded.values()].reduce((a, b) => a + b, 0)).toBe(want.total);
  });

  it('sums self time per function, waits with their caller', () => {
    expect(new Map(functionTimes(p).map((f) => [f.function, f.cycles]))).toEqual(want.functions);
  });

  it('reports the time in waits and the longest ones', () => {
    const s = summarize(p);
    expect(s.waits.cycles).toBe(want.waits);
    expect(s.waits.share).toBeCloseTo(want.waits / want.total, 12);
    const calls = [...want.waitCalls].sort((a, b) => b.cycles - a.cycles || a.at - b.at);
    expect(s.longestWaits.map((c) => [c.function, c.caller, c.cycles, c.at])).toEqual(calls.map((c) => [c.function, c.caller, c.cycles, c.at - want.start]));
  });

  it('draws the frames where and as long as they ran', () => {
    const spans = Array.from({ length: p.spans.count }, (_, i) => ({ stack: p.tree.labels(p.spans.node[i]).join(';'), start: p.spans.start[i], end: p.spans.end[i] }));
    expect(spans).toEqual(want.spans);
  });

  it('converts to milliseconds with the trace\'s machdep.tsc_freq', () => {
    const s = summarize(p);
    if (scenario.tscFreq) expect(s.boot.ms).toBeCloseTo((want.total * 1000) / scenario.tscFreq, 9);
    else expect(s.boot.ms).toBeUndefined();
  });

  it('prints folded stacks as flamegraph.pl reads them', () => {
    const lines = foldedText(foldedStacks(p)).trimEnd().split('\n');
    expect(lines.map((l) => /^(.*) (\d+)$/.exec(l)!.slice(1)).map(([st, n]) => [st, Number(n)])).toEqual([...new Map(foldedStacks(p).map((f) => [f.stack, f.cycles]))]);
    expect(new Set(lines.map((l) => l.slice(0, l.lastIndexOf(' '))))).toEqual(new Set(want.folded.keys()));
  });
});

describe('repairCycles, tslog.sh\'s rule', () => {
  it.each([
    [[10, 20, 30], [10, 20, 30], 0],
    [[10, 20, 20, 25], [10, 20, 21, 26], 1],
    [[100, 200, 150, 210, 100], [100, 200, 201, 261, 262], 2],
  ])('%j -> %j', (raw, fixed, n) => {
    const r = repairCycles(Float64Array.from(raw));
    expect([...r.tsc]).toEqual(fixed);
    expect(r.repairs).toBe(n);
  });
});

describe('a trace cut short', () => {
  const want = generateTrace(TRUNCATED);

  it('is refused, saying so', () => {
    expect(() => profileOf(want.text)).toThrow(/^boot\.txt: truncated trace: no EXIT start_init record in 12 records: the trace stops before init started$/);
    try {
      profileOf(want.text);
    } catch (e) {
      expect((e as KpatchError).code).toBe('TRACE_FORMAT');
      expect((e as KpatchError).hint).toMatch(/--partial/);
    }
  });

  it('is profiled up to its last record with --partial', () => {
    const p = profileOf(want.text, 'boot.txt', true);
    expect(p.complete).toBe(false);
    expect(p.timeline.end).toBe(want.end);
    expect(new Map(foldedStacks(p).map((s) => [s.stack, s.cycles]))).toEqual(want.folded);
    expect(p.warnings.join('\n')).toMatch(/partial profile/);
  });

  it('names a full buffer', () => {
    const line = (i: number) => `0x1 ${1000 + i} ${i === 0 ? 'ENTER main' : i % 2 ? 'ENTER f' : 'EXIT f'}`;
    const text = `${Array.from({ length: 262144 }, (_, i) => line(i)).join('\n')}\n`;
    expect(() => profileOf(text)).toThrow(/truncated trace: the buffer is full \(262144 records, TSLOGSIZE is 262144\)/);
    // the same buffer ending in start_init: complete, and the warning says the rest was dropped
    const lines = text.trimEnd().split('\n');
    lines[262142] = '0x1 999999 ENTER start_init';
    lines[262143] = '0x1 1000000 EXIT start_init';
    const p = profileOf(`${lines.join('\n')}\n`);
    expect(p.complete).toBe(true);
    expect(p.warnings).toContain('the buffer is full (262144 records): later records were dropped, but the boot is complete (EXIT start_init is in it)');
  });
});

describe('diffProfiles', () => {
  it('gives each function\'s change, largest first, in ms', () => {
    const [, a] = SCENARIOS[0];
    const before = generateTrace(a);
    // the same boot without its 2000-cycle DELAY
    const after = generateTrace({ ...a, actions: a.actions.filter((x, i) => !(i >= 4 && i <= 6)) });
    const d = diffProfiles(profileOf(before.text), profileOf(after.text))!;
    expect(d.unit).toBe('ms');
    expect(d.functions[0].function).toBe('cpu_configure;DELAY');
    expect(d.functions[0].diff.cycles).toBe(-2000);
    expect(d.functions[0].diff.ms).toBeCloseTo(-2, 12);
    expect(d.after.cycles - d.before.cycles).toBe(after.total - before.total);
  });

  it('refuses to compare cycles with milliseconds', () => {
    const a = generateTrace(SCENARIOS[0][1]);
    const b = generateTrace({ ...SCENARIOS[0][1], tscFreq: undefined });
    expect(diffProfiles(profileOf(a.text), profileOf(b.text))).toBeUndefined();
  });
});

describe('a wait with two holders, worked by hand from rule 4', () => {
  // A holds t from 5 to 20, B from 15 to 40; main waits from 10 to 41. Walking back from the UNWAIT:
  // B (released last) gets [15, 40), its HOLD moves the wait's end to 15, and the WAIT gives [10, 15)
  // to A, still holding. Each holder's stack shows one cycle after its segment starts.
  const text = [
    '0x1 1 ENTER main',
    '0x2 2 THREAD ta',
    '0x3 3 THREAD tb',
    '0x2 5 EVENT HOLD t',
    '0x1 10 EVENT WAIT t',
    '0x2 12 ENTER fa',
    '0x3 15 EVENT HOLD t',
    '0x3 18 ENTER fb',
    '0x2 20 EVENT RELEASE t',
    '0x3 40 EVENT RELEASE t',
    '0x1 41 EVENT UNWAIT t',
    '0x1 42 ENTER start_init',
    '0x1 50 EXIT start_init',
  ].join('\n');
  const p = profileOf(`${text}\n`);

  it('charges each part of the wait to the holder of the time', () => {
    expect(new Map(foldedStacks(p).map((s) => [s.stack, s.cycles]))).toEqual(
      new Map([
        ['kernel;main', 11],
        ['kernel;main;THREAD ta', 1],
        ['kernel;main;THREAD ta;fa', 4],
        ['kernel;main;THREAD tb', 2],
        ['kernel;main;THREAD tb;fb', 23],
        ['kernel;main;start_init', 8],
      ]),
    );
  });

  it('lists the wait and both holders', () => {
    expect(p.eventWaits).toEqual([{ topic: 't', thread: '0x1', start: 10, end: 41, holders: ['0x2', '0x3'] }]);
  });
});
