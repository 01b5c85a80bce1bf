/**
 * The editor's command table and the small parsers its commands share. The command set is
 * userconf(4)'s (`boot -c`) and OpenBSD's UKC (`config -e`): list, lines, find, show, disable,
 * enable, base, help/?, quit, exit, plus kpatch's keep. A command word is matched as UKC
 * matches it: an exact name, else the first command in table order that the word begins (so `e`
 * is enable and `ex` exit, `l` list and `lin` lines), case ignored as userconf ignores it.
 */
import { KpatchError } from '../errors';

/** What a command does to the session. */
export type Outcome = 'continue' | 'quit' | 'exit';

/** One row of the command table. */
export interface CommandRow {
  readonly name: CommandName;
  readonly args: string;
  readonly help: string;
}

/** The commands, in UKC's table order (the order decides prefixes). */
export const COMMANDS = [
  { name: 'help', args: '', help: 'command help list' },
  { name: 'base', args: '8|10|16', help: 'base for large numbers' },
  { name: 'disable', args: 'attr val|devno|dev...', help: 'disable devices' },
  { name: 'enable', args: 'attr val|devno|dev...', help: 'enable devices' },
  { name: 'find', args: 'devno|dev...', help: 'find devices' },
  { name: 'keep', args: 'dev...', help: 'disable all but these and their ancestors' },
  { name: 'list', args: '', help: 'list configuration' },
  { name: 'lines', args: 'count', help: 'lines per page (0: no paging)' },
  { name: 'show', args: '[attr [val]|dev]', help: 'show locators, or a driver' },
  { name: 'exit', args: '', help: 'leave without saving changes' },
  { name: 'quit', args: '', help: 'save changes (verified) and leave' },
] as const;

/** A command's name. */
export type CommandName = (typeof COMMANDS)[number]['name'];

/** Finds the command `word` names, or undefined; `?` is help, as in UKC and userconf. */
export function matchCommand(word: string): CommandRow | undefined {
  const w = word.toLowerCase();
  if (w === '?') return COMMANDS[0];
  return COMMANDS.find((c) => c.name === w) ?? (w.length > 0 ? COMMANDS.find((c) => c.name.startsWith(w)) : undefined);
}

/** The help text, one command a line, as UKC prints it (`\t%-16s%-20s%s`, widened for kpatch's longer arguments). */
export function helpText(): string {
  return COMMANDS.map((c) => `\t${c.name.padEnd(10)}${c.args.padEnd(36)}${c.help}\n`).join('');
}

/** Splits a command line into words (blanks separate; no quoting, as in userconf). */
export function words(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

/**
 * Parses a number as userconf(4) and UKC read one: optional `-`, then `0x` hex, `0` octal or
 * decimal. The result is the 32-bit value a C `int` holds (0xfed40000 is -19660800), so it can be
 * written into cf_loc or cf_flags. Undefined when `text` is not a number or does not fit 32 bits.
 */
export function parseNumber(text: string): number | undefined {
  const m = /^(-?)(0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!m) return undefined;
  const digits = m[3] !== undefined ? BigInt(`0x${m[3]}`) : m[4] !== undefined ? (m[4] === '' ? 0n : BigInt(`0o${m[4]}`)) : BigInt(m[5]);
  const value = m[1] ? -digits : digits;
  if (value < -(1n << 31n) || value >= 1n << 32n) return undefined;
  return Number(BigInt.asIntN(32, value));
}

/** parseNumber or a USAGE error naming `what`. */
export function requireNumber(text: string, what: string): number {
  const n = parseNumber(text);
  if (n === undefined) throw new KpatchError('USAGE', `bad ${what} '${text}': give a number (decimal, 0x hex, 0 octal) that fits 32 bits`);
  return n;
}
