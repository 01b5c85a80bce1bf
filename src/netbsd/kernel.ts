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
  /** The best version known: the ident note, else osrelease. */
  readonly version: NetbsdVersion | undefined;
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

/** Parses `source` as an ELF file and gathers its NetBSD kernel facts; throws only for malformed ELF. */
export function inspectKernel(source: ByteSource): Kernel {
  const elf = parseElf(source);
  const notes = readNotes(elf);
  const ident = findIdent(elf, notes);
  const symtab = loadSymbolTable(elf);
  // The version strings cost three symbol lookups; list and the editing commands never print them,
  // so they are read on first use.
  let strings: VersionStrings | undefined;
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
      if (ident) return ident.version;
      const release = readStrings().osrelease;
      return release ? parseOsrelease(release) : undefined;
    },
  };
}

/** Explains why a file that is not a kernel with autoconf tables is not one, in one line. */
function notAKernel(k: Kernel): KpatchError | undefined {
  const h = k.elf.header;
  const what = describeElf(h);
  if (h.type === C.ET_REL) {
    return new KpatchError('NOT_A_KERNEL', `not a kernel: ${what} (a kernel module or object file)`, 'modules keep static cfdata_ioconf_* tables; patch the kernel they load into');
  }
  if (!findTarget(h)) return undefined; // requireTarget says it better
  const os = k.ident ? `NetBSD ${k.ident.version.text}` : k.notes.some((n) => n.name === 'GNU') ? 'GNU/Linux' : undefined;
  if (!k.symtab) {
    if (!k.ident) return new KpatchError('NOT_A_KERNEL', `not a NetBSD kernel: ${what} with no NetBSD ident note and no symbol table`);
    return new KpatchError('SYMBOL_MISSING', `no symbol table in ${os} ${what}: stripped kernel or userland program? kpatch needs the cfdata symbol`, 'use a kernel built with symbols (netbsd, not netbsd.stripped)');
  }
  if (!findSymbol(k.elf, k.symtab, NL.cfdata.name)) {
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
  return readAutoconf(k.elf, target, k.symtab, k.version);
}

/** Tells whether the kernel embeds its config (options INCLUDE_CONFIG_FILE): the `config` object starts with "_CFG_". */
export function hasEmbeddedConfig(k: Kernel): boolean {
  const marker = Buffer.from(CONFIG_MARKER);
  if (k.symtab) {
    const sym = findSymbol(k.elf, k.symtab, NL.config.name);
    const where = sym && lookupAddress(k.elf, sym.value, marker.length);
    if (where && where.ok) return Buffer.from(k.elf.source.read(where.offset, marker.length)).equals(marker);
  }
  // Without the symbol, look in .rodata only (the array is const), never the whole file.
  const rodata = sectionByName(k.elf, '.rodata');
  if (!rodata || rodata.type === C.SHT_NOBITS) return false;
  return Buffer.from(k.elf.source.read(rodata.offset, rodata.size)).includes(Buffer.concat([marker, Buffer.from('### START CONFIG FILE', 'latin1')]));
}
