/**
 * The microVM features, in one table that every reader takes them from: which confs/ fragments
 * provide a feature (`config generate`), how a kernel binary shows it (the checks of
 * `check --microvm`; `info`'s features are those same checks, grouped), whether a microVM needs
 * it, and on which platform it applies. Data only: checks.ts evaluates the evidence.
 */
import type { BootKind, Target } from '../elf/target';
import type { CfEntry } from './autoconf';
import { NL, type SymbolKey } from './nlist';

/**
 * How a microVM kernel finds its devices: x86 kernels boot through PVH and find virtio-mmio on
 * the pv bus from the kernel command line; arm64 kernels find it in the device tree.
 */
export type Platform = 'pvh' | 'fdt';

/** What each platform is called in messages. */
export const PLATFORM_NAMES: Readonly<Record<Platform, string>> = { pvh: 'x86', fdt: 'aarch64' };

/** The platform of each way of booting a kernel the microvm profile covers (target.ts BootKind). */
export const PLATFORM_OF_BOOT: Readonly<Partial<Record<BootKind, Platform>>> = { pvh: 'pvh', 'arm64-image': 'fdt' };

/** The platform of a target, or undefined when the microvm profile does not cover it (a port started by its own loader). */
export function platformOf(target: Target): Platform | undefined {
  return PLATFORM_OF_BOOT[target.boot];
}

/** How a check reads its evidence from a kernel binary. */
export type Evidence =
  /** The PVH entry note, where loaders look for it (checks.ts reads the note, its segment and its entry). */
  | { readonly kind: 'pvh-note' | 'pvh-segment' | 'pvh-entry' }
  /** The arm64 Image header of a raw image (image.ts reads it). */
  | { readonly kind: 'arm64-image' }
  /**
   * A cfdata entry that attaches: enabled, with a path of attaching parents from a root (autoconf's
   * question, not "is the entry there"). `name` labels it inside an `any`. A `transport` is the virtio
   * attachment the platform provides: other virtio entries (virtio_pci, acpi) attach to nothing there.
   */
  | { readonly kind: 'device'; readonly config: string; readonly match: (e: CfEntry) => boolean; readonly name?: string; readonly transport?: true }
  /** The first of `symbols` the kernel defines. */
  | { readonly kind: 'symbol'; readonly symbols: readonly SymbolKey[]; readonly found: (name: string) => string; readonly missing: string }
  /** Any one of several; `otherwise` says what the kernel does without all of them. */
  | { readonly kind: 'any'; readonly of: readonly Evidence[]; readonly otherwise: string };

/** The id of a microvm check. */
export type CheckId = 'pvh-note' | 'pvh-segment' | 'pvh-entry' | 'arm64-image' | 'pv' | 'virtio-cmdline' | 'virtio-fdt' | 'virtio-block' | 'console' | 'viocon' | 'tsc' | 'tslog' | 'early-console';

/** One check: a piece of evidence for a feature on one or more platforms. */
export interface CheckDef {
  readonly id: CheckId;
  readonly title: string;
  /** Required checks decide whether the kernel boots as a microVM; informational ones never fail. */
  readonly required: boolean;
  readonly evidence: Evidence;
  /**
   * Platforms where this check is the feature's evidence; elsewhere it is n/a, for the reason given
   * here or, when the feature itself does not apply, the feature's. Two checks may share an id when
   * their platforms differ (the console is found differently on each).
   */
  readonly on: Partial<Record<Platform, true | { readonly na: string }>>;
}

/** What a feature needs from the config on one platform. */
export interface FeatureUse {
  /** confs/ fragments that provide it, in order. */
  readonly fragments: readonly string[];
  /** What the fragments leave out on this platform, said in generated configs. */
  readonly partial?: string;
  /** Other features it needs here, and why (the config line that attaches it there). */
  readonly needs?: { readonly feature: FeatureId; readonly because: string };
  /** A line for the VMM, written into generated configs. */
  readonly vmm?: string;
}

/** The id of a feature. */
export type FeatureId = 'pvh' | 'arm64-image' | 'pv' | 'virtio-mmio' | 'virtio-devices' | 'console' | 'viocon' | 'tslog' | 'tsc';

/** One feature. */
export interface FeatureDef {
  readonly id: FeatureId;
  /** One line, for help and headers. */
  readonly summary: string;
  /** Per platform: how the config provides it, or why it does not apply there. */
  readonly platforms: Readonly<Record<Platform, FeatureUse | { readonly na: string }>>;
  /** Set when every base config provides it, so `config generate` offers no switch for it. */
  readonly base?: string;
  readonly checks: readonly CheckDef[];
}

/** A virtio child, recognised by its parent spec (`ld* at virtio?`). */
const atVirtio = (e: CfEntry) => e.parent !== null && (e.parent.driver === 'virtio' || e.parent.iattr === 'virtio');

const X86_ONLY = 'x86 finds virtio-mmio through pv, not the device tree';
const ARM_NO_PV = 'aarch64 has no pv bus: virtio-mmio comes from the device tree';

/** Every feature, in the order configs are generated. */
export const MICROVM_FEATURES: readonly FeatureDef[] = [
  {
    id: 'pvh',
    summary: 'PVH boot (options XEN, XENPVHVM): direct -kernel boot in QEMU microvm / Firecracker',
    platforms: { pvh: { fragments: ['pvh.conf'] }, fdt: { na: 'PVH is an x86 boot protocol; arm64 kernels are booted directly' } },
    // QEMU (read_pvh_start_addr) and Firecracker read the note through PT_NOTE only, then jump to its physical address.
    checks: [
      { id: 'pvh-note', title: 'PVH entry note (ELF note "Xen", type 18)', required: true, evidence: { kind: 'pvh-note' }, on: { pvh: true } },
      { id: 'pvh-segment', title: 'PVH note inside a PT_NOTE segment', required: true, evidence: { kind: 'pvh-segment' }, on: { pvh: true } },
      { id: 'pvh-entry', title: 'PVH entry inside a loadable executable segment', required: true, evidence: { kind: 'pvh-entry' }, on: { pvh: true } },
    ],
  },
  {
    id: 'arm64-image',
    summary: 'an arm64 Image (netbsd.img): what QEMU -M virt -kernel and Firecracker load on aarch64',
    base: 'every evbarm64 build makes netbsd.img (sys/arch/evbarm/conf/mk.generic64: objcopy -O binary, mkubootimage -f arm64)',
    platforms: { pvh: { na: 'x86 kernels boot through the PVH note' }, fdt: { fragments: [] } },
    // Linux Documentation/arch/arm64/booting.rst: the 64-byte header, magic "ARM\x64" at 0x38.
    checks: [{ id: 'arm64-image', title: 'arm64 Image header (magic ARM\\x64 at 0x38)', required: true, evidence: { kind: 'arm64-image' }, on: { fdt: true } }],
  },
  {
    id: 'pv',
    summary: 'pv(4) paravirtual bus (pv* at pvbus?)',
    platforms: { pvh: { fragments: ['pv.conf'] }, fdt: { na: 'no pv bus on arm; virtio devices come from the device tree' } },
    checks: [{ id: 'pv', title: 'pv bus', required: true, evidence: { kind: 'device', config: 'pv* at pvbus?', match: (e) => e.driver === 'pv' }, on: { pvh: true } }],
  },
  {
    id: 'virtio-mmio',
    summary: 'virtio over MMIO: from the kernel command line on x86 (virtio* at pv?), from FDT on aarch64',
    platforms: {
      pvh: { fragments: ['virtio-mmio-cmdline.conf'], needs: { feature: 'pv', because: 'virtio* at pv?' }, vmm: 'pass virtio_mmio.device=<size>@<base>:<irq> per device (QEMU -M microvm,acpi=off does)' },
      fdt: { fragments: ['virtio-mmio-fdt.conf'] },
    },
    checks: [
      // NetBSD sys/arch/x86/pv/files.pv: attach virtio at pv with mmio_cmdline.
      { id: 'virtio-cmdline', title: 'virtio-mmio from the kernel command line', required: true, evidence: { kind: 'device', config: 'virtio* at pv? (with mmio_cmdline)', match: (e) => e.driver === 'virtio' && e.attachment === 'mmio_cmdline', transport: true }, on: { pvh: true, fdt: { na: ARM_NO_PV } } },
      // NetBSD sys/arch/evbarm/conf/GENERIC64: virtio* at fdt? # Virtio MMIO device.
      { id: 'virtio-fdt', title: 'virtio-mmio from the device tree', required: true, evidence: { kind: 'device', config: 'virtio* at fdt?', match: (e) => e.driver === 'virtio' && e.parent?.iattr === 'fdt', transport: true }, on: { fdt: true, pvh: { na: X86_ONLY } } },
    ],
  },
  {
    id: 'virtio-devices',
    summary: 'virtio ld, vioif, viornd, vio9p',
    platforms: { pvh: { fragments: ['virtio-devices.conf'] }, fdt: { fragments: ['virtio-devices.conf'] } },
    checks: [{ id: 'virtio-block', title: 'virtio block device (ld at virtio)', required: true, evidence: { kind: 'device', config: 'ld* at virtio?', match: (e) => e.driver === 'ld' && atVirtio(e) }, on: { pvh: true, fdt: true } }],
  },
  {
    id: 'console',
    summary: 'a console: viocon, or the serial port of the base config',
    base: 'com0 at isa? (base-x86.conf), plcom* at fdt? (base-aarch64.conf)',
    platforms: { pvh: { fragments: [] }, fdt: { fragments: [] } },
    checks: [
      { id: 'console', title: 'console (viocon at virtio, or com)', required: true, evidence: { kind: 'device', config: 'viocon* at virtio? or com0 at isa?', match: (e) => (e.driver === 'viocon' && atVirtio(e)) || e.driver === 'com' }, on: { pvh: true } },
      // QEMU virt's UART is a PL011 (plcom); com and viocon also serve.
      { id: 'console', title: 'console (plcom, com, or viocon at virtio)', required: true, evidence: { kind: 'device', config: 'plcom* at fdt?', match: (e) => e.driver === 'plcom' || e.driver === 'com' || (e.driver === 'viocon' && atVirtio(e)) }, on: { fdt: true } },
    ],
  },
  {
    id: 'viocon',
    summary: 'virtio console (viocon*), with the VIOCON_CONSOLE early console on x86',
    platforms: {
      pvh: { fragments: ['viocon.conf', 'viocon-early.conf'] },
      fdt: { fragments: ['viocon.conf'], partial: 'VIOCON_CONSOLE early console left out: it is known only from the x86 MICROVM.common' },
    },
    checks: [
      { id: 'viocon', title: 'virtio console (viocon at virtio)', required: false, evidence: { kind: 'device', config: 'viocon* at virtio?', match: (e) => e.driver === 'viocon' && atVirtio(e) }, on: { pvh: true, fdt: true } },
      {
        id: 'early-console',
        title: `early virtio console (${NL.vioconEarlyinit.name})`,
        required: false,
        // smolBSD's startnb.sh: `nm $kernel | grep -q <symbol>` picks console=viocon, else console=com.
        evidence: { kind: 'symbol', symbols: ['vioconEarlyinit'], found: (s) => `${s}: smolBSD boots it with console=viocon`, missing: `no ${NL.vioconEarlyinit.name}: smolBSD boots it with console=com` },
        on: { pvh: true, fdt: { na: 'VIOCON_CONSOLE early console left out: it is known only from the x86 MICROVM.common' } },
      },
    ],
  },
  {
    id: 'tslog',
    summary: 'tslog(4) boot-time tracing (options TSLOG, files.tslog)',
    platforms: { pvh: { fragments: ['tslog.conf'] }, fdt: { na: 'tslog(4) exists only for x86 (arch/x86/x86/tslog.c)' } },
    checks: [
      {
        id: 'tslog',
        title: 'tslog boot-time tracing',
        required: false,
        evidence: { kind: 'symbol', symbols: ['tslog', 'tslogUser', 'sysctlDebugTslog'], found: (s) => `symbol ${s} (sysctl debug.tslog)`, missing: 'no tslog symbol (options TSLOG): no boot-time trace' },
        on: { pvh: true },
      },
    ],
  },
  {
    id: 'tsc',
    summary: 'TSC frequency without DELAY: CPUID 0x15/0x16/0x40000010 and pvclock* at pv?',
    platforms: {
      pvh: { fragments: ['tsc.conf'], needs: { feature: 'pv', because: 'pvclock* at pv?' }, vmm: 'expose an invariant TSC (QEMU -cpu host,+invtsc) so the TSC frequency comes from CPUID' },
      fdt: { na: 'the TSC and CPUID leaves are x86; arm uses the generic timer' },
    },
    // Required: a microVM kernel that times its TSC against DELAY() loses most of its boot-time budget.
    // NetBSD x86 cpu_get_tsc_freq(): CPUID leaves first, else a DELAY()-timed loop; pvclock reads it from KVM.
    checks: [
      {
        id: 'tsc',
        title: 'TSC frequency without DELAY calibration',
        required: true,
        evidence: {
          kind: 'any',
          of: [
            { kind: 'symbol', symbols: ['cpuTscFreqCpuid'], found: (s) => `${s} (CPUID 0x15/0x16/0x40000010; QEMU needs -cpu ...,+invtsc)`, missing: `no ${NL.cpuTscFreqCpuid.name} symbol` },
            { kind: 'device', name: 'pvclock', config: 'pvclock* at pv?', match: (e) => e.driver === 'pvclock' },
          ],
          otherwise: 'the TSC is timed against DELAY() at boot',
        },
        on: { pvh: true },
      },
    ],
  },
];

/** The features `config generate` can switch (those no base config provides). */
export const CONFIG_FEATURES = MICROVM_FEATURES.filter((f) => f.base === undefined);

/** Finds a feature by id. */
export function featureById(id: string): FeatureDef | undefined {
  return MICROVM_FEATURES.find((f) => f.id === id);
}
