/**
 * Definitions from a source tree's files.* (devices, attachments, attributes, options), loaded the way config(1)
 * does for a `machine` line: NetBSD usr.bin/config gram.y setmachine() defines the machine names as attributes, then
 * reads conf/files, files.<arch>, the sub-architectures and files.<machine>, following their includes and ifdefs.
 * A line that cannot be parsed is a warning and reading goes on at the next line, so one odd construct never hides
 * the definitions after it. A {@link DefinitionCache} parses each file once and loads each machine line once.
 */
import type { LocatorDef, Node, Position, Statement } from './ast';
import { parseNodes } from './parser';
import { walkConfig, type Issue, type SourceTree } from './resolve';

/** A `device` / `defpseudo` / `defpseudodev` definition. */
export interface DeviceDef {
  readonly name: string;
  readonly pseudo: boolean;
  /** Attributes the device carries: those after `:` and, for `device x {…}`, its own interface attribute. */
  readonly attrs: readonly string[];
  readonly at: Position;
}

/** An `attach DEV at ATTR[, ATTR] [with NAME]` line. */
export interface AttachDef {
  readonly device: string;
  readonly at: readonly string[];
  readonly with?: string;
  readonly pos: Position;
}

/** A `define` (or a device's own interface attribute): its locators and the attributes it depends on. */
export interface AttrDef {
  readonly iface: boolean;
  readonly locators?: readonly LocatorDef[];
  readonly deps: readonly string[];
}

/** What an option name was declared as. */
export type OptionKind = 'defflag' | 'defparam' | 'defopt' | 'deffs' | 'obsolete';

/** Everything the linter needs from files.*, plus which files were missing (then the set is incomplete). */
export interface Definitions {
  readonly devices: Map<string, DeviceDef>;
  readonly attachments: Map<string, AttachDef[]>;
  /** Every defined attribute name (define, interface devices, attachments, machine names). */
  readonly attributes: Map<string, AttrDef>;
  readonly options: Map<string, OptionKind>;
  readonly files: string[];
  /** Definition files that could not be read; checks that need a complete set are skipped when this is not empty. */
  readonly missing: string[];
  readonly issues: Issue[];
}

/** Parsed files by tree path and loaded definitions by machine line, shared by every config a lint run reads. */
export interface DefinitionCache {
  readonly parsed: Map<string, readonly Node[]>;
  readonly byMachine: Map<string, Definitions>;
}

/** Creates an empty {@link DefinitionCache}. */
export function createDefinitionCache(): DefinitionCache {
  return { parsed: new Map(), byMachine: new Map() };
}

/** The files.* config(1) reads for `machine NAME [ARCH [SUBARCH...]]`, in reading order (gram.y setmachine). */
export function definitionFiles(machine: readonly string[]): string[] {
  const [name, arch, ...subs] = machine;
  const out = ['conf/files'];
  if (arch) out.push(`arch/${arch}/conf/files.${arch}`);
  // subarches are kept in a list built by prepending and each is pushed on the include stack in list order, so the
  // stack pops them in the order written
  for (const s of subs) out.push(`arch/${s}/conf/files.${s}`);
  out.push(`arch/${name}/conf/files.${name}`);
  return out;
}

/** Creates an empty definition set, the machine names already defined as attributes. */
function emptyDefinitions(machine: readonly string[]): Definitions {
  const defs: Definitions = { devices: new Map(), attachments: new Map(), attributes: new Map(), options: new Map(), files: [], missing: [], issues: [] };
  for (const m of machine) defs.attributes.set(m, { iface: false, deps: [] });
  return defs;
}

/** Copies a definition set, for a config that adds definitions of its own to a shared one. */
export function copyDefinitions(d: Definitions): Definitions {
  return {
    devices: new Map(d.devices),
    attachments: new Map([...d.attachments].map(([k, v]) => [k, [...v]])),
    attributes: new Map(d.attributes),
    options: new Map(d.options),
    files: [...d.files],
    missing: [...d.missing],
    issues: [...d.issues],
  };
}

/** Whether `name` counts as defined for ifdef/ifndef (scan.l getcurifdef looks it up in the attribute table). */
export function isDefinedIn(defs: Definitions, name: string): boolean {
  return defs.attributes.has(name) || defs.devices.has(name);
}

/** Records one definition statement in `defs` (config(1)'s defdev, defattr, defdevattach, defoption...). */
export function addDefinition(defs: Definitions, s: Statement): void {
  const pos = { file: s.file, line: s.line, column: s.column };
  switch (s.kind) {
    case 'device':
    case 'defpseudo':
    case 'defpseudodev': {
      const attrs = [...(s.attrs ?? []), ...(s.iface ? [s.name] : [])];
      defs.devices.set(s.name, { name: s.name, pseudo: s.kind !== 'device', attrs, at: pos });
      if (s.iface) defs.attributes.set(s.name, { iface: true, locators: s.locatorDefs ?? [], deps: s.attrs ?? [] });
      break;
    }
    case 'define':
      defs.attributes.set(s.name, { iface: s.iface === true, ...(s.iface ? { locators: s.locatorDefs ?? [] } : {}), deps: s.attrs ?? [] });
      break;
    case 'attach': {
      const list = defs.attachments.get(s.name) ?? [];
      list.push({ device: s.name, at: s.attrs ?? [], with: s.with, pos });
      defs.attachments.set(s.name, list);
      if (s.with && !defs.attributes.has(s.with)) defs.attributes.set(s.with, { iface: false, deps: s.names ?? [] });
      break;
    }
    case 'defflag':
    case 'defparam':
    case 'defopt':
    case 'deffs':
    case 'obsolete':
      for (const n of s.names ?? []) defs.options.set(n, s.kind);
      break;
  }
}

/** Loads the definitions for a machine line from the tree (once per machine line with a cache); missing files are recorded, not fatal. */
export function loadDefinitions(machine: readonly string[], tree: SourceTree, cache: DefinitionCache = createDefinitionCache()): Definitions {
  const key = machine.join(' ');
  const cached = cache.byMachine.get(key);
  if (cached) return cached;
  const defs = emptyDefinitions(machine);
  const parse = (path: string, text: string): readonly Node[] => {
    let nodes = cache.parsed.get(path);
    if (!nodes) {
      nodes = [...parseNodes(text, path)];
      cache.parsed.set(path, nodes);
    }
    return nodes;
  };
  for (const path of definitionFiles(machine)) {
    const text = tree.read(path);
    if (text === undefined) {
      defs.missing.push(path);
      continue;
    }
    const walk = walkConfig(
      { file: path, nodes: parse(path, text) },
      { tree, treePathOfInput: path, isDefined: (n) => isDefinedIn(defs, n), onStatement: ({ stmt }) => addDefinition(defs, stmt), parse, collect: false },
    );
    defs.files.push(...walk.files);
    // A files.* include that is absent makes the set incomplete; it is not an error in the config being linted.
    defs.missing.push(...walk.unresolved);
    defs.issues.push(...walk.issues.filter((i) => !i.message.startsWith('cannot open ')));
  }
  cache.byMachine.set(key, defs);
  return defs;
}
