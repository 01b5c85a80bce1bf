/**
 * `kpatch pvh <kernel>`: the PVH entry point QEMU and Firecracker jump to; exit 1 when there is none.
 */
import type { Command } from '@commander-js/extra-typings';
import { NotFoundError } from '../../errors';
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
        if (opts.json) {
          // JSON answers null on stdout (nothing on stderr), with the same exit status.
          ctx.io.out(toJson({ pvh: pvh ?? null }));
          return pvh ? 0 : 1;
        }
        if (!pvh) throw new NotFoundError(`${path}: no PVH note (ELF note "Xen", type 18): QEMU -kernel and Firecracker cannot boot it`);
        // A note outside any PT_NOTE is invisible to loaders: pvhLine says so, but it is still an answer.
        ctx.io.out(`${hex(pvh.entry)}\n${pvhLine(pvh)}\n`);
        return 0;
      }),
    );
}
