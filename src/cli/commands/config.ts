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
import { packageDir } from '../package';
import { MAX_INFLATED, openKernelFile, readRegularFile } from '../../node/read-kernel';
import { printWarnings, stylesFor, toJson } from '../render';
import { ioMessage } from '../../node/io-message';
import { writeFileAtomically } from '../../node/atomic';

/** Whether `real` (a resolved path) is `dir` or lies under it. */
function isInside(real: string, dir: string): boolean {
  const rel = path.relative(dir, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The resolved path of a directory kpatch reads a tree from, or one clear error. */
function realDirectory(dir: string, what: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (e) {
    throw new KpatchError('IO', `cannot read ${what} ${dir}: ${ioMessage(e)}`);
  }
  if (!fs.statSync(real).isDirectory()) throw new KpatchError('IO', `cannot read ${what} ${dir}: not a directory`);
  return real;
}

/**
 * A SourceTree over a directory. The core hands it normalised paths that cannot climb out of the tree, but a symlink
 * inside the tree can point anywhere (`sys/arch/t/conf/sh -> /etc/shadow`): every file is resolved to its real path
 * and read only when that lies inside the resolved tree or one of `alsoInside` (the directories of the configs named
 * on the command line). Anything else is refused with one line, not read.
 */
export function dirTree(root: string, alsoInside: readonly string[] = [], what = '--sys'): SourceTree {
  const realRoot = realDirectory(root, what);
  const allowed = [realRoot, ...alsoInside];
  return {
    read(p) {
      let real: string;
      try {
        real = fs.realpathSync(path.join(realRoot, p));
      } catch {
        return undefined; // missing or a dangling link: config(1)'s "cannot open" from the core
      }
      if (!allowed.some((d) => isInside(real, d))) {
        throw new KpatchError('IO', `refusing to read ${p}: it resolves to ${real}, outside ${realRoot}`, 'kpatch reads only files inside the source tree');
      }
      try {
        // the resolved path, so the check above and the open name the same file (no link left to follow)
        return readRegularFile(real).toString('utf8');
      } catch (e) {
        if (e instanceof KpatchError && / bytes, more than /.test(e.message)) throw e;
        return undefined; // a directory, a FIFO...: "cannot open"
      }
    },
  };
}

/**
 * The tree `--sys` names, else `$NETBSDSRCDIR/sys`, else /usr/src/sys when it exists (where build.sh and config(1)
 * look), with the reason; undefined when there is none.
 */
function resolveSys(given: string | undefined, env: NodeJS.ProcessEnv): { dir: string; why?: string } | undefined {
  if (given !== undefined) return { dir: given };
  if (env.NETBSDSRCDIR) return { dir: path.join(env.NETBSDSRCDIR, 'sys'), why: '$NETBSDSRCDIR/sys' };
  if (fs.existsSync('/usr/src/sys/conf/files')) return { dir: '/usr/src/sys', why: '/usr/src/sys exists' };
  return undefined;
}

/** The SourceTree for --sys (or its default), saying on stderr which default was taken. */
function sysTree(ctx: Context, given: string | undefined, inputs: readonly string[]): { tree?: SourceTree; dir?: string } {
  const sys = resolveSys(given, ctx.io.env);
  if (!sys) return {};
  if (sys.why) ctx.io.err(`kpatch: using ${sys.dir} as the NetBSD sys tree (${sys.why}; --sys DIR to choose another)\n`);
  const dirs = inputs.map((f) => {
    try {
      return fs.realpathSync(path.dirname(f));
    } catch {
      return path.resolve(path.dirname(f));
    }
  });
  return { tree: dirTree(sys.dir, dirs), dir: sys.dir };
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
    .option('--sys <dir>', 'NetBSD src/sys tree: resolve includes and check devices against files.* (default: $NETBSDSRCDIR/sys, else /usr/src/sys when it exists)')
    .option('--json', 'print JSON: one {file, errors, warnings, notes} object per file')
    .addHelpText('after', '\nExit status: 0 no errors, 1 errors found, 2 a file cannot be read (or resolves outside the tree).\n\nExamples:\n  kpatch config lint /usr/src/sys/arch/amd64/conf/GENERIC --sys /usr/src/sys\n  kpatch config lint SMOL                 with $NETBSDSRCDIR set, or /usr/src/sys present\n  kpatch config lint MYKERNEL --json')
    .action(
      action(ctx, (files, opts) => {
        const { tree, dir } = sysTree(ctx, opts.sys, files);
        const inputs = files.map((file) => ({ file, text: readText(file), treePath: treePathIn(dir, file) }));
        const results = lint(inputs, { sys: tree });
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
        const confs = dirTree(packageDir('confs'), [], "kpatch's confs/");
        const g = generateConfig({ arch: opts.arch as Arch, profile: opts.profile, standalone: opts.standalone, with: opts.with, without: opts.without }, confs);
        // Only what --with asked for and did not get is a warning; the profile's own n/a features are in the header.
        printWarnings(ctx.io, g.notApplied.filter((n) => n.asked).map((n) => `${n.feature} not applied on ${opts.arch}: ${n.reason}`));
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
        const lines = diffConfigTexts({ file: a, text: readText(a) }, { file: b, text: readText(b) }, { sys: opts.sys ? dirTree(opts.sys, [a, b].map((f) => path.resolve(path.dirname(f)))) : undefined });
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
        for (const d of m.dropped) ctx.io.err(`note: ${d}\n`);
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
