/**
 * The meaning of a kernel config after includes and `no` lines: which options, make options, file systems,
 * pseudo-devices and device instances remain. `no` applies to the state reached so far, as config.samples(5) says.
 */
import type { DeviceRef, Locator, OptionItem, Position, Statement, StatementOf } from './ast';
import { formatDeviceRef } from './print';
import type { Issue, Reached } from './resolve';

/** A setting with the place it was made. */
export interface Setting {
  readonly value?: string;
  readonly at: Position;
}

/**
 * Settings by name, in insertion order, like a Map. A config may set millions of options, so a setting is not an
 * object: the name maps to a slot in typed arrays (line, column, file number) and an array of values, about 60 bytes
 * less per option than an object with a position object (docs/performance.md). `get` builds the Setting on demand.
 */
export class SettingTable implements ReadonlyMap<string, Setting> {
  private readonly slots = new Map<string, number>();
  private readonly settingValues: (string | undefined)[] = [];
  private readonly fileNames: string[] = [];
  private readonly fileNumbers = new Map<string, number>();
  private lines = new Int32Array(16);
  private columns = new Int32Array(16);
  private files = new Int32Array(16);
  private used = 0;

  get size(): number {
    return this.slots.size;
  }
  has(name: string): boolean {
    return this.slots.has(name);
  }
  get(name: string): Setting | undefined {
    const i = this.slots.get(name);
    return i === undefined ? undefined : this.at(i);
  }
  /** Sets `name` to `value` made at `at`, moved to the end as config(1)'s option list does on a replacement. */
  set(name: string, value: string | undefined, at: Position, isNew = false): this {
    if (!isNew) this.slots.delete(name);
    if (this.used === this.lines.length) this.grow();
    const i = this.used++;
    let f = this.fileNumbers.get(at.file);
    if (f === undefined) {
      f = this.fileNames.push(at.file) - 1;
      this.fileNumbers.set(at.file, f);
    }
    this.settingValues[i] = value;
    this.lines[i] = at.line;
    this.columns[i] = at.column;
    this.files[i] = f;
    this.slots.set(name, i);
    return this;
  }
  delete(name: string): boolean {
    return this.slots.delete(name);
  }
  *entries(): MapIterator<[string, Setting]> {
    for (const [name, i] of this.slots) yield [name, this.at(i)];
  }
  keys(): MapIterator<string> {
    return this.slots.keys();
  }
  *values(): MapIterator<Setting> {
    for (const i of this.slots.values()) yield this.at(i);
  }
  forEach(fn: (value: Setting, key: string, map: ReadonlyMap<string, Setting>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, Setting]> {
    return this.entries();
  }
  private at(i: number): Setting {
    return { value: this.settingValues[i], at: { file: this.fileNames[this.files[i]], line: this.lines[i], column: this.columns[i] } };
  }
  private grow(): void {
    const n = this.lines.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.lines = widen(this.lines);
    this.columns = widen(this.columns);
    this.files = widen(this.files);
  }
}

/** A device instance line that survived every `no`. */
export interface Instance {
  readonly device: DeviceRef;
  readonly parent: DeviceRef | 'root';
  readonly locators: readonly Locator[];
  readonly flags?: string;
  readonly disable?: boolean;
  readonly at: Position;
}

/** The evaluated config. */
export interface ConfigModel {
  machine?: readonly string[];
  readonly options: SettingTable;
  readonly makeoptions: SettingTable;
  readonly fileSystems: SettingTable;
  readonly pseudoDevices: Map<string, Setting & { count?: number }>;
  readonly instances: Instance[];
  readonly configs: Map<string, Setting>;
  readonly selects: Map<string, Setting>;
  /** Device names whose instances were removed with `no` (their children are then not orphans). */
  readonly removed: Set<string>;
  maxusers?: Setting;
}

/** Options for {@link evaluate}. */
export interface EvaluateOptions {
  /** Every include was read, so a `no` that matches nothing is a real error rather than a gap in what we saw. */
  readonly complete: boolean;
}

/** Renders `dev at parent` for messages (`viomb* at virtio?`). */
export function instanceName(i: { device: DeviceRef; parent?: DeviceRef | 'root' }): string {
  return i.parent ? `${formatDeviceRef(i.device)} at ${formatDeviceRef(i.parent)}` : formatDeviceRef(i.device);
}

const sameRef = (a: DeviceRef | 'root', b: DeviceRef | 'root') =>
  a === 'root' || b === 'root' ? a === b : a.name === b.name && a.unit === b.unit;

/** The items of an options / makeoptions / file-system line (a file-system line's names, as items without values). */
export function settingItems(s: StatementOf<'options' | 'makeoptions' | 'file-system'>): readonly OptionItem[] {
  return s.kind === 'file-system' ? s.names.map((name) => ({ name })) : s.items;
}

/** Evaluates reached statements into a model, with config(1)'s errors for duplicates and unmatched `no` lines. */
export function evaluate(statements: readonly Reached[], opts: EvaluateOptions): { model: ConfigModel; issues: Issue[] } {
  const ev = createEvaluator();
  for (const r of statements) ev.add(r.stmt);
  return ev.finish(opts);
}

/** An evaluator fed one statement at a time (lint streams a config through it without keeping the statements). */
export interface Evaluator {
  add(s: Statement): void;
  /** The model and issues; findings that need every include read are kept only when `complete`. */
  finish(opts: EvaluateOptions): { model: ConfigModel; issues: Issue[] };
}

/** Creates an {@link Evaluator} with an empty model. */
export function createEvaluator(): Evaluator {
  const model: ConfigModel = {
    options: new SettingTable(), makeoptions: new SettingTable(), fileSystems: new SettingTable(), pseudoDevices: new Map(),
    instances: [], configs: new Map(), selects: new Map(), removed: new Set(),
  };
  const issues: Issue[] = [];
  // findings that hold only when every include was read, kept apart until finish() knows
  const ifComplete = new Set<Issue>();
  const later = (i: Issue) => {
    issues.push(i);
    ifComplete.add(i);
  };
  const err = (s: Statement, message: string) => issues.push({ severity: 'error', file: s.file, line: s.line, column: s.column, message });
  const warn = (s: Statement, message: string) => issues.push({ severity: 'warning', file: s.file, line: s.line, column: s.column, message });
  const pos = (s: Statement): Position => ({ file: s.file, line: s.line, column: s.column });
  // config(1) stops caring about a `no` that misses only when it has seen everything; '-no' never complains.
  const missing = (s: Statement, message: string) => {
    if (!s.soft) later({ severity: 'error', file: s.file, line: s.line, column: s.column, message });
  };
  // options / makeoptions / file-system go through config(1)'s do_option and undo_option (usr.bin/config main.c,
  // since at least 1.89 of 2015): a second setting warns "already have" and replaces the first, and a `no` of something
  // never set warns "is not defined". Neither stops config(1), so neither is an error here (GENERIC + MODULAR relies on it).
  const table = (s: StatementOf<'options' | 'makeoptions' | 'file-system'>, map: SettingTable, what: string) => {
    for (const item of settingItems(s)) {
      if (s.negated) {
        if (!map.delete(item.name) && !s.soft) later({ severity: 'warning', file: s.file, line: s.line, column: s.column, message: `${what} '${item.name}' is not defined` });
        continue;
      }
      // only an option already set costs a Setting object and a second lookup; a new one is just stored
      if (!map.has(item.name)) {
        map.set(item.name, item.value, s, true);
        continue;
      }
      const prev = map.get(item.name);
      if (prev && item.op === '+=') {
        map.set(item.name, `${prev.value ?? ''} ${item.value}`, s);
        continue;
      }
      if (prev) warn(s, `already have ${what} '${item.name}${prev.value === undefined ? '' : `=${prev.value}`}'`);
      map.set(item.name, item.value, s); // replaced, and moved to the end as config(1)'s option list does
    }
  };
  const add = (s: Statement) => {
    switch (s.kind) {
      case 'machine':
        model.machine = s.args;
        break;
      case 'maxusers':
        model.maxusers = { value: s.args?.[0], at: pos(s) };
        break;
      case 'options':
        table(s, model.options, 'options');
        break;
      case 'makeoptions':
        table(s, model.makeoptions, 'makeoptions');
        break;
      case 'file-system':
        table(s, model.fileSystems, 'file-system');
        break;
      case 'select':
        if (s.negated) model.selects.delete(s.name);
        else model.selects.set(s.name, { at: pos(s) });
        break;
      case 'config':
        if (s.negated) {
          if (!model.configs.delete(s.name)) missing(s, `config '${s.name}' is not defined`);
        } else model.configs.set(s.name, { value: (s.args ?? []).join(' '), at: pos(s) });
        break;
      case 'pseudo-device': {
        const name = s.name;
        if (s.negated) {
          // sem.c 1.73 (2015) delpseudo made this "`X' not defined" an error. Today's config(1) accepts it: since
          // January 2024 arc RAMDISK and sgimips INSTALL32_IP2x say `no pseudo-device raid`/`sequencer` after the
          // GENERIC they include commented those out, and both are install kernels of NetBSD's daily release builds.
          // So it is a warning here, like a `no options` of an option never set.
          if (!model.pseudoDevices.delete(name) && !s.soft) later({ severity: 'warning', file: s.file, line: s.line, column: s.column, message: `pseudo-device '${name}' not defined` });
        } else if (model.pseudoDevices.has(name)) err(s, `'${name}' already defined`);
        else model.pseudoDevices.set(name, { at: pos(s), count: s.count });
        break;
      }
      case 'instance': {
        if (!s.negated) {
          // the parser gives every instance line that is not a `no` its parent
          if (s.parent) model.instances.push({ device: s.device, parent: s.parent, locators: s.locators ?? [], flags: s.flags, disable: s.disable, at: pos(s) });
          break;
        }
        const dev = s.device;
        if (s.parent) {
          // config(1)'s deldevi (usr.bin/config sem.c): an instance name never configured is "`X' not defined";
          // otherwise the first line of that name at exactly that parent is removed (one, not all), else "not found".
          if (!model.instances.some((i) => sameRef(i.device, dev))) {
            missing(s, `'${formatDeviceRef(dev)}' not defined`);
            break;
          }
          const parent = s.parent;
          const at = model.instances.findIndex((i) => sameRef(i.device, dev) && sameRef(i.parent, parent));
          if (at < 0) {
            missing(s, `'${formatDeviceRef(dev)}' at '${formatDeviceRef(s.parent)}' not found`);
            break;
          }
          model.instances.splice(at, 1);
        } else {
          // deldev: `no foo0` / `no foo*` removes every line of that instance name ("unknown instance" if none);
          // `no foo` removes every instance of the device foo and is silent when there is none (config(1) only
          // complains when foo is not a defined device, which needs the definitions).
          const before = model.instances.length;
          const keep = model.instances.filter((i) => !(dev.unit === undefined ? i.device.name === dev.name : sameRef(i.device, dev)));
          model.instances.splice(0, model.instances.length, ...keep);
          if (keep.length === before) {
            if (dev.unit !== undefined) missing(s, `unknown instance ${formatDeviceRef(dev)}`);
            break;
          }
        }
        if (!model.instances.some((i) => i.device.name === dev.name)) model.removed.add(dev.name);
        break;
      }
      case 'no-device-at': {
        // config(1)'s deldeva: `no device at isa?` / `at isa0` removes the lines at exactly that parent, `at isa`
        // every line at any unit of isa. Nothing matching is not an error (only an unknown isa is, which needs the
        // definitions).
        const p = s.parent;
        const atParent = (i: Instance) => (p !== 'root' && p.unit === undefined ? i.parent !== 'root' && i.parent.name === p.name : sameRef(i.parent, p));
        const gone = model.instances.filter(atParent);
        for (const g of gone) model.removed.add(g.device.name);
        model.instances.splice(0, model.instances.length, ...model.instances.filter((i) => !atParent(i)));
        break;
      }
    }
  };
  return {
    add,
    finish: (opts) => ({ model, issues: opts.complete ? issues : issues.filter((i) => !ifComplete.has(i)) }),
  };
}
