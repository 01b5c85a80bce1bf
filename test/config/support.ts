import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import type { SourceTree } from '../../src/config/resolve';

/** The corpus's sys tree on disk. */
export const CORPUS_SYS = join(__dirname, '..', 'corpus', 'sys');

/** A SourceTree over a directory (tests may touch fs; the core never does). */
export function dirTree(root: string): SourceTree {
  return { read: (p) => (existsSync(join(root, p)) && statSync(join(root, p)).isFile() ? readFileSync(join(root, p), 'utf8') : undefined) };
}

/** A SourceTree over an in-memory map. */
export function memTree(files: Record<string, string>): SourceTree {
  return { read: (p) => files[p] };
}

/** Every file under a directory, as paths relative to it. */
export function listFiles(root: string): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(root).map((p) => relative(root, p)).sort();
}
