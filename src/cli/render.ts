/**
 * Colour and JSON for the CLI. Colour is semantic (ok, warn, error, dim, bold), only on a TTY, and
 * NO_COLOR is honoured (chalk itself ignores it); FORCE_COLOR wins over both, as in Node.
 * chalk is imported here and nowhere else.
 */
import chalk, { Chalk, type ChalkInstance } from 'chalk';
import type { Io } from './io';

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
  if ('FORCE_COLOR' in env) {
    const f = env.FORCE_COLOR;
    return f === '0' || f === 'false' ? 0 : f === '2' ? 2 : f === '3' ? 3 : 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return chalk.level || 1;
}

/** Makes the styles for one output stream. */
export function stylesFor(env: NodeJS.ProcessEnv, isTTY: boolean): Styles {
  const c = new Chalk({ level: colorLevel(env, isTTY) });
  return { ok: c.green, warn: c.yellow, error: c.red, dim: c.dim, bold: c.bold };
}

/** JSON.stringify with bigints as "0x…" strings and Uint8Arrays as hex. */
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

/** Prints warnings, one line each, on stderr. */
export function printWarnings(io: Io, warnings: readonly string[]): void {
  const s = stylesFor(io.env, io.stderrIsTTY);
  for (const w of warnings) io.err(`${s.warn('warning:')} ${w}\n`);
}

/** `0x1f` for addresses and offsets. */
export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
