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

/**
 * Parses a number as userconf(4) and UKC read one: optional `-`, then `0x` hex, `0` octal or
 * decimal. The result is the 32-bit value a C `int` holds (0xfed40000 is -19660800), so it can be
 * written into cf_loc or cf_flags. Undefined when `text` is not a number or does not fit 32 bits.
 */
export function parseUserconfNumber(text: string): number | undefined {
  const m = /^(-?)(0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!m) return undefined;
  const digits = m[3] !== undefined ? BigInt(`0x${m[3]}`) : m[4] !== undefined ? (m[4] === '' ? 0n : BigInt(`0o${m[4]}`)) : BigInt(m[5]);
  const value = m[1] ? -digits : digits;
  if (value < -(1n << 31n) || value >= 1n << 32n) return undefined;
  return Number(BigInt.asIntN(32, value));
}

/** A locator value as userconf(4) prints it: `?` for the default (newer userconf does), else userconfNumber. */
export function locatorValue(l: CfLocator, base: NumberBase = 16): string {
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

/** The name userconf(4) prints for an entry: unit for NOTFOUND/DNOTFOUND, `*` for STAR/DSTAR, `*FOUND*`, `*UNKNOWN*`. */
export function userconfName(e: Pick<CfEntry, 'driver' | 'unit' | 'fstate'>): string {
  switch (e.fstate) {
    case 0:
    case 4:
      return `${e.driver}${e.unit}`;
    case 1:
      return `${e.driver}*FOUND*`;
    case 2:
    case 3:
      return `${e.driver}*`;
    default:
      return `${e.driver}*UNKNOWN*`;
  }
}

/**
 * One entry as userconf(4)'s `list` and `find` print it (userconf_pdev): `[%3d] name at parent`,
 * ` disable` for DNOTFOUND and DSTAR (` ???` for a state outside 0-4), then the locators; kpatch
 * adds ` flags 0x..` when they are set (OpenBSD's UKC prints them always) and ` with <attachment>`.
 */
export function userconfLine(e: CfEntry, base: NumberBase = 16): string {
  let s = `[${String(e.index).padStart(3)}] ${userconfName(e)} at ${parentName(e.parent)}`;
  if (e.fstate === 3 || e.fstate === 4) s += ' disable';
  else if (e.fstate < 0 || e.fstate > 4) s += ' ???';
  for (const l of e.locators) s += ` ${l.name} ${locatorValue(l, base)}`;
  if (e.flags !== 0) s += ` flags 0x${(e.flags >>> 0).toString(16)}`;
  if (e.attachment !== e.driver) s += ` with ${e.attachment}`;
  return s;
}
