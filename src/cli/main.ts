#!/usr/bin/env node
/**
 * kpatch's command line: one commander program, one error handler, one place that sets the exit
 * status. Commands live in ./commands, one per file; each returns its exit code.
 * Exit status: 0 done, 1 a negative answer (nothing found, check failed), 2 bad usage or bad input.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { KpatchError } from '../errors';
import { registerApply } from './commands/apply';
import { registerCheck } from './commands/check';
import { registerConfig } from './commands/config';
import { registerEdit } from './commands/edit';
import { registerInfo } from './commands/info';
import { registerList } from './commands/list';
import { registerPvh } from './commands/pvh';
import { registerTree } from './commands/tree';
import type { Context } from './context';
import { type Io, processIo } from './io';
import { oneLine, stylesFor } from './render';

const VERSION = '0.1.0';

/** Builds the program; commands register themselves on it. */
export function buildProgram(ctx: Context): Command {
  const program = new Command()
    .name('kpatch')
    .description('Inspect and patch NetBSD kernels for microVMs: autoconf tables (cfdata), the PVH note, SMOL configs.')
    .version(VERSION, '-V, --version')
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s), outputError: () => {} })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit status: 0 done, 1 a negative answer (no PVH note, check failed), 2 bad usage or bad input.

Examples:
  kpatch info netbsd-GENERIC.gz          what the kernel is, its PVH entry and autoconf table
  kpatch list netbsd 'vio*' --json       entries of every driver starting with vio, as JSON
  kpatch pvh netbsd-SMOL                 the PVH entry point; exit 1 when there is none`,
    );
  registerInfo(program, ctx);
  registerList(program, ctx);
  registerPvh(program, ctx);
  registerTree(program, ctx);
  registerEdit(program, ctx);
  registerApply(program, ctx);
  registerCheck(program, ctx);
  registerConfig(program, ctx);
  return program;
}

/** Maps an error to its one-line report and exit status. */
export function report(e: unknown, io: Io): number {
  const s = stylesFor(io.env, io.stderrIsTTY);
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    io.err(`kpatch: ${oneLine(e.message.replace(/^error: /, ''))}\n`);
    return 2;
  }
  if (e instanceof KpatchError) {
    // One line, always: pipelines grep stderr, and a hint on a second line gets lost.
    io.err(`${s.error('kpatch:')} ${oneLine(e.message)}${e.hint ? s.dim(`; ${oneLine(e.hint)}`) : ''}\n`);
    return 2;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.err(`${s.error('kpatch: internal error:')} ${oneLine(message.split('\n')[0])}\n`);
  return 2;
}

/** Runs kpatch with `argv` (without node and the script) and returns the exit status. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const ctx: Context = { io, exitCode: 0 };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    return report(e, io);
  }
}

if (require.main === module) {
  // `kpatch list k | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  void run(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
