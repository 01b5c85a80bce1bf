/**
 * Planning `change` operations: new values for an entry's locators (its cf_loc run, one int each,
 * named by the parent's interface attribute) and its cf_flags, as userconf(4)'s and OpenBSD UKC's
 * `change` set them. `?` is the locator's default, as config(1) encodes a `?` in the config file
 * (the cld_defaultstr value); a locator without a default cannot be wildcarded, as config(1) says.
 *
 * Kernels configured with `config -P` pack locators (NetBSD usr.bin/config pack.c): entries whose
 * runs are equal, or one the tail of another, point into the same ints. Writing one entry's run
 * then changes the others. UKC copies the run to spare space its kernels reserve; NetBSD kernels
 * reserve none, so a change that would alter an entry it was not asked to change is refused,
 * naming the entries that share the run. Changing all of them to the same values is allowed.
 */
import { encodeField } from '../bytes/struct';
import { KpatchError } from '../errors';
import { type AutoconfTable, type CfEntry, type InterfaceAttribute, LOCATOR, type LocatorDesc } from '../netbsd/autoconf';
import { entryName, userconfNumber } from '../netbsd/format';
import type { Edit, EntryRef, Operation } from './plan';

/** One `name=value` of a change: a locator, or `flags`. `?` is the locator's default. */
export interface Assignment {
  readonly name: string;
  readonly value: number | '?';
}

/** A planned locator or flags change of one entry. */
export interface FieldChange extends EntryRef {
  /** The locator's name, or `flags`. */
  readonly field: string;
  /** File offset of the 4-byte int. */
  readonly offset: number;
  readonly old: number;
  readonly new: number;
  /** The locator's default (what `?` means), or null for flags and locators without one. */
  readonly default: number | null;
}

/** A field value as the plan prints it: `?` for the locator's default, else as userconf prints numbers. */
export function fieldValue(c: Pick<FieldChange, 'default'>, value: number): string {
  return value === c.default ? '?' : userconfNumber(value);
}

/** What planChanges gives planOperations. */
export interface ChangePlan {
  readonly edits: Edit[];
  readonly fieldChanges: FieldChange[];
}

/**
 * Parses `name=value` as the change verbs take it: a locator name or `flags`, and a number as
 * userconf reads one (decimal, 0x hex, 0 octal, negative; a 32-bit value) or `?`.
 */
export function parseAssignment(word: string, parse: (text: string) => number | undefined): Assignment {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
  if (!m) throw new KpatchError('USAGE', `bad change '${word}': give locator=value or flags=value (port=0x2f8, irq=3, drq=?, flags=0x10)`);
  const name = m[1].toLowerCase();
  if (m[2] === '?') {
    if (name === 'flags') throw new KpatchError('USAGE', "flags has no default: give a number (flags=0)");
    return { name, value: '?' };
  }
  const value = parse(m[2]);
  if (value === undefined) throw new KpatchError('USAGE', `bad value '${m[2]}' for ${name}: give a number (decimal, 0x hex, 0 octal) that fits 32 bits, or ?`);
  return { name, value };
}

interface Write {
  readonly entry: CfEntry;
  readonly field: string;
  readonly value: number;
  readonly default: number | null;
}

/** Plans the change operations of `ops` (the others are planOperations' business). */
export function planChanges(table: AutoconfTable, ops: readonly Operation[], select: (op: Operation) => CfEntry[], where: (op: Operation) => string): ChangePlan {
  const changes = ops.filter((op) => op.verb === 'change');
  if (changes.length === 0) return { edits: [], fieldChanges: [] };
  const iattrs = new Map<string, InterfaceAttribute>();
  for (const d of table.drivers ?? []) for (const a of d.attrs) if (!iattrs.has(a.name)) iattrs.set(a.name, a);
  // Every word written, in operation order: the last write of a word is its value.
  const writes = new Map<number, Write[]>();
  const disk = new Map<number, number>();
  const flagsAt = table.layout.fields.flags.offset;
  for (const op of changes) {
    if (!op.set || op.set.length === 0) throw new KpatchError('USAGE', `${where(op)}change needs locator=value or flags=value`);
    for (const e of select(op)) {
      for (const a of op.set) {
        if (a.name === 'flags') {
          if (a.value === '?') throw new KpatchError('USAGE', `${where(op)}flags has no default: give a number`);
          record(writes, disk, e.offset + flagsAt, e.flags, { entry: e, field: 'flags', value: a.value, default: null });
          continue;
        }
        const k = locatorIndex(table, e, a.name, where(op));
        const desc = iattrs.get(e.parent!.iattr)!.locators[k];
        const value = a.value === '?' ? defaultOf(desc, e, where(op)) : a.value;
        record(writes, disk, e.locOffset! + k * LOCATOR.size, e.locators[k].value, { entry: e, field: a.name, value, default: desc.defaultString === null ? null : desc.default });
      }
    }
  }
  refuseSharing(table, writes, disk);
  const edits: Edit[] = [];
  const fieldChanges: FieldChange[] = [];
  for (const offset of [...writes.keys()].sort((x, y) => x - y)) {
    const ws = writes.get(offset)!;
    const value = ws[ws.length - 1].value;
    const old = disk.get(offset)!;
    if (value === old) continue;
    const why = ws.map((w) => `change #${w.entry.index} ${entryName(w.entry)} ${w.field} ${fieldValue(w, old)} -> ${fieldValue(w, value)}`);
    edits.push({ offset, before: encodeField(LOCATOR, old, table.endian), after: encodeField(LOCATOR, value, table.endian), why: [...new Set(why)].join('; ') });
    const seen = new Set<number>();
    for (const w of ws) {
      if (seen.has(w.entry.index)) continue;
      seen.add(w.entry.index);
      const e = w.entry;
      fieldChanges.push({ index: e.index, name: entryName(e), driver: e.driver, unit: e.unit, star: e.star, field: w.field, offset, old, new: value, default: w.default });
    }
  }
  // By entry, its locators in order, then flags (which sits in cfdata, before loc[] in the file).
  fieldChanges.sort((a, b) => a.index - b.index || Number(a.field === 'flags') - Number(b.field === 'flags') || a.offset - b.offset);
  return { edits, fieldChanges };
}

function record(writes: Map<number, Write[]>, disk: Map<number, number>, offset: number, old: number, w: Write): void {
  const list = writes.get(offset) ?? [];
  list.push(w);
  writes.set(offset, list);
  if (!disk.has(offset)) disk.set(offset, old);
}

/** The index of locator `name` of `e`, or an error saying what `e` has. */
function locatorIndex(table: AutoconfTable, e: CfEntry, name: string, where: string): number {
  const k = e.locators.findIndex((l) => l.name === name);
  if (k >= 0 && e.locOffset !== null) return k;
  const who = `#${e.index} ${entryName(e)}`;
  if (e.locators.length) throw new KpatchError('NO_SUCH_DEVICE', `${where}${who} has no locator '${name}' (its locators: ${e.locators.map((l) => l.name).join(' ')}; and flags)`);
  if (table.drivers === null) {
    throw new KpatchError('NO_SUCH_DEVICE', `${where}locators of ${who} are unknown: the kernel has no cfdriver_list_initial to name them`, 'flags=N still works');
  }
  if (!e.parent) throw new KpatchError('NO_SUCH_DEVICE', `${where}${who} attaches at root: it has no locators (only flags)`);
  throw new KpatchError('NO_SUCH_DEVICE', `${where}${who} has no locators: its parent attribute ${e.parent.iattr} declares none (only flags)`);
}

/** The value config(1) writes for `?`: the locator's default; none means "cannot wildcard". */
function defaultOf(desc: LocatorDesc, e: CfEntry, where: string): number {
  if (desc.defaultString === null) throw new KpatchError('USAGE', `${where}cannot wildcard ${desc.name} of #${e.index} ${entryName(e)}: the locator has no default (config(1) refuses '?' for it too)`);
  return desc.default;
}

/**
 * Refuses a write that would change an entry it was not asked to change (a cf_loc word another
 * entry's run shares), or that two entries sharing a word ask to set to different values.
 */
function refuseSharing(table: AutoconfTable, writes: Map<number, Write[]>, disk: Map<number, number>): void {
  const changed = [...writes].filter(([offset, ws]) => ws[ws.length - 1].value !== disk.get(offset));
  if (changed.length === 0) return;
  const covering = new Map<number, { entry: CfEntry; field: string }[]>();
  const wanted = new Set(changed.map(([offset]) => offset));
  for (const e of table.entries) {
    if (e.locOffset === null) continue;
    e.locators.forEach((l, k) => {
      const at = e.locOffset! + k * LOCATOR.size;
      if (!wanted.has(at)) return;
      const list = covering.get(at) ?? [];
      list.push({ entry: e, field: l.name });
      covering.set(at, list);
    });
  }
  for (const [offset, ws] of changed) {
    const asked = new Set(ws.map((w) => w.entry.index));
    const others = (covering.get(offset) ?? []).filter((c) => !asked.has(c.entry.index));
    const first = ws[ws.length - 1];
    const what = `${first.field} of #${first.entry.index} ${entryName(first.entry)}`;
    if (others.length) {
      // GENERIC packs one -1 for dozens of entries: name the first few.
      const shown = others.slice(0, 8).map((c) => `#${c.entry.index} ${entryName(c.entry)} (${c.field})`);
      const names = shown.join(', ') + (others.length > shown.length ? ` and ${others.length - shown.length} more` : '');
      throw new KpatchError(
        'SHARED_LOCATORS',
        `refusing to change ${what}: its cf_loc int at byte 0x${offset.toString(16)} is shared with ${names} (config -P packs equal locator runs), which would change too`,
        'change every entry that shares it to the same value, or none',
      );
    }
    const values = new Map<number, Write>();
    for (const w of ws) values.set(w.entry.index, w);
    const distinct = new Set([...values.values()].map((w) => w.value));
    if (distinct.size > 1) {
      const list = [...values.values()].map((w) => `#${w.entry.index} ${entryName(w.entry)} ${w.field}=${userconfNumber(w.value)}`).join(', ');
      throw new KpatchError('SHARED_LOCATORS', `refusing to change ${what}: entries sharing its cf_loc int at byte 0x${offset.toString(16)} want different values: ${list}`);
    }
  }
}
