/**
 * Include resolution through an injected source tree (the CLI supplies the file system), with config(1)'s path rules:
 * paths are relative to the tree root unless they start with `./` (relative to the including file). Paths that would
 * leave the tree, include cycles and runaway nesting are reported instead of followed.
 */
import type { ConfigFile, Node, Position, Statement } from './ast';
import { ConfigError } from './errors';
import { parseConfig } from './parser';

/** Read access to a NetBSD `src/sys` tree; `read` returns undefined when the file does not exist. */
export interface SourceTree {
  read(path: string): string | undefined;
}

/** A finding of the resolver or the linter; `file` is the tree path of an included file when it is not the input. */
export interface Issue extends Position {
  readonly severity: 'error' | 'warning' | 'note';
  readonly message: string;
}

/** Include nesting deeper than this is refused (config(1) has no limit; NetBSD's deepest real chain is about 5). */
export const MAX_INCLUDE_DEPTH = 16;

/** A statement reached while walking a config with its includes expanded. */
export interface Reached {
  readonly stmt: Statement;
  /** The include chain, outermost first, as tree paths (the input file first). */
  readonly via: readonly string[];
}

/** The result of walking a config: statements in config(1)'s order, issues, and whether every include was read. */
export interface Walk {
  readonly statements: Reached[];
  readonly issues: Issue[];
  /** Include paths that could not be read (no tree, or missing). */
  readonly unresolved: string[];
  readonly files: string[];
}

/** Normalises an include path against the tree, or returns an error message when it escapes the tree. */
export function treePath(path: string, fromDir: string | undefined): { path: string } | { error: string } {
  if (path.startsWith('/')) return { error: `include path '${path}' is absolute; only paths inside the source tree are followed` };
  let base: string[] = [];
  let rel = path;
  if (path.startsWith('./')) {
    if (fromDir === undefined) return { error: `include path '${path}' is relative to a file outside the source tree` };
    base = fromDir === '' ? [] : fromDir.split('/');
    rel = path.slice(2);
  }
  const out = [...base];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return { error: `include path '${path}' escapes the source tree` };
      out.pop();
    } else out.push(seg);
  }
  return { path: out.join('/') };
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Options for {@link walkConfig}. */
export interface WalkOptions {
  /** Where to read includes; without it includes are listed as unresolved. */
  readonly tree?: SourceTree;
  /** Tree path of the input, when it lies inside the tree (for `./` includes and cycle detection). */
  readonly treePathOfInput?: string;
  /** Whether an attribute is defined, for ifdef/ifndef; without it every attribute counts as undefined. */
  readonly isDefined?: (name: string) => boolean;
  /** Called for each statement in order (after conditionals); may define attributes as it goes. */
  readonly onStatement?: (r: Reached) => void;
}

/** Walks a parsed config and, through the tree, its includes, honouring ifdef/ifndef/elifdef/elifndef/else/endif. */
export function walkConfig(root: ConfigFile, opts: WalkOptions = {}): Walk {
  const statements: Reached[] = [];
  const issues: Issue[] = [];
  const unresolved: string[] = [];
  const files: string[] = [root.file];
  const isDefined = opts.isDefined ?? (() => false);
  const visit = (file: ConfigFile, chain: string[], treeKey: string | undefined) => {
    walkNodes(file.nodes, isDefined, (stmt) => {
      const reached = { stmt, via: chain };
      if (stmt.kind === 'include' || stmt.kind === 'cinclude' || stmt.kind === 'package') {
        statements.push(reached);
        opts.onStatement?.(reached);
        include(stmt, chain, treeKey);
        return;
      }
      statements.push(reached);
      opts.onStatement?.(reached);
    });
  };
  const include = (stmt: Statement, chain: string[], fromKey: string | undefined) => {
    const resolved = treePath(stmt.path!, fromKey === undefined ? undefined : dirOf(fromKey));
    if ('error' in resolved) {
      issues.push({ severity: 'error', file: stmt.file, line: stmt.line, column: stmt.column, message: resolved.error });
      return;
    }
    const key = resolved.path;
    if (!opts.tree) {
      unresolved.push(key);
      return;
    }
    if (chain.includes(key) || key === opts.treePathOfInput) {
      issues.push({ severity: 'error', file: stmt.file, line: stmt.line, column: stmt.column, message: `include cycle: ${[...chain, key].join(' -> ')}` });
      return;
    }
    if (chain.length > MAX_INCLUDE_DEPTH) {
      issues.push({ severity: 'error', file: stmt.file, line: stmt.line, column: stmt.column, message: `includes nested deeper than ${MAX_INCLUDE_DEPTH} at '${key}'` });
      return;
    }
    const text = opts.tree.read(key);
    if (text === undefined) {
      unresolved.push(key);
      if (stmt.kind !== 'cinclude') {
        issues.push({ severity: 'error', file: stmt.file, line: stmt.line, column: stmt.column, message: `cannot open ${key} for reading` });
      }
      return;
    }
    let parsed: ConfigFile;
    try {
      parsed = parseConfig(text, key);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push({ severity: 'error', file: e.file, line: e.line, column: e.column, message: e.detail });
      return;
    }
    files.push(key);
    visit(parsed, [...chain, key], key);
  };
  visit(root, [opts.treePathOfInput ?? root.file], opts.treePathOfInput);
  return { statements, issues, unresolved, files };
}

/** Calls `visit` for each statement whose ifdef/ifndef conditions hold, in order (scan.l's state machine, as a stack). */
export function walkNodes(nodes: readonly Node[], isDefined: (name: string) => boolean, visit: (s: Statement) => void): void {
  // Each frame: is this branch live, has any branch of this if already matched, is the parent live.
  const stack: { live: boolean; matched: boolean; parentLive: boolean }[] = [];
  const live = () => stack.length === 0 || stack[stack.length - 1].live;
  for (const n of nodes) {
    if (n.type !== 'statement') continue;
    switch (n.kind) {
      case 'ifdef':
      case 'ifndef': {
        const parentLive = live();
        const cond = n.kind === 'ifdef' ? isDefined(n.name!) : !isDefined(n.name!);
        stack.push({ live: parentLive && cond, matched: parentLive && cond, parentLive });
        continue;
      }
      case 'elifdef':
      case 'elifndef': {
        const top = stack[stack.length - 1];
        const cond = n.kind === 'elifdef' ? isDefined(n.name!) : !isDefined(n.name!);
        top.live = top.parentLive && !top.matched && cond;
        top.matched ||= top.live;
        continue;
      }
      case 'else': {
        const top = stack[stack.length - 1];
        top.live = top.parentLive && !top.matched;
        top.matched = true;
        continue;
      }
      case 'endif':
        stack.pop();
        continue;
    }
    if (live()) visit(n);
  }
}
