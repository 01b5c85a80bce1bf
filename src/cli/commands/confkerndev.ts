/**
 * `kpatch confkerndev [-v]... -i KERNEL [-w] [-l] [-k NAME]... [-d NAME]... [-K FILE] [-D FILE] [-c]`:
 * confkerndev's command line (smolBSD's Makefile runs `confkerndev -v -i K -w -k mainbus -k cpu ...`)
 * on kpatch's engine, so the same line gets a planned, checked, atomic and verified write.
 *
 * confkerndev's source was not available to check; its flags are known from smolBSD's Makefiles
 * and documentation (docs/migration.md says which fact comes from where). What kpatch does:
 * -k/-K keep only the named drivers, without their ancestors (smolBSD's lists name the parents they
 * need, and confkerndev matches names only); -d/-D disable; -w writes the input in place, and
 * without -w nothing is written (the plan is shown); -l lists driver names; no action lists the
 * entries with their state. Names a kernel does not have are skipped with a warning, so one list
 * serves several kernels. After a keep, kpatch says what `kpatch keep` (ancestors kept) would
 * leave enabled that this run disables.
 */
import { Command } from '@commander-js/extra-typings';
import { KpatchError } from '../../errors';
import type { AutoconfTable } from '../../netbsd/autoconf';
import { entryLine, entryName } from '../../netbsd/format';
import { inspectKernel, requireAutoconf } from '../../netbsd/kernel';
import { selectEntries } from '../../netbsd/select';
import type { Operation, Plan } from '../../patch/plan';
import type * as PlanModule from '../../patch/plan';
import { action, type Context, lazy } from '../context';
import { openKernelFile, readRegularFile } from '../../node/read-kernel';
import { oneLine, printWarnings, stylesFor } from '../render';
import type * as WriteModule from '../../node/write-kernel';
import { printPlan } from './patching';

const planner = lazy(() => require('../../patch/plan') as typeof PlanModule);
const write = lazy(() => require('../../node/write-kernel') as typeof WriteModule);

type Options = { input: string; write?: true; list?: true; keep: string[]; disable: string[]; keepFile?: string; disableFile?: string; verbose: number | true; color?: true };

const collect = (value: string, previous: string[]) => [...previous, value];
const count = (_value: string, previous: number) => previous + 1;

/** Reads a confkerndev name list (smolBSD's virtio.list): names separated by blanks or newlines; `#` starts a comment. */
export function parseNameList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .flatMap((l) => l.split(/\s+/))
    .filter(Boolean);
}

/** Registers `confkerndev`. */
export function registerConfkerndev(program: Command, ctx: Context): void {
  const cmd = new Command('confkerndev')
    .description("confkerndev's command line on kpatch's engine: keep or disable drivers, written atomically and verified")
    .requiredOption('-i, --input <kernel>', 'the kernel (plain or gzip); -w replaces it')
    .option('-w, --write', 'write the changes into the input kernel (without -w nothing is written)')
    .option('-l, --list', 'list the driver names of the kernel')
    .option('-k, --keep <name>', 'keep only these drivers (repeatable), not their ancestors', collect, [] as string[])
    .option('-d, --disable <name>', 'disable this driver (repeatable)', collect, [] as string[])
    .option('-K, --keep-file <file>', 'keep the drivers named in FILE (names separated by blanks or newlines)')
    .option('-D, --disable-file <file>', 'disable the drivers named in FILE')
    .option('-v, --verbose', 'print every changed entry (-vv: and the entries kept)', count, 0)
    .option('-c, --color', 'colour the output even when it is not a terminal')
    .addHelpText(
      'after',
      `
Names are driver names (kpatch selectors work too: com0, 'vio*'). A name the kernel lacks is skipped
with a warning. 'kpatch keep' keeps the ancestors of what it keeps; confkerndev, and so this command,
does not, and says which entries 'kpatch keep' would have left enabled.

Examples (smolBSD's Makefile, BIOSBOOT=y SMOLIFY=y):
  kpatch confkerndev -v -i netbsd-GENERIC.SMOL -w -k mainbus -k cpu -k acpicpu -k ioapic -k pci \\
      -k isa -k pcdisplay -k wsdisplay -k com -k virtio -k ld -k vioif -k qemufwcfg
  kpatch confkerndev -v -i netbsd-SMOL386 -K virtio.list -w
  kpatch confkerndev -i netbsd-GENERIC -l`,
    )
    .action(action(ctx, (opts) => run(ctx, opts)));
  program.addCommand(cmd.copyInheritedSettings(program));
}

function run(ctx: Context, opts: Options): number {
  // commander types a counted flag as number | true; the counter always gives a number.
  const verbose = typeof opts.verbose === 'number' ? opts.verbose : 1;
  const keep = [...opts.keep, ...(opts.keepFile ? parseNameList(readRegularFile(opts.keepFile).toString('utf8')) : [])];
  const disable = [...opts.disable, ...(opts.disableFile ? parseNameList(readRegularFile(opts.disableFile).toString('utf8')) : [])];
  if (opts.keepFile && keep.length === opts.keep.length) throw new KpatchError('USAGE', `-K ${opts.keepFile}: no driver names in the file`);
  // -c on the command line beats NO_COLOR in the environment (no-color.org allows a flag to override it).
  const c: Context = opts.color ? { ...ctx, io: { ...ctx.io, env: { ...ctx.io.env, FORCE_COLOR: '1', NO_COLOR: undefined } } } : ctx;
  const file = openKernelFile(opts.input);
  try {
    const kernel = inspectKernel(file.source);
    const table = requireAutoconf(kernel);
    if (opts.list) c.io.out([...new Set(table.entries.map((e) => e.driver))].map((d) => `${d}\n`).join(''));
    if (keep.length === 0 && disable.length === 0) {
      if (!opts.list) listEntries(c, table);
      return 0;
    }
    const ops: Operation[] = [];
    if (keep.length) ops.push({ verb: 'keep', selectors: present(c, table, keep, '-k'), ancestors: false });
    if (disable.length) ops.push({ verb: 'disable', selectors: present(c, table, disable, '-d'), ifPresent: true });
    const plan = planner().planOperations(table, ops);
    if (verbose > 0) printPlan(c, table, { ...plan, warnings: [] }, opts.write ? 'write' : 'dry-run', undefined);
    printWarnings(c.io, plan.warnings.map((w) => w.message));
    if (keep.length) compareWithKeep(c, table, plan, ops, verbose);
    if (plan.edits.length === 0) c.io.out('kernel not modified: nothing to change\n');
    else if (!opts.write) c.io.out(`${plan.edits.length} ${plan.edits.length === 1 ? 'entry' : 'entries'} would change; nothing written (give -w to write)\n`);
    else {
      const w = write().writePatched(file, write().outputPath(opts.input, undefined, true), file.gzip, plan.edits, { hash: false });
      const off = plan.changes.filter((ch) => ch.new === 3 || ch.new === 4).length;
      const on = plan.changes.length - off;
      const what = [off && `${off} disabled`, on && `${on} enabled`].filter(Boolean).join(', ');
      c.io.out(`wrote ${opts.input}${w.gzip ? ' (gzip)' : ''}: ${what}, ${w.bytesChanged} ${w.bytesChanged === 1 ? 'byte' : 'bytes'} changed, verified\n`);
    }
    return 0;
  } finally {
    file.close();
  }
}

/** The names the kernel has; the others are skipped with a warning (one list serves many kernels). */
function present(ctx: Context, table: AutoconfTable, names: string[], flag: string): string[] {
  const have: string[] = [];
  for (const name of names) {
    try {
      selectEntries(table.entries, [name]);
      have.push(name);
    } catch (e) {
      if (!(e instanceof KpatchError) || e.code !== 'NO_SUCH_DEVICE') throw e;
      printWarnings(ctx.io, [`${flag} ${name}: ${e.message}; skipped`]);
    }
  }
  if (have.length === 0 && flag === '-k') throw new KpatchError('NO_SUCH_DEVICE', 'no -k name is a driver of this kernel: refusing to disable every entry');
  return have;
}

/** What `kpatch keep` would have done differently: the ancestors it keeps and confkerndev disables. */
function compareWithKeep(ctx: Context, table: AutoconfTable, plan: Plan, ops: Operation[], verbose: number): void {
  const withAncestors = planner().planOperations(table, ops.map((op) => (op.verb === 'keep' ? { ...op, ancestors: true } : op)));
  const spared = new Set(withAncestors.keptAncestors.map((a) => a.index));
  const lost = plan.changes.filter((ch) => spared.has(ch.index) && ch.new !== ch.old && (ch.new === 3 || ch.new === 4));
  const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
  if (verbose > 1) {
    const kept = table.entries.filter((e) => !plan.changes.some((ch) => ch.index === e.index) && (e.fstate === 0 || e.fstate === 2));
    ctx.io.out(`${s.dim('kept:')} ${kept.map(entryName).join(' ')}\n`);
  }
  if (lost.length === 0) return;
  const names = lost.map((ch) => `#${ch.index} ${oneLine(ch.name)}`).join(', ');
  ctx.io.out(`${s.warn('note:')} kpatch keep would also keep ${lost.length} ${lost.length === 1 ? 'ancestor' : 'ancestors'} of the kept drivers, which this run disables: ${names}\n`);
}

function listEntries(ctx: Context, table: AutoconfTable): void {
  const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
  const width = String(table.entries.length - 1).length;
  for (const e of table.entries) {
    const state = e.state === 'disabled' ? ` ${s.warn('disable')}` : e.state === 'enabled' ? '' : ` ${s.error(`state ${e.fstate} (${e.state})`)}`;
    ctx.io.out(`${s.dim(`[${String(e.index).padStart(width)}]`)} ${entryLine(e)}${state}\n`);
  }
}
