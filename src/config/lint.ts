/**
 * The config linter: config(1)'s errors (NetBSD usr.bin/config sem.c, main.c) and a few warnings, without false
 * alarms. A check that needs information we do not have (an include not read, a files.* missing from the tree) is
 * skipped and listed in `notes` instead of guessed.
 */
import type { Locator, LocatorDef, Position, StatementKind } from './ast';
import { addDefinition, copyDefinitions, createDefinitionCache, isDefinedIn, loadDefinitions, type DefinitionCache, type Definitions } from './defs';
import { createEvaluator, instanceName, type ConfigModel, type Instance } from './model';
import { formatDeviceRef } from './print';
import { parseNodes } from './parser';
import { MAX_INCLUDE_DEPTH, walkConfig, type Issue, type SourceTree } from './resolve';

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
  /** Shares parsed definition files and loaded machine definitions across calls (lint() shares one across its inputs). */
  readonly cache?: DefinitionCache;
}

const DEFINITION_KINDS: ReadonlySet<StatementKind> = new Set([
  'device', 'attach', 'define', 'defpseudo', 'defpseudodev', 'deffs', 'defflag', 'defparam', 'defopt', 'obsolete',
  'file', 'object', 'device-major', 'devclass', 'prefix', 'buildprefix', 'version', 'maxpartitions', 'major', 'mkflagvar',
]);

/** Lints each input and returns one result per file, in order; definitions are parsed once for all of them. */
export function lint(inputs: readonly LintInput[], opts: LintOptions = {}): LintResult[] {
  const cache = opts.cache ?? createDefinitionCache();
  return inputs.map((input) => lintOne(input, opts.sys, cache));
}

/**
 * Files that exist only in some trees, and what their absence means: NetBSD's tslog port (smolBSD) adds
 * arch/x86/conf/files.tslog; without it a config that includes the file cannot be built from that tree, but that is
 * the tree's age, not a mistake in the config.
 */
const OPTIONAL_FILES: readonly { readonly test: RegExp; readonly note: (path: string) => string }[] = [
  { test: /(^|\/)files\.tslog$/, note: (p) => `${p} is not in this tree: it comes with NetBSD's tslog port (smolBSD's NetBSD-src); TSLOG and its files not checked` },
];

function lintOne(input: LintInput, sys: SourceTree | undefined, cache: DefinitionCache): LintResult {
  const result: LintResult = { file: input.file, errors: [], warnings: [], notes: [] };
  const add = (i: Issue) => {
    const msg: LintMessage = { line: i.line, column: i.column, message: i.message, ...(i.file !== input.file ? { file: i.file } : {}) };
    if (i.severity === 'error') result.errors.push(msg);
    else if (i.severity === 'warning') result.warnings.push(msg);
    else result.notes.push(i.message);
  };
  // One walk: the machine line loads the definitions (as config(1)'s setmachine does), so ifdefs after it see them;
  // statements go straight into the evaluator and are not kept.
  const ev = createEvaluator();
  let machine: readonly string[] | undefined;
  let defs: Definitions | undefined;
  let ownDefs = false; // defs is a private copy (the config defines things of its own)
  let definitions = 0;
  let selections = 0;
  const walk = walkConfig(
    { file: input.file, nodes: parseNodes(input.text, input.file) },
    {
      tree: sys,
      treePathOfInput: input.treePath,
      collect: false,
      isDefined: (n) => (defs ? isDefinedIn(defs, n) : machine?.includes(n) === true),
      parse: (path, text) => cache.parsed.get(path) ?? parseNodes(text, path),
      onStatement: ({ stmt, via }) => {
        if (via.length === 1) {
          if (DEFINITION_KINDS.has(stmt.kind)) definitions++;
          if (SELECTION_KINDS.has(stmt.kind)) selections++;
        }
        if (stmt.kind === 'machine' && !stmt.negated && machine === undefined) {
          machine = stmt.args;
          if (sys && machine) defs = loadDefinitions(machine, sys, cache);
        }
        if (defs && DEFINITION_KINDS.has(stmt.kind)) {
          if (!ownDefs) {
            defs = copyDefinitions(defs);
            ownDefs = true;
          }
          addDefinition(defs, stmt);
        }
        ev.add(stmt);
      },
    },
  );
  const optionalNotes = new Map(walk.unresolved.flatMap((p) => OPTIONAL_FILES.filter((o) => o.test.test(p)).map((o) => [p, o.note(p)] as const)));
  const optional = [...optionalNotes.keys()];
  for (const i of walk.issues) {
    const gone = /^cannot open (.*) for reading$/.exec(i.message)?.[1];
    if (gone !== undefined && optional.includes(gone)) continue;
    add(i);
  }
  result.notes.push(...optionalNotes.values());
  for (const i of defs?.issues ?? []) add({ ...i, severity: 'warning', message: `in definitions: ${i.message}` });
  if (definitions > 0 && selections === 0) {
    result.notes.push('definition file (files.*): only syntax and includes checked');
    return result;
  }
  const unresolved = walk.unresolved.filter((p) => !optional.includes(p));
  const complete = unresolved.length === 0;
  if (!complete) {
    const why = sys ? 'not found in the tree' : 'not read (no --sys)';
    result.notes.push(`includes ${why}: ${unresolved.join(', ')}; unmatched 'no' lines, orphans and a missing 'config' line not checked`);
  }
  const { model, issues } = ev.finish({ complete });
  // instance lines config(1) refuses (sem.c adddev `goto bad`) are not added, so they are never orphans either
  const refused = new Set<Instance>();
  issues.forEach(add);
  if (complete && model.machine && model.configs.size === 0) {
    add({ severity: 'error', file: input.file, line: 1, column: 1, message: `${input.file} has no configurations!` });
  }
  if (defs) {
    checkAgainstDefinitions(model, defs, complete, refused).forEach(add);
    if (defs.missing.length > 0) {
      result.notes.push(`definition files not in the tree: ${defs.missing.join(', ')}; unknown devices and attachment attributes not checked`);
    }
  } else {
    if (sys && !machine) result.notes.push("no 'machine' line: devices not checked against definitions");
    if (!sys) result.notes.push('no --sys: devices not checked against definitions');
  }
  orphans(model, defs, complete, refused).forEach(add);
  // in reading order (an include's findings where the include is), as config(1) reports them while it reads
  const key = (m: LintMessage): number[] => {
    const out = [m.line, m.column];
    let f = m.file ?? input.file;
    for (let hops = 0; f !== input.file && hops <= MAX_INCLUDE_DEPTH + 1; hops++) {
      const from = walk.includedFrom.get(f);
      if (!from) return [Number.MAX_SAFE_INTEGER, ...out]; // a definition file: after the config's own findings
      out.unshift(from.line);
      f = from.file;
    }
    return out;
  };
  const order = (a: LintMessage, b: LintMessage) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  result.errors.sort(order);
  result.warnings.sort(order);
  return result;
}

const SELECTION_KINDS: ReadonlySet<StatementKind> = new Set(['machine', 'options', 'instance', 'pseudo-device', 'config', 'file-system', 'no-device-at']);

/**
 * Attributes an instance's device carries: its own name (`at pv?` may name the device pv), the attributes after `:`
 * in its definition, and what those depend on in turn (`define a: b`), so no false "cannot attach".
 */
function carried(name: string, defs: Definitions | undefined): string[] {
  const out = new Set<string>([name]);
  const todo = [...(defs?.devices.get(name)?.attrs ?? [])];
  while (todo.length > 0) {
    const a = todo.pop()!;
    if (out.has(a)) continue;
    out.add(a);
    todo.push(...(defs?.attributes.get(a)?.deps ?? []));
  }
  return [...out];
}

/**
 * config(1)'s orphan check: a `dev at parent?` whose parent is neither a configured device nor an attribute some
 * configured device carries. A `parent?` is judged only when every configured device's definition is known (or the
 * definitions are complete): otherwise an unseen definition might give some device that attribute.
 */
function orphans(model: ConfigModel, defs: Definitions | undefined, complete: boolean, refused: ReadonlySet<Instance>): Issue[] {
  if (!complete) return [];
  const defsComplete = defs !== undefined && defs.missing.length === 0;
  const present = new Set<string>();
  // a refused line still counts as a parent: config(1) stops after the errors of reading (main.c), so its children
  // are never judged, and reporting them would only repeat the one mistake
  for (const i of model.instances) for (const a of carried(i.device.name, defs)) present.add(a);
  // a defpseudodev is a parent too (`bthub* at bcsp?`, `ld* at ataraid?`)
  for (const name of model.pseudoDevices.keys()) for (const a of carried(name, defs)) present.add(a);
  const removedAttrs = new Set<string>();
  for (const name of model.removed) for (const a of carried(name, defs)) if (!present.has(a)) removedAttrs.add(a);
  const allKnown = defs !== undefined && model.instances.every((i) => defs.devices.has(i.device.name));
  const out: Issue[] = [];
  for (const i of model.instances) {
    if (i.parent === 'root' || refused.has(i)) continue;
    const p = i.parent;
    // config(1): silent when the parent was removed with `no` (an explicitly orphaned instance, DEVI_IGNORED), also
    // when the parent is an attribute only removed devices carried (`no zaudio0 at iic?` leaves `audio* at audiobus?`)
    if (model.removed.has(p.name) || removedAttrs.has(p.name)) continue;
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

function checkAgainstDefinitions(model: ConfigModel, defs: Definitions, complete: boolean, refused: Set<Instance>): Issue[] {
  const out: Issue[] = [];
  const defsComplete = defs.missing.length === 0;
  const err = (s: Position, message: string) => out.push({ severity: 'error', file: s.file, line: s.line, column: s.column, message });
  const refuse = (i: Instance, message: string) => {
    refused.add(i);
    err(i.at, message);
  };
  for (const [name, set] of model.options) {
    const kind = defs.options.get(name);
    if (kind === 'defflag' && set.value !== undefined) err(set.at, `option '${name}' must not have a value`);
    if (kind === 'defparam' && set.value === undefined) err(set.at, `option '${name}' must have a value`);
    if (kind === 'deffs') err(set.at, `'${name}' is a defined file system`);
    if (kind === 'obsolete') out.push({ severity: 'warning', ...set.at, message: `obsolete option '${name}' ignored` });
  }
  if (defsComplete) {
    for (const [name, set] of model.fileSystems) if (defs.options.get(name) !== 'deffs') err(set.at, `'${name}' is not a defined file system`);
  }
  for (const [name, set] of model.pseudoDevices) {
    const d = defs.devices.get(name);
    // sem.c addpseudo
    if (d && !d.pseudo) err(set.at, `${name} is a real device, not a pseudo-device`);
    else if (!d && defsComplete) err(set.at, `undefined pseudo-device ${name}`);
  }
  for (const i of model.instances) {
    const name = i.device.name;
    const d = defs.devices.get(name);
    if (d?.pseudo) {
      refuse(i, `${name} is a pseudo-device`);
      continue;
    }
    const attaches = defs.attachments.get(name) ?? [];
    if (!d && attaches.length === 0) {
      if (defsComplete) refuse(i, `${instanceName(i)}: unknown device '${name}'`);
      continue;
    }
    if (i.parent === 'root') {
      if (defsComplete && !attaches.some((a) => a.at.includes('root'))) refuse(i, `'${name}' cannot attach to the root`);
      continue;
    }
    if (!defsComplete || !complete) continue; // another attach line may live in a files.* we do not have
    // sem.c adddev: a parent device must carry an attribute the device attaches at (its own interface attribute
    // or one it depends on: `xenbus* at hypervisor?` goes through hypervisor's xendevbus); a parent that is only an
    // attribute must be one the device attaches at; anything else is unknown.
    const parent = i.parent.name;
    const at = `${formatDeviceRef(i.parent)}`;
    const attachesAt = (attr: string) => attaches.some((a) => a.at.includes(attr));
    let via: string[];
    if (defs.devices.has(parent)) via = carried(parent, defs).filter(attachesAt);
    else if (defs.attributes.has(parent)) via = attachesAt(parent) ? [parent] : [];
    else {
      refuse(i, `${formatDeviceRef(i.device)} at ${at}: '${parent}' unknown`);
      continue;
    }
    if (via.length === 0) {
      refuse(i, `${name}'s cannot attach to ${parent}'s`);
      continue;
    }
    // sem.c fixloc, against the interface attribute the device attaches through (any that takes the line)
    const problems = via.map((a) => locatorProblems(formatDeviceRef(i.device), defs.attributes.get(a)?.locators, i.locators));
    if (!problems.some((p) => p.length === 0)) for (const m of problems[0]) err(i.at, m);
  }
  return out;
}

/**
 * config(1)'s locator check (usr.bin/config sem.c fixloc): every locator the attribute requires is given, none it
 * lacks is, and `?` only where it has a default. An array locator `name[N]` takes up to N comma-separated values, the
 * first required unless bracketed. No locator list known (a plain attribute): nothing to check.
 */
function locatorProblems(instance: string, declared: readonly LocatorDef[] | undefined, given: readonly Locator[]): string[] {
  if (!declared) return [];
  // expand arrays as gram.y locarray/namelocvals do: name, then name + index for the later values
  const slots: { name: string; required: boolean; hasDefault: boolean }[] = [];
  for (const d of declared) {
    const n = d.size ?? 1;
    const defaults = d.default?.split(',') ?? [];
    for (let k = 0; k < n; k++) slots.push({ name: k === 0 ? d.name : `${d.name}[${k}]`, required: k === 0 && !d.optional && d.default === undefined, hasDefault: d.default !== undefined || d.size !== undefined || defaults[k] !== undefined });
  }
  const values: { name: string; wild: boolean }[] = [];
  for (const g of given) g.value.split(',').forEach((v, k) => values.push({ name: k === 0 ? g.name : `${g.name}[${k}]`, wild: v === '?' }));
  const known = new Map(slots.map((s) => [s.name, s]));
  const extra = values.filter((v) => !known.has(v.name)).map((v) => v.name);
  const missing = slots.filter((s) => s.required && !values.some((v) => v.name === s.name)).map((s) => s.name);
  const nodefault = values.filter((v) => v.wild && known.get(v.name)?.hasDefault === false).map((v) => v.name);
  const out: string[] = [];
  if (extra.length) out.push(`${instance}: extraneous locator${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`);
  if (missing.length) out.push(`${instance}: must specify ${missing.join(', ')}`);
  if (nodefault.length) out.push(`${instance}: cannot wildcard ${nodefault.join(', ')}`);
  return out;
}
