/**
 * inspectKernel: everything kpatch knows about one ELF file as a NetBSD kernel — target, ident
 * note, version strings, PVH entry, autoconf tables — read lazily, so `info` on a stripped kernel
 * or a userland program still answers what it can and says what is missing.
 */
import type { ByteSource } from '../bytes/source';
import * as C from '../elf/constants';
import { type ElfFile, parseElf, readCString, sectionByName } from '../elf/file';
import { lookupAddress } from '../elf/address';
import { type Note, readNotes } from '../elf/notes';
import { findSymbol, loadSymbolTable, type SymbolTable } from '../elf/symbols';
import { describeElf, findTarget, requireTarget, type Target } from '../elf/target';
import { KpatchError } from '../errors';
import { type AutoconfTable, readAutoconf } from './autoconf';
import { CONFIG_MARKER } from './embedded-config';
import { findIdent, type IdentNote, type NetbsdVersion, parseOsrelease } from './ident';
import { describeImage, openArm64Image, rawFormat, uimageError } from './image';
import { NL } from './nlist';
import { findPvh, type PvhEntry } from './pvh';

/** Version strings from sys/conf/newvers.sh's vers.c, read through their symbols. */
export interface VersionStrings {
  readonly ostype: string | null;
  readonly osrelease: string | null;
  readonly version: string | null;
}

/** One ELF file seen as a NetBSD kernel. */
export interface Kernel {
  readonly elf: ElfFile;
  readonly target: Target | undefined;
  readonly notes: readonly Note[];
  readonly ident: IdentNote | undefined;
  readonly symtab: SymbolTable | undefined;
  readonly strings: VersionStrings;
  readonly pvh: PvhEntry | undefined;
  /** The best version known: the ident note, else osrelease, else the version banner (see `release`). */
  readonly version: NetbsdVersion | undefined;
  /** The version and where it was read: NetBSD 4.x and earlier have no ident note, only the vers.c strings. */
  readonly release: Release | undefined;
}

/** A NetBSD release and where kpatch read it. */
export interface Release {
  readonly version: NetbsdVersion;
  /** The version banner itself, when the release was read from it. */
  readonly banner?: string;
  /** `ident note`; `osrelease` (the symbol); `version banner` ("NetBSD 4.0 (GENERIC) #0: ..." found in the data of a stripped kernel). */
  readonly from: 'ident note' | 'osrelease' | 'version banner';
}

/**
 * Finds vers.c's banner ("NetBSD 4.0 (GENERIC) #0: ...") in the loadable bytes of a kernel without
 * symbols: the only place a stripped kernel older than the ident note says its release.
 */
export function findVersionBanner(file: ElfFile): string | undefined {
  const marker = Buffer.from('NetBSD ', 'latin1');
  for (const p of file.loads) {
    if (p.filesz === 0) continue;
    const u = file.source.read(p.offset, p.filesz);
    const bytes = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    for (let i = bytes.indexOf(marker); i >= 0; i = bytes.indexOf(marker, i + 1)) {
      // The banner starts a string: the byte before it is a NUL (or it opens the segment).
      if (i > 0 && bytes[i - 1] !== 0) continue;
      const end = bytes.indexOf(0, i);
      const text = bytes.toString('latin1', i, end < 0 ? Math.min(bytes.length, i + 256) : Math.min(end, i + 256));
      if (/^NetBSD \d+\.\d+\S* \([^)\s]+\) #\d+/.test(text)) return text;
    }
  }
  return undefined;
}

function readStringSymbol(file: ElfFile, symtab: SymbolTable | undefined, name: string, max: number): string | null {
  if (!symtab) return null;
  const sym = findSymbol(file, symtab, name);
  if (!sym) return null;
  const where = lookupAddress(file, sym.value, 1);
  if (!where.ok) return null;
  const limit = sym.size > 0n ? Math.min(Number(sym.size), max) : max;
  return readCString(file, where.offset, name, limit);
}

/**
 * Opens an ELF file, or a raw boot image kpatch reads (an arm64 Image); says plainly what other
 * raw formats are. Files that are neither keep parseElf's "not an ELF file" error.
 */
export function openExecutable(source: ByteSource): ElfFile {
  const format = source.size >= 4 && !isElfMagic(source) ? rawFormat(source) : undefined;
  if (format === 'arm64') return openArm64Image(source);
  if (format === 'uimage') throw uimageError(source);
  return parseElf(source);
}

function isElfMagic(source: ByteSource): boolean {
  const m = source.read(0, 4);
  return m[0] === 0x7f && m[1] === 0x45 && m[2] === 0x4c && m[3] === 0x46;
}

/** Describes the file: its ELF header in a few words, or the raw image format. */
export function describeFile(file: ElfFile): string {
  return file.image ? describeImage(file.image) : describeElf(file.header);
}

/** Parses `source` as an ELF file (or raw image) and gathers its NetBSD kernel facts; throws only for malformed files. */
export function inspectKernel(source: ByteSource): Kernel {
  const elf = openExecutable(source);
  const notes = readNotes(elf);
  const ident = findIdent(elf, notes);
  const symtab = loadSymbolTable(elf);
  // The version strings cost three symbol lookups; list and the editing commands never print them,
  // so they are read on first use.
  let strings: VersionStrings | undefined;
  let banner: string | null | undefined;
  const readStrings = (): VersionStrings =>
    (strings ??= {
      ostype: readStringSymbol(elf, symtab, NL.ostype.name, 64),
      osrelease: readStringSymbol(elf, symtab, NL.osrelease.name, 64),
      version: readStringSymbol(elf, symtab, NL.version.name, 1024),
    });
  return {
    elf,
    target: findTarget(elf.header),
    notes,
    ident,
    symtab,
    get strings() {
      return readStrings();
    },
    pvh: findPvh(elf, notes),
    get version() {
      return this.release?.version;
    },
    get release(): Release | undefined {
      if (ident) return { version: ident.version, from: 'ident note' };
      const osrelease = readStrings().osrelease;
      const fromSymbol = osrelease ? parseOsrelease(osrelease) : undefined;
      if (fromSymbol) return { version: fromSymbol, from: 'osrelease' };
      if (symtab) return undefined;
      banner ??= findVersionBanner(elf) ?? null;
      const fromBanner = banner ? parseOsrelease(banner.slice('NetBSD '.length)) : undefined;
      return fromBanner ? { version: fromBanner, from: 'version banner', banner: banner! } : undefined;
    },
  };
}

/** Explains why a file that is not a kernel with autoconf tables is not one, in one line. */
function notAKernel(k: Kernel): KpatchError | undefined {
  const h = k.elf.header;
  const what = describeFile(k.elf);
  if (h.type === C.ET_REL) {
    return new KpatchError('NOT_A_KERNEL', `not a kernel: ${what} (a kernel module or object file)`, 'modules keep static cfdata_ioconf_* tables; patch the kernel they load into');
  }
  if (!findTarget(h)) return undefined; // requireTarget says it better
  const os = k.ident ? `NetBSD ${k.ident.version.text}` : k.notes.some((n) => n.name === 'GNU') ? 'GNU/Linux' : undefined;
  // Without a symbol table the shape finder looks for cfdata (requireAutoconf says what it found).
  if (k.symtab && !findSymbol(k.elf, k.symtab, NL.cfdata.name)) {
    if (!k.ident && !k.strings.ostype) return new KpatchError('NOT_A_KERNEL', `not a NetBSD kernel: ${os ? `${os} ` : ''}${what} with no NetBSD ident note and no cfdata symbol`);
    return new KpatchError('SYMBOL_MISSING', `no cfdata symbol in ${os ?? 'NetBSD'} ${what}: a userland program, or a kernel without autoconf?`);
  }
  return undefined;
}

/** Reads the autoconf tables of `k`, or throws one clear error saying what the file is and what is missing. */
export function requireAutoconf(k: Kernel): AutoconfTable {
  const problem = notAKernel(k);
  if (problem) throw problem;
  const target = requireTarget(k.elf.header);
  try {
    return readAutoconf(k.elf, target, k.symtab, k.version);
  } catch (e) {
    // Nothing shaped like cfdata in a file without symbols: say what the file is.
    if (k.symtab || !(e instanceof KpatchError) || (e.code !== 'SYMBOL_MISSING' && e.code !== 'LAYOUT_AMBIGUOUS')) throw e;
    const what = describeFile(k.elf);
    if (!k.release) {
      // No ident note, no osrelease, no version banner: a stripped program of another system (a Linux binary has
      // runs that look like a table's start) is not a NetBSD kernel whose evidence is thin.
      const found = e.code === 'SYMBOL_MISSING' ? 'no cfdata-shaped table' : `no convincing cfdata table (${e.message.replace(/^no symbol table, and /, '')})`;
      throw new KpatchError('NOT_A_KERNEL', `not a NetBSD kernel: ${what} with no NetBSD ident note, no symbol table and ${found}`);
    }
    if (e.code === 'LAYOUT_AMBIGUOUS') throw e;
    throw new KpatchError('SYMBOL_MISSING', `no symbol table in NetBSD ${k.release.version.text} ${what}, and no cfdata-shaped table in its data: a userland program, or a kernel without autoconf?`);
  }
}

/** Tells whether the kernel embeds its config (options INCLUDE_CONFIG_FILE): the `config` object starts with "_CFG_". */
export function hasEmbeddedConfig(k: Kernel): boolean {
  const marker = Buffer.from(CONFIG_MARKER);
  if (k.symtab) {
    const sym = findSymbol(k.elf, k.symtab, NL.config.name);
    const where = sym && lookupAddress(k.elf, sym.value, marker.length);
    if (where && where.ok) return Buffer.from(k.elf.source.read(where.offset, marker.length)).equals(marker);
  }
  // Without the symbol, look in .rodata only (the array is const); without sections (sstrip, a raw image), in the loadable data.
  const rodata = sectionByName(k.elf, '.rodata');
  const ranges = rodata ? (rodata.type === C.SHT_NOBITS ? [] : [{ offset: rodata.offset, size: rodata.size }]) : k.elf.sections.length ? [] : k.elf.loads.map((l) => ({ offset: l.offset, size: l.filesz }));
  return ranges.some((r) => {
    const u = k.elf.source.read(r.offset, r.size);
    return Buffer.from(u.buffer, u.byteOffset, u.byteLength).includes(Buffer.concat([marker, Buffer.from('### START CONFIG FILE', 'latin1')]));
  });
}
