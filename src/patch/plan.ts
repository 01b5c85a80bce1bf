/**
 * Planning edits of cf_fstate bytes, and of locators and flags. A plan is computed, never applied
 * here: operations (disable, enable, keep) run in order on a copy of the states, and the plan is
 * the difference between the final and the original states as byte edits, each with the exact old
 * bytes expected on disk. Transitions are userconf(4)'s: disable 0->4, 2->3; enable 4->0, 3->2;
 * anything else in the wanted state is "already"; FOUND (1) or values outside 0-4 are refused.
 * change operations (cf_loc and cf_flags ints) are planned by change.ts, into the same plan.
 */
import { encodeField } from '../bytes/struct';
import { KpatchError } from '../errors';
import { type AutoconfTable, type CfEntry, DISABLED, ENABLED, stateName } from '../netbsd/autoconf';
import { entryName, parentName } from '../netbsd/format';
import { ancestors, attachGraph, reachable } from '../netbsd/tree';
import { selectEntries } from '../netbsd/select';
import { type Assignment, type FieldChange, planChanges } from './change';

/** One byte edit: at `offset`, `before` must be on disk and becomes `after`. */
export interface Edit {
  readonly offset: number;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  readonly why: string;
}

/** Where an operation came from (a patch file line), for messages. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** One requested operation. */
export interface Operation {
  readonly verb: 'disable' | 'enable' | 'keep' | 'change';
  readonly selectors: readonly string[];
  /** change only: the locators and flags to set, in order. */
  readonly set?: readonly Assignment[];
  /** Narrow to entries attached at this parent: a driver (`pci`), a unit (`pci0`), `pci?`, or an interface attribute. */
  readonly at?: string;
  /** keep only: also keep the selected entries' ancestors (default true). */
  readonly ancestors?: boolean;
  /** Skip selectors that match nothing instead of failing (for patch sets shared by many kernels). */
  readonly ifPresent?: boolean;
  readonly origin?: Origin;
}

/** An entry as plans report it. */
export interface EntryRef {
  readonly index: number;
  readonly name: string;
  readonly driver: string;
  readonly unit: number;
  readonly star: boolean;
}

/** A planned state change. */
export interface Change extends EntryRef {
  readonly offset: number;
  readonly old: number;
  readonly new: number;
}

/** A warning, optionally about one entry. */
export interface PlanWarning {
  readonly message: string;
  readonly index?: number;
}

/** The result of planning. */
export interface Plan {
  readonly edits: readonly Edit[];
  readonly changes: readonly Change[];
  /** Entries an operation targeted that were already in the wanted state. */
  readonly already: readonly (EntryRef & { readonly state: string })[];
  /** Ancestors `keep` kept enabled although they were not selected. */
  readonly keptAncestors: readonly EntryRef[];
  /** Locators and flags that change operations change (one per entry and field). */
  readonly fieldChanges: readonly FieldChange[];
  readonly warnings: readonly PlanWarning[];
}

const ref = (e: CfEntry): EntryRef => ({ index: e.index, name: entryName(e), driver: e.driver, unit: e.unit, star: e.star });

/** Tells whether entry `e` attaches at `at` (driver, driver+unit, driver?, or interface attribute). */
export function attachesAt(e: CfEntry, at: string): boolean {
  const p = e.parent;
  if (!p) return at === 'root';
  if (at === parentName(p) || at === p.iattr || at === `${p.iattr}?`) return true;
  if (p.driver === null) return false;
  if (at === p.driver || at === `${p.driver}?` || at === `${p.driver}*`) return true;
  const m = /^(.*?)(\d+)$/.exec(at);
  return m !== null && m[1] === p.driver && (p.unit === -1 || p.unit === Number(m[2]));
}

function selectFor(table: AutoconfTable, op: Operation): CfEntry[] {
  let picked = selectEntries(table.entries, op.selectors, op.ifPresent);
  if (op.at !== undefined) {
    const at = op.at;
    picked = picked.filter((e) => attachesAt(e, at));
    if (picked.length === 0 && !op.ifPresent) throw new KpatchError('NO_SUCH_DEVICE', `${where(op)}no entry of ${op.selectors.join(' ')} attaches at '${at}'`);
  }
  return picked;
}

const where = (op: Operation) => (op.origin ? `${op.origin.file}:${op.origin.line}: ` : '');

function transition(e: CfEntry, to: 'disable' | 'enable', state: number, op: Operation): number | undefined {
  const map = to === 'disable' ? DISABLED : ENABLED;
  const next = map[state];
  if (next !== undefined) return next;
  const name = stateName(state);
  if ((to === 'disable' && name === 'disabled') || (to === 'enable' && name === 'enabled')) return undefined;
  throw new KpatchError('BAD_STATE', `${where(op)}entry #${e.index} ${entryName(e)} has state ${state} (${name}) on disk: refusing to ${to} it`, 'only 0 (NOTFOUND), 2 (STAR), 3 (DSTAR) and 4 (DNOTFOUND) belong in a kernel file');
}

/**
 * Encodes state values as the table's state field holds them. States are 0-4, so each encoding is
 * made once per plan and shared by its edits (never mutated): a keep on GENERIC plans ~1,400 edits,
 * and two typed arrays each showed up as garbage-collector time.
 */
function stateEncoder(table: AutoconfTable): (value: number) => Uint8Array {
  const encoded = new Map<number, Uint8Array>();
  return (value) => {
    let bytes = encoded.get(value);
    if (!bytes) {
      bytes = encodeField(table.stateField, value, table.endian);
      encoded.set(value, bytes);
    }
    return bytes;
  };
}

/** Plans `ops` on `table`; the edits are encoded in the table's byte order and state field. */
export function planOperations(table: AutoconfTable, ops: readonly Operation[]): Plan {
  const entries = table.entries;
  const state = entries.map((e) => e.fstate);
  const graph = attachGraph(table);
  const already = new Map<number, string>();
  const keptAncestors = new Map<number, EntryRef>();
  // Entries an enable or keep asked for: warn when they can never attach.
  const wanted = new Set<number>();
  const set = (e: CfEntry, to: 'disable' | 'enable', op: Operation) => {
    const next = transition(e, to, state[e.index], op);
    if (next === undefined) already.set(e.index, stateName(state[e.index]));
    else {
      state[e.index] = next;
      already.delete(e.index);
    }
  };
  // All keep operations of a plan form one allow list (their union), applied first; disable and
  // enable operations then run in order. So a patch file may spread its keep list over lines.
  const keeps = ops.filter((op) => op.verb === 'keep');
  if (keeps.length) {
    const keep = new Set<number>();
    for (const op of keeps) {
      const picked = selectFor(table, op);
      if (picked.length === 0) throw new KpatchError('NO_SUCH_DEVICE', `${where(op)}keep selected no entry: refusing to disable every entry`);
      for (const e of picked) {
        keep.add(e.index);
        wanted.add(e.index);
      }
      if (op.ancestors !== false) {
        for (const a of ancestors(graph, picked.map((e) => e.index))) if (!wanted.has(a)) keptAncestors.set(a, ref(entries[a]));
      }
    }
    for (const a of keptAncestors.keys()) keep.add(a);
    for (const i of wanted) keptAncestors.delete(i);
    for (const e of entries) {
      if (keep.has(e.index)) {
        // keep is declarative: what it keeps ends up enabled.
        const next = ENABLED[state[e.index]];
        if (next !== undefined) state[e.index] = next;
      } else if (stateName(state[e.index]) !== 'disabled') {
        set(e, 'disable', keeps[0]);
      }
    }
  }
  for (const op of ops) {
    if (op.verb === 'keep' || op.verb === 'change') continue;
    for (const e of selectFor(table, op)) {
      set(e, op.verb, op);
      if (op.verb === 'enable') wanted.add(e.index);
      else wanted.delete(e.index);
    }
  }

  const edits: Edit[] = [];
  const changes: Change[] = [];
  const stateBytes = stateEncoder(table);
  for (const e of entries) {
    if (state[e.index] === e.fstate) continue;
    const before = stateBytes(e.fstate);
    const after = stateBytes(state[e.index]);
    const verb = stateName(state[e.index]) === 'disabled' ? 'disable' : 'enable';
    edits.push({ offset: e.stateOffset, before, after, why: `${verb} #${e.index} ${entryName(e)}` });
    // Written out, not `{ ...ref(e), ... }`: object spread ran for most of a 1,400-entry keep's planning time.
    changes.push({ index: e.index, name: entryName(e), driver: e.driver, unit: e.unit, star: e.star, offset: e.stateOffset, old: e.fstate, new: state[e.index] });
  }
  const fields = planChanges(table, ops, (op) => selectFor(table, op), where);
  edits.push(...fields.edits);
  return {
    edits,
    changes,
    fieldChanges: fields.fieldChanges,
    already: [...already].filter(([i]) => state[i] === entries[i].fstate).map(([i, s]) => ({ ...ref(entries[i]), state: s })),
    keptAncestors: [...keptAncestors.values()].filter((a) => !changes.some((c) => c.index === a.index && stateName(c.new) === 'disabled')),
    warnings: planWarnings(table, graph, state, wanted),
  };
}

function planWarnings(table: AutoconfTable, graph: ReturnType<typeof attachGraph>, state: readonly number[], wanted: ReadonlySet<number>): PlanWarning[] {
  const entries = table.entries;
  const enabledBefore = (i: number) => stateName(entries[i].fstate) === 'enabled';
  const enabledAfter = (i: number) => stateName(state[i]) === 'enabled';
  const before = reachable(graph, enabledBefore);
  const after = reachable(graph, enabledAfter);
  const out: PlanWarning[] = [];
  // Entries still enabled that no longer can be reached. Usually none (a keep keeps ancestors), and
  // then no disabled entry needs its descendants walked: on GENERIC that walk is 1,400 searches.
  const stranded = entries.some((e) => before[e.index] && !after[e.index] && enabledAfter(e.index));
  // Entries whose disabling cuts off the same set (isa0 at mainbus? and isa0 at pcib?) share one warning.
  const cutOff = new Map<string, { by: CfEntry[]; lost: number[] }>();
  for (const e of entries) {
    const disabledNow = enabledBefore(e.index) && !enabledAfter(e.index);
    if (disabledNow && e.parent === null) {
      out.push({ index: e.index, message: `disabling root entry #${e.index} ${entryName(e)} has no effect: roots attach regardless of their state` });
    }
    if (disabledNow && stranded) {
      const lost = descendants(graph, e.index).filter((c) => before[c] && !after[c] && enabledAfter(c));
      if (lost.length) {
        const group = cutOff.get(lost.join()) ?? { by: [], lost };
        group.by.push(e);
        cutOff.set(lost.join(), group);
      }
    }
    if (wanted.has(e.index) && enabledAfter(e.index) && e.parent !== null && !after[e.index] && graph.parents[e.index].length > 0) {
      out.push({ index: e.index, message: `#${e.index} ${entryName(e)} can never attach: every possible parent is disabled or unreachable` });
    }
  }
  for (const { by, lost } of cutOff.values()) {
    const who = by.map((e) => `#${e.index} ${entryName(e)}`).join(' and ');
    out.push({ index: by[0].index, message: `disabling ${who} leaves ${lost.length} enabled ${lost.length === 1 ? 'entry' : 'entries'} unreachable: ${lost.map((c) => entryName(entries[c])).join(', ')}` });
  }
  for (const ia of graph.unresolved) out.push({ message: `no driver provides interface attribute '${ia}': children attached at ${ia}? have no known parent` });
  return out;
}

function descendants(graph: ReturnType<typeof attachGraph>, of: number): number[] {
  const seen = new Set<number>();
  const stack = [...graph.children[of]];
  while (stack.length) {
    const c = stack.pop()!;
    if (seen.has(c) || c === of) continue;
    seen.add(c);
    stack.push(...graph.children[c]);
  }
  return [...seen].sort((a, b) => a - b);
}
