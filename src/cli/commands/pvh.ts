/**
 * `kpatch pvh <kernel>`: the PVH entry point QEMU and Firecracker jump to; exit 1 when there is none.
 */
import type { Command } from '@commander-js/extra-typings';
import { action, type Context } from '../context';
import { hex, toJson } from '../render';
import { withKernel } from './kernel';
import { pvhLine } from './info';

/** Registers `pvh`. */
export function registerPvh(program: Command, ctx: Context): void {
  program
    .command('pvh')
    .description('print the PVH entry (ELF note "Xen", type 18); exit 1 when the kernel has none')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .option('--json', 'print JSON only')
    .addHelpText('after', '\nExamples:\n  kpatch pvh netbsd-SMOL\n  kpatch pvh netbsd-GENERIC --json || echo "not PVH-bootable"')
    .action(
      action(ctx, (path, opts) => {
        const pvh = withKernel(path, (k) => k.pvh);
        if (opts.json) ctx.io.out(toJson({ pvh: pvh ?? null }));
        else if (pvh) ctx.io.out(`${hex(pvh.entry)}\n${pvhLine(pvh)}\n`);
        else ctx.io.err(`kpatch: ${path}: no PVH note (ELF note "Xen", type 18): QEMU -kernel and Firecracker cannot boot it\n`);
        if (!pvh) return 1;
        // A note outside any PT_NOTE is invisible to loaders: say so, but it is still an answer.
        return 0;
      }),
    );
}
