/**
 * `kpatch apply <patch-file...> -k <kernel> (-o FILE | --in-place | --dry-run | --check)`: the
 * operations of every file as one plan, after every guard has passed.
 */
import { Command } from '@commander-js/extra-typings';
import { namesOf } from '../../elf/target';
import type { PatchScript } from '../../patch/script';
import type * as ScriptModule from '../../patch/script';
import { action, type Context, lazy } from '../context';
import { readRegularFile } from '../../node/read-kernel';
import { runEdit, withEditOptions } from './patching';

const script = lazy(() => require('../../patch/script') as typeof ScriptModule);

function readScripts(paths: readonly string[]): PatchScript[] {
  return paths.map((p) => {
    return script().parsePatchScript(readRegularFile(p).toString('utf8'), p);
  });
}

/** Registers `apply`. */
export function registerApply(program: Command, ctx: Context): void {
  const cmd = withEditOptions(
    new Command('apply')
      .description('apply patch files (.kpatch): disable/enable/keep lines and require guards, as one plan and one write')
      .argument('<patch-file...>', 'patch files, applied in order'),
  ).addHelpText(
    'after',
    `
Patch file lines ('#' starts a comment):
  require arch amd64|i386      require version >= 10.0      require pvh      require driver pv
  disable <selector...> [--at P]    enable <selector...> [--at P]    keep <selector...> [--no-ancestors]

Examples:
  kpatch apply patches/microvm-minimal.kpatch -k netbsd-SMOL -o netbsd-SMOL.min
  kpatch apply patches/smolify-generic.kpatch -k netbsd-GENERIC.gz --in-place
  kpatch apply patches/no-legacy-isa.kpatch -k netbsd --check && echo "already patched"`,
  );
  cmd.action(
    action(ctx, (files, opts) => {
      const scripts = readScripts(files);
      return runEdit(ctx, opts, (kernel, table) => {
        script().checkGuards(
          scripts.flatMap((s) => s.guards),
          { arch: kernel.target?.arch, archNames: kernel.target ? namesOf(kernel.target) : [], version: kernel.version, pvh: kernel.pvh !== undefined, table },
        );
        return scripts.flatMap((s) => s.operations);
      });
    }),
  );
  program.addCommand(cmd.copyInheritedSettings(program)); // its exit override and output, as in edit.ts
}
