/**
 * What every command gets: the streams, and a place to leave its exit code.
 */
import type { Io } from './io';

/** Per-run state shared by the commands of one invocation. */
export interface Context {
  readonly io: Io;
  exitCode: number;
}

/** Wraps an action so its returned exit code reaches the context. */
export function action<A extends unknown[]>(ctx: Context, fn: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    ctx.exitCode = await fn(...args);
  };
}
