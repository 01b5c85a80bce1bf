/**
 * What every command gets: the streams, and a place to leave its exit code.
 */
import type { Io } from './io';

/** Per-run state shared by the commands of one invocation. */
export interface Context {
  readonly io: Io;
  exitCode: number;
}

/**
 * Defers loading a module until first use. Every command file is imported to register its
 * command, so a module only one action needs (write, plan, tree, gzip) is loaded through this,
 * and `kpatch list` does not pay for `kpatch disable`'s code at start-up.
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

/** Wraps an action so its returned exit code reaches the context. */
export function action<A extends unknown[]>(ctx: Context, fn: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    ctx.exitCode = await fn(...args);
  };
}
