/**
 * Semantic difference of two evaluated configs, in the style of Linux scripts/diffconfig: `-options X` (removed),
 * `+options Y=2` (added), ` options Z 1 -> 2` (changed). Order and comments do not matter; meaning does.
 */
import type { ConfigModel, Instance, Setting } from './model';
import { evaluate } from './model';
import { parseConfig } from './parser';
import { walkConfig, type SourceTree } from './resolve';
import { instanceName } from './model';

const show = (name: string, s: Setting) => (s.value === undefined ? name : `${name}=${s.value}`);

function diffMap(kind: string, a: ReadonlyMap<string, Setting>, b: ReadonlyMap<string, Setting>, out: string[]): void {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const n of names) {
    const x = a.get(n);
    const y = b.get(n);
    if (x && !y) out.push(`-${kind} ${show(n, x)}`);
    else if (!x && y) out.push(`+${kind} ${show(n, y)}`);
    else if (x && y && x.value !== y.value) out.push(` ${kind} ${n} ${x.value ?? '(set)'} -> ${y.value ?? '(set)'}`);
  }
}

const detail = (i: Instance) =>
  [...i.locators.map((l) => `${l.name} ${l.value}`), ...(i.flags ? [`flags ${i.flags}`] : []), ...(i.disable ? ['disable'] : [])].join(' ');

/** Lists what changes from config `a` to config `b`: options, make options, file systems, pseudo-devices, devices. */
export function diffConfigs(a: ConfigModel, b: ConfigModel): string[] {
  const out: string[] = [];
  diffMap('options', a.options, b.options, out);
  diffMap('makeoptions', a.makeoptions, b.makeoptions, out);
  diffMap('file-system', a.fileSystems, b.fileSystems, out);
  const pd = (m: ConfigModel) => new Map([...m.pseudoDevices].map(([k, v]) => [k, { value: v.count === undefined ? undefined : String(v.count), at: v.at }]));
  diffMap('pseudo-device', pd(a), pd(b), out);
  const inst = (m: ConfigModel) => {
    const map = new Map<string, Setting>();
    for (const i of m.instances) {
      const key = instanceName(i);
      const prev = map.get(key);
      const d = detail(i);
      map.set(key, { value: prev ? `${prev.value}; ${d}` : d, at: i.at });
    }
    return map;
  };
  const ia = inst(a);
  const ib = inst(b);
  for (const n of [...new Set([...ia.keys(), ...ib.keys()])].sort()) {
    const x = ia.get(n);
    const y = ib.get(n);
    const line = (s: Setting) => (s.value ? `${n} ${s.value}` : n);
    if (x && !y) out.push(`-${line(x)}`);
    else if (!x && y) out.push(`+${line(y)}`);
    else if (x && y && x.value !== y.value) out.push(` ${n}: ${x.value || '(none)'} -> ${y.value || '(none)'}`);
  }
  return out;
}

/** Diffs two config texts; includes are expanded through `sys` when given, otherwise each file is taken alone. */
export function diffConfigTexts(a: { file: string; text: string }, b: { file: string; text: string }, opts: { sys?: SourceTree } = {}): string[] {
  const model = (x: { file: string; text: string }) => evaluate(walkConfig(parseConfig(x.text, x.file), { tree: opts.sys }).statements, { complete: false }).model;
  return diffConfigs(model(a), model(b));
}
