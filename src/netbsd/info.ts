/**
 * kernelInfo: the facts `kpatch info` reports, as one plain record (JSON-ready, no bigint loss:
 * addresses stay bigint and the CLI prints them as hex strings).
 */
import * as C from '../elf/constants';
import { KpatchError } from '../errors';
import { FSTATE_DNOTFOUND, FSTATE_DSTAR } from './autoconf';
import { describeFile, hasEmbeddedConfig, type Kernel, requireAutoconf } from './kernel';
import type { CfdataVariant } from './layouts';
import type { PvhEntry } from './pvh';
import { type FeatureStatus, kernelFeatures } from './checks';
import type { AutoconfTable } from './autoconf';

/** What `info` reports. */
export interface KernelInfo {
  readonly file: string;
  readonly size: number;
  readonly fileSize: number;
  readonly compressed: 'gzip' | null;
  readonly format: {
    readonly class: 32 | 64;
    readonly endian: 'little' | 'big';
    readonly type: string;
    readonly machine: number;
    readonly machineName: string;
    readonly osabi: number;
    readonly description: string;
  };
  readonly arch: string | null;
  /** The ident note's version, or null when the kernel has none. */
  readonly netbsd: { readonly text: string; readonly raw: number } | null;
  /** The release and where it was read (ident note, osrelease, version banner), or null when unknown. */
  readonly release: { readonly text: string; readonly raw: number; readonly from: string } | null;
  /** A raw boot image's header and inferred link address, or null for an ELF file. */
  readonly image: { readonly format: string; readonly textOffset: bigint; readonly imageSize: bigint; readonly flags: bigint; readonly linkBase: bigint; readonly linkEvidence: string } | null;
  readonly ostype: string | null;
  readonly osrelease: string | null;
  readonly version: string | null;
  readonly pvh: PvhEntry | null;
  readonly autoconf: {
    readonly symbol: string;
    readonly address: bigint;
    readonly offset: number;
    readonly entries: number;
    readonly entrySize: number;
    readonly variant: CfdataVariant;
    readonly variantEvidence: string;
    /** Through the cfdata symbol, or by its shape when the kernel has no symbols (with what was checked). */
    readonly locatedBy: 'symbol' | 'shape';
    readonly locationEvidence: readonly string[];
    readonly enabled: number;
    readonly disabled: number;
    readonly roots: number;
    readonly drivers: number | null;
  } | null;
  /** Why there is no autoconf table (stripped, not a kernel, unsupported machine). */
  readonly autoconfError: string | null;
  readonly embeddedConfig: boolean;
  /** The feature table's features as this kernel has them: `check --microvm`'s checks, grouped (checks.ts featuresOf). */
  readonly features: readonly FeatureStatus[];
  readonly warnings: readonly string[];
}

/** Facts about the file itself, which only the caller knows. */
export interface FileFacts {
  readonly file: string;
  readonly fileSize: number;
  readonly compressed: 'gzip' | null;
}

/** Gathers what `info` reports; missing autoconf tables are reported, malformed ones throw. */
export function kernelInfo(k: Kernel, facts: FileFacts): KernelInfo {
  const h = k.elf.header;
  let autoconf: KernelInfo['autoconf'] = null;
  let autoconfError: string | null = null;
  let warnings: readonly string[] = [];
  let table: AutoconfTable | undefined;
  try {
    const t = requireAutoconf(k);
    table = t;
    const disabled = t.entries.filter((e) => e.fstate === FSTATE_DSTAR || e.fstate === FSTATE_DNOTFOUND).length;
    autoconf = {
      symbol: t.symbol,
      address: t.address,
      offset: t.offset,
      entries: t.entries.length,
      entrySize: t.entrySize,
      variant: t.variant,
      variantEvidence: t.variantEvidence,
      locatedBy: t.locatedBy,
      locationEvidence: t.locationEvidence,
      enabled: t.entries.filter((e) => e.state === 'enabled').length,
      disabled,
      roots: t.roots?.length ?? t.entries.filter((e) => e.parent === null).length,
      drivers: t.drivers?.length ?? null,
    };
    warnings = t.warnings;
  } catch (e) {
    if (!(e instanceof KpatchError) || !['NOT_A_KERNEL', 'SYMBOL_MISSING', 'UNSUPPORTED_TARGET'].includes(e.code)) throw e;
    autoconfError = e.message;
  }
  return {
    file: facts.file,
    size: k.elf.source.size,
    fileSize: facts.fileSize,
    compressed: facts.compressed,
    format: {
      class: h.class,
      endian: h.endian,
      type: C.ET_NAMES[h.type] ?? String(h.type),
      machine: h.machine,
      machineName: C.machineName(h.machine),
      osabi: h.osabi,
      description: describeFile(k.elf),
    },
    arch: k.target?.arch ?? null,
    netbsd: k.ident ? { text: k.ident.version.text, raw: k.ident.version.raw } : null,
    release: k.release ? { text: k.release.version.text, raw: k.release.version.raw, from: k.release.from } : null,
    image: k.elf.image ?? null,
    ostype: k.strings.ostype,
    osrelease: k.strings.osrelease,
    version: k.strings.version ?? k.release?.banner ?? null,
    pvh: k.pvh ?? null,
    autoconf,
    autoconfError,
    embeddedConfig: hasEmbeddedConfig(k),
    features: kernelFeatures(k, table),
    warnings,
  };
}
