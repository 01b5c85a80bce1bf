/**
 * Plain-text forms of autoconf entries, in the spirit of userconf(4)'s `list`: name with unit or
 * `*`, ` at ` and the parent, locators, flags, `disable`. No colour here; the CLI adds it.
 */
import type { CfEntry, CfParent, CfLocator } from './autoconf';

/** `com0`, `cpu*`. */
export function entryName(e: Pick<CfEntry, 'driver' | 'unit' | 'star'>): string {
  return `${e.driver}${e.star ? '*' : e.unit}`;
}

/** `root`, `mainbus0`, `pci?`, `ata?` (an interface attribute alone). */
export function parentName(p: CfParent | null): string {
  if (!p) return 'root';
  if (p.driver === null) return `${p.iattr}?`;
  return p.unit === -1 ? `${p.driver}?` : `${p.driver}${p.unit}`;
}

/** A locator value as config(5) writes it: `?` for the default, small numbers in decimal, others in hex. */
export function locatorValue(l: CfLocator): string {
  if (l.wildcard) return '?';
  return l.value >= -1 && l.value <= 15 ? String(l.value) : l.value < 0 ? String(l.value) : `0x${l.value.toString(16)}`;
}

/** The config-line part of an entry: `com0 at isa? port 0x3f8 irq 4`, plus ` with <attachment>` when it differs. */
export function entryLine(e: CfEntry): string {
  let s = `${entryName(e)} at ${parentName(e.parent)}`;
  for (const l of e.locators) s += ` ${l.name} ${locatorValue(l)}`;
  if (e.flags !== 0) s += ` flags 0x${(e.flags >>> 0).toString(16)}`;
  if (e.attachment !== e.driver) s += ` with ${e.attachment}`;
  return s;
}
