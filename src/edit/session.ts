/**
 * One editing session of `kpatch edit`: the kernel's autoconf table, the edits made so far, and
 * the userconf/UKC commands that make them. Every command that changes something builds the same
 * Operation the batch verb builds (`disable vioif` here is `kpatch disable vioif` there) and runs
 * it through planOperations against the table as the earlier commands left it; the session keeps
 * the planned bytes in an overlay and re-reads the table through it, so `list` shows exactly
 * what `quit` will write. Nothing here touches a file or a terminal: input and output go through
 * EditorIo, and writing is the caller's business (the pending edits are a plan like any other).
 */
import { requireTarget } from '../elf/target';
import { KpatchError } from '../errors';
import { type AutoconfTable, type CfEntry, readAutoconf } from '../netbsd/autoconf';
import { locatorValue, type NumberBase, userconfLine, userconfName, userconfNumber } from '../netbsd/format';
import type { Kernel } from '../netbsd/kernel';
import { selectEntries } from '../netbsd/select';
import { type Assignment, parseAssignment } from '../patch/change';
import { ByteOverlay } from '../patch/overlay';
import { type Edit, type Operation, type Plan, planOperations } from '../patch/plan';
import { type CommandName, helpText, matchCommand, type Outcome, parseNumber, requireNumber, words } from './commands';

/** How a session talks to its user. */
export interface EditorIo {
  /** Prints text made of whole lines. */
  print(text: string): void;
  /** Prints a warning line. */
  warn(text: string): void;
  /** Shows `prompt` and returns the next line of input, or null at the end of input. */
  ask(prompt: string): Promise<string | null>;
  /** A person answers (a bad answer is asked again), not a script (a bad answer is an error). */
  readonly interactive?: boolean;
}

/** Session settings. */
export interface SessionOptions {
  /** Lines per page for list, find and show; 0 turns paging off (the default, as for a script). */
  readonly lines?: number;
}

/** One entry whose state, locators or flags differ between the kernel file and the session. */
export interface EntryDiff {
  readonly before: CfEntry;
  readonly after: CfEntry;
}

/** The session. */
export class EditSession {
  private readonly overlay: ByteOverlay;
  private view: AutoconfTable;
  /** Lines per page; 0 is no paging. */
  lines: number;
  /** Base for large numbers (userconf's `base`). */
  base: NumberBase = 16;

  constructor(
    private readonly kernel: Kernel,
    readonly original: AutoconfTable,
    options: SessionOptions = {},
  ) {
    this.overlay = new ByteOverlay(kernel.elf.source);
    this.view = original;
    this.lines = options.lines ?? 0;
  }

  /** The table as the session's edits leave it. */
  get table(): AutoconfTable {
    return this.view;
  }

  /**
   * What quit writes, as a plan of the batch verbs against the kernel file: for every entry the
   * session changed, the disable or enable and the change (locators, flags) that take it from the
   * file's values to the session's. Planned by planOperations like any command, so the edits carry
   * the bytes on disk as `before`, the write path checks and verifies them, and the change list
   * and its warnings read as the batch verbs' do.
   */
  pendingPlan(): Plan {
    const ops: Operation[] = [];
    for (const { before, after } of this.pendingEntries()) {
      const sel = [`#${before.index}`];
      if (before.fstate !== after.fstate) ops.push({ verb: after.state === 'disabled' ? 'disable' : 'enable', selectors: sel });
      const set: Assignment[] = before.locators.flatMap((l, k) => (l.value === after.locators[k].value ? [] : [{ name: l.name, value: after.locators[k].value }]));
      if (before.flags !== after.flags) set.push({ name: 'flags', value: after.flags });
      if (set.length) ops.push({ verb: 'change', selectors: sel, set });
    }
    return planOperations(this.original, ops);
  }

  /** The edits the session's commands planned, merged: what the file will hold, byte for byte (pendingPlan says it as a plan). */
  pendingBytes(): Edit[] {
    return this.overlay.edits();
  }

  /** The entries the session changed, before and after, in table order. */
  pendingEntries(): EntryDiff[] {
    return this.original.entries
      .map((before, i) => ({ before, after: this.view.entries[i] }))
      .filter(({ before, after }) => before.fstate !== after.fstate || before.flags !== after.flags || before.locators.some((l, k) => l.value !== after.locators[k]?.value));
  }

  /** Runs one command line. Bad commands and arguments throw KpatchError (USAGE, NO_SUCH_DEVICE, ...). */
  async execute(line: string, io: EditorIo): Promise<Outcome> {
    const [word, ...args] = words(line);
    if (word === undefined) return 'continue';
    const command = matchCommand(word);
    if (!command) throw new KpatchError('USAGE', `invalid command '${word}': try 'help'`);
    return this.commands[command.name](args, io);
  }

  private readonly commands: Record<CommandName, (args: string[], io: EditorIo) => Promise<Outcome>> = {
    help: async (_args, io) => {
      io.print(helpText());
      io.print("devices: devno (an entry's index), dev (every entry of a driver), devN (unit N), dev* (wildcard entries), a glob ('vio*')\n");
      return 'continue';
    },
    base: async (args, io) => {
      const n = this.oneArg(args, '8|10|16');
      if (n !== '8' && n !== '10' && n !== '16') throw new KpatchError('USAGE', `base: 8, 10 or 16 expected, not '${n}'`);
      this.base = Number(n) as NumberBase;
      io.print(`base ${n}\n`);
      return 'continue';
    },
    lines: async (args) => {
      const n = requireNumber(this.oneArg(args, 'a line count'), 'line count');
      if (n < 0) throw new KpatchError('USAGE', `lines: a count of 0 or more expected, not ${n}`);
      this.lines = n;
      return 'continue';
    },
    list: async (args, io) => {
      if (args.length) throw new KpatchError('USAGE', "list takes no arguments: 'find' shows some devices");
      await this.page(this.view.entries.map((e) => userconfLine(e, this.base)), io);
      return 'continue';
    },
    find: async (args, io) => {
      const picked = this.select(args, 'find');
      await this.page(picked.map((e) => userconfLine(e, this.base)), io);
      return 'continue';
    },
    show: async (args, io) => {
      await this.page(this.show(args), io);
      return 'continue';
    },
    disable: async (args, io) => this.toggle('disable', args, io),
    enable: async (args, io) => this.toggle('enable', args, io),
    keep: async (args, io) => {
      if (args.length === 0) throw new KpatchError('USAGE', 'keep: which devices? (keep ld vioif viocon)');
      const plan = this.run({ verb: 'keep', selectors: this.selectors(args) });
      const out = plan.changes.map((c) => `[${String(c.index).padStart(3)}] ${userconfName({ ...c, fstate: c.old })} disabled\n`);
      if (plan.keptAncestors.length) out.push(`kept as ancestors: ${plan.keptAncestors.map((a) => a.name).join(' ')}\n`);
      await this.page(out.map((l) => l.replace(/\n$/, '')), io);
      this.warnings(plan, io);
      return 'continue';
    },
    change: async (args, io) => {
      if (args.length === 0) throw new KpatchError('USAGE', 'change: devno or dev expected (change com0, or change com0 port=0x2f8 irq=3)');
      const words = args.filter((a) => !a.includes('='));
      const set = args.filter((a) => a.includes('=')).map((a) => parseAssignment(a, parseNumber));
      if (words.length === 0) throw new KpatchError('USAGE', 'change: which devices? (change com0 port=0x2f8)');
      if (set.length) {
        this.changed(this.run({ verb: 'change', selectors: this.selectors(words), set }), io);
        return 'continue';
      }
      // userconf's and UKC's change: show each entry, ask, then ask for each locator and the flags.
      for (const e of this.select(words, 'change')) {
        io.print(`${userconfLine(e, this.base)}\n`);
        const yes = await this.yesNo('change (y/n) ? ', io);
        if (yes === null) return 'continue';
        if (!yes) continue;
        const answers = await this.askFields(this.view.entries[e.index], io);
        if (answers === null) return 'continue';
        if (answers.length) this.changed(this.run({ verb: 'change', selectors: [`#${e.index}`], set: answers }), io);
        else io.print(`[${String(e.index).padStart(3)}] ${userconfName(e)} unchanged\n`);
      }
      return 'continue';
    },
    exit: async () => 'exit',
    quit: async () => 'quit',
  };

  /** Prints what a change did, as userconf does: `[  7] com0 changed`, then the entry. */
  private changed(plan: Plan, io: EditorIo): void {
    const done = [...new Set(plan.fieldChanges.map((f) => f.index))];
    if (done.length === 0) io.print('nothing changed: the values are already there\n');
    for (const i of done) io.print(`[${String(i).padStart(3)}] ${userconfName(this.view.entries[i])} changed\n${userconfLine(this.view.entries[i], this.base)}\n`);
    this.warnings(plan, io);
  }

  private async yesNo(prompt: string, io: EditorIo): Promise<boolean | null> {
    for (;;) {
      const a = await io.ask(prompt);
      if (a === null) return null;
      if (/^\s*y/i.test(a)) return true;
      if (/^\s*n/i.test(a)) return false;
      if (!io.interactive) throw new KpatchError('USAGE', `change: answer y or n, not '${a}'`);
    }
  }

  /**
   * Asks for each locator of `e` and its flags, as userconf_modify does: `name [current] ? `; an
   * empty answer keeps the value, `?` is the default, a number sets it. Returns the assignments
   * that differ, or null at the end of input.
   */
  private async askFields(e: CfEntry, io: EditorIo): Promise<Assignment[] | null> {
    const defaults = this.defaults(e);
    const fields = [...e.locators.map((l, k) => ({ name: l.name, shown: locatorValue(l, this.base), value: l.value, def: defaults[k] })), { name: 'flags', shown: userconfNumber(e.flags, this.base), value: e.flags, def: undefined }];
    const out: Assignment[] = [];
    for (const f of fields) {
      for (;;) {
        const raw = await io.ask(`${f.name} [${f.shown}] ? `);
        if (raw === null) return null;
        const a = raw.trim();
        let problem: string | undefined;
        if (a === '') break;
        if (a === '?') {
          if (f.def === undefined || f.def === null) problem = f.name === 'flags' ? 'flags has no default' : `no default for ${f.name}`;
          else {
            if (f.def !== f.value) out.push({ name: f.name, value: '?' });
            break;
          }
        } else {
          const n = parseNumber(a);
          if (n !== undefined) {
            if (n !== f.value) out.push({ name: f.name, value: n });
            break;
          }
          problem = `bad ${f.name} '${a}': give a number, ? for the default, or nothing to keep it`;
        }
        if (!io.interactive) throw new KpatchError('USAGE', `change: ${problem}`);
        io.warn(problem);
      }
    }
    return out;
  }

  /** Each locator's default of `e` (null: none), from the parent attribute's descriptions. */
  private defaults(e: CfEntry): (number | null)[] {
    const ia = e.parent && this.view.drivers?.flatMap((d) => d.attrs).find((a) => a.name === e.parent!.iattr);
    return e.locators.map((_, k) => {
      const d = ia ? ia.locators[k] : undefined;
      return d && d.defaultString !== null ? d.default : null;
    });
  }

  private oneArg(args: string[], what: string): string {
    if (args.length !== 1) throw new KpatchError('USAGE', `${what} expected`);
    return args[0];
  }

  /** disable / enable: `attr val` (UKC), or devices. */
  private async toggle(verb: 'disable' | 'enable', args: string[], io: EditorIo): Promise<Outcome> {
    if (args.length === 0) throw new KpatchError('USAGE', `${verb}: attr val, devno or dev expected`);
    const plan = this.run({ verb, selectors: this.selectors(args) });
    const lines: string[] = [];
    const changed = new Map(plan.changes.map((c) => [c.index, c]));
    const already = new Set(plan.already.map((a) => a.index));
    for (const e of this.original.entries) {
      if (changed.has(e.index)) lines.push(`[${String(e.index).padStart(3)}] ${userconfName(this.view.entries[e.index])} ${verb}d`);
      else if (already.has(e.index)) lines.push(`[${String(e.index).padStart(3)}] ${userconfName(this.view.entries[e.index])} already ${verb}d`);
    }
    await this.page(lines, io);
    this.warnings(plan, io);
    return 'continue';
  }

  private warnings(plan: Plan, io: EditorIo): void {
    for (const w of plan.warnings) io.warn(w.message);
  }

  /** Plans `op` against the session's table, exactly as the batch verb would against this kernel, and keeps its edits. */
  private run(op: Operation): Plan {
    const plan = planOperations(this.view, [op]);
    if (plan.edits.length) {
      this.overlay.apply(plan.edits);
      const k = this.kernel;
      this.view = readAutoconf({ ...k.elf, source: this.overlay.source() }, requireTarget(k.elf.header), k.symtab, k.version);
    }
    return plan;
  }

  /**
   * Turns editor arguments into kpatch selectors: a number is a devno (`12` is `#12`), `attr val`
   * selects the entries whose locator attr has that value (UKC's `disable port 0x3f8`), anything
   * else is a selector as the batch verbs take it (dev, devN, dev*, #N, a glob).
   */
  private selectors(args: string[]): string[] {
    if (args.length === 2 && this.locatorNames().has(args[0].toLowerCase()) && (parseNumber(args[1]) !== undefined || args[1] === '?')) {
      const name = args[0].toLowerCase();
      const hit = this.view.entries.filter((e) => e.locators.some((l) => l.name === name && (args[1] === '?' ? l.wildcard : l.value === parseNumber(args[1]))));
      if (hit.length === 0) throw new KpatchError('NO_SUCH_DEVICE', `no device has ${name} ${args[1]}`);
      return hit.map((e) => `#${e.index}`);
    }
    return args.map((a) => {
      if (/^\d+$/.test(a)) {
        const n = Number(a);
        if (n >= this.view.entries.length) throw new KpatchError('NO_SUCH_DEVICE', `unknown devno ${n} (max is ${this.view.entries.length - 1})`);
        return `#${n}`;
      }
      return a;
    });
  }

  /** The entries `args` select (for find), in table order. */
  private select(args: string[], what: string): CfEntry[] {
    if (args.length === 0) throw new KpatchError('USAGE', `${what}: devno or dev expected`);
    // planOperations resolves selectors for the verbs; find resolves them the same way.
    return selectEntries(this.view.entries, this.selectors(args));
  }

  private locatorNames(): Set<string> {
    const names = new Set<string>();
    for (const d of this.view.drivers ?? []) for (const a of d.attrs) for (const l of a.locators) names.add(l.name);
    for (const e of this.view.entries) for (const l of e.locators) names.add(l.name);
    return names;
  }

  /** `show`: every locator name; `show attr [val]`: the devices with that locator (of that value); `show dev`: a driver. */
  private show(args: string[]): string[] {
    if (args.length === 0) return [...this.locatorNames()].sort();
    const name = args[0].toLowerCase();
    if (this.locatorNames().has(name)) {
      if (args.length > 2) throw new KpatchError('USAGE', 'show: attr [val] expected');
      const value = args.length === 2 ? (args[1] === '?' ? '?' : requireNumber(args[1], `${name} value`)) : undefined;
      return this.view.entries
        .filter((e) => e.locators.some((l) => l.name === name && (value === undefined || (value === '?' ? l.wildcard : l.value === value))))
        .map((e) => userconfLine(e, this.base));
    }
    if (args.length !== 1) throw new KpatchError('USAGE', `show: '${args[0]}' is not a locator name; show dev takes one driver`);
    const driver = this.view.drivers?.find((d) => d.name === name);
    const entries = this.view.entries.filter((e) => e.driver === name);
    if (!driver && entries.length === 0) {
      selectEntries(this.view.entries, [name]); // throws the batch verbs' "no driver ... (closest: ...)"
      throw new KpatchError('USAGE', `show: '${args[0]}' is neither a locator name nor a driver`);
    }
    const out: string[] = [];
    if (driver) {
      out.push(`${driver.name}: ${driver.attrs.length ? `provides ${driver.attrs.map((a) => a.name).join(', ')}` : 'provides no interface attribute'}`);
      for (const a of driver.attrs) {
        const locs = a.locators.map((l) => `${l.name}${l.defaultString === null ? '' : ` [${l.defaultString}]`}`).join(' ');
        out.push(`  ${a.name}: ${locs || 'no locators'}`);
      }
    } else out.push(`${name}: not in cfdriver_list_initial`);
    for (const e of entries) out.push(userconfLine(e, this.base));
    return out;
  }

  /** Prints lines, stopping every `lines` lines at `-- more --` (q stops, anything else goes on). */
  private async page(lines: readonly string[], io: EditorIo): Promise<void> {
    for (let i = 0; i < lines.length; i++) {
      if (this.lines > 0 && i > 0 && i % this.lines === 0) {
        const answer = await io.ask('-- more --');
        if (answer === null || /^q/i.test(answer.trim())) return;
      }
      io.print(`${lines[i]}\n`);
    }
  }
}
