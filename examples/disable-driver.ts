/**
 * kpatch as a library, typed: disable a driver in a copy of a kernel and report what changed.
 *
 *   node disable-driver.js <kernel> <driver> <output>
 *
 * Prints the entries the driver had, the byte edits of the plan, and the write's result. Compiled
 * with `tsc --strict` against the packed package by test/package/install.test.ts, which also runs
 * it on a fixture kernel.
 */
import { type CfEntry, entryName, inspectKernel, type KernelFile, openKernelFile, type Plan, planOperations, requireAutoconf, type WriteResult, writePatched } from 'kpatch';

function main(argv: readonly string[]): number {
  const [kernelPath, driver, output] = argv;
  if (kernelPath === undefined || driver === undefined || output === undefined) {
    process.stderr.write('usage: disable-driver <kernel> <driver> <output>\n');
    return 2;
  }
  const file: KernelFile = openKernelFile(kernelPath);
  try {
    const table = requireAutoconf(inspectKernel(file.source));
    const entries: CfEntry[] = table.entries.filter((e) => e.driver === driver);
    for (const e of entries) process.stdout.write(`entry ${e.index} ${entryName(e)} state ${e.state}\n`);
    const plan: Plan = planOperations(table, [{ verb: 'disable', selectors: [driver] }]);
    for (const edit of plan.edits) process.stdout.write(`edit 0x${edit.offset.toString(16)}: ${edit.before[0]} -> ${edit.after[0]}\n`);
    if (plan.edits.length === 0) return 0;
    const written: WriteResult = writePatched(file, output, false, plan.edits);
    process.stdout.write(`wrote ${written.output}: ${written.bytesChanged} byte(s) changed\n`);
    return 0;
  } finally {
    file.close();
  }
}

process.exitCode = main(process.argv.slice(2));
