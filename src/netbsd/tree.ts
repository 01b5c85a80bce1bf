/**
 * The attachment graph of a cfdata table: who can be whose parent. A parent spec names a parent
 * driver (optionally a unit), or only an interface attribute (`atabus* at ata?`), which any
 * driver providing that attribute (its cd_attrs) can satisfy. Roots (`at root`) have no parent
 * spec and attach regardless of their state (config_rootsearch ignores cf_fstate).
 */
import type { AutoconfTable, CfEntry } from './autoconf';

/** The graph: parents and children of every entry, by index. */
export interface AttachGraph {
  readonly parents: readonly (readonly number[])[];
  readonly children: readonly (readonly number[])[];
  /** Entries with no parent spec. */
  readonly roots: readonly number[];
  /** Interface attributes no known driver provides (so their children have no known parent). */
  readonly unresolved: readonly string[];
}

/** Builds the attachment graph of `table`. */
export function attachGraph(table: AutoconfTable): AttachGraph {
  const { entries } = table;
  const byDriver = new Map<string, CfEntry[]>();
  for (const e of entries) {
    const list = byDriver.get(e.driver) ?? [];
    list.push(e);
    byDriver.set(e.driver, list);
  }
  // Which drivers provide each interface attribute (cfdriver_list_initial's cd_attrs).
  const providers = new Map<string, Set<string>>();
  for (const d of table.drivers ?? []) {
    for (const a of d.attrs) {
      const set = providers.get(a.name) ?? new Set<string>();
      set.add(d.name);
      providers.set(a.name, set);
    }
  }
  const unresolved = new Set<string>();
  const parents = entries.map((e): number[] => {
    const p = e.parent;
    if (!p) return [];
    let candidates: CfEntry[];
    if (p.driver !== null) {
      // `at pci0` wants unit 0: an explicit pci0, or a wildcard pci* that may become unit 0.
      candidates = (byDriver.get(p.driver) ?? []).filter((c) => p.unit === -1 || c.star || c.unit === p.unit);
    } else {
      const names = providers.get(p.iattr);
      if (!names) unresolved.add(p.iattr);
      candidates = [...(names ?? [])].flatMap((n) => byDriver.get(n) ?? []);
    }
    return candidates.filter((c) => c.index !== e.index || c.star).map((c) => c.index);
  });
  const children: number[][] = entries.map(() => []);
  parents.forEach((ps, child) => {
    for (const p of ps) children[p].push(child);
  });
  return { parents, children, roots: entries.filter((e) => !e.parent).map((e) => e.index), unresolved: [...unresolved] };
}

/** Tells, for each entry, whether autoconf could reach it given `enabled(i)`: roots always, others through an enabled, reachable parent. */
export function reachable(graph: AttachGraph, enabled: (index: number) => boolean): boolean[] {
  const n = graph.parents.length;
  const ok = new Array<boolean>(n).fill(false);
  const queue: number[] = [];
  for (const r of graph.roots) {
    ok[r] = true;
    queue.push(r);
  }
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of graph.children[p]) {
      if (!ok[c] && enabled(c)) {
        ok[c] = true;
        queue.push(c);
      }
    }
  }
  return ok;
}

/** Every ancestor of the given entries (through all possible parents, up to the roots), excluding the entries themselves unless they are ancestors of another. */
export function ancestors(graph: AttachGraph, of: Iterable<number>): Set<number> {
  const out = new Set<number>();
  const stack = [...of].flatMap((i) => graph.parents[i]);
  while (stack.length) {
    const p = stack.pop()!;
    if (out.has(p)) continue;
    out.add(p);
    stack.push(...graph.parents[p]);
  }
  return out;
}

/** A node of the printed tree. */
export interface TreeNode {
  readonly index: number;
  readonly name: string;
  readonly state: string;
  /** Whether autoconf can reach this entry at all with the current states. */
  readonly reachable: boolean;
  /** Already expanded elsewhere in the tree (another parent, or a cycle such as pci* at ppb?): not expanded again. */
  readonly seeAbove: boolean;
  readonly children: readonly TreeNode[];
}

/** The tree from the roots down, plus entries no root leads to. */
export interface AttachTree {
  readonly roots: readonly TreeNode[];
  readonly orphans: readonly TreeNode[];
  /** How many possible children each entry has (by index). */
  readonly childCount: readonly number[];
  readonly warnings: readonly string[];
}

/**
 * Builds the attachment tree of `table`. An entry appears under every possible parent, but its
 * subtree is expanded only the first time (depth first), so the tree stays linear in the number
 * of parent links even on GENERIC, where pci/ppb and uhub/uhub form cycles.
 */
export function attachTree(table: AutoconfTable): AttachTree {
  const graph = attachGraph(table);
  const ok = reachable(graph, (i) => table.entries[i].state === 'enabled');
  const expanded = new Set<number>();
  const build = (i: number): TreeNode => {
    const e = table.entries[i];
    const seeAbove = expanded.has(i);
    expanded.add(i);
    return {
      index: i,
      name: `${e.driver}${e.star ? '*' : e.unit}`,
      state: e.state,
      reachable: ok[i],
      seeAbove,
      children: seeAbove ? [] : graph.children[i].map(build),
    };
  };
  const roots = graph.roots.map(build);
  const orphans = table.entries.filter((e) => !expanded.has(e.index)).map((e) => build(e.index));
  return { roots, orphans, childCount: graph.children.map((c) => c.length), warnings: graph.unresolved.map((ia) => `no driver provides interface attribute '${ia}'`) };
}
