/**
 * microvmChecks: can this kernel boot as a microVM the way smolBSD boots it? The checks and what
 * they look for are the feature table's (features.ts); this file reads the evidence. x86 kernels
 * are loaded by QEMU `-M microvm` or Firecracker through the PVH note and find their disk and
 * console through pv -> virtio (mmio_cmdline) -> ld / viocon; aarch64 kernels boot from a device
 * tree and find virtio-mmio there. Required checks decide bootability; informational ones say what
 * the kernel will do slower or without. kernelFeatures (`info`) groups the same checks by feature,
 * so `info` and `check` agree on every kernel.
 * Device checks ask autoconf's question, not "is the entry there": an entry attaches only when it
 * is enabled and some parent on the path from a root attaches too (tree.ts reachability).
 */
import * as C from '../elf/constants';
import { loadSegmentByPaddr } from '../elf/address';
import type { Segment } from '../elf/file';
import { findSymbol } from '../elf/symbols';
import { ARCH_NAMES, targetByArch } from '../elf/target';
import { KpatchError } from '../errors';
import { type AutoconfTable, type CfEntry, stateName } from './autoconf';
import { type CheckDef, type CheckId, type Evidence, type FeatureDef, MICROVM_FEATURES, type FeatureId, type Platform, platformOf } from './features';
import { hex } from '../bytes/view';
import { entryName, parentName } from './format';
import { describeImage } from './image';
import { describeFile, type Kernel, requireAutoconf } from './kernel';
import { NL } from './nlist';
import { type AttachGraph, ancestors, attachGraph, reachable } from './tree';

/** How a check came out: `info` is an informational check that is not met; required checks fail instead. */
export type CheckStatus = 'pass' | 'fail' | 'info' | 'n/a';

/** An autoconf entry named by a check (index and config name). */
export interface CheckEntry {
  readonly index: number;
  readonly name: string;
}

/** One check of a profile. */
export interface Check {
  readonly id: string;
  readonly title: string;
  /** Required checks decide the exit status; informational ones never fail. */
  readonly required: boolean;
  readonly status: CheckStatus;
  readonly detail: string;
  /** The disabled entries that make this check fail, when that is the cause. */
  readonly cause?: readonly CheckEntry[];
}

/** The ids of every check, in output order, for every platform (inapplicable ones are n/a): the table's checks after `netbsd`. */
export const MICROVM_CHECK_IDS = ['netbsd', 'pvh-note', 'pvh-segment', 'pvh-entry', 'arm64-image', 'pv', 'virtio-cmdline', 'virtio-fdt', 'virtio-block', 'console', 'viocon', 'tsc', 'tslog', 'early-console'] as const satisfies readonly ('netbsd' | CheckId)[];

const NETBSD_TITLE = 'NetBSD kernel for PVH or arm64 Image boot';

/** The architectures the microvm profile covers, per platform, as the target table says: "amd64 and i386 (PVH) and aarch64 or aarch64eb (device tree)". */
const orList = (names: readonly string[]) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join(''));
const covered = (p: Platform) => ARCH_NAMES.filter((a) => platformOf(targetByArch(a)) === p);
const COVERS = `${covered('pvh').join(' and ')} (PVH) and ${orList(covered('fdt'))} (device tree)`;

/** A check of the table with the feature it belongs to. */
interface Row {
  readonly feature: FeatureDef;
  readonly def: CheckDef;
}
const ROWS: readonly Row[] = MICROVM_FEATURES.flatMap((feature) => feature.checks.map((def) => ({ feature, def })));

/** The row of check `id` on `platform`: the one that applies there, else the first (for its title and n/a reason). */
function rowFor(id: string, platform: Platform | undefined): Row {
  const rows = ROWS.filter((r) => r.def.id === id);
  return rows.find((r) => platform !== undefined && r.def.on[platform] === true) ?? rows[0];
}

const ref = (e: CfEntry): CheckEntry => ({ index: e.index, name: entryName(e) });
const label = (e: CfEntry) => `${entryName(e)} (#${e.index})`;
const list = (es: readonly CfEntry[]) => es.map(label).join(', ');

function result(row: Row | undefined, id: string, status: CheckStatus, detail: string, cause?: readonly CheckEntry[]): Check {
  // An informational check that is not met is `info`, never `fail`.
  const required = row?.def.required ?? true;
  return { id, title: row?.def.title ?? NETBSD_TITLE, required, status: status === 'fail' && !required ? 'info' : status, detail, ...(cause ? { cause } : {}) };
}

function segmentFlags(s: Segment): string {
  return `${s.flags & C.PF_R ? 'R' : '-'}${s.flags & C.PF_W ? 'W' : '-'}${s.flags & C.PF_X ? 'X' : '-'}`;
}

/** What stops an entry from attaching. */
type Verdict = { kind: 'ok'; via: CfEntry[] } | { kind: 'absent' } | { kind: 'disabled'; entries: CfEntry[] } | { kind: 'blocked'; entries: CfEntry[]; off: CfEntry[]; disabled: CfEntry[]; breaks: string[] };

/** Reachability of a table on the microvm's device path, with the reasons paths break. */
class DevicePath {
  readonly graph: AttachGraph;
  readonly ok: boolean[];
  constructor(
    readonly table: AutoconfTable,
    /** Entries that attach to nothing on a microvm (virtio_pci: there is no PCI). */
    readonly offPath: (e: CfEntry) => boolean,
  ) {
    this.graph = attachGraph(table);
    this.ok = this.reach(new Set());
  }

  enabled(i: number): boolean {
    return stateName(this.table.entries[i].fstate) === 'enabled';
  }

  /** Reachability, pretending the entries in `forced` were enabled. */
  reach(forced: ReadonlySet<number>): boolean[] {
    const entries = this.table.entries;
    return reachable(this.graph, (i) => (forced.has(i) || this.enabled(i)) && !this.offPath(entries[i]));
  }

  judge(match: (e: CfEntry) => boolean): Verdict {
    const entries = this.table.entries;
    const found = entries.filter(match);
    if (found.length === 0) return { kind: 'absent' };
    const via = found.filter((e) => this.ok[e.index]);
    if (via.length) return { kind: 'ok', via };
    const enabled = found.filter((e) => this.enabled(e.index));
    if (enabled.length === 0) return { kind: 'disabled', entries: found };
    // Where the paths break: entries that do not attach although a parent of theirs does, or that have no possible parent.
    const frontier = [...ancestors(this.graph, enabled.map((e) => e.index)), ...enabled.map((e) => e.index)]
      .filter((a, i, all) => all.indexOf(a) === i && !this.ok[a])
      .filter((a) => (this.graph.parents[a].length === 0 ? entries[a].parent !== null : this.graph.parents[a].some((p) => this.ok[p])))
      .sort((a, b) => a - b)
      .map((a) => entries[a]);
    const disabled = frontier.filter((a) => stateName(a.fstate) === 'disabled');
    const breaks = frontier
      .filter((a) => stateName(a.fstate) !== 'disabled')
      .map((a) => {
        if (this.graph.parents[a.index].length === 0) return `no entry can be the parent of ${label(a)} (at ${parentName(a.parent)})`;
        if (!this.enabled(a.index)) return `${label(a)} is in state ${a.fstate} (${stateName(a.fstate)})`;
        return `${label(a)} attaches with ${a.attachment}, which a microvm does not provide`;
      });
    return { kind: 'blocked', entries: enabled, off: found.filter((e) => !this.enabled(e.index)), disabled, breaks };
  }

  /** Enabled entries that do not attach only because of `cause`. */
  lostThrough(cause: readonly CfEntry[]): CfEntry[] {
    const ok2 = this.reach(new Set(cause.map((c) => c.index)));
    const causeSet = new Set(cause.map((c) => c.index));
    return this.table.entries.filter((e) => !causeSet.has(e.index) && this.enabled(e.index) && !this.ok[e.index] && ok2[e.index]);
  }
}

/** Says why entries judged disabled or blocked cannot attach. */
function whyNot(v: Verdict & { kind: 'disabled' | 'blocked' }): string {
  const are = (es: readonly CfEntry[]) => `${list(es)} ${es.length === 1 ? 'is' : 'are'} disabled`;
  if (v.kind === 'disabled') return are(v.entries);
  const why = [...(v.disabled.length ? [are(v.disabled)] : []), ...v.breaks];
  return `${v.off.length ? `${are(v.off)}; ` : ''}${list(v.entries)} cannot attach: ${why.join('; ') || 'no parent attaches'}`;
}

/** A piece of evidence, read: met or not, and what to say. */
interface Finding {
  readonly met: boolean;
  readonly detail: string;
  readonly cause?: readonly CheckEntry[];
}

/** Everything one kernel's checks read, gathered once. */
interface Facts {
  readonly kernel: Kernel;
  readonly platform: Platform;
  readonly path: DevicePath | undefined;
  readonly tableError: string | undefined;
  /** The device checks that apply on the platform, whose entries a disabled entry's message names first. */
  readonly needs: readonly ((e: CfEntry) => boolean)[];
}

const NO_SYMBOLS = 'no symbol table: cannot tell';

/** The PVH evidence: QEMU (read_pvh_start_addr) and Firecracker read the note through PT_NOTE only, then jump to its physical address. */
function pvhFinding(kind: 'pvh-note' | 'pvh-segment' | 'pvh-entry', k: Kernel): Finding | 'n/a' {
  const p = k.pvh;
  if (!p) {
    if (kind !== 'pvh-note') return 'n/a';
    return { met: false, detail: 'no PVH note: QEMU -kernel refuses it ("Error loading uncompressed kernel without PVH ELF Note") and Firecracker cannot boot it; build with options XEN and XENPVHVM (MICROVM does)' };
  }
  if (kind === 'pvh-note') return { met: true, detail: `entry ${hex(p.entry)} (descsz ${p.descSize}${p.section ? `, section ${p.section}` : ''})` };
  if (kind === 'pvh-segment') {
    return p.segment !== null
      ? { met: true, detail: `PT_NOTE segment ${p.segment}` }
      : { met: false, detail: `the note (file offset ${hex(p.noteOffset)}) is in no PT_NOTE segment: QEMU and Firecracker look for it only there` };
  }
  // The entry must be code the loader copies from the file: inside p_filesz of an executable PT_LOAD, by physical address.
  const entry = BigInt(p.entry);
  const seg = loadSegmentByPaddr(k.elf, entry, 'file');
  if (!seg) {
    const inBss = loadSegmentByPaddr(k.elf, entry, 'memory') !== undefined;
    return { met: false, detail: `entry ${hex(p.entry)} is ${inBss ? 'in the zero-filled part of a PT_LOAD segment' : 'outside every PT_LOAD segment'} (by physical address)` };
  }
  const where = `PT_LOAD segment ${seg.index} (${segmentFlags(seg)}, paddr ${hex(seg.paddr)}-${hex(seg.paddr + BigInt(seg.filesz))})`;
  return seg.flags & C.PF_X ? { met: true, detail: `entry ${hex(p.entry)} in ${where}` } : { met: false, detail: `entry ${hex(p.entry)} is in non-executable ${where}` };
}

function deviceFinding(e: Evidence & { kind: 'device' }, f: Facts): Finding {
  const path = f.path;
  if (!path) return { met: false, detail: `cannot tell: ${f.tableError}` };
  const verdict = path.judge(e.match);
  switch (verdict.kind) {
    case 'ok': {
      // A console that attaches through com only is fine, but say why viocon does not.
      const rest = path.judge((x) => e.match(x) && !path.ok[x.index]);
      return { met: true, detail: `${list(verdict.via)}${rest.kind === 'ok' || rest.kind === 'absent' ? '' : `; ${whyNot(rest)}`}` };
    }
    case 'absent':
      return { met: false, detail: `no such entry in cfdata (config: ${e.config})` };
    case 'disabled': {
      // Name what else the disabled entries cut off, the platform's other device needs first.
      const lost = path.lostThrough(verdict.entries);
      const key = lost.filter((x) => f.needs.some((n) => n !== e.match && n(x)));
      const more = lost.length - key.length;
      const tail = key.length ? `: ${key.map(entryName).join(', ')}${more ? ` and ${more} more` : ''} cannot attach` : lost.length ? `: ${lost.length} enabled ${lost.length === 1 ? 'entry' : 'entries'} below cannot attach` : '';
      return { met: false, detail: `${list(verdict.entries)} ${verdict.entries.length === 1 ? 'is' : 'are'} disabled${tail}`, cause: verdict.entries.map(ref) };
    }
    case 'blocked': {
      const cause = [...verdict.off, ...verdict.disabled].map(ref);
      return { met: false, detail: whyNot(verdict), ...(cause.length ? { cause } : {}) };
    }
  }
}

/** The first of the evidence's symbols the kernel defines; undefined when it has no symbol table. */
function symbolFound(e: Evidence & { kind: 'symbol' }, k: Kernel): string | null | undefined {
  if (!k.symtab) return undefined;
  const symtab = k.symtab;
  return e.symbols.map((key) => NL[key].name).find((name) => findSymbol(k.elf, symtab, name) !== undefined) ?? null;
}

function finding(e: Evidence, f: Facts): Finding | 'n/a' {
  switch (e.kind) {
    case 'pvh-note':
    case 'pvh-segment':
    case 'pvh-entry':
      return pvhFinding(e.kind, f.kernel);
    case 'arm64-image': {
      const i = f.kernel.elf.image;
      if (i) return { met: true, detail: `${describeImage(i)}, linked at ${hex(i.linkBase)}` };
      return { met: false, detail: 'an ELF file: QEMU -M virt -kernel loads an ELF at its physical addresses and Firecracker takes only an Image; boot netbsd.img (objcopy -O binary, mkubootimage -f arm64)' };
    }
    case 'device':
      return deviceFinding(e, f);
    case 'symbol': {
      const s = symbolFound(e, f.kernel);
      return s ? { met: true, detail: e.found(s) } : { met: false, detail: s === undefined ? NO_SYMBOLS : e.missing };
    }
    case 'any': {
      // Each part says what it found; when none is met, what each lacks and what the kernel does instead.
      const parts = e.of.map((part) => {
        if (part.kind === 'symbol') {
          const s = symbolFound(part, f.kernel);
          return s ? { met: true, detail: part.found(s) } : { met: false, detail: s === undefined ? `${NO_SYMBOLS} about ${part.symbols.map((key) => NL[key].name).join(', ')}` : part.missing };
        }
        if (part.kind === 'device') {
          const v = f.path?.judge(part.match);
          const name = part.name ?? part.config;
          return v?.kind === 'ok' ? { met: true, detail: `${name}: ${list(v.via)}` } : { met: false, detail: `no attachable ${name}` };
        }
        throw new Error(`evidence of kind ${part.kind} inside 'any'`);
      });
      const met = parts.filter((p) => p.met);
      return met.length ? { met: true, detail: met.map((p) => p.detail).join('; ') } : { met: false, detail: `${parts.map((p) => p.detail).join(' and ')}: ${e.otherwise}` };
    }
  }
}

/** Why check `row` does not apply on `platform`. */
function notApplicable(row: Row, platform: Platform): string {
  const own = row.def.on[platform];
  if (own !== undefined && own !== true) return own.na;
  const use = row.feature.platforms[platform];
  return 'na' in use ? use.na : `not a ${platform} check`;
}

function netbsdCheck(k: Kernel): Check {
  const what = describeFile(k.elf);
  const os = k.release ? `NetBSD ${k.release.version.text}` : k.strings.ostype ? `${k.strings.ostype} ${k.strings.osrelease ?? ''}`.trim() : undefined;
  const fail = (detail: string) => result(undefined, 'netbsd', 'fail', detail);
  if (!k.target || !platformOf(k.target)) return fail(`${os ? `${os} ` : ''}${what}: the microvm profile covers ${COVERS}`);
  if (!os) return fail(`${what} with no NetBSD ident note and no ostype string`);
  if (k.elf.header.type !== C.ET_EXEC) return fail(`${os} ${what}: a kernel is an executable`);
  const boot = platformOf(k.target) === 'pvh' ? 'boots through PVH' : 'boots from a device tree; PVH does not apply';
  return result(undefined, 'netbsd', 'pass', `${os} ${k.target.arch} (${what}); ${boot}`);
}

/**
 * Runs the microvm profile's checks on `kernel`, one per id of MICROVM_CHECK_IDS; `table` defaults
 * to the kernel's own autoconf table, and when that cannot be read the device checks say why.
 */
export function microvmChecks(kernel: Kernel, table?: AutoconfTable): Check[] {
  const first = netbsdCheck(kernel);
  const platform = kernel.target && platformOf(kernel.target);
  const ids = MICROVM_CHECK_IDS.slice(1);
  if (!platform || first.status === 'fail') return [first, ...ids.map((id) => result(rowFor(id, platform), id, 'n/a', 'not a NetBSD kernel kpatch can check'))];
  let tableError: string | undefined;
  if (!table) {
    try {
      table = requireAutoconf(kernel);
    } catch (e) {
      if (!(e instanceof KpatchError)) throw e;
      tableError = e.message;
    }
  }
  const applies = ROWS.filter((r) => r.def.on[platform] === true);
  const devices = applies.flatMap((r) => (r.def.evidence.kind === 'device' ? [r.def.evidence] : []));
  const transport = devices.find((d) => d.transport);
  const path = table && new DevicePath(table, (e) => e.driver === 'virtio' && transport !== undefined && !transport.match(e));
  const facts: Facts = { kernel, platform, path, tableError, needs: devices.map((d) => d.match) };
  return [
    first,
    ...ids.map((id) => {
      const row = rowFor(id, platform);
      if (row.def.on[platform] !== true) return result(row, id, 'n/a', notApplicable(row, platform));
      const found = finding(row.def.evidence, facts);
      if (found === 'n/a') return result(row, id, 'n/a', 'no PVH note');
      return result(row, id, found.met ? 'pass' : 'fail', found.detail, found.cause);
    }),
  ];
}

/** Tells whether every required check passed (n/a counts as passed: it does not apply). */
export function checksPass(checks: readonly Check[]): boolean {
  return checks.every((c) => !c.required || c.status !== 'fail');
}

/** Whether a kernel has a feature, from its checks: `n/a` where the feature does not apply. */
export type FeatureState = 'present' | 'missing' | 'n/a';

/** One feature of the table, as a kernel has it. */
export interface FeatureStatus {
  readonly id: FeatureId;
  readonly state: FeatureState;
  readonly present: boolean;
  /** Whether a microVM needs it (some check of it is required). */
  readonly required: boolean;
  /** The details of its checks, or why it does not apply. */
  readonly detail: string;
  /** Its checks' ids, as `check --microvm` reports them. */
  readonly checks: readonly string[];
}

/**
 * Groups checks (microvmChecks' result) by feature: a feature is present when every check of it
 * that applies passes, missing when one does not, n/a when none applies. This is how `info` lists
 * features, so it can never disagree with `check`.
 */
export function featuresOf(checks: readonly Check[]): FeatureStatus[] {
  return MICROVM_FEATURES.map((feature) => {
    const ids = [...new Set(feature.checks.map((c) => c.id))];
    const own = checks.filter((c) => (ids as string[]).includes(c.id));
    const applying = own.filter((c) => c.status !== 'n/a');
    const state: FeatureState = applying.length === 0 ? 'n/a' : applying.every((c) => c.status === 'pass') ? 'present' : 'missing';
    const shown = applying.length ? applying : own.slice(0, 1);
    return { id: feature.id, state, present: state === 'present', required: applying.some((c) => c.required), detail: [...new Set(shown.map((c) => c.detail))].join('; '), checks: ids };
  });
}

/** Lists the table's features as `kernel` has them; `table` is its autoconf table when the caller has read it. */
export function kernelFeatures(kernel: Kernel, table?: AutoconfTable): FeatureStatus[] {
  return featuresOf(microvmChecks(kernel, table));
}
