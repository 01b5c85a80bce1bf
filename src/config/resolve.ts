/**
 * Include resolution through an injected source tree (the CLI supplies the file system), with config(1)'s path rules:
 * paths are relative to the tree root unless they start with `./` (relative to the including file). Paths that would
 * leave the tree, include cycles and runaway nesting are reported instead of followed.
 */
import type { Node, Position, Statement, StatementOf } from './ast';
import { parseNodes } from './parser';

/** Read access to a NetBSD `src/sys` tree; `read` returns undefined when the file does not exist. */
export interface SourceTree {
  read(path: string): string | undefined;
}

/** A finding of the resolver or the linter; `file` is the tree path of an included file when it is not the input. */
export interface Issue extends Position {
  readonly severity: 'error' | 'warning' | 'note';
  readonly message: string;
  /** A line config(1) cannot parse (as opposed to a semantic finding). */
  readonly syntax?: boolean;
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
  /** For each file read through an include: the file and line of that include (for reading-order sorting). */
  readonly includedFrom: Map<string, { file: string; line: number }>;
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
  /** Parses an included file (a cache can share parses across walks); default: a fresh tolerant parse. */
  readonly parse?: (path: string, text: string) => Iterable<Node>;
  /** Keep the reached statements in `Walk.statements` (default true); off, only onStatement sees them. */
  readonly collect?: boolean;
}

/** A file to walk: its name and its nodes, an array or a stream from parseNodes. */
export interface WalkInput {
  readonly file: string;
  readonly nodes: Iterable<Node>;
}

/**
 * Walks a parsed config and, through the tree, its includes, honouring ifdef/ifndef/elifdef/elifndef/else/endif the
 * way scan.l does: a conditional's state is kept per file (an include inside a dead branch is not read), bad lines
 * and unbalanced conditionals are issues, and reading goes on after them.
 */
export function walkConfig(root: WalkInput, opts: WalkOptions = {}): Walk {
  const statements: Reached[] = [];
  const issues: Issue[] = [];
  const unresolved: string[] = [];
  const files: string[] = [root.file];
  const includedFrom = new Map<string, { file: string; line: number }>();
  const isDefined = opts.isDefined ?? (() => false);
  const collect = opts.collect !== false;
  const parse = opts.parse ?? ((path: string, text: string) => parseNodes(text, path));
  // gram.y prefix / package: include paths inside a prefix are relative to it (util.c sourcepath)
  const prefixes: string[] = [];
  const visit = (file: WalkInput, chain: string[], treeKey: string | undefined) => {
    const stack: { live: boolean; matched: boolean; parentLive: boolean; sawElse: boolean; at: Position }[] = [];
    const live = () => stack.length === 0 || stack[stack.length - 1].live;
    const problem = (at: Position, message: string) => issues.push({ severity: 'error', file: at.file, line: at.line, column: at.column, message });
    for (const n of file.nodes) {
      if (n.type === 'invalid') {
        if (live()) issues.push({ severity: 'error', ...n.error, syntax: true });
        continue;
      }
      if (n.type !== 'statement') continue;
      switch (n.kind) {
        case 'ifdef':
        case 'ifndef': {
          const parentLive = live();
          const cond = n.kind === 'ifdef' ? isDefined(n.name) : !isDefined(n.name);
          stack.push({ live: parentLive && cond, matched: parentLive && cond, parentLive, sawElse: false, at: n });
          continue;
        }
        case 'elifdef':
        case 'elifndef':
        case 'else': {
          const top = stack[stack.length - 1];
          if (!top || top.sawElse) {
            problem(n, `mismatched ${n.kind}`);
            continue;
          }
          if (n.kind === 'else') {
            top.sawElse = true;
            top.live = top.parentLive && !top.matched;
          } else {
            const cond = n.kind === 'elifdef' ? isDefined(n.name) : !isDefined(n.name);
            top.live = top.parentLive && !top.matched && cond;
          }
          top.matched ||= top.live;
          continue;
        }
        case 'endif':
          if (!stack.pop()) problem(n, 'mismatched endif');
          continue;
      }
      if (!live()) continue;
      const reached = { stmt: n, via: chain };
      if (collect) statements.push(reached);
      opts.onStatement?.(reached);
      if (n.kind === 'include' || n.kind === 'cinclude' || n.kind === 'package') include(n, chain, treeKey);
      else if (n.kind === 'prefix') {
        if (n.path === undefined) prefixes.pop();
        else prefixes.push(n.path);
      }
    }
    for (const open of stack) problem(open.at, 'reached EOF while looking for endif');
  };
  const include = (stmt: StatementOf<'include' | 'cinclude' | 'package'>, chain: string[], fromKey: string | undefined) => {
    let target = stmt.path;
    if (stmt.kind === 'package') {
      // scan.l package(): prefix_push(dirname), include(basename), prefix_pop at its end
      const i = target.lastIndexOf('/');
      prefixes.push(i < 0 ? '.' : target.slice(0, i));
      target = target.slice(i + 1);
    }
    try {
      const prefix = prefixes[prefixes.length - 1];
      if (prefix !== undefined && !target.startsWith('/') && !target.startsWith('./')) target = `${prefix}/${target}`;
      includeFile(stmt, target, chain, fromKey);
    } finally {
      if (stmt.kind === 'package') prefixes.pop();
    }
  };
  const includeFile = (stmt: StatementOf<'include' | 'cinclude' | 'package'>, target: string, chain: string[], fromKey: string | undefined) => {
    const resolved = treePath(target, fromKey === undefined ? undefined : dirOf(fromKey));
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
      // A missing cinclude is skipped by config(1) too (scan.l include(..., conditional)), so the walk stays complete.
      if (stmt.kind === 'cinclude' || stmt.optional === true) return;
      unresolved.push(key);
      issues.push({ severity: 'error', file: stmt.file, line: stmt.line, column: stmt.column, message: `cannot open ${key} for reading` });
      return;
    }
    files.push(key);
    if (!includedFrom.has(key)) includedFrom.set(key, { file: stmt.file, line: stmt.line });
    visit({ file: key, nodes: parse(key, text) }, [...chain, key], key);
  };
  visit(root, [opts.treePathOfInput ?? root.file], opts.treePathOfInput);
  return { statements, issues, unresolved, files, includedFrom };
}
