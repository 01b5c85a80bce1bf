/**
 * `kpatch change <selector> loc=value... [flags=N] -k <kernel> (-o FILE | --in-place | --dry-run | --check)`:
 * new locator values and flags for entries, as userconf(4)'s and UKC's change set them.
 */
import { Command } from '@commander-js/extra-typings';
import { parseUserconfNumber } from '../../netbsd/format';
import { parseAssignment } from '../../patch/change';
import { action, type Context } from '../context';
import { runEdit, withEditOptions } from './patching';

const EXAMPLES = `
Locators are named by the parent's interface attribute ('kpatch list' shows them). A value is a
number as userconf reads one (3, 0x2f8, 010, -1) or ? for the locator's default, as in a config
file. flags=N sets cf_flags (UKC's change). Entries whose locators config -P packed together are
refused unless all of them get the same values.

Examples:
  kpatch change com0 port=0x2f8 irq=3 -k netbsd -o netbsd.com2f8
  kpatch change '#33' flags=0 -k netbsd-GENERIC --dry-run
  kpatch change wd0 drive=? -k netbsd --in-place`;

/** Registers `change`. */
export function registerChange(program: Command, ctx: Context): void {
  const cmd = withEditOptions(
    new Command('change')
      .description("change entries' locators and flags, as userconf(4) and OpenBSD config -e do")
      .argument('<selector>', "entries: dev, devN, dev*, #N, or a glob such as 'com*'")
      .argument('<assignment...>', 'locator=value or flags=value (value: a number, or ? for the default)')
      .option('--at <parent>', 'only entries attached at this parent: a driver (pci), a unit (pci0), or an interface attribute (ata)'),
  ).addHelpText('after', EXAMPLES);
  cmd.action(
    action(ctx, (selector, assignments, opts) => {
      const set = assignments.map((a) => parseAssignment(a, parseUserconfNumber));
      return runEdit(ctx, opts, () => [{ verb: 'change', selectors: [selector], set, at: opts.at }]);
    }),
  );
  program.addCommand(cmd.copyInheritedSettings(program));
}
