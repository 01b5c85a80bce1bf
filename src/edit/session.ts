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
import { type NumberBase, userconfLine, userconfName } from '../netbsd/format';
import type { Kernel } from '../netbsd/kernel';
import { selectEntries } from '../netbsd/select';
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

  /** The edits to write: the difference between the file and the session, with the bytes on disk as `before`. */
  pendingEdits(): Edit[] {
    return this.overlay.edits();
  }

  /** The bytes at `offset` in the kernel file and as the session will write them. */
  bytes(offset: number, length: number): { before: Uint8Array; after: Uint8Array } {
    return { before: this.kernel.elf.source.read(offset, length), after: this.overlay.source().read(offset, length) };
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
    exit: async () => 'exit',
    quit: async () => 'quit',
  };

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
