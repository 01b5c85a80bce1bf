/** Printing config(5) syntax trees: byte-exact for parsed nodes, canonical for statements built in code. */
import type { ConfigFile, DeviceRef, OptionItem, Statement } from './ast';

/** Prints a syntax tree back to text; for a parsed file this is exactly the input. */
export function printConfig(file: ConfigFile): string {
  const body = file.nodes.map((n) => n.raw).join('\n');
  return file.finalNewline ? `${body}\n` : body;
}

/** Renders a device reference the way configs spell it (`ld0`, `virtio*`, `pv?`). */
export function formatDeviceRef(ref: DeviceRef | 'root'): string {
  if (ref === 'root') return 'root';
  return `${ref.name}${ref.unit === undefined ? '' : ref.unit}`;
}

/** Renders a statement canonically (tab after the keyword, no comment); used for generated and merged lines. */
export function formatStatement(s: Statement): string {
  const no = `${s.soft ? '-' : ''}${s.negated ? 'no ' : ''}`;
  const items = (list: readonly OptionItem[]) => list.map((i) => (i.op ? `${i.spelling ?? i.name}${i.op}${i.value}` : (i.spelling ?? i.name))).join(',');
  switch (s.kind) {
    case 'include':
    case 'cinclude':
    case 'package':
      return `${s.kind} "${s.path}"`;
    case 'machine':
      return `machine ${s.args.join(' ')}`;
    case 'options':
    case 'makeoptions':
      return `${no}${s.kind}\t${s.negated ? s.names.join(',') : items(s.items)}`;
    case 'file-system':
      return `${no}file-system\t${s.names.join(',')}`;
    case 'pseudo-device':
      return `${no}pseudo-device\t${s.name}${s.count === undefined ? '' : `\t${s.count}`}`;
    case 'instance': {
      const head = `${no}${formatDeviceRef(s.device)}`;
      if (!s.parent) return head;
      const locs = (s.locators ?? []).map((l) => ` ${l.name} ${l.value}`).join('');
      return `${head}\tat ${formatDeviceRef(s.parent)}${locs}${s.flags ? ` flags ${s.flags}` : ''}${s.disable ? ' disable' : ''}`;
    }
    default:
      return s.raw;
  }
}
