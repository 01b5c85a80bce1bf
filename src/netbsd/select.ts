/**
 * Selectors shared by every command that picks entries: `dev` (every entry of driver dev), `devN`
 * (unit N, userconf's NOTFOUND/DNOTFOUND entries), `dev*` (dev's STAR/DSTAR entries), `#N` (entry
 * index N, userconf's devno) and a glob on driver names when the word is not a driver name (`vio*`).
 */
import { KpatchError } from '../errors';
import type { CfEntry } from './autoconf';

/** A parsed selector. */
export type Selector =
  | { readonly kind: 'index'; readonly text: string; readonly index: number }
  | { readonly kind: 'driver'; readonly text: string; readonly driver: string }
  | { readonly kind: 'unit'; readonly text: string; readonly driver: string; readonly unit: number }
  | { readonly kind: 'star'; readonly text: string; readonly driver: string }
  | { readonly kind: 'glob'; readonly text: string; readonly pattern: RegExp };

const GLOB_CHARS = /[*?[]/;

/** Turns a shell-style glob (`*`, `?`, `[...]`) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new KpatchError('USAGE', `bad selector '${glob}': unclosed '['`);
      const body = glob.slice(i + 1, end);
      checkBracket(glob, body);
      re += `[${body.replace(/\\/g, '\\\\').replace(/^!/, '^')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch (e) {
    // checkBracket catches what a user can get wrong; this is the backstop, still one line of usage
    throw new KpatchError('USAGE', `bad selector '${glob}': ${(e as Error).message.replace(/^.*: /, '').toLowerCase()}`);
  }
}

/**
 * Refuses a bracket body RegExp would reject: a range whose ends are out of order (`[z-a]`), which
 * sh(1) simply never matches but RegExp throws on.
 */
function checkBracket(glob: string, body: string): void {
  let k = body.startsWith('!') || body.startsWith('^') ? 1 : 0;
  while (k < body.length) {
    if (body[k + 1] === '-' && k + 2 < body.length) {
      const from = body.codePointAt(k)!;
      const to = body.codePointAt(k + 2)!;
      if (from > to) throw new KpatchError('USAGE', `bad selector '${glob}': range '${body.slice(k, k + 3)}' is out of order`);
      k += 3;
    } else k++;
  }
}

/** Parses one selector word against the driver names present in a kernel; like userconf(4), case does not matter. */
export function parseSelector(word: string, drivers: ReadonlySet<string>): Selector {
  if (word.length === 0) throw new KpatchError('USAGE', 'empty selector');
  // NetBSD driver names are lower case; userconf compares with strncasecmp.
  if (word !== word.toLowerCase() && !drivers.has(word)) {
    try {
      return { ...parseSelector(word.toLowerCase(), drivers), text: word };
    } catch (e) {
      if (e instanceof KpatchError && e.code === 'USAGE') throw new KpatchError('USAGE', e.message.replace(`'${word.toLowerCase()}'`, `'${word}'`));
      throw noSuchDriver(word, drivers);
    }
  }
  const idx = /^#(\d+)$/.exec(word);
  // An index past 2^53 would round to another number ('#99999999999999999999' is 1e20): it names no entry.
  if (idx) return { kind: 'index', text: word, index: Number.isSafeInteger(Number(idx[1])) ? Number(idx[1]) : Number.POSITIVE_INFINITY };
  if (word.startsWith('#')) throw new KpatchError('USAGE', `bad selector '${word}': '#' takes an entry index, like #12`);
  if (drivers.has(word)) return { kind: 'driver', text: word, driver: word };
  if (word.endsWith('*') && drivers.has(word.slice(0, -1))) return { kind: 'star', text: word, driver: word.slice(0, -1) };
  const unit = /^(.*?)(\d+)$/.exec(word);
  if (unit && drivers.has(unit[1])) return { kind: 'unit', text: word, driver: unit[1], unit: Number(unit[2]) };
  if (GLOB_CHARS.test(word)) return { kind: 'glob', text: word, pattern: globToRegExp(word) };
  throw noSuchDriver(word, drivers);
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Returns up to `n` driver names closest to `word`. */
export function closestDrivers(word: string, drivers: Iterable<string>, n = 3): string[] {
  const base = word.replace(/[*?[\]]|\d+$/g, '');
  return [...drivers]
    .map((d) => ({ d, score: d.startsWith(base) && base.length >= 2 ? 0 : distance(base, d) }))
    .filter((x) => x.score <= Math.max(2, Math.floor(base.length / 3)))
    .sort((a, b) => a.score - b.score || a.d.localeCompare(b.d))
    .slice(0, n)
    .map((x) => x.d);
}

function noSuchDriver(word: string, drivers: ReadonlySet<string>): KpatchError {
  const near = closestDrivers(word, drivers);
  return new KpatchError('NO_SUCH_DEVICE', `no driver '${word}' in this kernel${near.length ? ` (closest: ${near.join(', ')})` : ''}`, "'kpatch list <kernel>' shows every entry");
}

/** Tells whether `e` is selected by `s`. */
export function matches(s: Selector, e: CfEntry): boolean {
  switch (s.kind) {
    case 'index':
      return e.index === s.index;
    case 'driver':
      return e.driver === s.driver;
    case 'star':
      return e.driver === s.driver && e.star;
    case 'unit':
      return e.driver === s.driver && !e.star && e.unit === s.unit;
    case 'glob':
      return s.pattern.test(e.driver);
  }
}

/**
 * Resolves selector words to entries (in table order, each once). A word that matches nothing is
 * an error, unless `ifPresent` (patch sets meant for many kernels skip drivers a kernel lacks).
 */
export function selectEntries(entries: readonly CfEntry[], words: readonly string[], ifPresent = false): CfEntry[] {
  const drivers = new Set(entries.map((e) => e.driver));
  const picked = new Set<number>();
  for (const word of words) {
    let s: Selector;
    try {
      s = parseSelector(word, drivers);
    } catch (e) {
      if (ifPresent && e instanceof KpatchError && e.code === 'NO_SUCH_DEVICE') continue;
      throw e;
    }
    const hit = entries.filter((e) => matches(s, e));
    if (hit.length === 0 && !ifPresent) throw nothingMatched(s, entries, drivers);
    for (const e of hit) picked.add(e.index);
  }
  return entries.filter((e) => picked.has(e.index));
}

function nothingMatched(s: Selector, entries: readonly CfEntry[], drivers: ReadonlySet<string>): KpatchError {
  switch (s.kind) {
    case 'index':
      return new KpatchError('NO_SUCH_DEVICE', `no entry ${s.text}: the table has entries #0 to #${entries.length - 1}`);
    case 'unit':
    case 'star': {
      const of = entries.filter((e) => e.driver === s.driver).map((e) => `${e.driver}${e.star ? '*' : e.unit}`);
      return new KpatchError('NO_SUCH_DEVICE', `no entry ${s.text}: ${s.driver} has ${[...new Set(of)].join(', ')}`);
    }
    case 'glob':
    case 'driver':
      return noSuchDriver(s.text, drivers);
  }
}
