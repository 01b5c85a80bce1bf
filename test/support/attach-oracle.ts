/**
 * An attachability oracle over the fixture tables (test/support/fixtures.ts), written from the
 * tables' documented shape rather than from src/netbsd/tree.ts, for the check and boot tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, loadTable, type ManifestRow, type Table, type TableEntry } from './fixtures';

/** Reads the table a manifest row was built from. */
export function fixtureTable(row: ManifestRow): Table {
  if (!row.table) throw new Error(`${row.file} has no table`);
  return loadTable(row.table);
}

/** Reads a fixture binary. */
export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FIXTURES, file)));
}

/** `com0`, `cpu*`: how kpatch and the PVH routine name an entry. */
export const rowName = (e: TableEntry): string => `${e.driver}${e.star ? '*' : e.unit}`;

/**
 * An independent attachability oracle over a fixture table: an entry attaches when it is enabled
 * (state 0 or 2) and at root, or some attachable entry can be its parent (the named driver, with
 * a matching unit unless `?`, or any driver providing the interface attribute). `usable` removes
 * entries from the path (virtio_pci on a microvm). Written from the table's documented shape, not
 * from src/netbsd/tree.ts, so the two can disagree.
 */
export function attachable(t: Table, states: readonly number[] = t.entries.map((e) => e.state), usable: (e: TableEntry) => boolean = () => true): boolean[] {
  const providers = (iattr: string) => new Set(t.drivers.filter((d) => d.attrs.includes(iattr)).map((d) => d.name));
  const ok = t.entries.map((e) => e.parent === null);
  for (let changed = true; changed; ) {
    changed = false;
    t.entries.forEach((e, i) => {
      if (ok[i] || !(states[i] === 0 || states[i] === 2) || !usable(e) || !e.parent) return;
      const p = e.parent;
      const canParent = (c: TableEntry, j: number) =>
        ok[j] && j !== i && (p.driver !== null ? c.driver === p.driver && (p.unit === -1 || c.star || c.unit === p.unit) : providers(p.iattr).has(c.driver));
      if (t.entries.some(canParent)) ok[i] = changed = true;
    });
  }
  return ok;
}
