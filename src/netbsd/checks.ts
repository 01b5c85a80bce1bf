/**
 * microvmChecks: can this kernel boot as a microVM the way smolBSD boots it? x86 kernels are
 * loaded by QEMU `-M microvm` or Firecracker through the PVH note and find their disk and console
 * through pv -> virtio (mmio_cmdline) -> ld / viocon; aarch64 kernels boot from a device tree and
 * find virtio-mmio there. Required checks decide bootability; informational ones say what the
 * kernel will do slower or without (DELAY-timed TSC, no tslog, no early virtio console).
 * Device checks ask autoconf's question, not "is the entry there": an entry attaches only when it
 * is enabled and some parent on the path from a root attaches too (tree.ts reachability).
 */
import * as C from '../elf/constants';
import type { Segment } from '../elf/file';
import { findSymbol } from '../elf/symbols';
import { ARCH_NAMES, type BootKind, describeElf, targetByArch } from '../elf/target';
import { KpatchError } from '../errors';
import { type AutoconfTable, type CfEntry, stateName } from './autoconf';
import { entryName, parentName } from './format';
import { type Kernel, requireAutoconf } from './kernel';
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

/** A virtio child, recognised by its parent spec (`ld* at virtio?`). */
const atVirtio = (e: CfEntry) => e.parent !== null && (e.parent.driver === 'virtio' || e.parent.iattr === 'virtio');

/** What the microvm profile needs per architecture (behaviour as data, one row per arch). */
interface ArchProfile {
  readonly boot: 'pvh' | 'fdt';
  /** The virtio transport a microvm provides; other virtio attachments (virtio_pci, acpi) find nothing there. */
  readonly transport: { readonly id: string; readonly title: string; readonly config: string; readonly match: (e: CfEntry) => boolean };
  readonly console: { readonly title: string; readonly config: string; readonly match: (e: CfEntry) => boolean };
}

const X86: ArchProfile = {
  boot: 'pvh',
  // NetBSD sys/arch/x86/pv/files.pv: attach virtio at pv with mmio_cmdline.
  transport: { id: 'virtio-cmdline', title: 'virtio-mmio from the kernel command line', config: 'virtio* at pv? (with mmio_cmdline)', match: (e) => e.driver === 'virtio' && e.attachment === 'mmio_cmdline' },
  console: { title: 'console (viocon at virtio, or com)', config: 'viocon* at virtio? or com0 at isa?', match: (e) => (e.driver === 'viocon' && atVirtio(e)) || e.driver === 'com' },
};

const ARM: ArchProfile = {
  boot: 'fdt',
  // NetBSD sys/arch/evbarm/conf/GENERIC64: virtio* at fdt? # Virtio MMIO device.
  transport: { id: 'virtio-fdt', title: 'virtio-mmio from the device tree', config: 'virtio* at fdt?', match: (e) => e.driver === 'virtio' && e.parent?.iattr === 'fdt' },
  // QEMU virt's UART is a PL011 (plcom); com and viocon also serve.
  console: { title: 'console (plcom, com, or viocon at virtio)', config: 'plcom* at fdt?', match: (e) => e.driver === 'plcom' || e.driver === 'com' || (e.driver === 'viocon' && atVirtio(e)) },
};

const PROFILES: Partial<Record<BootKind, ArchProfile>> = { pvh: X86, 'arm64-image': ARM };

/** The architectures the microvm profile covers, by boot kind, as the target table says. */
const covered = (boots: readonly BootKind[]) => ARCH_NAMES.filter((a) => boots.includes(targetByArch(a).boot));
const orList = (names: readonly string[]) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join(''));
const COVERS = `${covered(['pvh']).join(' and ')} (PVH) and ${orList(covered(['arm64-image']))} (device tree)`;

/** One device requirement: which entries satisfy it. */
interface Need {
  readonly id: string;
  readonly title: string;
  readonly config: string;
  readonly match: (e: CfEntry) => boolean;
}

function needsFor(p: ArchProfile): Need[] {
  const needs: Need[] = [];
  if (p.boot === 'pvh') needs.push({ id: 'pv', title: 'pv bus', config: 'pv* at pvbus?', match: (e) => e.driver === 'pv' });
  needs.push(
    p.transport,
    { id: 'virtio-block', title: 'virtio block device (ld at virtio)', config: 'ld* at virtio?', match: (e) => e.driver === 'ld' && atVirtio(e) },
    { id: 'console', ...p.console },
  );
  return needs;
}

/** The ids of every check, in output order, for every architecture (inapplicable ones are n/a). */
export const MICROVM_CHECK_IDS = ['netbsd', 'pvh-note', 'pvh-segment', 'pvh-entry', 'pv', 'virtio-cmdline', 'virtio-fdt', 'virtio-block', 'console', 'tsc', 'tslog', 'early-console'] as const;

const TITLES: Record<(typeof MICROVM_CHECK_IDS)[number], string> = {
  netbsd: 'NetBSD kernel for PVH or arm64 Image boot',
  'pvh-note': 'PVH entry note (ELF note "Xen", type 18)',
  'pvh-segment': 'PVH note inside a PT_NOTE segment',
  'pvh-entry': 'PVH entry inside a loadable executable segment',
  pv: 'pv bus',
  'virtio-cmdline': X86.transport.title,
  'virtio-fdt': ARM.transport.title,
  'virtio-block': 'virtio block device (ld at virtio)',
  console: 'console',
  tsc: 'TSC frequency without DELAY calibration',
  tslog: 'tslog boot-time tracing',
  'early-console': 'early virtio console (viocon_earlyinit)',
};

// TSC without DELAY is required: issue 5 lists it with the boot checks, and a microVM kernel that times
// its TSC against DELAY() loses most of its boot-time budget. tslog and the early console only inform.
const REQUIRED = new Set(['netbsd', 'pvh-note', 'pvh-segment', 'pvh-entry', 'pv', 'virtio-cmdline', 'virtio-fdt', 'virtio-block', 'console', 'tsc']);

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const ref = (e: CfEntry): CheckEntry => ({ index: e.index, name: entryName(e) });
const label = (e: CfEntry) => `${entryName(e)} (#${e.index})`;
const list = (es: readonly CfEntry[]) => es.map(label).join(', ');

function check(id: (typeof MICROVM_CHECK_IDS)[number], status: CheckStatus, detail: string, extra: Partial<Check> = {}): Check {
  return { id, title: extra.title ?? TITLES[id], required: REQUIRED.has(id), status, detail, ...(extra.cause ? { cause: extra.cause } : {}) };
}

function segmentFlags(s: Segment): string {
  return `${s.flags & C.PF_R ? 'R' : '-'}${s.flags & C.PF_W ? 'W' : '-'}${s.flags & C.PF_X ? 'X' : '-'}`;
}

/** The PVH checks: QEMU (read_pvh_start_addr) and Firecracker read the note through PT_NOTE only, then jump to its physical address. */
function pvhChecks(k: Kernel): Check[] {
  const p = k.pvh;
  if (!p) {
    const na = 'no PVH note';
    return [
      check('pvh-note', 'fail', 'no PVH note: QEMU -kernel refuses it ("Error loading uncompressed kernel without PVH ELF Note") and Firecracker cannot boot it; build with options XEN and XENPVHVM (MICROVM does)'),
      check('pvh-segment', 'n/a', na),
      check('pvh-entry', 'n/a', na),
    ];
  }
  const out = [check('pvh-note', 'pass', `entry ${hex(p.entry)} (descsz ${p.descSize}${p.section ? `, section ${p.section}` : ''})`)];
  out.push(
    p.segment !== null
      ? check('pvh-segment', 'pass', `PT_NOTE segment ${p.segment}`)
      : check('pvh-segment', 'fail', `the note (file offset ${hex(p.noteOffset)}) is in no PT_NOTE segment: QEMU and Firecracker look for it only there`),
  );
  // The entry must be code the loader copies from the file: inside p_filesz of an executable PT_LOAD, by physical address.
  const entry = BigInt(p.entry);
  const loads = k.elf.segments.filter((s) => s.type === C.PT_LOAD);
  const seg = loads.find((s) => entry >= s.paddr && entry < s.paddr + BigInt(s.filesz));
  if (!seg) {
    const inBss = loads.some((s) => entry >= s.paddr && entry < s.paddr + BigInt(s.memsz));
    out.push(check('pvh-entry', 'fail', `entry ${hex(p.entry)} is ${inBss ? 'in the zero-filled part of a PT_LOAD segment' : 'outside every PT_LOAD segment'} (by physical address)`));
  } else {
    const where = `PT_LOAD segment ${seg.index} (${segmentFlags(seg)}, paddr ${hex(seg.paddr)}-${hex(seg.paddr + BigInt(seg.filesz))})`;
    out.push(seg.flags & C.PF_X ? check('pvh-entry', 'pass', `entry ${hex(p.entry)} in ${where}`) : check('pvh-entry', 'fail', `entry ${hex(p.entry)} is in non-executable ${where}`));
  }
  return out;
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

function deviceChecks(table: AutoconfTable | undefined, tableError: string | undefined, profile: ArchProfile): Check[] {
  const needs = needsFor(profile);
  const present = new Set(needs.map((n) => n.id));
  const na = (ids: string[]) => ids.filter((id) => !present.has(id)).map((id) => check(id as (typeof MICROVM_CHECK_IDS)[number], 'n/a', profile.boot === 'pvh' ? 'x86 finds virtio-mmio through pv, not the device tree' : 'aarch64 has no pv bus: virtio-mmio comes from the device tree'));
  const inapplicable = na(['pv', 'virtio-cmdline', 'virtio-fdt']);
  if (!table) {
    const results = needs.map((n) => check(n.id as (typeof MICROVM_CHECK_IDS)[number], 'fail', `cannot tell: ${tableError}`, { title: n.title }));
    return order([...results, ...inapplicable]);
  }
  const path = new DevicePath(table, (e) => e.driver === 'virtio' && !profile.transport.match(e));
  const verdicts = needs.map((n) => ({ need: n, verdict: path.judge(n.match) }));
  const results = verdicts.map(({ need, verdict }): Check => {
    const id = need.id as (typeof MICROVM_CHECK_IDS)[number];
    const title = `${need.title}`;
    switch (verdict.kind) {
      case 'ok': {
        // A console that attaches through com only is fine, but say why viocon does not.
        const rest = path.judge((e) => need.match(e) && !path.ok[e.index]);
        return check(id, 'pass', `${list(verdict.via)}${rest.kind === 'ok' || rest.kind === 'absent' ? '' : `; ${whyNot(rest)}`}`, { title });
      }
      case 'absent':
        return check(id, 'fail', `no such entry in cfdata (config: ${need.config})`, { title });
      case 'disabled': {
        // Name what else the disabled entries cut off, the profile's own needs first.
        const lost = path.lostThrough(verdict.entries);
        const key = lost.filter((e) => needs.some((n) => n !== need && n.match(e)));
        const more = lost.length - key.length;
        const tail = key.length ? `: ${key.map(entryName).join(', ')}${more ? ` and ${more} more` : ''} cannot attach` : lost.length ? `: ${lost.length} enabled ${lost.length === 1 ? 'entry' : 'entries'} below cannot attach` : '';
        return check(id, 'fail', `${list(verdict.entries)} ${verdict.entries.length === 1 ? 'is' : 'are'} disabled${tail}`, { title, cause: verdict.entries.map(ref) });
      }
      case 'blocked': {
        const cause = [...verdict.off, ...verdict.disabled].map(ref);
        return check(id, 'fail', whyNot(verdict), cause.length ? { title, cause } : { title });
      }
    }
  });
  return order([...results, ...inapplicable]);
}

/** Says why entries judged disabled or blocked cannot attach. */
function whyNot(v: Verdict & { kind: 'disabled' | 'blocked' }): string {
  const are = (es: readonly CfEntry[]) => `${list(es)} ${es.length === 1 ? 'is' : 'are'} disabled`;
  if (v.kind === 'disabled') return are(v.entries);
  const why = [...(v.disabled.length ? [are(v.disabled)] : []), ...v.breaks];
  return `${v.off.length ? `${are(v.off)}; ` : ''}${list(v.entries)} cannot attach: ${why.join('; ') || 'no parent attaches'}`;
}

const order = (checks: Check[]) => checks.sort((a, b) => MICROVM_CHECK_IDS.indexOf(a.id as never) - MICROVM_CHECK_IDS.indexOf(b.id as never));

function symbolChecks(k: Kernel, table: AutoconfTable | undefined, profile: ArchProfile): Check[] {
  const has = (name: string) => (k.symtab ? findSymbol(k.elf, k.symtab, name) !== undefined : undefined);
  const noSyms = 'no symbol table: cannot tell';
  const out: Check[] = [];
  if (profile.boot === 'pvh') {
    // NetBSD x86 cpu_get_tsc_freq(): CPUID leaves first (identcpu_subr.c), else a DELAY()-timed loop; pvclock reads it from KVM.
    const pvclock = table ? new DevicePath(table, () => false).judge((e) => e.driver === 'pvclock') : undefined;
    const cpuid = has('cpu_tsc_freq_cpuid');
    const via = [cpuid ? 'cpu_tsc_freq_cpuid (CPUID 0x15/0x16/0x40000010; QEMU needs -cpu ...,+invtsc)' : null, pvclock?.kind === 'ok' ? `pvclock: ${list(pvclock.via)}` : null].filter(Boolean);
    out.push(via.length ? check('tsc', 'pass', via.join('; ')) : check('tsc', 'fail', `${cpuid === undefined ? `${noSyms} about cpu_tsc_freq_cpuid, ` : 'no cpu_tsc_freq_cpuid symbol '}and no attachable pvclock: the TSC is timed against DELAY() at boot`));
  } else {
    out.push(check('tsc', 'n/a', 'aarch64 uses the generic timer'));
  }
  // TSLOG (NetBSDfr/NetBSD-src, options TSLOG): the record buffer and its sysctl handlers.
  const tslog = ['tslog', 'tslog_user', 'sysctl_debug_tslog'].find((s) => has(s));
  out.push(tslog ? check('tslog', 'pass', `symbol ${tslog} (sysctl debug.tslog)`) : check('tslog', 'info', k.symtab ? 'no tslog symbol (options TSLOG): no boot-time trace' : noSyms));
  // smolBSD's startnb.sh: `nm $kernel | grep -q viocon_earlyinit` picks console=viocon, else console=com.
  const early = has('viocon_earlyinit');
  out.push(early ? check('early-console', 'pass', 'viocon_earlyinit: smolBSD boots it with console=viocon') : check('early-console', 'info', early === undefined ? noSyms : 'no viocon_earlyinit: smolBSD boots it with console=com'));
  return out;
}

function netbsdCheck(k: Kernel): Check {
  const what = describeElf(k.elf.header);
  const os = k.ident ? `NetBSD ${k.ident.version.text}` : k.strings.ostype ? `${k.strings.ostype} ${k.strings.osrelease ?? ''}`.trim() : undefined;
  if (!k.target || !PROFILES[k.target.boot]) return check('netbsd', 'fail', `${os ? `${os} ` : ''}${what}: the microvm profile covers ${COVERS}`);
  if (!os) return check('netbsd', 'fail', `${what} with no NetBSD ident note and no ostype string`);
  if (k.elf.header.type !== C.ET_EXEC) return check('netbsd', 'fail', `${os} ${what}: a kernel is an executable`);
  const boot = k.target.pvh ? 'boots through PVH' : 'boots from a device tree; PVH does not apply';
  return check('netbsd', 'pass', `${os} ${k.target.arch} (${what}); ${boot}`);
}

/**
 * Runs the microvm profile's checks on `kernel`; `table` defaults to the kernel's own autoconf
 * table, and when that cannot be read the device checks fail saying why.
 */
export function microvmChecks(kernel: Kernel, table?: AutoconfTable): Check[] {
  const first = netbsdCheck(kernel);
  const target = kernel.target;
  if (!target || first.status === 'fail') {
    return [first, ...MICROVM_CHECK_IDS.slice(1).map((id) => check(id, 'n/a', 'not a NetBSD kernel kpatch can check'))];
  }
  const profile = PROFILES[target.boot]!;
  let tableError: string | undefined;
  if (!table) {
    try {
      table = requireAutoconf(kernel);
    } catch (e) {
      if (!(e instanceof KpatchError)) throw e;
      tableError = e.message;
    }
  }
  const pvh = profile.boot === 'pvh' ? pvhChecks(kernel) : (['pvh-note', 'pvh-segment', 'pvh-entry'] as const).map((id) => check(id, 'n/a', 'aarch64 boots from a device tree: PVH does not apply'));
  return order([first, ...pvh, ...deviceChecks(table, tableError, profile), ...symbolChecks(kernel, table, profile)]);
}

/** Tells whether every required check passed (n/a counts as passed: it does not apply). */
export function checksPass(checks: readonly Check[]): boolean {
  return checks.every((c) => !c.required || c.status !== 'fail');
}
