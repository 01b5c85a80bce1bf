/**
 * `kpatch list <kernel> [selector...]`: one line per cfdata entry in userconf(4) style.
 */
import type { Command } from '@commander-js/extra-typings';
import type { CfEntry } from '../../netbsd/autoconf';
import { entryLine } from '../../netbsd/format';
import { requireAutoconf } from '../../netbsd/kernel';
import { selectEntries } from '../../netbsd/select';
import { KpatchError } from '../../errors';
import type * as PlanModule from '../../patch/plan';
import { action, type Context, lazy } from '../context';
import { hex, plainJson, printWarnings, stylesFor } from '../render';
import { withKernel } from './kernel';

const planner = lazy(() => require('../../patch/plan') as typeof PlanModule);

/** The JSON shape of one entry. */
export function entryJson(e: CfEntry) {
  return {
    index: e.index,
    name: e.driver,
    unit: e.unit,
    star: e.star,
    fstate: e.fstate,
    state: e.state,
    attachment: e.attachment,
    parent: e.parent,
    locators: e.locators,
    flags: e.flags,
    address: hex(e.address),
    offset: e.offset,
    stateOffset: e.stateOffset,
  };
}

/** Registers `list`. */
export function registerList(program: Command, ctx: Context): void {
  program
    .command('list')
    .description('list autoconf (cfdata) entries, userconf(4) style')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .argument('[selector...]', "entries to show: dev, devN, dev*, #N, or a glob such as 'vio*' (default: all)")
    .option('--at <parent>', 'only entries attached at this parent: a driver (pci), a unit (pci0), pci?, root, or an interface attribute (ata)')
    .option('--json', 'print JSON only: one object per entry')
    .addHelpText('after', "\nExamples:\n  kpatch list netbsd-SMOL\n  kpatch list netbsd-SMOL virtio ld0 'vio*' '#12'\n  kpatch list netbsd-SMOL --at virtio\n  kpatch list netbsd-GENERIC.gz --json")
    .action(
      action(ctx, (path, selectors, opts) => {
        const table = withKernel(path, (k) => requireAutoconf(k));
        let entries = selectors.length ? selectEntries(table.entries, selectors) : table.entries;
        const at = opts.at;
        if (at !== undefined) {
          entries = entries.filter((e) => planner().attachesAt(e, at));
          if (entries.length === 0) throw new KpatchError('NO_SUCH_DEVICE', `no ${selectors.length ? `entry of ${selectors.join(' ')}` : 'entry'} attaches at '${at}'`, "'kpatch tree <kernel>' shows the parents");
        }
        if (opts.json) {
          ctx.io.out(plainJson(entries.map(entryJson)));
          return 0;
        }
        const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
        const width = String(table.entries.length - 1).length;
        for (const e of entries) {
          const state = e.state === 'disabled' ? ` ${s.warn('disable')}` : e.state === 'enabled' ? '' : ` ${s.error(`state ${e.fstate} (${e.state})`)}`;
          ctx.io.out(`${s.dim(`[${String(e.index).padStart(width)}]`)} ${entryLine(e)}${state}\n`);
        }
        printWarnings(ctx.io, table.warnings);
        return 0;
      }),
    );
}
