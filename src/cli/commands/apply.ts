/**
 * `kpatch apply <patch-file...> -k <kernel> (-o FILE | --in-place | --dry-run | --check)`: the
 * operations of every file as one plan, after every guard has passed.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { namesOf } from '../../elf/target';
import type { PatchScript } from '../../patch/script';
import type * as ScriptModule from '../../patch/script';
import { action, type Context, lazy } from '../context';
import { bundledPatches, resolvePatchFile } from '../package';
import { readRegularFile } from '../../node/read-kernel';
import { runEdit, withEditOptions } from './patching';

const script = lazy(() => require('../../patch/script') as typeof ScriptModule);

function readScripts(paths: readonly string[]): PatchScript[] {
  return paths.map((p) => {
    // Messages name the file as the user did (`microvm-minimal.kpatch:8: ...`), not the package's path to it.
    return script().parsePatchScript(readRegularFile(resolvePatchFile(p)).toString('utf8'), p);
  });
}

/** Registers `apply`. */
export function registerApply(program: Command, ctx: Context): void {
  const cmd = withEditOptions(
    new Command('apply')
      .description('apply patch files (.kpatch): disable/enable/keep lines and require guards, as one plan and one write')
      .argument('<patch-file...>', 'patch files, applied in order; a name that is not a file names a bundled one (--list)')
      .option('--list', 'list the bundled patch files and exit'),
  ).addHelpText(
    'after',
    `
Patch file lines ('#' starts a comment):
  require arch amd64|i386      require version >= 10.0      require pvh      require driver pv
  disable <selector...> [--at P] [--if-present]      enable <selector...> [--at P] [--if-present]
  keep <selector...> [--no-ancestors] [--at P] [--if-present]
  --at P: only entries attached at P;  --if-present: skip selectors that match nothing

Examples:
  kpatch apply --list
  kpatch apply microvm-minimal.kpatch -k netbsd-SMOL -o netbsd-SMOL.min
  kpatch apply smolify-generic.kpatch -k netbsd-GENERIC.gz --in-place
  kpatch apply ./my.kpatch -k netbsd --check && echo "already patched"`,
  );
  // --list answers before commander asks for <patch-file> and -k, as --help does.
  cmd.on('option:list', () => {
    const patches = bundledPatches();
    const width = Math.max(...patches.map((p) => p.name.length));
    for (const p of patches) ctx.io.out(`${p.name.padEnd(width)}  ${p.summary}\n`);
    throw new CommanderError(0, 'commander.helpDisplayed', '(kpatch apply --list)');
  });
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
