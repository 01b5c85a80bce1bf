/**
 * The SMOL config generator: a kernel config for a microVM, assembled from the fragments in confs/ (one per feature).
 * Pure: the caller passes a reader for the fragment files, so the CLI reads them from the package directory.
 */
import { type Arch as TargetArch, targetByArch } from '../elf/target';
import { KpatchError } from '../errors';

/** Architectures the generator knows: the target table's names that have a row in ARCHES below. */
export type Arch = keyof typeof ARCHES;
/** Features, in the order they are written. */
export type Feature = 'pvh' | 'pv' | 'virtio-mmio' | 'virtio-devices' | 'viocon' | 'tslog' | 'tsc';

/** Every feature, in output order; the SMOL profile enables all of them. */
export const FEATURES: readonly Feature[] = ['pvh', 'pv', 'virtio-mmio', 'virtio-devices', 'viocon', 'tslog', 'tsc'];

/** What each feature is, for help and headers. */
export const FEATURE_SUMMARY: Record<Feature, string> = {
  pvh: 'PVH boot (options XEN, XENPVHVM): direct -kernel boot in QEMU microvm / Firecracker',
  pv: 'pv(4) paravirtual bus (pv* at pvbus?)',
  'virtio-mmio': 'virtio over MMIO: from the kernel command line on x86 (virtio* at pv?), from FDT on aarch64',
  'virtio-devices': 'virtio ld, vioif, viornd, vio9p',
  viocon: 'virtio console (viocon*), with the VIOCON_CONSOLE early console on x86',
  tslog: 'tslog(4) boot-time tracing (options TSLOG, files.tslog)',
  tsc: 'TSC frequency without DELAY: CPUID 0x15/0x16/0x40000010 and pvclock* at pv?',
};

interface ArchRow {
  /** `machine` line for standalone configs; absent when the base fragment's std include sets it. */
  readonly machine?: string;
  readonly base: string;
  /** Options MICROVM (or GENERIC64) adds per arch, for standalone output. */
  readonly options: readonly string[];
  /** The config a SMOL profile includes, and which features it already provides. */
  readonly include?: { readonly path: string; readonly provides: readonly Feature[] };
  /** Fragments per feature; a feature missing here does not apply to the arch, with the reason. */
  readonly fragments: Partial<Record<Feature, readonly string[]>>;
  readonly notApplicable: Partial<Record<Feature, string>>;
  readonly partial?: Partial<Record<Feature, string>>;
}

const X86_FRAGMENTS: Partial<Record<Feature, readonly string[]>> = {
  pvh: ['pvh.conf'],
  pv: ['pv.conf'],
  'virtio-mmio': ['virtio-mmio-cmdline.conf'],
  'virtio-devices': ['virtio-devices.conf'],
  viocon: ['viocon.conf', 'viocon-early.conf'],
  tslog: ['tslog.conf'],
  tsc: ['tsc.conf'],
};

// NetBSDfr/NetBSD-src sys/arch/{amd64,i386}/conf/MICROVM + x86/conf/MICROVM.common provide these.
const MICROVM_PROVIDES: readonly Feature[] = ['pvh', 'pv', 'virtio-mmio', 'virtio-devices', 'viocon'];

/** Per-arch data: adding an arch is adding a row. */
export const ARCHES = {
  amd64: {
    machine: 'machine amd64 x86 xen',
    base: 'base-x86.conf',
    options: ['EXEC_ELF64', 'MODULAR', 'MEMORY_DISK_HOOKS', 'MEMORY_DISK_DYNAMIC'],
    include: { path: 'arch/amd64/conf/MICROVM', provides: MICROVM_PROVIDES },
    fragments: X86_FRAGMENTS,
    notApplicable: {},
  },
  i386: {
    machine: 'machine i386 x86 xen',
    base: 'base-x86.conf',
    options: ['EXEC_ELF32'],
    include: { path: 'arch/i386/conf/MICROVM', provides: MICROVM_PROVIDES },
    fragments: X86_FRAGMENTS,
    notApplicable: {},
  },
  aarch64: {
    // std.generic64 says `machine evbarm aarch64` and `pseudo-device md`; repeating them would be config(1) errors.
    base: 'base-aarch64.conf',
    options: [],
    fragments: {
      'virtio-mmio': ['virtio-mmio-fdt.conf'],
      'virtio-devices': ['virtio-devices.conf'],
      viocon: ['viocon.conf'],
    },
    notApplicable: {
      pvh: 'PVH is an x86 boot protocol; arm64 kernels are booted directly',
      pv: 'no pv bus on arm; virtio devices come from the device tree',
      tslog: 'tslog(4) exists only for x86 (arch/x86/x86/tslog.c)',
      tsc: 'the TSC and CPUID leaves are x86; arm uses the generic timer',
    },
    partial: { viocon: 'VIOCON_CONSOLE early console left out: it is known only from the x86 MICROVM.common' },
  },
} as const satisfies Partial<Record<TargetArch, ArchRow>>;

/** Reads a fragment file by name from confs/. */
export interface FragmentSource {
  read(name: string): string | undefined;
}

/** What to generate. `with`/`without` adjust the profile's feature set. */
export interface GenerateOptions {
  readonly arch: Arch;
  readonly profile?: 'smol';
  readonly standalone?: boolean;
  readonly with?: readonly string[];
  readonly without?: readonly string[];
}

/** The config text plus what was left out, so the CLI can say it too. */
export interface Generated {
  readonly text: string;
  readonly features: Feature[];
  readonly notApplied: { feature: Feature; reason: string }[];
}

function feature(name: string): Feature {
  if ((FEATURES as readonly string[]).includes(name)) return name as Feature;
  throw new KpatchError('USAGE', `unknown feature '${name}'`, `features: ${FEATURES.join(', ')}`);
}

/** Builds a kernel config for an arch and profile from the confs/ fragments; every output starts with a header. */
export function generateConfig(opts: GenerateOptions, confs: FragmentSource): Generated {
  const row: ArchRow | undefined = ARCHES[opts.arch];
  if (!row) throw new KpatchError('USAGE', `unknown arch '${opts.arch}'`, `arches: ${Object.keys(ARCHES).join(', ')}`);
  // x86 finds virtio-mmio and its clock through pv (PVH boot); arm64 kernels find them in the device tree.
  const pvBus = targetByArch(opts.arch).boot === 'pvh';
  const profile = opts.profile ?? 'smol';
  const without = new Set((opts.without ?? []).map(feature));
  const wanted = FEATURES.filter((f) => !without.has(f) || (opts.with ?? []).includes(f));
  for (const f of opts.with ?? []) feature(f);
  const standalone = opts.standalone === true || row.include === undefined;
  if (!standalone) {
    const dropped = row.include!.provides.filter((f) => without.has(f));
    if (dropped.length > 0) {
      throw new KpatchError('USAGE', `${dropped.join(', ')} come${dropped.length === 1 ? 's' : ''} from ${row.include!.path}`, 'use --standalone to leave it out');
    }
  }
  const notApplied: Generated['notApplied'] = [];
  const features: Feature[] = [];
  for (const f of wanted) {
    const reason = row.notApplicable[f];
    if (reason) notApplied.push({ feature: f, reason });
    else features.push(f);
  }
  for (const f of features) {
    const partial = row.partial?.[f];
    if (partial) notApplied.push({ feature: f, reason: partial });
  }
  if (features.includes('virtio-mmio') && pvBus && !features.includes('pv')) {
    throw new KpatchError('USAGE', 'virtio-mmio needs pv on x86 (virtio* at pv?)', 'drop --without pv, or add --without virtio-mmio');
  }
  if (features.includes('tsc') && pvBus && !features.includes('pv')) {
    throw new KpatchError('USAGE', 'tsc needs pv on x86 (pvclock* at pv?)', 'drop --without pv, or add --without tsc');
  }
  const read = (name: string) => {
    const t = confs.read(name);
    if (t === undefined) throw new KpatchError('IO', `fragment confs/${name} not found`);
    return t.endsWith('\n') ? t : `${t}\n`;
  };
  const provided = standalone ? [] : row.include!.provides.filter((f) => features.includes(f));
  const header = [
    `# Generated by kpatch config generate; regenerate rather than edit.`,
    `# arch: ${opts.arch}`,
    `# profile: ${profile}${standalone ? ' (standalone)' : ` (includes ${row.include!.path})`}`,
    `# features: ${features.join(' ') || '(none)'}`,
    ...(provided.length ? [`# provided by ${row.include!.path}: ${provided.join(' ')}`] : []),
    ...notApplied.map((n) => `# not applied: ${n.feature}: ${n.reason}`),
    ...(features.includes('tsc') ? ['# vmm: expose an invariant TSC (QEMU -cpu host,+invtsc) so the TSC frequency comes from CPUID'] : []),
    ...(features.includes('virtio-mmio') && pvBus ? ['# vmm: pass virtio_mmio.device=<size>@<base>:<irq> per device (QEMU -M microvm,acpi=off does)'] : []),
  ];
  const parts: string[] = [header.join('\n') + '\n'];
  if (standalone) {
    if (row.machine) parts.push(`${row.machine}\n`);
    parts.push(read(row.base));
    if (row.options.length) parts.push(`# ${opts.arch} options (as in its MICROVM)\n${row.options.map((o) => `options \t${o}\n`).join('')}`);
  } else {
    parts.push(`include "${row.include!.path}"\n`);
  }
  for (const f of features) {
    if (provided.includes(f)) continue;
    for (const frag of row.fragments[f] ?? []) parts.push(read(frag));
  }
  return { text: parts.join('\n'), features, notApplied };
}
