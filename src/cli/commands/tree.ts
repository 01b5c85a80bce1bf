/**
 * `kpatch tree <kernel>`: the attachment tree from the roots down, with states.
 */
import type { Command } from '@commander-js/extra-typings';
import { requireAutoconf } from '../../netbsd/kernel';
import { attachTree, type TreeNode } from '../../netbsd/tree';
import { entryLine } from '../../netbsd/format';
import { action, type Context } from '../context';
import { printWarnings, stylesFor, toJson } from '../render';
import { withKernel } from './kernel';

/** Registers `tree`. */
export function registerTree(program: Command, ctx: Context): void {
  program
    .command('tree')
    .description('print the attachment tree from the roots down, with states')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .option('--json', 'print JSON only: nested nodes')
    .addHelpText('after', '\nAn entry with several possible parents (wildcards, interface attributes) appears under each;\nits children are shown the first time only, later places say (see above).\n\nExamples:\n  kpatch tree netbsd-SMOL\n  kpatch tree netbsd-GENERIC.gz --json')
    .action(
      action(ctx, (path, opts) => {
        const table = withKernel(path, (k) => requireAutoconf(k));
        const tree = attachTree(table);
        const graphHasChildren = (i: number) => tree.childCount[i] > 0;
        if (opts.json) {
          ctx.io.out(toJson(tree));
          return 0;
        }
        const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
        const print = (n: TreeNode, prefix: string, last: boolean, top: boolean) => {
          const e = table.entries[n.index];
          const mark = n.state === 'disabled' ? ` ${s.warn('disable')}` : n.reachable ? '' : ` ${s.dim('(unreachable)')}`;
          const branch = top ? '' : last ? '└─ ' : '├─ ';
          ctx.io.out(`${prefix}${branch}${s.dim(`[${n.index}]`)} ${entryLine(e)}${mark}${n.seeAbove && graphHasChildren(n.index) ? s.dim(' (see above)') : ''}\n`);
          const next = top ? '' : prefix + (last ? '   ' : '│  ');
          n.children.forEach((c, i) => print(c, next, i === n.children.length - 1, false));
        };
        for (const r of tree.roots) print(r, '', true, true);
        if (tree.orphans.length) {
          ctx.io.out(`${s.bold('no known parent:')}\n`);
          for (const o of tree.orphans) print(o, '', true, true);
        }
        printWarnings(ctx.io, tree.warnings);
        return 0;
      }),
    );
}
