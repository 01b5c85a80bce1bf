/**
 * The editor's session: UKC's command matching, userconf's numbers and device names, and the
 * promise that every command's effect is exactly the batch verb's (the bytes a session would write
 * equal the bytes `planOperations` plans for the same verbs), checked against offsets computed from
 * the builder's table, not from kpatch.
 */
import { memorySource } from '../../src/bytes/source';
import { COMMANDS, matchCommand, parseNumber } from '../../src/edit/commands';
import { type EditorIo, EditSession } from '../../src/edit/session';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { applyEdits } from '../../src/patch/apply';
import { type Operation, planOperations } from '../../src/patch/plan';
import { buildKernel } from '../support/build-kernel';
import { MICROVM } from '../support/tables';

const built = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
const kernel = () => inspectKernel(memorySource(built.bytes));
const table = requireAutoconf(kernel());
const stateAt = (i: number) => built.entryOffset(i) + built.stateField.offset;

/** A session and a fake terminal: printed text, warnings, and answers to prompts in order. */
function session(answers: string[] = [], lines = 0) {
  const s = new EditSession(kernel(), table, { lines });
  const out: string[] = [];
  const warnings: string[] = [];
  const prompts: string[] = [];
  const io: EditorIo = {
    print: (t) => out.push(t),
    warn: (t) => warnings.push(t),
    ask: async (p) => {
      prompts.push(p);
      return answers.length ? answers.shift()! : null;
    },
  };
  const run = async (...commands: string[]) => {
    for (const c of commands) await s.execute(c, io);
  };
  return { s, out, warnings, prompts, io, run, text: () => out.join('') };
}

/** What quit would write; the pending plan and the commands' own edits must agree byte for byte. */
function written(s: EditSession): Uint8Array {
  const out = applyEdits(built.bytes, s.pendingPlan().edits);
  expect(Buffer.from(out).equals(Buffer.from(applyEdits(built.bytes, s.pendingBytes())))).toBe(true);
  return out;
}
const batch = (ops: Operation[]) => applyEdits(built.bytes, planOperations(table, ops).edits);
const diff = (a: Uint8Array, b: Uint8Array) => [...a].flatMap((x, i) => (x === b[i] ? [] : [[i, x, b[i]]]));

describe('command words, as UKC matches them', () => {
  it.each([
    ['help', 'help'],
    ['?', 'help'],
    ['h', 'help'],
    ['e', 'enable'],
    ['en', 'enable'],
    ['ex', 'exit'],
    ['d', 'disable'],
    ['l', 'list'],
    ['li', 'list'],
    ['lin', 'lines'],
    ['q', 'quit'],
    ['s', 'show'],
    ['f', 'find'],
    ['b', 'base'],
    ['c', 'change'],
    ['k', 'keep'],
    ['LIST', 'list'],
    ['Disable', 'disable'],
  ])('%s is %s', (word, name) => expect(matchCommand(word)?.name).toBe(name));

  it.each(['x', 'lists', 'quitt', 'disabled', ''])('%j is no command', (word) => expect(matchCommand(word)).toBeUndefined());

  it('lists commands in UKC order (the order decides prefixes)', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['help', 'base', 'change', 'disable', 'enable', 'find', 'keep', 'list', 'lines', 'show', 'exit', 'quit']);
  });
});

describe('numbers, as userconf_number reads them', () => {
  it.each([
    ['0', 0],
    ['12', 12],
    ['-1', -1],
    ['0x3f8', 0x3f8],
    ['0X3F8', 0x3f8],
    ['010', 8],
    ['0xfed40000', -19660800],
    ['4294967295', -1],
    ['-2147483648', -2147483648],
  ])('%s = %i', (text, value) => expect(parseNumber(text)).toBe(value));

  it.each(['', '-', '0x', '08', '1e3', '0x1g', '12abc', '4294967296', '-2147483649', ' 1'])('%j is not a number', (text) => expect(parseNumber(text)).toBeUndefined());
});

describe('disable and enable do what the batch verbs do', () => {
  it('disable vioif writes the byte kpatch disable vioif writes: STAR 2 -> DSTAR 3 at the state offset', async () => {
    const { s, run, text } = session();
    await run('disable vioif');
    expect(text()).toBe('[  8] vioif* disabled\n');
    expect(diff(built.bytes, written(s))).toEqual([[stateAt(8), 2, 3]]);
    expect(written(s)).toEqual(batch([{ verb: 'disable', selectors: ['vioif'] }]));
  });

  it('a devno is the entry index, and a second disable is "already", changing nothing', async () => {
    const { s, run, text } = session();
    await run('disable 4', 'disable com0');
    expect(text()).toBe('[  4] com0 disabled\n[  4] com0 already disabled\n');
    expect(diff(built.bytes, written(s))).toEqual([[stateAt(4), 0, 4]]);
  });

  it('enable after disable leaves nothing to write', async () => {
    const { s, run } = session();
    await run('disable vioif ld', 'enable vioif', 'en ld');
    expect(s.pendingPlan().edits).toEqual([]);
    expect(s.pendingEntries()).toEqual([]);
  });

  it("UKC's attr val form selects by locator value: disable irq 4 is com0", async () => {
    const { s, run, text } = session();
    await run('disable irq 4');
    expect(text()).toBe('[  4] com0 disabled\n');
    expect(diff(built.bytes, written(s))).toEqual([[stateAt(4), 0, 4]]);
  });

  it('keep is the batch keep, ancestors and all, and its warnings reach the user', async () => {
    const { s, run, text } = session();
    await run('keep ld');
    expect(written(s)).toEqual(batch([{ verb: 'keep', selectors: ['ld'] }]));
    expect(text()).toContain('kept as ancestors: virtio* pv* mainbus0\n');
  });

  it('each command plans against what the earlier ones left, as the verbs run one after another', async () => {
    const { s, run } = session();
    await run('enable ld', 'keep vioif');
    // One patch file puts its keeps first (enable ld would win); two commands in a row do not: keep disables ld.
    expect(written(s)).toEqual(applyEdits(batch([{ verb: 'enable', selectors: ['ld'] }]), planOperations(table, [{ verb: 'keep', selectors: ['vioif'] }]).edits));
    expect(written(s)[stateAt(7)]).toBe(3);
    expect(batch([{ verb: 'enable', selectors: ['ld'] }, { verb: 'keep', selectors: ['vioif'] }])[stateAt(7)]).toBe(2);
  });

  it('warnings of a command are printed as the batch verb prints them', async () => {
    const { run, warnings } = session();
    await run('disable pv');
    expect(warnings).toEqual([expect.stringMatching(/^disabling #5 pv\* leaves 4 enabled entries unreachable: virtio\*, ld\*, vioif\*, viocon\*$/)]);
  });

  it('list shows the pending state as userconf prints it', async () => {
    const { run, text } = session();
    await run('disable com0', 'find com0 vioif');
    expect(text()).toBe('[  4] com0 disabled\n[  4] com0 at isa? disable port 0x3f8 size ? iomem ? iosiz ? irq 4 drq ? drq2 ? with com_isa\n[  8] vioif* at virtio?\n');
  });
});

describe('change, as userconf and UKC change', () => {
  const com0 = 4;
  const loc = (k: number) => built.locOffset(com0)! + 4 * k;
  const int = (bytes: Uint8Array, at: number, v: number) => {
    const out = Buffer.from(bytes);
    out.writeInt32LE(v, at);
    return out;
  };

  it('change dev loc=val is kpatch change, and prints the entry as it now is', async () => {
    const { s, run, text } = session();
    await run('change com0 port=0x2f8 irq=3');
    expect(text()).toBe('[  4] com0 changed\n[  4] com0 at isa? port 0x2f8 size ? iomem ? iosiz ? irq 3 drq ? drq2 ? with com_isa\n');
    expect(Buffer.from(written(s)).equals(int(int(built.bytes, loc(0), 0x2f8), loc(4), 3))).toBe(true);
    expect(written(s)).toEqual(applyEdits(built.bytes, planOperations(table, [{ verb: 'change', selectors: ['com0'], set: [{ name: 'port', value: 0x2f8 }, { name: 'irq', value: 3 }] }]).edits));
  });

  it('change devno asks for each locator and the flags: empty keeps, ? is the default, a number sets', async () => {
    const { s, run, prompts, text } = session(['y', '', '0x3e8', '', '', '5', '?', '', '0x10']);
    await run('change 4', 'change 4 drq=2', 'c 4 drq=?');
    expect(prompts).toEqual(['change (y/n) ? ', 'port [0x3f8] ? ', 'size [?] ? ', 'iomem [?] ? ', 'iosiz [?] ? ', 'irq [4] ? ', 'drq [?] ? ', 'drq2 [?] ? ', 'flags [0] ? ']);
    expect(text()).toContain('[  4] com0 changed\n[  4] com0 at isa? port 0x3f8 size 0x3e8 iomem ? iosiz ? irq 5 drq ? drq2 ? flags 0x10 with com_isa\n');
    const want = int(int(int(built.bytes, loc(1), 0x3e8), loc(4), 5), built.entryOffset(com0) + 32, 0x10);
    expect(Buffer.from(written(s)).equals(want)).toBe(true);
  });

  it('n skips the entry; the end of input in the middle changes nothing', async () => {
    const a = session(['n']);
    await a.run('change com0');
    expect(a.s.pendingEntries()).toEqual([]);
    const b = session(['y', '0x2f8']);
    await b.run('change com0');
    expect(b.s.pendingEntries()).toEqual([]);
  });

  it('a bad answer is asked again at a terminal, and ends a script', async () => {
    const t = session(['y', 'x', '0x2f8', '', '', '', '', '', '', '']);
    const io = { ...t.io, interactive: true };
    await t.s.execute('change com0', io);
    expect(t.warnings).toEqual(["bad port 'x': give a number, ? for the default, or nothing to keep it"]);
    expect(Buffer.from(written(t.s)).equals(int(built.bytes, loc(0), 0x2f8))).toBe(true);
    const sc = session(['y', 'x']);
    await expect(sc.s.execute('change com0', sc.io)).rejects.toMatchObject({ code: 'USAGE', message: "change: bad port 'x': give a number, ? for the default, or nothing to keep it" });
    expect(sc.s.pendingEntries()).toEqual([]);
  });

  it('a change and a disable of one entry both reach the file', async () => {
    const { s, run } = session();
    await run('disable com0', 'change com0 irq=9');
    const want = int(built.bytes, loc(4), 9);
    want[stateAt(com0)] = 4;
    expect(Buffer.from(written(s)).equals(want)).toBe(true);
  });
});

describe('show', () => {
  it('lists the locator names, the devices with a locator, and a driver', async () => {
    const a = session();
    await a.run('show');
    expect(a.text()).toBe(['apid', 'drive', 'drq', 'drq2', 'iomem', 'iosiz', 'irq', 'port', 'size', ''].join('\n'));
    const b = session();
    await b.run('show apid');
    expect(b.text()).toBe('[  1] cpu* at mainbus? apid ?\n[  2] ioapic* at mainbus? apid ?\n');
    const c = session();
    await c.run('show port 0x3f8', 'show port 0x2f8');
    expect(c.text()).toBe('[  4] com0 at isa? port 0x3f8 size ? iomem ? iosiz ? irq 4 drq ? drq2 ? with com_isa\n');
    const d = session();
    await d.run('show atabus');
    expect(d.text()).toBe('atabus: provides ata_hl\n  ata_hl: drive [-1]\n[ 10] atabus* at ata?\n');
  });
});

describe('paging', () => {
  it('lines N stops every N lines at -- more --; q ends the listing', async () => {
    const { run, out, prompts } = session(['', 'q']);
    await run('lines 5', 'list');
    expect(prompts).toEqual(['-- more --', '-- more --']);
    expect(out.length).toBe(10);
  });

  it('lines 0 never stops, and base 10 prints large numbers in decimal', async () => {
    const { run, out, prompts } = session([], 3);
    await run('lines 0', 'base 10', 'list');
    expect(prompts).toEqual([]);
    expect(out.filter((l) => l.startsWith('['))).toHaveLength(12);
    expect(out.join('')).toContain('com0 at isa? port 1016 size');
  });
});

describe('bad commands are errors with a message, as in the batch verbs', () => {
  it.each([
    ['frobnicate', 'USAGE', "invalid command 'frobnicate': try 'help'"],
    ['disable', 'USAGE', 'disable: attr val, devno or dev expected'],
    ['disable vioiff', 'NO_SUCH_DEVICE', "no driver 'vioiff' in this kernel (closest: vioif)"],
    ['disable 99', 'NO_SUCH_DEVICE', 'unknown devno 99 (max is 11)'],
    ['find', 'USAGE', 'find: devno or dev expected'],
    ['lines x', 'USAGE', "bad line count 'x'"],
    ['lines -1', 'USAGE', 'lines: a count of 0 or more expected'],
    ['base 7', 'USAGE', "base: 8, 10 or 16 expected, not '7'"],
    ['list ld', 'USAGE', 'list takes no arguments'],
    ['disable irq 9', 'NO_SUCH_DEVICE', 'no device has irq 9'],
    ['show nothing', 'NO_SUCH_DEVICE', "no driver 'nothing' in this kernel"],
  ])('%s', async (line, code, message) => {
    const { s, io } = session();
    await expect(s.execute(line, io)).rejects.toMatchObject({ code, message: expect.stringContaining(message) });
    expect(s.pendingPlan().edits).toEqual([]);
  });

  it('quit and exit only answer; blank lines do nothing', async () => {
    const { s, io } = session();
    expect(await s.execute('', io)).toBe('continue');
    expect(await s.execute('  quit  ', io)).toBe('quit');
    expect(await s.execute('ex', io)).toBe('exit');
  });
});
