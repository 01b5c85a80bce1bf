/**
 * The NetBSD ident note (name "NetBSD", type NT_NETBSD_IDENT = 1, desc u32 __NetBSD_Version__)
 * and the version encoding MMmmrrpp00 (NetBSD sys/sys/exec_elf.h; file(1) decodes it the same way).
 */
import { ByteView } from '../bytes/view';
import type { ElfFile } from '../elf/file';
import type { Note } from '../elf/notes';

/** NT_NETBSD_IDENT (sys/sys/exec_elf.h: ELF_NOTE_TYPE_NETBSD_TAG). */
export const NT_NETBSD_IDENT = 1;

/** A decoded __NetBSD_Version__. */
export interface NetbsdVersion {
  readonly raw: number;
  readonly major: number;
  readonly minor: number;
  readonly release: number;
  readonly patch: number;
  /** "10.1", "9.99.15", "5.99.15". */
  readonly text: string;
}

/** Decodes __NetBSD_Version__ (MMmmrrpp00): 1001000000 -> 10.1, 599001500 -> 5.99.15, 999001000 -> 9.99.10. */
export function decodeNetbsdVersion(raw: number): NetbsdVersion {
  const major = Math.floor(raw / 100000000);
  const minor = Math.floor(raw / 1000000) % 100;
  const release = Math.floor(raw / 10000) % 100;
  const patch = Math.floor(raw / 100) % 100;
  // sys/sys/param.h: rr is 0 in every modern release and -current counts in pp ("2.99.9
  // (299000900)"), so 599001500 is 5.99.15, not 5.99.0.15. file(1) prints it the same way.
  let text = `${major}.${minor}`;
  if (release) text += `.${release}`;
  if (patch) text += `.${patch}`;
  return { raw, major, minor, release, patch, text };
}

/** The ident note found in a file. */
export interface IdentNote {
  readonly version: NetbsdVersion;
  readonly note: Note;
}

/** Finds the NetBSD ident note among `notes` (descsz 4), decoding it in the file's byte order. */
export function findIdent(file: ElfFile, notes: readonly Note[]): IdentNote | undefined {
  const note = notes.find((n) => n.name === 'NetBSD' && n.type === NT_NETBSD_IDENT && n.desc.length === 4);
  if (!note) return undefined;
  const desc = new ByteView(note.desc, note.descOffset, file.header.endian, file.model);
  return { version: decodeNetbsdVersion(desc.u32(note.descOffset, '__NetBSD_Version__')), note };
}

/** Parses an osrelease string ("10.1", "9.99.15", "11.0_BETA") into a comparable version, if it looks like one. */
export function parseOsrelease(text: string): NetbsdVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major > 99 || minor > 99 || patch > 99) return undefined;
  // The third number of "9.99.15" is the pp field, as in the ident note.
  return decodeNetbsdVersion(major * 100000000 + minor * 1000000 + patch * 100);
}
