/**
 * The committed kernel fixtures as data: test/fixtures/manifest.json and the JSON tables they were
 * generated from, so tests derive every expectation from the same source the binaries came from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The fixture directory. */
export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

/** One row of manifest.json. */
export interface ManifestRow {
  readonly file: string;
  readonly arch: string;
  readonly table: string | null;
  readonly layout: 'bitfield' | 'short' | null;
  readonly version: number;
  readonly osrelease: string;
  readonly pvh: boolean;
  readonly stripped: boolean;
  readonly kernbase: string;
  readonly pvhEntry?: string;
}

/** A parent spec in a fixture table. */
export interface TableParent {
  readonly iattr: string;
  readonly driver: string | null;
  readonly unit: number;
}

/** One entry row of a fixture table. */
export interface TableEntry {
  readonly driver: string;
  readonly attachment: string;
  readonly unit: number;
  readonly star: boolean;
  readonly state: number;
  readonly parent: TableParent | null;
}

/** A fixture table (test/fixtures/src/tables/*.json), the fields tests read. */
export interface FixtureTable {
  readonly drivers: readonly { readonly name: string; readonly attrs: readonly string[] }[];
  readonly entries: readonly TableEntry[];
  readonly symbols: readonly string[];
}

/** Reads manifest.json. */
export function manifest(): ManifestRow[] {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as ManifestRow[];
}

/** Reads the table a manifest row was built from. */
export function fixtureTable(row: ManifestRow): FixtureTable {
  if (!row.table) throw new Error(`${row.file} has no table`);
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'src', 'tables', row.table), 'utf8')) as FixtureTable;
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
export function attachable(t: FixtureTable, states: readonly number[] = t.entries.map((e) => e.state), usable: (e: TableEntry) => boolean = () => true): boolean[] {
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
