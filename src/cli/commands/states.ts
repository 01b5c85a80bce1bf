/**
 * `kpatch disable | enable | keep <selector...> -k <kernel> (-o FILE | --in-place | --dry-run | --check)`.
 */
import { Command } from '@commander-js/extra-typings';
import { action, type Context } from '../context';
import { runEdit, withEditOptions } from './patching';

const SELECTORS = "entries: dev, devN, dev*, #N, or a glob such as 'vio*'";

const EXAMPLES: Record<'disable' | 'enable' | 'keep', string> = {
  disable: `
Examples:
  kpatch disable vioif viornd -k netbsd -o netbsd.small
  kpatch disable 'ld*' --at virtio -k netbsd --dry-run
  kpatch disable com1 -k netbsd-GENERIC.gz -o netbsd-GENERIC.small.gz --json`,
  enable: `
Examples:
  kpatch enable vioif -k netbsd.small --in-place
  kpatch enable '#12' -k netbsd --check || echo "entry 12 is disabled"`,
  keep: `
Examples:
  kpatch keep mainbus cpu acpicpu ioapic pci isa pcdisplay wsdisplay com virtio ld vioif qemufwcfg -k netbsd-GENERIC -o netbsd-SMOLIFIED
  kpatch keep ld vioif viocon -k netbsd-MICROVM --dry-run      (pv, virtio and mainbus stay too: ancestors)`,
};

/**
 * Registers disable, enable and keep. Commands made with `new Command` and `addCommand` do not
 * inherit the program's settings as `program.command()` does: copyInheritedSettings gives them its
 * exit override and output, or usage errors would exit 1 from inside commander, and print
 * commander's own message, where kpatch promises one `kpatch:` line and exit 2.
 */
export function registerStates(program: Command, ctx: Context): void {
  for (const verb of ['disable', 'enable'] as const) {
    const cmd = withEditOptions(
      new Command(verb)
        .description(verb === 'disable' ? 'disable entries as userconf(4) does (0 -> 4, 2 -> 3)' : 'enable entries as userconf(4) does (4 -> 0, 3 -> 2)')
        .argument('<selector...>', SELECTORS)
        .option('--at <parent>', 'only entries attached at this parent: a driver (pci), a unit (pci0), or an interface attribute (ata)')
        .option('--if-present', 'skip selectors that match nothing instead of failing'),
    ).addHelpText('after', EXAMPLES[verb]);
    cmd.action(action(ctx, (selectors, opts) => runEdit(ctx, opts, () => [{ verb, selectors, at: opts.at, ifPresent: opts.ifPresent }])));
    program.addCommand(cmd.copyInheritedSettings(program));
  }
  const keep = withEditOptions(
    new Command('keep')
      .description("disable every entry except these and their ancestors (confkerndev's keep list, done right)")
      .argument('<selector...>', SELECTORS)
      .option('--at <parent>', 'only selected entries attached at this parent')
      .option('--if-present', 'skip selectors that match nothing instead of failing')
      .option('--no-ancestors', 'do not keep the ancestors of the kept entries (raw allow-list)'),
  ).addHelpText('after', EXAMPLES.keep);
  keep.action(action(ctx, (selectors, opts) => runEdit(ctx, opts, () => [{ verb: 'keep', selectors, at: opts.at, ancestors: opts.ancestors, ifPresent: opts.ifPresent }])));
  program.addCommand(keep.copyInheritedSettings(program));
}
