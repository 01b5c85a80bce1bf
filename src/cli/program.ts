/**
 * kpatch's command line: one commander program, one error handler, one place that sets the exit
 * status. Commands live in ./commands, one per file; each returns its exit code. The `kpatch`
 * binary (main.ts) runs this file bundled into dist/cli/kpatch.js.
 * Exit status: 0 done, 1 a negative answer (nothing found, check failed), 2 bad usage or bad input.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { KpatchError } from '../errors';
import { closestDrivers } from '../netbsd/select';
import type { Context } from './context';
import { type Io, processIo } from './io';
import { versionLine } from './package';
import { oneLine, stylesFor } from './render';

type Register = (program: Command, ctx: Context) => void;

/**
 * Every command and the module that registers it. Modules are loaded only for the command being
 * run (start-up time is most of a `kpatch list`): `kpatch list` never loads the config toolkit.
 * Help and unknown commands load them all, so the listing and commander's suggestions are complete.
 */
const COMMANDS: readonly (readonly [names: readonly string[], load: () => Register])[] = [
  [['info'], () => (require('./commands/info') as typeof import('./commands/info')).registerInfo],
  [['list'], () => (require('./commands/list') as typeof import('./commands/list')).registerList],
  [['pvh'], () => (require('./commands/pvh') as typeof import('./commands/pvh')).registerPvh],
  [['tree'], () => (require('./commands/tree') as typeof import('./commands/tree')).registerTree],
  [['disable', 'enable', 'keep'], () => (require('./commands/states') as typeof import('./commands/states')).registerStates],
  [['change'], () => (require('./commands/change') as typeof import('./commands/change')).registerChange],
  [['edit'], () => (require('./commands/edit') as typeof import('./commands/edit')).registerEditor],
  [['confkerndev'], () => (require('./commands/confkerndev') as typeof import('./commands/confkerndev')).registerConfkerndev],
  [['apply'], () => (require('./commands/apply') as typeof import('./commands/apply')).registerApply],
  [['check'], () => (require('./commands/check') as typeof import('./commands/check')).registerCheck],
  [['config'], () => (require('./commands/config') as typeof import('./commands/config')).registerConfig],
];

/** Builds the program with the commands `argv` needs (all of them when it names none). */
export function buildProgram(ctx: Context, argv: readonly string[] = []): Command {
  const program = new Command()
    .name('kpatch')
    .description('Inspect and patch NetBSD kernels for microVMs: autoconf tables (cfdata), the PVH note, SMOL configs.')
    .version(versionLine(), '-V, --version', 'print the package name and version')
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
  kpatch disable vioif -k netbsd -o netbsd.new    a copy with vioif disabled, verified
  kpatch pvh netbsd-SMOL                 the PVH entry point; exit 1 when there is none
  kpatch help disable                    a command's options and examples (as kpatch disable --help)`,
    );
  const first = argv.find((a) => !a.startsWith('-'));
  const wanted = COMMANDS.filter(([names]) => first !== undefined && names.includes(first));
  for (const [, load] of wanted.length ? wanted : COMMANDS) load()(program, ctx);
  return program;
}

/** Maps an error to its one-line report and exit status. */
export function report(e: unknown, io: Io): number {
  const s = stylesFor(io.env, io.stderrIsTTY);
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    // `kpatch help`: help asked for (0); `kpatch` or `kpatch config` with no command: commander has printed the usage on stderr, bad usage.
    if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
    io.err(`kpatch: ${oneLine(e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '))}\n`);
    return 2;
  }
  if (e instanceof KpatchError) {
    // One line, always: pipelines grep stderr, and a hint on a second line gets lost.
    io.err(`${s.error('kpatch:')} ${oneLine(e.message)}${e.hint ? s.dim(`; ${oneLine(e.hint)}`) : ''}\n`);
    // A negative answer (no PVH note, no embedded config) is exit 1, like a failed check; bad input is 2.
    return e.code === 'NOT_FOUND' ? 1 : 2;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.err(`${s.error('kpatch: internal error:')} ${oneLine(message.split('\n')[0])}\n`);
  return 2;
}

/** Runs kpatch with `argv` (without node and the script) and returns the exit status. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const ctx: Context = { io, exitCode: 0 };
  // `kpatch help config generate` is `kpatch config generate --help` (commander's own help command stops at `config`).
  const helpFor = argv[0] === 'help' && COMMANDS.some(([names]) => names.includes(argv[1]));
  const args = helpFor ? [...argv.slice(1), '--help'] : [...argv];
  let program: Command | undefined;
  try {
    program = buildProgram(ctx, args);
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    return report((program && typoBeforeMissing(e, program, args)) ?? e, io);
  }
}

/**
 * commander reports a missing required option before an unknown one, so `--kernal x` said only
 * "required option '-k, --kernel <file>' not specified". The typo is the real error: report it,
 * with the closest option of the command.
 */
function typoBeforeMissing(e: unknown, program: Command, args: readonly string[]): CommanderError | undefined {
  if (!(e instanceof CommanderError) || e.code !== 'commander.missingMandatoryOptionValue') return undefined;
  let cmd: Command = program;
  for (const a of args) {
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (sub) cmd = sub as unknown as Command;
    else if (!a.startsWith('-')) break;
  }
  const longs = cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined);
  const unknown = args.map((a) => a.split('=')[0]).find((a) => a.startsWith('--') && a !== '--' && a !== '--help' && !longs.includes(a));
  if (unknown === undefined) return undefined;
  const near = closestDrivers(unknown.slice(2), longs.map((l) => l.slice(2)), 1);
  return new CommanderError(2, 'commander.unknownOption', `error: unknown option '${unknown}'${near.length ? `\n(Did you mean --${near[0]}?)` : ''}`);
}

/** Runs kpatch as the process: argv from the command line, the real streams, the exit status set. */
export function main(): void {
  // `kpatch list k | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  void run(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}

// `node dist/cli/kpatch.js` (the bundle) and `node dist/cli/program.js` run it too; main.js loads it with the code cache.
if (require.main === module) main();
