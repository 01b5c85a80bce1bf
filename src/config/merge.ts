/**
 * merge_config-style merging (Linux scripts/kconfig/merge_config.sh): fragments are appended to a base config, and a
 * fragment that changes a value already set warns and replaces it. config(1) warns about a second `options X`
 * ("already have options"), so a replacement is written as `no options X` followed by the new line.
 */
import type { ConfigFile, Statement } from './ast';
import { evaluate, instanceName, settingItems, type ConfigModel } from './model';
import { parseConfig } from './parser';
import { printConfig } from './print';
import { walkConfig, type SourceTree } from './resolve';

/** A config given by name and text. */
export interface NamedText {
  readonly file: string;
  readonly text: string;
}

/** The merged text, the overrides it made, and the fragment lines it dropped as repeats. */
export interface Merged {
  readonly text: string;
  readonly warnings: string[];
  /** One per dropped repeat: `<file>:<line>: <what> dropped: ...`. */
  readonly dropped: string[];
}

function modelOf(files: readonly ConfigFile[], tree: SourceTree | undefined): ConfigModel {
  const reached = files.flatMap((f) => walkConfig(f, { tree }).statements);
  return evaluate(reached, { complete: false }).model;
}

/** Appends fragments to a base config, dropping repeats and turning changed values into `no` + new line, with warnings. */
export function mergeConfigs(base: NamedText, fragments: readonly NamedText[], opts: { sys?: SourceTree } = {}): Merged {
  const parsedBase = parseConfig(base.text, base.file);
  const done: ConfigFile[] = [parsedBase];
  const warnings: string[] = [];
  const dropped: string[] = [];
  let text = printConfig(parsedBase);
  for (const frag of fragments) {
    const parsed = parseConfig(frag.text, frag.file);
    const model = modelOf(done, opts.sys);
    const lines: string[] = [];
    for (const n of parsed.nodes) {
      if (n.type !== 'statement') {
        lines.push(n.raw);
        continue;
      }
      lines.push(...mergeStatement(n, model, frag.file, warnings, dropped));
    }
    text += `${text.endsWith('\n') || text === '' ? '' : '\n'}\n# merged from ${frag.file}\n${lines.join('\n')}\n`;
    done.push(parsed);
  }
  return { text, warnings, dropped };
}

function mergeStatement(s: Statement, model: ConfigModel, frag: string, warnings: string[], dropped: string[]): string[] {
  const drop = (what: string) => dropped.push(`${frag}:${s.line}: ${what} dropped: the merged config already has it`);
  if (s.negated) return [s.raw];
  if (s.kind === 'options' || s.kind === 'makeoptions' || s.kind === 'file-system') {
    const table = s.kind === 'options' ? model.options : s.kind === 'makeoptions' ? model.makeoptions : model.fileSystems;
    const items = settingItems(s);
    const out: string[] = [];
    const kept: string[] = [];
    for (const it of items) {
      const prev = table.get(it.name);
      if (!prev || it.op === '+=') {
        kept.push(it.op ? `${it.name}${it.op}${it.value}` : it.name);
        continue;
      }
      if (prev.value === it.value) {
        drop(`${s.kind} ${it.op ? `${it.name}${it.op}${it.value}` : it.name}`); // same setting: nothing to do, as merge_config
        continue;
      }
      warnings.push(`${s.kind} ${it.name} redefined by ${frag}:${s.line}: previous ${prev.value ?? '(set)'}, new ${it.value ?? '(set)'}`);
      out.push(`no ${s.kind} ${it.name}`);
      kept.push(it.op ? `${it.name}${it.op}${it.value}` : it.name);
    }
    if (kept.length === 0) return out;
    const unchanged = kept.length === items.length && out.length === 0;
    return [...out, unchanged ? s.raw : `${s.kind}\t${kept.join(',')}`];
  }
  if (s.kind === 'pseudo-device') {
    const prev = model.pseudoDevices.get(s.name);
    if (!prev) return [s.raw];
    if (prev.count === s.count) {
      drop(`pseudo-device ${s.name}${s.count === undefined ? '' : ` ${s.count}`}`);
      return [];
    }
    warnings.push(`pseudo-device ${s.name} redefined by ${frag}:${s.line}: previous count ${prev.count ?? '(none)'}, new ${s.count ?? '(none)'}`);
    return [`no pseudo-device ${s.name}`, s.raw];
  }
  if (s.kind === 'instance') {
    const same = model.instances.some((i) => instanceName(i) === instanceName({ device: s.device, parent: s.parent }) && JSON.stringify(i.locators) === JSON.stringify(s.locators ?? []) && i.flags === s.flags);
    if (!same) return [s.raw];
    drop(s.raw.trim());
    return [];
  }
  return [s.raw];
}
