/**
 * The shared path of every command that edits a kernel (disable, enable, keep, apply): open,
 * plan, then print the plan (--dry-run), answer whether it would change (--check), or write it
 * atomically and verified (-o / --in-place).
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import { KpatchError } from '../../errors';
import type { AutoconfTable } from '../../netbsd/autoconf';
import { entryLine, entryName, parentName } from '../../netbsd/format';
import { type Kernel, requireAutoconf } from '../../netbsd/kernel';
import type { Plan } from '../../patch/plan';
import { type FieldChange, fieldValue } from '../../patch/change';
import type * as HashModule from '../../node/hash';
import type * as PlanModule from '../../patch/plan';
import { toHex } from '../../bytes/view';
import { type Context, lazy } from '../context';
import { openKernelFile } from '../../node/read-kernel';
import { hex, oneLine, stylesFor, toJson } from '../render';
import type { WriteResult } from '../../node/write-kernel';
import type * as WriteModule from '../../node/write-kernel';
import { inspectKernel } from '../../netbsd/kernel';
import type { Operation } from '../../patch/plan';

const write = lazy(() => require('../../node/write-kernel') as typeof WriteModule);
const planner = lazy(() => require('../../patch/plan') as typeof PlanModule);
const hasher = lazy(() => require('../../node/hash') as typeof HashModule);

/** Options every editing command takes. */
export type EditOptions = {
  kernel: string;
  output?: string;
  inPlace?: true;
  dryRun?: true;
  check?: true;
  json?: true;
};

/** Adds the shared options to an editing command. */
export function withEditOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>): Command<Args, Opts & EditOptions> {
  return cmd
    .requiredOption('-k, --kernel <file>', 'kernel to patch (plain or gzip)')
    .option('-o, --output <file>', 'write the patched kernel here (gzip when it ends in .gz); the input is not touched')
    .option('--in-place', 'replace the input kernel atomically (keeps its format, mode, owner, group and holes)')
    .option('-n, --dry-run', 'print the planned byte edits; write nothing')
    .option('--check', 'write nothing; exit 1 when the kernel would change, 0 when it is already as asked')
    .option('--json', 'print JSON only') as unknown as Command<Args, Opts & EditOptions>;
}

/** Runs a planned edit; `ops` builds the operations once the kernel is read. */
export function runEdit(ctx: Context, opts: EditOptions, ops: (k: Kernel, table: AutoconfTable) => readonly Operation[]): number {
  const modes = [opts.dryRun && '--dry-run', opts.check && '--check'].filter(Boolean);
  if (modes.length > 1) throw new KpatchError('USAGE', 'give either --dry-run or --check, not both');
  const writing = !opts.dryRun && !opts.check;
  const output = writing ? write().outputPath(opts.kernel, opts.output, Boolean(opts.inPlace)) : undefined;
  const file = openKernelFile(opts.kernel);
  try {
    const kernel = inspectKernel(file.source);
    const table = requireAutoconf(kernel);
    const plan = planner().planOperations(table, ops(kernel, table));
    let written: WriteResult | undefined;
    if (writing && plan.edits.length > 0) {
      const gzip = opts.inPlace ? file.gzip : output!.endsWith('.gz');
      written = write().writePatched(file, output!, gzip, plan.edits, { hash: Boolean(opts.json) });
    }
    let hashes: { before: string; after: string } | undefined;
    if (opts.json && !written) {
      hashes = hasher().hashBeforeAfter(file.source, plan.edits);
    }
    const mode = opts.dryRun ? 'dry-run' : opts.check ? 'check' : 'write';
    if (opts.json) ctx.io.out(toJson(planJson(opts.kernel, mode, plan, written, hashes)));
    else printPlan(ctx, table, plan, mode, written);
    return opts.check && plan.edits.length > 0 ? 1 : 0;
  } finally {
    file.close();
  }
}

function planJson(kernel: string, mode: string, plan: Plan, written: WriteResult | undefined, hashes: { before: string; after: string } | undefined) {
  return {
    kernel,
    mode,
    changed: plan.changes,
    fieldChanges: plan.fieldChanges,
    edits: plan.edits.map((e) => ({ offset: e.offset, before: toHex(e.before), after: toHex(e.after), why: e.why })),
    already: plan.already,
    keptAncestors: plan.keptAncestors,
    warnings: [...plan.warnings.map((w) => w.message), ...(written?.warnings ?? [])],
    modified: plan.edits.length > 0,
    output: written?.output ?? null,
    gzip: written?.gzip ?? null,
    sha256Before: written?.sha256Before ?? hashes?.before ?? null,
    sha256After: written?.sha256After ?? hashes?.after ?? null,
  };
}

/** Prints a plan as the editing commands do: one line per change, "already" lines, warnings, the outcome. */
export function printPlan(ctx: Context, table: AutoconfTable, plan: Plan, mode: string, written: WriteResult | undefined): void {
  const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
  const w = String(table.entries.length - 1).length;
  const tag = (i: number) => s.dim(`[${String(i).padStart(w)}]`);
  // One write for the body: a keep on GENERIC changes ~1,400 entries, and a write per line costs more than the plan.
  const edits = new Map(plan.edits.map((e) => [e.offset, e]));
  const body: string[] = [];
  for (const c of plan.changes) {
    const e = table.entries[c.index];
    const verb = c.new === 3 || c.new === 4 ? s.warn('disable') : s.ok('enable ');
    const edit = edits.get(c.offset)!;
    body.push(`${verb} ${tag(c.index)} ${entryLine(e)}  ${s.dim(`${hex(c.offset)}: ${toHex(edit.before)} -> ${toHex(edit.after)}`)}\n`);
  }
  // change: one line per entry, its fields old -> new by name, and the ints as written.
  const byEntry = new Map<number, FieldChange[]>();
  for (const f of plan.fieldChanges) byEntry.set(f.index, [...(byEntry.get(f.index) ?? []), f]);
  for (const [index, fs] of byEntry) {
    const e = table.entries[index];
    const values = fs.map((f) => `${f.field} ${fieldValue(f, f.old)} -> ${fieldValue(f, f.new)}`).join(', ');
    const bytes = fs.map((f) => `${hex(f.offset)}: ${toHex(edits.get(f.offset)!.before)} -> ${toHex(edits.get(f.offset)!.after)}`).join(', ');
    body.push(`${s.ok('change ')} ${tag(index)} ${entryName(e)} at ${parentName(e.parent)}: ${values}  ${s.dim(bytes)}\n`);
  }
  for (const a of plan.already) body.push(`${s.dim(`already ${a.state}`)} ${tag(a.index)} ${entryLine(table.entries[a.index])}\n`);
  if (plan.keptAncestors.length) body.push(`${s.dim('kept as ancestors:')} ${plan.keptAncestors.map((a) => a.name).join(' ')}\n`);
  if (body.length) ctx.io.out(body.join(''));
  for (const warning of [...plan.warnings.map((w) => w.message), ...(written?.warnings ?? [])]) ctx.io.err(`${s.warn('warning:')} ${oneLine(warning)}\n`);
  const n = new Set([...plan.changes, ...plan.fieldChanges].map((c) => c.index)).size;
  if (plan.edits.length === 0) ctx.io.out('kernel not modified: nothing to change\n');
  else if (mode === 'dry-run') ctx.io.out(`dry run: ${n} ${n === 1 ? 'entry' : 'entries'} would change; nothing written\n`);
  else if (mode === 'check') ctx.io.out(`check: ${n} ${n === 1 ? 'entry' : 'entries'} would change\n`);
  else if (written) ctx.io.out(`wrote ${written.output}${written.gzip ? ' (gzip)' : ''}: ${written.bytesChanged} ${written.bytesChanged === 1 ? 'byte' : 'bytes'} changed, verified\n`);
}
