/**
 * The files kpatch ships beside its code: confs/ (config fragments) and patches/ (patch files),
 * found through the package root, and the package's name and version for `kpatch --version`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KpatchError } from '../errors';

/**
 * Returns a directory of the kpatch package (`confs`, `patches`). Found by walking up from this
 * module to kpatch's package.json, because the module sits at a different depth in the sources
 * (src/cli), the per-file build (dist/cli) and the bundled bin (dist/cli).
 */
export function packageDir(name: 'confs' | 'patches'): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'kpatch') return path.join(dir, name);
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) throw new KpatchError('IO', `cannot find kpatch's ${name}/ directory`, 'reinstall kpatch');
  }
}

/** Returns "kpatch 0.1.0": the package's name and version (esbuild copies package.json into the bundle). */
export function versionLine(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { name, version } = require('../../package.json') as { name: string; version: string };
    return `${name} ${version}`;
  } catch {
    return 'kpatch (version unknown: its package.json is missing)';
  }
}

/** A patch file shipped in patches/: its file name and the first phrase of its leading comment. */
export interface BundledPatch {
  readonly name: string;
  readonly path: string;
  readonly summary: string;
}

/** Lists the bundled patch files, by name. */
export function bundledPatches(): BundledPatch[] {
  const dir = packageDir('patches');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.kpatch'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { name, path: file, summary: summaryOf(fs.readFileSync(file, 'utf8'), name) };
    });
}

/** The leading comment of a patch file, without its "name:" prefix, up to the first ':' or sentence end. */
function summaryOf(text: string, name: string): string {
  const lead: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lead.push(line.replace(/^#\s?/, '').trim());
  }
  const prose = lead.join(' ').replace(`${name.replace(/\.kpatch$/, '')}: `, '');
  return /^(.*?)(?::\s|\.\s|\.?$)/.exec(prose)?.[1] ?? prose;
}

/**
 * Resolves a patch-file argument: a path that exists is itself; a bare name (no '/') that is not
 * a file here names a bundled patch file, with or without `.kpatch`.
 */
export function resolvePatchFile(arg: string): string {
  if (arg.includes('/') || fs.existsSync(arg)) return arg;
  const bundled = bundledPatches().find((p) => p.name === arg || p.name === `${arg}.kpatch`);
  if (bundled) return bundled.path;
  throw new KpatchError('IO', `cannot read ${arg}: no such file, and no bundled patch file of that name`, `kpatch apply --list shows them: ${bundledPatches().map((p) => p.name).join(', ')}`);
}
