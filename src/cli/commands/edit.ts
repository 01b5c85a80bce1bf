/**
 * `kpatch edit -k <kernel> [-o FILE | --in-place] [-c FILE]`: the interactive editor, userconf(4)
 * and OpenBSD `config -e` style. The session (src/edit/session.ts) runs the commands through the
 * batch verbs' planner; this file only connects it to a terminal, a pipe or a command file, and
 * writes on `quit` the way every editing command writes: atomically, verified.
 */
import { Command } from '@commander-js/extra-typings';
import { KpatchError } from '../../errors';
import { type EditorIo, EditSession } from '../../edit/session';
import { inspectKernel, requireAutoconf } from '../../netbsd/kernel';
import { action, type Context, lazy } from '../context';
import { type KernelFile, openKernelFile, readRegularFile } from '../../node/read-kernel';
import { INTERRUPTED, type LineSource, scriptLines, stdinLines } from '../prompt';
import { oneLine, stylesFor } from '../render';
import { printPlan } from './patching';
import type * as WriteModule from '../../node/write-kernel';

const write = lazy(() => require('../../node/write-kernel') as typeof WriteModule);

type EditorOptions = { kernel: string; output?: string; inPlace?: true; commands?: string };

const EXAMPLES = `
Commands (shortened as in UKC: d is disable, l list, q quit; 'help' lists them):
  list, find dev, show [attr [val]|dev], disable dev|devno|attr val, enable ..., keep dev...,
  change dev [loc=val... flags=N] (without values it asks for each locator and the flags),
  lines N, base 8|10|16, quit (write the changes, verified), exit (leave, write nothing)

Devices are named as userconf(4) names them: dev, devN, dev*, or the devno (entry index).
End of input and Ctrl-C never write anything; a script (a pipe or -c FILE) stops at its first error.

Examples:
  kpatch edit -k netbsd-GENERIC -o netbsd-GENERIC.small
  printf 'disable vioif\\nchange com0 irq=3\\nquit\\n' | kpatch edit -k netbsd-SMOL -o netbsd-SMOL.small
  kpatch edit -k netbsd-SMOL --in-place -c smol.ukc`;

/** Registers `edit`. */
export function registerEditor(program: Command, ctx: Context): void {
  const cmd = new Command('edit')
    .description('edit the autoconf table interactively, as userconf(4) (boot -c) and OpenBSD config -e do')
    .requiredOption('-k, --kernel <file>', 'kernel to edit (plain or gzip)')
    .option('-o, --output <file>', 'quit writes the edited kernel here (gzip when it ends in .gz)')
    .option('--in-place', 'quit replaces the input kernel atomically')
    .option('-c, --commands <file>', 'read commands and answers from FILE instead of standard input')
    .addHelpText('after', EXAMPLES)
    .action(action(ctx, (opts) => runEditor(ctx, opts)));
  program.addCommand(cmd.copyInheritedSettings(program));
}

async function runEditor(ctx: Context, opts: EditorOptions): Promise<number> {
  const output = opts.output !== undefined || opts.inPlace ? write().outputPath(opts.kernel, opts.output, Boolean(opts.inPlace)) : undefined;
  const script = opts.commands === undefined ? undefined : readRegularFile(opts.commands).toString('utf8');
  if (script === undefined && !ctx.io.stdin) throw new KpatchError('USAGE', 'no standard input to read commands from: give -c FILE');
  const file = openKernelFile(opts.kernel);
  let lines: LineSource | undefined;
  try {
    const kernel = inspectKernel(file.source);
    const table = requireAutoconf(kernel);
    lines = script === undefined ? stdinLines(ctx.io) : scriptLines(script, ctx.io);
    const paging = lines.interactive && ctx.io.stdoutIsTTY ? Math.max((ctx.io.rows ?? 24) - 1, 1) : 0;
    const session = new EditSession(kernel, table, { lines: paging });
    banner(ctx, kernel.strings.version, output);
    return await loop(ctx, session, lines, { file, output, inPlace: Boolean(opts.inPlace), where: opts.commands ?? 'standard input' });
  } finally {
    lines?.close();
    file.close();
  }
}

function banner(ctx: Context, version: string | null, output: string | undefined): void {
  if (version) ctx.io.out(`${oneLine(version.split('\n')[0])}\n`);
  if (!output) ctx.io.err(`${stylesFor(ctx.io.env, ctx.io.stderrIsTTY).warn('warning:')} no output file: changes cannot be saved (start with -o FILE or --in-place)\n`);
  ctx.io.out("Enter 'help' for information\n");
}

interface Target {
  readonly file: KernelFile;
  readonly output: string | undefined;
  readonly inPlace: boolean;
  readonly where: string;
}

/** Reads and runs commands until quit, exit, the end of input or Ctrl-C; returns the exit status. */
async function loop(ctx: Context, session: EditSession, lines: LineSource, target: Target): Promise<number> {
  const s = stylesFor(ctx.io.env, ctx.io.stderrIsTTY);
  const io: EditorIo = {
    print: (t) => ctx.io.out(t),
    warn: (t) => ctx.io.err(`${s.warn('warning:')} ${oneLine(t)}\n`),
    interactive: lines.interactive,
    ask: async (prompt) => {
      const answer = await lines.ask(prompt);
      if (answer === INTERRUPTED) throw new Interrupted();
      return answer;
    },
  };
  for (;;) {
    try {
      const line = await io.ask('ukc> ');
      if (line === null) return endOfInput(ctx, session);
      const outcome = await session.execute(line, io);
      if (outcome === 'exit') return leave(ctx, session);
      if (outcome === 'quit') {
        if (!target.output && session.pendingEntries().length) throw new KpatchError('USAGE', 'cannot save: no output file (start with -o FILE or --in-place); exit leaves without saving');
        return save(ctx, session, target);
      }
    } catch (e) {
      if (e instanceof Interrupted) {
        ctx.io.err('interrupted: nothing written\n');
        return 130;
      }
      if (!(e instanceof KpatchError)) throw e;
      // A person gets the message and the prompt again; a script stops, as `kpatch apply` stops at a bad line.
      if (!lines.interactive) throw new KpatchError(e.code, `${target.where}:${lines.line}: ${e.message}`, e.hint ?? 'nothing was written');
      ctx.io.err(`${s.error('error:')} ${oneLine(e.message)}\n`);
    }
  }
}

class Interrupted extends Error {}

function pendingCount(session: EditSession): number {
  return session.pendingEntries().length;
}

function endOfInput(ctx: Context, session: EditSession): number {
  const n = pendingCount(session);
  if (n === 0) return 0;
  ctx.io.err(`end of input before quit: ${n} changed ${n === 1 ? 'entry' : 'entries'} not written\n`);
  return 1;
}

function leave(ctx: Context, session: EditSession): number {
  const n = pendingCount(session);
  ctx.io.out(n ? `exit: ${n} changed ${n === 1 ? 'entry' : 'entries'} discarded; nothing written\n` : 'exit: nothing written\n');
  return 0;
}

/** The change list, then the write: the same plan format and the same atomic, verified write as every editing command. */
function save(ctx: Context, session: EditSession, target: Target): number {
  const plan = session.pendingPlan();
  if (plan.edits.length === 0) {
    ctx.io.out('kernel not modified: nothing to change\n');
    return 0;
  }
  // The list first, so it is on the screen whatever the write says; the session printed each command's warnings already.
  printPlan(ctx, session.original, { ...plan, warnings: [] }, 'write', undefined);
  const output = target.output!;
  const gzip = target.inPlace ? target.file.gzip : output.endsWith('.gz');
  const w = write().writePatched(target.file, output, gzip, plan.edits, { hash: false });
  ctx.io.out(`wrote ${w.output}${w.gzip ? ' (gzip)' : ''}: ${w.bytesChanged} ${w.bytesChanged === 1 ? 'byte' : 'bytes'} changed, verified\n`);
  return 0;
}
