/**
 * The config linter: config(1)'s errors (NetBSD usr.bin/config sem.c, main.c) and a few warnings, without false
 * alarms. A check that needs information we do not have (an include not read, a files.* missing from the tree) is
 * skipped and listed in `notes` instead of guessed.
 */
import type { ConfigFile, Statement, StatementKind } from './ast';
import { loadDefinitions, type Definitions } from './defs';
import { ConfigError } from './errors';
import { evaluate, instanceName, type ConfigModel } from './model';
import { parseConfig } from './parser';
import { walkConfig, type Issue, type SourceTree } from './resolve';

/** One finding; `file` is set when it lies in an included file rather than the linted one. */
export interface LintMessage {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly file?: string;
}

/** The lint result for one input file, `file` as given. */
export interface LintResult {
  readonly file: string;
  readonly errors: LintMessage[];
  readonly warnings: LintMessage[];
  /** Checks that were skipped, and why. */
  readonly notes: string[];
}

/** A file to lint: its name as given, its text, and its path inside the tree when it lies in it. */
export interface LintInput {
  readonly file: string;
  readonly text: string;
  readonly treePath?: string;
}

/** Options for {@link lint}. */
export interface LintOptions {
  /** A NetBSD `src/sys` tree: resolves includes and loads the machine's files.* definitions. */
  readonly sys?: SourceTree;
}

const DEFINITION_KINDS: ReadonlySet<StatementKind> = new Set([
  'device', 'attach', 'define', 'defpseudo', 'defpseudodev', 'deffs', 'defflag', 'defparam', 'defopt', 'obsolete',
  'file', 'object', 'device-major', 'devclass', 'prefix', 'buildprefix', 'version', 'maxpartitions',
]);

/** Lints each input and returns one result per file, in order. */
export function lint(inputs: readonly LintInput[], opts: LintOptions = {}): LintResult[] {
  return inputs.map((input) => lintOne(input, opts));
}

function lintOne(input: LintInput, opts: LintOptions): LintResult {
  const result: LintResult = { file: input.file, errors: [], warnings: [], notes: [] };
  const add = (i: Issue) => {
    const msg: LintMessage = { line: i.line, column: i.column, message: i.message, ...(i.file !== input.file ? { file: i.file } : {}) };
    if (i.severity === 'error') result.errors.push(msg);
    else if (i.severity === 'warning') result.warnings.push(msg);
    else result.notes.push(i.message);
  };
  let parsed: ConfigFile;
  try {
    parsed = parseConfig(input.text, input.file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    result.errors.push({ line: e.line, column: e.column, message: e.detail });
    return result;
  }
  // The machine line decides the definitions, and ifdef needs them: walk once to find it, then again with them.
  const first = walkConfig(parsed, { tree: opts.sys, treePathOfInput: input.treePath });
  const machine = first.statements.find((r) => r.stmt.kind === 'machine')?.stmt.args;
  let defs: Definitions | undefined;
  if (opts.sys && machine) defs = loadDefinitions(machine, opts.sys);
  const walk = defs
    ? walkConfig(parsed, { tree: opts.sys, treePathOfInput: input.treePath, isDefined: (n) => defs!.attributes.has(n) || defs!.devices.has(n) })
    : first;
  walk.issues.forEach(add);
  for (const i of defs?.issues ?? []) add({ ...i, severity: 'warning', message: `in definitions: ${i.message}` });
  if (isDefinitionFile(parsed)) {
    result.notes.push('definition file (files.*): only syntax and includes checked');
    return result;
  }
  const complete = walk.unresolved.length === 0;
  if (!complete) {
    const why = opts.sys ? 'not found in the tree' : 'not read (no --sys)';
    result.notes.push(`includes ${why}: ${walk.unresolved.join(', ')}; unmatched 'no' lines, orphans and a missing 'config' line not checked`);
  }
  const { model, issues } = evaluate(walk.statements, { complete });
  issues.forEach(add);
  if (complete && model.machine && model.configs.size === 0) {
    add({ severity: 'error', file: input.file, line: 1, column: 1, message: `${input.file} has no configurations!` });
  }
  if (defs) {
    checkAgainstDefinitions(model, walk.statements.map((r) => r.stmt), defs, complete).forEach(add);
    if (defs.missing.length > 0) {
      result.notes.push(`definition files not in the tree: ${defs.missing.join(', ')}; unknown devices and attachment attributes not checked`);
    }
  } else {
    if (opts.sys && !machine) result.notes.push("no 'machine' line: devices not checked against definitions");
    if (!opts.sys) result.notes.push('no --sys: devices not checked against definitions');
  }
  orphans(model, defs, complete).forEach(add);
  return result;
}

const SELECTION_KINDS: ReadonlySet<StatementKind> = new Set(['machine', 'options', 'instance', 'pseudo-device', 'config', 'file-system', 'no-device-at']);

/** A files.* file: definitions of its own and no selections (a kernel config may include files.*, like SMOL does). */
function isDefinitionFile(file: ConfigFile): boolean {
  const own = file.nodes.filter((n): n is Statement => n.type === 'statement');
  return own.some((s) => DEFINITION_KINDS.has(s.kind)) && !own.some((s) => SELECTION_KINDS.has(s.kind));
}

/** Attributes an instance's device carries (its own name counts: `at pv?` may name the device pv). */
function carried(name: string, defs: Definitions | undefined): string[] {
  return [name, ...(defs?.devices.get(name)?.attrs ?? [])];
}

/**
 * config(1)'s orphan check: a `dev at parent?` whose parent is neither a configured device nor an attribute some
 * configured device carries. A `parent?` is judged only when every configured device's definition is known (or the
 * definitions are complete): otherwise an unseen definition might give some device that attribute.
 */
function orphans(model: ConfigModel, defs: Definitions | undefined, complete: boolean): Issue[] {
  if (!complete) return [];
  const defsComplete = defs !== undefined && defs.missing.length === 0;
  const present = new Set<string>();
  for (const i of model.instances) for (const a of carried(i.device.name, defs)) present.add(a);
  const allKnown = defs !== undefined && model.instances.every((i) => defs.devices.has(i.device.name));
  const out: Issue[] = [];
  for (const i of model.instances) {
    if (i.parent === 'root') continue;
    const p = i.parent;
    if (model.removed.has(p.name)) continue; // config(1): silent when the parent was removed with `no`
    let found: boolean;
    if (typeof p.unit === 'number') {
      found = model.instances.some((j) => j.device.name === p.name && (j.device.unit === p.unit || j.device.unit === '*'));
    } else {
      found = present.has(p.name);
      // Any device whose definition we lack may carry the attribute, so judge only when we know them all.
      if (!found && !defsComplete && !allKnown) continue;
    }
    if (!found) {
      out.push({ severity: 'error', ...i.at, message: `'${instanceName(i)}' is orphaned (nothing matching '${p.name}${p.unit ?? ''}' found)` });
    }
  }
  return out;
}

function checkAgainstDefinitions(model: ConfigModel, statements: readonly Statement[], defs: Definitions, complete: boolean): Issue[] {
  const out: Issue[] = [];
  const defsComplete = defs.missing.length === 0;
  const err = (s: { file: string; line: number; column: number }, message: string) => out.push({ severity: 'error', file: s.file, line: s.line, column: s.column, message });
  for (const s of statements) {
    if (s.negated) continue;
    if (s.kind === 'options') {
      for (const it of s.items ?? []) {
        const kind = defs.options.get(it.name);
        if (kind === 'defflag' && it.value !== undefined) err(s, `option '${it.name}' must not have a value`);
        if (kind === 'defparam' && it.value === undefined) err(s, `option '${it.name}' must have a value`);
        if (kind === 'deffs') err(s, `'${it.name}' is a defined file system`);
        if (kind === 'obsolete') out.push({ severity: 'warning', file: s.file, line: s.line, column: s.column, message: `obsolete option '${it.name}' ignored` });
      }
    }
    if (s.kind === 'file-system' && defsComplete) {
      for (const n of s.names ?? []) if (defs.options.get(n) !== 'deffs') err(s, `'${n}' is not a defined file system`);
    }
    if (s.kind === 'pseudo-device') {
      const d = defs.devices.get(s.name!);
      if (d && !d.pseudo) err(s, `${s.name} is a real device, not a pseudo-device`);
      else if (!d && defsComplete) err(s, `'${s.name}' is not a defined pseudo-device`);
    }
  }
  for (const i of model.instances) {
    const name = i.device.name;
    const d = defs.devices.get(name);
    if (d?.pseudo) {
      err(i.at, `${name} is a pseudo-device`);
      continue;
    }
    const attaches = defs.attachments.get(name) ?? [];
    if (!d && attaches.length === 0) {
      if (defsComplete) err(i.at, `${instanceName(i)}: unknown device '${name}'`);
      continue;
    }
    if (i.parent === 'root') {
      if (defsComplete && !attaches.some((a) => a.at.includes('root'))) err(i.at, `'${name}' cannot attach to the root`);
      continue;
    }
    if (!defsComplete || !complete) continue; // another attach line may live in a files.* we do not have
    const parent = i.parent.name;
    const parentAttrs = defs.devices.has(parent) ? carried(parent, defs) : [parent];
    if (!attaches.some((a) => a.at.some((at) => parentAttrs.includes(at)))) {
      err(i.at, `'${name}' cannot attach to '${parent}'`);
    }
  }
  return out;
}
