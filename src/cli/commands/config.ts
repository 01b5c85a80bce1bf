/**
 * `kpatch config lint|generate|extract|diff|merge`: the config(5) toolkit. All file access for it happens here;
 * src/config only sees strings, bytes and a SourceTree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { diffConfigTexts } from '../../config/diff';
import { extractConfig } from '../../netbsd/embedded-config';
import { ARCHES, FEATURES, generateConfig, type Arch } from '../../config/generate';
import { lint, type LintResult } from '../../config/lint';
import { mergeConfigs } from '../../config/merge';
import type { SourceTree } from '../../config/resolve';
import { KpatchError, NotFoundError } from '../../errors';
import { action, type Context } from '../context';
import { MAX_INFLATED, openKernelFile, readRegularFile } from '../../node/read-kernel';
import { printWarnings, stylesFor, toJson } from '../render';
import { writeFileAtomically } from '../../node/atomic';

/**
 * The package's confs/ directory. Found by walking up from this module to kpatch's package.json,
 * because the module sits at a different depth in the sources (src/cli/commands), the per-file
 * build (dist/cli/commands) and the bundled bin (dist/cli).
 */
function confsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'kpatch') return path.join(dir, 'confs');
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) throw new KpatchError('IO', 'cannot find kpatch\'s confs/ directory', 'reinstall kpatch');
  }
}

/** A SourceTree over a directory: reads files under it, never above it (paths come normalised from the core). */
export function dirTree(root: string): SourceTree {
  return {
    read(p) {
      try {
        return readRegularFile(path.join(root, p)).toString('utf8');
      } catch {
        return undefined; // missing, a directory, a FIFO...: config(1)'s "cannot open" from the core
      }
    },
  };
}

function readText(file: string): string {
  return readRegularFile(file).toString('utf8');
}

/** The input's path inside --sys, when it lies there (for ./ includes and cycles). */
function treePathIn(sys: string | undefined, file: string): string | undefined {
  if (!sys) return undefined;
  const rel = path.relative(path.resolve(sys), path.resolve(file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

function printLint(ctx: Context, r: LintResult): void {
  const s = stylesFor(ctx.io.env, ctx.io.stdoutIsTTY);
  for (const [kind, list] of [['error', r.errors], ['warning', r.warnings]] as const) {
    for (const m of list) ctx.io.out(`${m.file ?? r.file}:${m.line}:${m.column}: ${kind === 'error' ? s.error('error:') : s.warn('warning:')} ${m.message}\n`);
  }
  for (const n of r.notes) ctx.io.out(`${r.file}: ${s.dim(`note: ${n}`)}\n`);
}

function registerLint(config: Command, ctx: Context): void {
  config
    .command('lint')
    .description('check kernel configs for the errors config(1) raises, without false alarms')
    .argument('<file...>', 'kernel config files')
    .option('--sys <dir>', 'NetBSD src/sys tree: resolve includes and check devices against files.*')
    .option('--json', 'print JSON: one {file, errors, warnings, notes} object per file')
    .addHelpText('after', '\nExit status: 0 no errors, 1 errors found, 2 a file cannot be read.\n\nExamples:\n  kpatch config lint SMOL --sys /usr/src/sys\n  kpatch config lint MYKERNEL --json')
    .action(
      action(ctx, (files, opts) => {
        const inputs = files.map((file) => ({ file, text: readText(file), treePath: treePathIn(opts.sys, file) }));
        const results = lint(inputs, { sys: opts.sys ? dirTree(opts.sys) : undefined });
        if (opts.json) ctx.io.out(toJson(results));
        else results.forEach((r) => printLint(ctx, r));
        return results.some((r) => r.errors.length > 0) ? 1 : 0;
      }),
    );
}

function registerGenerate(config: Command, ctx: Context): void {
  const collect = (v: string, prev: string[]) => [...prev, ...v.split(',')];
  config
    .command('generate')
    .description('write a SMOL kernel config (PVH, pv, virtio-mmio, virtio devices, tslog, TSC) from confs/ fragments')
    .addOption(new Option('--arch <arch>', 'target architecture').choices(Object.keys(ARCHES) as Arch[]).makeOptionMandatory())
    .addOption(new Option('--profile <profile>', 'feature profile').choices(['smol'] as const).default('smol' as const))
    .option('--standalone', 'a complete config that does not include MICROVM')
    .option('--with <feature>', `add a feature (${FEATURES.join(', ')})`, collect, [] as string[])
    .option('--without <feature>', 'leave a feature out (needs --standalone for MICROVM features)', collect, [] as string[])
    .option('-o, --output <file>', 'write here instead of standard output')
    .addHelpText('after', '\nExamples:\n  kpatch config generate --arch amd64 > SMOL\n  kpatch config generate --arch i386 --standalone --without tslog -o SMOL386')
    .action(
      action(ctx, (opts) => {
        const confs = dirTree(confsDir());
        const g = generateConfig({ arch: opts.arch as Arch, profile: opts.profile, standalone: opts.standalone, with: opts.with, without: opts.without }, confs);
        printWarnings(ctx.io, g.notApplied.map((n) => `${n.feature} not applied on ${opts.arch}: ${n.reason}`));
        if (opts.output) writeText(ctx, opts.output, g.text);
        else ctx.io.out(g.text);
        return 0;
      }),
    );
}

function writeText(ctx: Context, file: string, text: string): void {
  printWarnings(ctx.io, writeFileAtomically(file, Buffer.from(text, 'utf8')).warnings);
}

/**
 * The whole kernel image, for `config extract` to scan: openKernelFile reads it, so gzip kernels
 * get the same inflation cap and messages as every other command.
 */
function readKernelBytes(file: string): Uint8Array {
  const kernel = openKernelFile(file);
  try {
    const size = kernel.source.size;
    if (size > MAX_INFLATED) throw new KpatchError('IO', `cannot read ${file}: ${size} bytes, more than the ${MAX_INFLATED >> 20} MiB kpatch reads`);
    return kernel.source.read(0, size);
  } finally {
    kernel.close();
  }
}

function registerExtract(config: Command, ctx: Context): void {
  config
    .command('extract')
    .description('print the config a kernel embeds with options INCLUDE_CONFIG_FILE (as config -x)')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .addHelpText('after', '\nExit status: 0 printed, 1 the kernel embeds no config.\n\nExample:\n  kpatch config extract netbsd-SMOL')
    .action(
      action(ctx, (kernel) => {
        const text = extractConfig(readKernelBytes(kernel));
        if (text === undefined) throw new NotFoundError(`${kernel}: no embedded config (built without options INCLUDE_CONFIG_FILE?)`);
        ctx.io.out(text);
        return 0;
      }),
    );
}

function registerDiff(config: Command, ctx: Context): void {
  config
    .command('diff')
    .description('semantic difference of two configs (options, devices, pseudo-devices), diffconfig style')
    .argument('<a>', 'old config')
    .argument('<b>', 'new config')
    .option('--sys <dir>', 'NetBSD src/sys tree to expand includes')
    .addHelpText('after', '\nLines: -removed, +added, " name old -> new" changed. Exit status: 0 same, 1 different.\n\nExample:\n  kpatch config diff MICROVM SMOL --sys /usr/src/sys')
    .action(
      action(ctx, (a, b, opts) => {
        const lines = diffConfigTexts({ file: a, text: readText(a) }, { file: b, text: readText(b) }, { sys: opts.sys ? dirTree(opts.sys) : undefined });
        for (const l of lines) ctx.io.out(`${l}\n`);
        return lines.length === 0 ? 0 : 1;
      }),
    );
}

function registerMerge(config: Command, ctx: Context): void {
  config
    .command('merge')
    .description('append config fragments to a base config, merge_config style; warns when a fragment overrides a value')
    .argument('<base>', 'base config')
    .argument('<fragment...>', 'fragments, applied in order')
    .option('-o, --output <file>', 'write here instead of standard output')
    .addHelpText('after', '\nExample:\n  kpatch config merge MYKERNEL confs/tsc.conf -o MYKERNEL.new')
    .action(
      action(ctx, (base, fragments, opts) => {
        const m = mergeConfigs({ file: base, text: readText(base) }, fragments.map((f) => ({ file: f, text: readText(f) })));
        printWarnings(ctx.io, m.warnings);
        if (opts.output) writeText(ctx, opts.output, m.text);
        else ctx.io.out(m.text);
        return 0;
      }),
    );
}

/** Registers `config` and its subcommands. */
export function registerConfig(program: Command, ctx: Context): void {
  const config = program
    .command('config')
    .description('NetBSD kernel configs: lint, generate, extract, diff, merge')
    .addHelpText(
      'after',
      `
Examples:
  kpatch config generate --arch amd64 -o SMOL          smolBSD's SMOL: MICROVM + pvclock + tslog
  kpatch config lint SMOL --sys /usr/src/sys           config(1)'s errors, before a build
  kpatch config extract netbsd > netbsd.conf           the config a kernel embeds
  kpatch config diff GENERIC SMOL                      what differs, diffconfig style`,
    );
  registerLint(config, ctx);
  registerGenerate(config, ctx);
  registerExtract(config, ctx);
  registerDiff(config, ctx);
  registerMerge(config, ctx);
}
