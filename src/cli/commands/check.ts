/**
 * `kpatch check <kernel> --microvm [--json]`: can the kernel boot as a microVM? One line per
 * check; exit 1 when a required check fails, so pipelines can gate on it.
 */
import type { Command } from '@commander-js/extra-typings';
import { KpatchError } from '../../errors';
import { type Check, checksPass, microvmChecks } from '../../netbsd/checks';
import { action, type Context } from '../context';
import { stylesFor, toJson } from '../render';
import { withKernel } from './kernel';

const PROFILES = ['--microvm'];

/** Registers `check`. */
export function registerCheck(program: Command, ctx: Context): void {
  program
    .command('check')
    .description('check a kernel against a boot profile; exit 1 when a required check fails')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .option('--microvm', 'QEMU -M microvm / Firecracker: PVH note, pv, virtio-mmio, ld, console (aarch64: device tree virtio)')
    .option('--json', 'print JSON only: {kernel, profile, ok, checks}')
    .addHelpText(
      'after',
      `
Each line is ok, FAIL (a required check failed), info (an informational check is not met) or n/a,
then whether the check is required (decides the exit status) or informational.

Examples:
  kpatch check netbsd-SMOL --microvm
  kpatch check netbsd-SMOL.min --microvm --json | jq -r '.checks[] | select(.status == "fail") | .detail'
  kpatch disable vio9p -k netbsd-SMOL -o k && kpatch check k --microvm && qemu-system-x86_64 -M microvm -kernel k ...`,
    )
    .action(
      action(ctx, (path, opts) => {
        if (!opts.microvm) throw new KpatchError('USAGE', `check needs a profile; profiles: ${PROFILES.join(', ')}`, 'e.g. kpatch check netbsd-SMOL --microvm');
        const checks = withKernel(path, (k) => microvmChecks(k));
        const ok = checksPass(checks);
        if (opts.json) ctx.io.out(toJson({ kernel: path, profile: 'microvm', ok, checks }));
        else printChecks(ctx, path, checks, ok);
        return ok ? 0 : 1;
      }),
    );
}

function printChecks(ctx: Context, path: string, checks: readonly Check[], ok: boolean): void {
  const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
  const mark: Record<Check['status'], string> = { pass: s.ok('ok  '), fail: s.error('FAIL'), info: s.warn('info'), 'n/a': s.dim('n/a ') };
  const width = Math.max(...checks.map((c) => c.title.length));
  for (const c of checks) {
    const kind = c.required ? 'required     ' : s.dim('informational');
    ctx.io.out(`${mark[c.status]}  ${kind}  ${c.title.padEnd(width)}  ${c.status === 'n/a' ? s.dim(c.detail) : c.detail}\n`);
  }
  const failed = checks.filter((c) => c.required && c.status === 'fail');
  const required = checks.filter((c) => c.required && c.status !== 'n/a').length;
  const summary = ok ? s.ok(`${path}: microvm ok`) + ` (${required} required checks passed)` : s.error(`${path}: microvm FAIL`) + ` (${failed.length} of ${required} required checks failed: ${failed.map((c) => c.id).join(', ')})`;
  ctx.io.out(`${summary}\n`);
}
