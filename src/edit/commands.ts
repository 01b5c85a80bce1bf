/**
 * The editor's command table and the small parsers its commands share. The command set is
 * userconf(4)'s (`boot -c`) and OpenBSD's UKC (`config -e`): list, lines, find, show, disable,
 * enable, change, base, help/?, quit, exit, plus kpatch's keep. A command word is matched as UKC
 * matches it: an exact name, else the first command in table order that the word begins (so `e`
 * is enable and `ex` exit, `l` list and `lin` lines), case ignored as userconf ignores it.
 */
import { KpatchError } from '../errors';
import { parseUserconfNumber as parseNumber } from '../netbsd/format';

export { parseNumber };

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
  { name: 'change', args: 'devno|dev [loc=val...] [flags=N]', help: 'change locators and flags' },
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

/** parseNumber or a USAGE error naming `what`. */
export function requireNumber(text: string, what: string): number {
  const n = parseNumber(text);
  if (n === undefined) throw new KpatchError('USAGE', `bad ${what} '${text}': give a number (decimal, 0x hex, 0 octal) that fits 32 bits`);
  return n;
}
