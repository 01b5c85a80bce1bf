/**
 * `kpatch info <kernel>`: what the file is, its NetBSD version and strings, PVH entry, autoconf table.
 */
import type { Command } from '@commander-js/extra-typings';
import type { KernelInfo } from '../../netbsd/info';
import type * as InfoModule from '../../netbsd/info';
import { action, type Context, lazy } from '../context';
import { hex, printWarnings, stylesFor, toJson } from '../render';
import { withKernel } from './kernel';

const infos = lazy(() => require('../../netbsd/info') as typeof InfoModule);

function renderInfo(i: KernelInfo, bold: (s: string) => string): string {
  const rows: [string, string][] = [
    ['file', `${i.file}${i.compressed ? ` (${i.compressed}, ${i.fileSize} bytes; ${i.size} inflated)` : ` (${i.size} bytes)`}`],
    ['format', i.format.description],
    ...(i.image ? [['link base', `${hex(i.image.linkBase)}: ${i.image.linkEvidence}`] as [string, string]] : []),
    ['machine', i.arch ?? `${i.format.machineName} (not supported for patching)`],
    ['netbsd', netbsdLine(i)],
    ['ostype', i.ostype ?? '-'],
    ['osrelease', i.osrelease ?? '-'],
    ['version', i.version ? i.version.split('\n')[0] : '-'],
    ['pvh', i.pvh ? pvhLine(i.pvh) : 'none'],
    ['autoconf', i.autoconf ? autoconfLine(i.autoconf) : `none: ${i.autoconfError}`],
    ...(i.autoconf?.locatedBy === 'shape' ? [['found', `by shape, no symbol table: ${i.autoconf.locationEvidence.join('; ')}`] as [string, string]] : []),
    ['features', featuresLine(i.features)],
    ['config', i.embeddedConfig ? 'embedded (options INCLUDE_CONFIG_FILE; kpatch config extract prints it)' : 'not embedded'],
  ];
  return rows.map(([k, v]) => `${bold(k.padEnd(10))} ${v}\n`).join('');
}

/** The release and where it came from: NetBSD 4.x and older say it only in osrelease and the version banner. */
function netbsdLine(i: KernelInfo): string {
  if (i.netbsd) return `${i.netbsd.text} (ident note ${i.netbsd.raw})`;
  if (i.release) return `${i.release.text} (from ${i.release.from}: no NetBSD ident note, ${i.image ? 'a raw image keeps no ELF notes' : 'as in NetBSD 4.x and older'})`;
  return 'no NetBSD ident note';
}

/** `pvh pv ...; missing: tslog; n/a: ...`: the feature table's features in its order, by state, as check --microvm judges them. */
function featuresLine(features: KernelInfo['features']): string {
  const ids = (state: string) => features.filter((f) => f.state === state).map((f) => f.id);
  const [missing, na] = [ids('missing'), ids('n/a')];
  return `${ids('present').join(' ') || 'none'}${missing.length ? `; missing: ${missing.join(' ')}` : ''}${na.length ? `; n/a: ${na.join(' ')}` : ''}`;
}

/** One line about a PVH entry. */
export function pvhLine(p: NonNullable<KernelInfo['pvh']>): string {
  const where = [p.section ? `section ${p.section}` : null, p.segment !== null ? `PT_NOTE segment ${p.segment}` : 'no PT_NOTE'].filter(Boolean).join(', ');
  const load = p.loadSegment === null ? 'outside every PT_LOAD segment' : `in ${p.executable ? 'executable' : 'non-executable'} PT_LOAD segment ${p.loadSegment}`;
  return `entry ${hex(p.entry)} (note at file offset ${hex(p.noteOffset)}, ${where}; ${load})`;
}

function autoconfLine(a: NonNullable<KernelInfo['autoconf']>): string {
  return `${a.symbol} at ${hex(a.address)} (file offset ${hex(a.offset)}): ${a.entries} entries of ${a.entrySize} bytes, ${a.variant} layout; ${a.enabled} enabled, ${a.disabled} disabled`;
}

/** Registers `info`. */
export function registerInfo(program: Command, ctx: Context): void {
  program
    .command('info')
    .description('describe a kernel: format, NetBSD version, PVH entry, autoconf table')
    .argument('<kernel>', 'kernel file (plain or gzip)')
    .option('--json', 'print JSON only')
    .addHelpText('after', '\nExamples:\n  kpatch info netbsd-SMOL\n  kpatch info netbsd-GENERIC.gz --json\n  kpatch info netbsd-SMOL-aarch64.img      a raw arm64 Image: link base inferred, cfdata found by its shape')
    .action(
      action(ctx, (path, opts) => {
        const info = withKernel(path, (k, file) => infos().kernelInfo(k, { file: path, fileSize: file.fileSize, compressed: file.gzip ? 'gzip' : null }));
        if (opts.json) ctx.io.out(toJson(info));
        else {
          ctx.io.out(renderInfo(info, stylesFor(ctx.io.env, ctx.io.stdoutIsTTY).bold));
          printWarnings(ctx.io, info.warnings);
        }
        return 0;
      }),
    );
}
