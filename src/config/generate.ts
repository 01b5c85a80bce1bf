/**
 * The SMOL config generator: a kernel config for a microVM, assembled from the fragments in confs/ (one per feature).
 * Pure: the caller passes a reader for the fragment files, so the CLI reads them from the package directory.
 */
import { type Arch as TargetArch, targetByArch } from '../elf/target';
import { KpatchError } from '../errors';
import { CONFIG_FEATURES, featureById, type FeatureId, type FeatureUse, type Platform, PLATFORM_NAMES, platformOf } from '../netbsd/features';

/** Architectures the generator knows: the target table's names that have a row in ARCHES below. */
export type Arch = keyof typeof ARCHES;
/** A feature `config generate` can switch: the feature table's, less those every base config provides. */
export type ConfigFeature = Exclude<FeatureId, 'console'>;

/** Every feature, in output order; the SMOL profile enables all of them. */
export const FEATURES = CONFIG_FEATURES.map((f) => f.id as ConfigFeature);

interface ArchRow {
  /** `machine` line for standalone configs; absent when the base fragment's std include sets it. */
  readonly machine?: string;
  readonly base: string;
  /** Options MICROVM (or GENERIC64) adds per arch, for standalone output. */
  readonly options: readonly string[];
  /** The config a SMOL profile includes, and which features it already provides. */
  readonly include?: { readonly path: string; readonly provides: readonly ConfigFeature[] };
}

// NetBSDfr/NetBSD-src sys/arch/{amd64,i386}/conf/MICROVM + x86/conf/MICROVM.common provide these.
const MICROVM_PROVIDES: readonly ConfigFeature[] = ['pvh', 'pv', 'virtio-mmio', 'virtio-devices', 'viocon'];

/**
 * Per-arch data: adding an arch is adding a row. Which fragments provide a feature on the arch,
 * and which features do not apply there, is the feature table's (netbsd/features.ts), by platform.
 */
export const ARCHES = {
  amd64: {
    machine: 'machine amd64 x86 xen',
    base: 'base-x86.conf',
    options: ['EXEC_ELF64', 'MODULAR', 'MEMORY_DISK_HOOKS', 'MEMORY_DISK_DYNAMIC'],
    include: { path: 'arch/amd64/conf/MICROVM', provides: MICROVM_PROVIDES },
  },
  i386: {
    machine: 'machine i386 x86 xen',
    base: 'base-x86.conf',
    options: ['EXEC_ELF32'],
    include: { path: 'arch/i386/conf/MICROVM', provides: MICROVM_PROVIDES },
  },
  aarch64: {
    // std.generic64 says `machine evbarm aarch64` and `pseudo-device md`; repeating them would be config(1) errors.
    base: 'base-aarch64.conf',
    options: [],
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
  readonly features: ConfigFeature[];
  /**
   * Features the profile or `with` named that are not (or only partly) applied on the arch, with why; the header lists
   * them all. `asked` is true for those `with` named: only those are the user's request, so only those deserve a warning
   * (the default profile of every arch is then clean).
   */
  readonly notApplied: { feature: ConfigFeature; reason: string; asked: boolean }[];
}

function feature(name: string): ConfigFeature {
  if ((FEATURES as readonly string[]).includes(name)) return name as ConfigFeature;
  throw new KpatchError('USAGE', `unknown feature '${name}'`, `features: ${FEATURES.join(', ')}`);
}

/** The platform an arch's kernels run on, from the target table. */
function platformFor(arch: Arch): Platform {
  const platform = platformOf(targetByArch(arch));
  if (!platform) throw new KpatchError('USAGE', `no microVM platform for arch '${arch}'`);
  return platform;
}

/** How feature `f` is configured on `platform`, or why it does not apply there. */
function useOf(f: ConfigFeature, platform: Platform): FeatureUse | { readonly na: string } {
  const feature = featureById(f);
  if (!feature) throw new KpatchError('USAGE', `unknown feature '${f}'`);
  return feature.platforms[platform];
}

/** Builds a kernel config for an arch and profile from the confs/ fragments; every output starts with a header. */
export function generateConfig(opts: GenerateOptions, confs: FragmentSource): Generated {
  const row: ArchRow | undefined = ARCHES[opts.arch];
  if (!row) throw new KpatchError('USAGE', `unknown arch '${opts.arch}'`, `arches: ${Object.keys(ARCHES).join(', ')}`);
  const profile = opts.profile ?? 'smol';
  const without = new Set((opts.without ?? []).map(feature));
  const wanted = FEATURES.filter((f) => !without.has(f) || (opts.with ?? []).includes(f));
  for (const f of opts.with ?? []) feature(f);
  // the config a SMOL profile includes; undefined for a standalone config
  const base = opts.standalone === true ? undefined : row.include;
  if (base) {
    const dropped = base.provides.filter((f) => without.has(f));
    if (dropped.length > 0) {
      throw new KpatchError('USAGE', `${dropped.join(', ')} come${dropped.length === 1 ? 's' : ''} from ${base.path}`, 'use --standalone to leave it out');
    }
  }
  const platform = platformFor(opts.arch);
  const notApplied: Generated['notApplied'] = [];
  const features: ConfigFeature[] = [];
  const asked = (f: ConfigFeature) => (opts.with ?? []).includes(f);
  for (const f of wanted) {
    const use = useOf(f, platform);
    if ('na' in use) notApplied.push({ feature: f, reason: use.na, asked: asked(f) });
    else features.push(f);
  }
  const uses = features.map((f) => [f, useOf(f, platform) as FeatureUse] as const);
  for (const [f, use] of uses) if (use.partial) notApplied.push({ feature: f, reason: use.partial, asked: asked(f) });
  for (const [f, use] of uses) {
    if (use.needs && !features.includes(use.needs.feature as ConfigFeature)) {
      throw new KpatchError('USAGE', `${f} needs ${use.needs.feature} on ${PLATFORM_NAMES[platform]} (${use.needs.because})`, `drop --without ${use.needs.feature}, or add --without ${f}`);
    }
  }
  const read = (name: string) => {
    const t = confs.read(name);
    if (t === undefined) throw new KpatchError('IO', `fragment confs/${name} not found`);
    return t.endsWith('\n') ? t : `${t}\n`;
  };
  const provided = base ? base.provides.filter((f) => features.includes(f)) : [];
  const header = [
    `# Generated by kpatch config generate; regenerate rather than edit.`,
    `# arch: ${opts.arch}`,
    `# profile: ${profile}${base ? ` (includes ${base.path})` : ' (standalone)'}`,
    `# features: ${features.join(' ') || '(none)'}`,
    ...(base && provided.length ? [`# provided by ${base.path}: ${provided.join(' ')}`] : []),
    ...notApplied.map((n) => `# not applied: ${n.feature}: ${n.reason}`),
    ...uses.flatMap(([, use]) => (use.vmm ? [`# vmm: ${use.vmm}`] : [])),
  ];
  const parts: string[] = [header.join('\n') + '\n'];
  if (base) {
    parts.push(`include "${base.path}"\n`);
  } else {
    if (row.machine) parts.push(`${row.machine}\n`);
    parts.push(read(row.base));
    if (row.options.length) parts.push(`# ${opts.arch} options (as in its MICROVM)\n${row.options.map((o) => `options \t${o}\n`).join('')}`);
  }
  for (const [f, use] of uses) {
    if (provided.includes(f)) continue;
    for (const frag of use.fragments) parts.push(read(frag));
  }
  return { text: parts.join('\n'), features, notApplied };
}
