/**
 * The microVM features a kernel binary carries, read from its notes, autoconf table and symbols
 * (what smolBSD's scripts probe with `nm kernel | grep viocon_earlyinit`).
 */
import { findSymbol } from '../elf/symbols';
import type { AutoconfTable } from './autoconf';
import type { Kernel } from './kernel';

/** One feature and whether the kernel has it. */
export interface Feature {
  readonly id: 'pvh' | 'pv' | 'virtio-mmio' | 'viocon-early' | 'tslog' | 'pvclock' | 'tsc-cpuid';
  readonly present: boolean;
  /** How it was found, or what is missing. */
  readonly detail: string;
}

const hasSymbol = (k: Kernel, name: string) => Boolean(k.symtab && findSymbol(k.elf, k.symtab, name));

/** Lists the features of `k`; `table` is its autoconf table when it has one (entries must exist and be enabled to count). */
export function kernelFeatures(k: Kernel, table: AutoconfTable | undefined): Feature[] {
  const entry = (driver: string, attachment?: string) =>
    table?.entries.find((e) => e.driver === driver && (attachment === undefined || e.attachment === attachment));
  const fromTable = (id: Feature['id'], driver: string, attachment?: string): Feature => {
    const e = entry(driver, attachment);
    const what = `${driver}${attachment ? ` (${attachment})` : ''}`;
    if (!table) return { id, present: false, detail: 'no autoconf table' };
    if (!e) return { id, present: false, detail: `no ${what} entry` };
    return { id, present: e.state === 'enabled', detail: `cfdata #${e.index} ${e.state}` };
  };
  const fromSymbol = (id: Feature['id'], name: string): Feature => {
    if (!k.symtab) return { id, present: false, detail: 'no symbol table' };
    return hasSymbol(k, name) ? { id, present: true, detail: `symbol ${name}` } : { id, present: false, detail: `no ${name} symbol` };
  };
  const pvh: Feature = k.pvh
    ? { id: 'pvh', present: k.pvh.segment !== null, detail: k.pvh.segment !== null ? 'Xen note type 18 in a PT_NOTE' : 'Xen note outside every PT_NOTE: loaders will not see it' }
    : { id: 'pvh', present: false, detail: 'no PVH note' };
  return [
    pvh,
    fromTable('pv', 'pv'),
    fromTable('virtio-mmio', 'virtio', 'mmio_cmdline'),
    fromSymbol('viocon-early', 'viocon_earlyinit'),
    fromSymbol('tslog', 'tslog'),
    fromTable('pvclock', 'pvclock'),
    fromSymbol('tsc-cpuid', 'cpu_tsc_freq_cpuid'),
  ];
}
