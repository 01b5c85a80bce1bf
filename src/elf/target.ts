/**
 * The targets kpatch reads autoconf tables for, as data: adding an architecture is adding a row.
 * Other ELF files are still described (by their e_machine name), just not patched.
 */
import { type DataModel, type Endian, ILP32, LP64 } from '../bytes/view';
import { KpatchError } from '../errors';
import * as C from './constants';
import type { FileHeader } from './file';

/** NetBSD MACHINE_ARCH names kpatch supports. */
export type Arch = 'amd64' | 'i386' | 'aarch64';

/** One supported target. */
export interface Target {
  readonly arch: Arch;
  readonly machine: number;
  readonly class: 32 | 64;
  readonly endian: Endian;
  readonly model: DataModel;
  /** Whether kernels for it boot through a PVH note (x86 only; arm boots from a device tree). */
  readonly pvh: boolean;
}

/** Every supported target (little-endian only: bitfield placement on big-endian ports is unchecked). */
export const TARGETS: readonly Target[] = [
  { arch: 'amd64', machine: C.EM_X86_64, class: 64, endian: 'little', model: LP64, pvh: true },
  { arch: 'i386', machine: C.EM_386, class: 32, endian: 'little', model: ILP32, pvh: true },
  { arch: 'aarch64', machine: C.EM_AARCH64, class: 64, endian: 'little', model: LP64, pvh: false },
];

/** Finds the target row matching an ELF header, if kpatch supports it. */
export function findTarget(h: FileHeader): Target | undefined {
  return TARGETS.find((t) => t.machine === h.machine && t.class === h.class && t.endian === h.endian);
}

/** Describes an ELF header in a few words: "ELF64 little-endian x86-64 executable". */
export function describeElf(h: FileHeader): string {
  const kind = { [C.ET_REL]: 'relocatable object', [C.ET_EXEC]: 'executable', [C.ET_DYN]: 'shared object', [C.ET_CORE]: 'core file' }[h.type] ?? `file of type ${h.type}`;
  return `ELF${h.class} ${h.endian}-endian ${C.machineName(h.machine)} ${kind}`;
}

/** Returns the target of an ELF header or throws UNSUPPORTED_TARGET naming what it is. */
export function requireTarget(h: FileHeader): Target {
  const t = findTarget(h);
  if (t) return t;
  throw new KpatchError(
    'UNSUPPORTED_TARGET',
    `unsupported target: ${describeElf(h)}`,
    `kpatch reads ${TARGETS.map((x) => `${x.arch} (ELF${x.class} ${x.endian}-endian)`).join(', ')} kernels`,
  );
}
