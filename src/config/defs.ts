/**
 * Definitions from a source tree's files.* (devices, attachments, attributes, options), loaded the way config(1)
 * does for a `machine` line: NetBSD usr.bin/config main.c reads conf/files, then files.<arch>, the sub-architectures,
 * then files.<machine>, after defining the machine names as attributes.
 */
import type { Position } from './ast';
import { ConfigError } from './errors';
import { parseConfig } from './parser';
import { walkConfig, type Issue, type SourceTree } from './resolve';

/** A `device` / `defpseudo` definition. */
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

/** What an option name was declared as. */
export type OptionKind = 'defflag' | 'defparam' | 'defopt' | 'deffs' | 'obsolete';

/** Everything the linter needs from files.*, plus which files were missing (then the set is incomplete). */
export interface Definitions {
  readonly devices: Map<string, DeviceDef>;
  readonly attachments: Map<string, AttachDef[]>;
  /** Every defined attribute name (define, device, machine names), with whether it is an interface attribute. */
  readonly attributes: Map<string, { iface: boolean }>;
  readonly options: Map<string, OptionKind>;
  readonly files: string[];
  /** Definition files that could not be read; checks that need a complete set are skipped when this is not empty. */
  readonly missing: string[];
  readonly issues: Issue[];
}

/** The files.* config(1) reads for `machine NAME [ARCH [SUBARCH...]]`, in reading order. */
export function definitionFiles(machine: readonly string[]): string[] {
  const [name, arch, ...subs] = machine;
  const out = ['conf/files'];
  if (arch) out.push(`arch/${arch}/conf/files.${arch}`);
  for (const s of [...subs].reverse()) out.push(`arch/${s}/conf/files.${s}`);
  out.push(`arch/${name}/conf/files.${name}`);
  return out;
}

/** Loads the definitions for a machine line from the tree; missing files are recorded, not fatal. */
export function loadDefinitions(machine: readonly string[], tree: SourceTree): Definitions {
  const defs: Definitions = { devices: new Map(), attachments: new Map(), attributes: new Map(), options: new Map(), files: [], missing: [], issues: [] };
  for (const m of machine) defs.attributes.set(m, { iface: false });
  const isDefined = (n: string) => defs.attributes.has(n) || defs.devices.has(n);
  for (const path of definitionFiles(machine)) {
    const text = tree.read(path);
    if (text === undefined) {
      defs.missing.push(path);
      continue;
    }
    let parsed;
    try {
      parsed = parseConfig(text, path);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      defs.issues.push({ severity: 'error', file: e.file, line: e.line, column: e.column, message: e.detail });
      continue;
    }
    const walk = walkConfig(parsed, {
      tree,
      treePathOfInput: path,
      isDefined,
      onStatement: ({ stmt: s }) => {
        const pos = { file: s.file, line: s.line, column: s.column };
        switch (s.kind) {
          case 'device':
          case 'defpseudo':
          case 'defpseudodev': {
            const attrs = [...(s.attrs ?? []), ...(s.iface ? [s.name!] : [])];
            defs.devices.set(s.name!, { name: s.name!, pseudo: s.kind !== 'device', attrs, at: pos });
            if (s.iface) defs.attributes.set(s.name!, { iface: true });
            break;
          }
          case 'define':
            defs.attributes.set(s.name!, { iface: s.iface === true });
            break;
          case 'attach': {
            const list = defs.attachments.get(s.name!) ?? [];
            list.push({ device: s.name!, at: s.attrs ?? [], with: s.with, pos });
            defs.attachments.set(s.name!, list);
            if (s.with) defs.attributes.set(s.with, { iface: false });
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
      },
    });
    defs.files.push(...walk.files);
    // A files.* include that is absent makes the set incomplete; it is not an error in the config being linted.
    defs.missing.push(...walk.unresolved);
    defs.issues.push(...walk.issues.filter((i) => !i.message.startsWith('cannot open ')));
  }
  return defs;
}
