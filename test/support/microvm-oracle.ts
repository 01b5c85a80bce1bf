/**
 * What check --microvm and info's features should say about a fixture, worked out from its
 * manifest row and table with the attachability oracle, as the issues state the profile: never
 * from src/netbsd/features.ts, so the two can disagree.
 */
import { attachable, fixtureTable } from './attach-oracle';
import type { ManifestRow, Table, TableEntry } from './fixtures';

type Status = 'pass' | 'fail' | 'info' | 'n/a';
const CHECK_IDS = ['netbsd', 'pvh-note', 'pvh-segment', 'pvh-entry', 'arm64-image', 'pv', 'virtio-cmdline', 'virtio-fdt', 'virtio-block', 'console', 'viocon', 'tsc', 'tslog', 'early-console'];

const X86 = ['amd64', 'i386'];
const SUPPORTED = [...X86, 'aarch64'];

const atVirtio = (e: TableEntry) => e.parent !== null && (e.parent.driver === 'virtio' || e.parent.iattr === 'virtio');

/** The profile as the issue states it, per arch: what each device check looks for. */
export function needs(arch: string): Record<string, (e: TableEntry) => boolean> {
  if (X86.includes(arch)) {
    return {
      pv: (e) => e.driver === 'pv',
      'virtio-cmdline': (e) => e.driver === 'virtio' && e.attachment === 'mmio_cmdline',
      'virtio-block': (e) => e.driver === 'ld' && atVirtio(e),
      console: (e) => (e.driver === 'viocon' && atVirtio(e)) || e.driver === 'com',
    };
  }
  return {
    'virtio-fdt': (e) => e.driver === 'virtio' && e.parent?.iattr === 'fdt',
    'virtio-block': (e) => e.driver === 'ld' && atVirtio(e),
    console: (e) => e.driver === 'plcom' || e.driver === 'com' || (e.driver === 'viocon' && atVirtio(e)),
  };
}

/** A microvm has one virtio transport; virtio_pci and friends attach to nothing there. */
const onPath = (arch: string) => {
  const transport = needs(arch)[X86.includes(arch) ? 'virtio-cmdline' : 'virtio-fdt'];
  return (e: TableEntry) => e.driver !== 'virtio' || transport(e);
};

/** Expected status of every check for a fixture, from its manifest row and table. */
export function expectedChecks(row: ManifestRow): Record<string, Status> {
  const out: Record<string, Status> = {};
  if (!SUPPORTED.includes(row.arch)) {
    for (const id of CHECK_IDS) out[id] = id === 'netbsd' ? 'fail' : 'n/a';
    return out;
  }
  const x86 = X86.includes(row.arch);
  out.netbsd = 'pass';
  out['pvh-note'] = !x86 ? 'n/a' : row.pvh ? 'pass' : 'fail';
  out['pvh-segment'] = out['pvh-entry'] = x86 && row.pvh ? 'pass' : 'n/a';
  // QEMU -M virt and Firecracker boot an arm64 Image (the header at 0x38), not an ELF.
  out['arm64-image'] = x86 ? 'n/a' : (row as { image?: string }).image === 'arm64' ? 'pass' : 'fail';
  const t: Table = fixtureTable(row);
  const ok = attachable(t, undefined, onPath(row.arch));
  for (const id of ['pv', 'virtio-cmdline', 'virtio-fdt', 'virtio-block', 'console']) {
    const match = needs(row.arch)[id];
    // A stripped kernel's table is found by its shape: the device checks read it as with symbols.
    if (!match) out[id] = 'n/a';
    else out[id] = t.entries.some((e, i) => match(e) && ok[i]) ? 'pass' : 'fail';
  }
  const sym = (name: string) => !row.stripped && (t.symbols ?? []).includes(name);
  const pvclock = t.entries.some((e, i) => e.driver === 'pvclock' && ok[i]);
  // Informational checks that are not met say `info`; tslog, the TSC and the early console are x86's.
  out.viocon = t.entries.some((e, i) => e.driver === 'viocon' && atVirtio(e) && ok[i]) ? 'pass' : 'info';
  out.tsc = !x86 ? 'n/a' : sym('cpu_tsc_freq_cpuid') || pvclock ? 'pass' : 'fail';
  out.tslog = !x86 ? 'n/a' : sym('tslog') ? 'pass' : 'info';
  out['early-console'] = !x86 ? 'n/a' : sym('viocon_earlyinit') ? 'pass' : 'info';
  return out;
}


/** Which checks are each feature's evidence (the issues' vocabulary: feature -> evidence). */
export const FEATURE_CHECKS: Record<string, readonly string[]> = {
  pvh: ['pvh-note', 'pvh-segment', 'pvh-entry'],
  'arm64-image': ['arm64-image'],
  pv: ['pv'],
  'virtio-mmio': ['virtio-cmdline', 'virtio-fdt'],
  'virtio-devices': ['virtio-block'],
  console: ['console'],
  viocon: ['viocon', 'early-console'],
  tslog: ['tslog'],
  tsc: ['tsc'],
};

/** Expected state of every feature: present when its applicable checks pass, n/a when none applies. */
export function expectedFeatures(row: ManifestRow): Record<string, 'present' | 'missing' | 'n/a'> {
  const checks = expectedChecks(row);
  return Object.fromEntries(
    Object.entries(FEATURE_CHECKS).map(([id, ids]) => {
      const applying = ids.filter((c) => checks[c] !== 'n/a');
      return [id, applying.length === 0 ? 'n/a' : applying.every((c) => checks[c] === 'pass') ? 'present' : 'missing'];
    }),
  );
}
