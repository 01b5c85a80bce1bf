/**
 * Plain-text forms of autoconf entries, in the spirit of userconf(4)'s `list`: name with unit or
 * `*`, ` at ` and the parent, locators, flags, `disable`. No colour here; the CLI adds it.
 */
import type { CfEntry, CfParent, Locator } from './autoconf';

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

/** The bases userconf(4)'s `base` command offers for large numbers. */
export type NumberBase = 8 | 10 | 16;

/**
 * A number as userconf(4) and OpenBSD's UKC print it (userconf_pnum, pnum): -1 to 15 in decimal,
 * anything else in `base`, hex by default, of the 32-bit value as C's `%x` prints an int, so
 * `iomem 0xfed40000` reads as config(5) wrote it and not as -19660800.
 */
export function userconfNumber(value: number, base: NumberBase = 16): string {
  if (value > -2 && value < 16) return String(value);
  if (base === 10) return String(value | 0);
  const u = value >>> 0;
  return base === 8 ? `0${u.toString(8)}` : `0x${u.toString(16)}`;
}

/** A locator value as userconf(4) prints it: `?` for the default (newer userconf does), else userconfNumber. */
export function locatorValue(l: Locator, base: NumberBase = 16): string {
  return l.wildcard ? '?' : userconfNumber(l.value, base);
}

/** The config-line part of an entry: `com0 at isa? port 0x3f8 irq 4`, plus ` with <attachment>` when it differs. */
export function entryLine(e: CfEntry): string {
  let s = `${entryName(e)} at ${parentName(e.parent)}`;
  for (const l of e.locators) s += ` ${l.name} ${locatorValue(l)}`;
  if (e.flags !== 0) s += ` flags 0x${(e.flags >>> 0).toString(16)}`;
  if (e.attachment !== e.driver) s += ` with ${e.attachment}`;
  return s;
}
