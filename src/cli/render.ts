/**
 * Colour and JSON for the CLI. Colour is semantic (ok, warn, error, dim, bold), only on a TTY.
 * A non-empty NO_COLOR turns it off and wins over FORCE_COLOR (no-color.org: the user's choice
 * beats a tool's default; chalk itself ignores NO_COLOR); FORCE_COLOR forces it otherwise.
 * chalk is imported here and nowhere else.
 */
import type { ChalkInstance } from 'chalk';
import type { Io } from './io';

/**
 * chalk is loaded only when a stream gets colour: importing it costs about 20-30 ms of start-up
 * (an ES module loaded through require), a fifth of `node -e 0`, and pipelines never use it.
 */
function loadChalk(): typeof import('chalk') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('chalk') as typeof import('chalk');
}

const PLAIN = (s: string): string => s;

/** Semantic styles. */
export interface Styles {
  ok(s: string): string;
  warn(s: string): string;
  error(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** Decides the colour level from the environment and whether the stream is a terminal. */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): ChalkInstance['level'] {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if ('FORCE_COLOR' in env) {
    const f = env.FORCE_COLOR;
    return f === '0' || f === 'false' ? 0 : f === '2' ? 2 : f === '3' ? 3 : 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return loadChalk().default.level || 1;
}

/** Makes the styles for one output stream. */
export function stylesFor(env: NodeJS.ProcessEnv, isTTY: boolean): Styles {
  const level = colorLevel(env, isTTY);
  if (level === 0) return { ok: PLAIN, warn: PLAIN, error: PLAIN, dim: PLAIN, bold: PLAIN };
  const c = new (loadChalk().Chalk)({ level });
  return { ok: c.green, warn: c.yellow, error: c.red, dim: c.dim, bold: c.bold };
}

/** JSON.stringify with no replacer, for values already made of plain JSON types (a replacer call per value costs ~10 ms on GENERIC's list). */
export function plainJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Formats `value` as JSON with bigints as "0x…" strings and Uint8Arrays as hex. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === 'bigint') return `0x${v.toString(16)}`;
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      return v;
    },
    2,
  )}\n`;
}

/** Makes `text` safe for one line of a terminal: control characters become `\xNN`. */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Prints warnings, one line each, on stderr. */
export function printWarnings(io: Io, warnings: readonly string[]): void {
  const s = stylesFor(io.env, io.stderrIsTTY);
  for (const w of warnings) io.err(`${s.warn('warning:')} ${oneLine(w)}\n`);
}

export { hex } from '../bytes/view';
