#!/usr/bin/env node
/**
 * The `kpatch` binary. It runs the bundled program (dist/cli/kpatch.js, made by esbuild from
 * program.ts) through V8's code cache (kpatch.js.cache, made at build time by
 * scripts/code-cache.js), so a run does not parse and compile 400 KB of JavaScript before it reads
 * a byte of the kernel. Node 22's `module.enableCompileCache` does this natively; Node 20 has no
 * such thing. The cache is only ever an accelerator: when it is missing, belongs to another build
 * (the stamp at the end of the bundle differs), or V8 rejects it (another Node, other V8 flags),
 * the bundle is compiled as usual. Without a bundle (only `tsc` ran) the program runs unbundled.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** The bundle's file name, beside this file. */
export const BUNDLE = 'kpatch.js';
/** The code cache's file name: the build stamp, a newline, then V8's cached data. */
export const CACHE = 'kpatch.js.cache';
/** What the build appends to the bundle: this, then the sha256 of the bundle before it. */
export const STAMP = '\n//# kpatch-build ';
const STAMP_LENGTH = STAMP.length + 64;

/** What the bundle exports (program.ts). */
export interface Program {
  main(): void;
  run(argv: readonly string[], io: import('./io').Io): Promise<number>;
}

/** A loaded bundle, and whether V8 took the cache. */
export interface Loaded {
  readonly program: Program;
  readonly script: vm.Script;
  readonly cache: 'used' | 'rejected' | 'none';
}

/** The build stamp at the end of a bundle's source, or undefined. */
export function stampOf(source: string): string | undefined {
  const tail = source.slice(-STAMP_LENGTH);
  return tail.startsWith(STAMP) ? tail.slice(STAMP.length) : undefined;
}

/** The cached data in `dir` made for the bundle with `stamp`, or undefined. */
function cacheFor(dir: string, stamp: string | undefined): Buffer | undefined {
  if (!stamp) return undefined;
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(dir, CACHE));
  } catch {
    return undefined;
  }
  return data.length > 65 && data.toString('latin1', 0, 65) === `${stamp}\n` ? data.subarray(65) : undefined;
}

/** Compiles and runs the bundle in `dir` as a CommonJS module; undefined when there is no bundle. */
export function loadBundle(directory: string, useCache = true): Loaded | undefined {
  const dir = path.resolve(directory);
  const file = path.join(dir, BUNDLE);
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const cachedData = useCache ? cacheFor(dir, stampOf(source)) : undefined;
  // The same wrapper as Node's CommonJS loader, so the bundle sees require, module and __dirname.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Program };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dir);
  return { program: module.exports, script, cache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
}

if (require.main === module) {
  const loaded = loadBundle(__dirname);
  if (loaded) loaded.program.main();
  else (require('./program') as typeof import('./program')).main();
}
