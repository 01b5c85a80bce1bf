/**
 * Raw boot images: a kernel as the boot loader takes it, with no ELF header, no sections and no
 * symbols. NetBSD's evbarm64 build makes `netbsd.img` this way (`objcopy -S -O binary`, then
 * `mkubootimage -f arm64` writes the arm64 Image header over the 64 bytes start.S reserves), and
 * smolBSD boots it with QEMU `-M virt -kernel`.
 *
 * A raw image has no address map, so the link address of its first byte is inferred from the
 * pointers themselves: the base for which the most pointer-sized words land on the start of a C
 * identifier (config(1)'s names), with each arm64-image target's KERNBASE as the prior. The image
 * is then seen as one loadable range at that base (an ElfFile with one PT_LOAD), so every reader
 * and writer of kpatch works on it unchanged, by file offset; the header is never part of an edit.
 *
 * Sources: Linux Documentation/arch/arm64/booting.rst (the header), NetBSD
 * usr.bin/mkubootimage (arm64 and legacy u-boot headers), sys/arch/evbarm/conf/mk.generic64.
 */
import type { ByteSource } from '../bytes/source';
import { hex, LP64 } from '../bytes/view';
import * as C from '../elf/constants';
import type { ElfFile, FileHeader, RawImage } from '../elf/file';
import { recordsFor } from '../elf/records';
import { findTarget, TARGETS, type Target } from '../elf/target';
import { FormatError, KpatchError } from '../errors';


const ARM64_MAGIC = 0x644d5241; // "ARM\x64" at 0x38, read little-endian
const ARM64_MAGIC_AT = 0x38;
const ARM64_HEADER = 64;
/** The u-boot legacy image header's magic (IH_MAGIC), big-endian at 0. */
const UIMAGE_MAGIC = 0x27051956;
/** arm64 images are placed text_offset bytes above a 2 MiB-aligned base (booting.rst): link bases are aligned so too. */
const BASE_ALIGN = 1n << 21n;
/** At most this many pointer-like words vote on the link base. */
const MAX_VOTES = 200_000;
/** A base needs at least this many words landing on identifiers to be believed. */
const MIN_VOTES = 8;

const PAGE_SIZES: Readonly<Record<number, string>> = { 0: 'page size unspecified', 1: '4K pages', 2: '16K pages', 3: '64K pages' };

/** Tells what a non-ELF file is, when kpatch knows the format: 'arm64' (an Image it reads), 'uimage' (a u-boot legacy image), or undefined. */
export function rawFormat(source: ByteSource): 'arm64' | 'uimage' | undefined {
  if (source.size >= ARM64_HEADER) {
    const h = source.read(0, ARM64_HEADER);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (dv.getUint32(ARM64_MAGIC_AT, true) === ARM64_MAGIC) return 'arm64';
    if (dv.getUint32(0, false) === UIMAGE_MAGIC) return 'uimage';
  }
  return undefined;
}

/** Describes a raw image in a few words: "arm64 Image (raw, text_offset 0x200000, 4K pages)". */
export function describeImage(i: RawImage): string {
  return `arm64 Image (raw binary, text_offset ${hex(i.textOffset)}, image_size ${i.imageSize}, ${PAGE_SIZES[Number((i.flags >> 1n) & 3n)]})`;
}

function isIdentStart(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f;
}

/** Tells whether a C identifier of 1-64 characters, NUL-terminated, starts at `i` of `bytes` after a NUL (a string's start). */
function identAt(bytes: Uint8Array, i: number): boolean {
  if (i <= 0 || bytes[i - 1] !== 0 || !isIdentStart(bytes[i])) return false;
  for (let j = i + 1; j < bytes.length && j <= i + 64; j++) {
    const b = bytes[j];
    if (b === 0) return true;
    if (!(isIdentStart(b) || (b >= 0x30 && b <= 0x39))) return false;
  }
  return false;
}

interface Vote {
  readonly base: bigint;
  readonly votes: number;
}

/**
 * Infers the link address of byte 0 of `bytes` for a target with `ptr`-byte pointers in `endian`
 * order: the 2 MiB-aligned base (or the target's KERNBASE / text address) under which the most
 * aligned words point at identifiers inside the image.
 */
function inferBase(bytes: Uint8Array, target: Target): Vote[] {
  const little = target.endian === 'little';
  const ptr = target.model.ptr;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.length;
  // A sample spread over the whole image (the data, where the pointers are, follows megabytes of
  // text), each word kept as two 32-bit halves so the votes below need no bigint.
  const stride = ptr * Math.max(1, Math.ceil((size - ARM64_HEADER) / ptr / MAX_VOTES));
  const his: number[] = [];
  const los: number[] = [];
  // Group the words by 2 MiB region; the image's own pointers crowd a few regions.
  const regions = new Map<number, number>();
  for (let i = ARM64_HEADER; i + ptr <= size; i += stride) {
    const hi = ptr === 8 ? dv.getUint32(little ? i + 4 : i, little) : 0;
    const lo = dv.getUint32(ptr === 8 && !little ? i + 4 : i, little);
    if (hi === 0 && lo < Number(BASE_ALIGN)) continue; // small integers, NULL
    his.push(hi);
    los.push(lo);
    const r = hi * 2048 + (lo >>> 21);
    regions.set(r, (regions.get(r) ?? 0) + 1);
  }
  const candidates = new Set<bigint>([target.kernbase, target.textaddr].filter((b): b is bigint => b !== null));
  const span = BigInt(Math.ceil(size / Number(BASE_ALIGN)) + 1) * BASE_ALIGN;
  for (const [key] of [...regions].sort((x, y) => y[1] - x[1]).slice(0, 3)) {
    const r = BigInt(key) << 21n;
    for (let b = r; b + span > r && b >= 0n; b -= BASE_ALIGN) candidates.add(b);
  }
  const votes: Vote[] = [];
  for (const base of candidates) {
    const [bhi, blo] = [Number(base >> 32n), Number(base & 0xffffffffn)];
    let n = 0;
    for (let k = 0; k < his.length; k++) {
      const d = (his[k] - bhi) * 0x100000000 + (los[k] - blo);
      if (d >= 0 && d < size && identAt(bytes, d)) n++;
    }
    votes.push({ base, votes: n });
  }
  // Most votes first; on a tie the target's own base (the prior), then the lower address.
  const prior = (v: Vote) => (v.base === target.kernbase || v.base === target.textaddr ? 0 : 1);
  return votes.sort((a, b) => b.votes - a.votes || prior(a) - prior(b) || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
}

/** Reads a raw arm64 Image as an ElfFile with one loadable range at its inferred link address. */
export function openArm64Image(source: ByteSource): ElfFile {
  if (source.size <= ARM64_HEADER) throw new FormatError(0, `arm64 Image too short: ${source.size} bytes`);
  const bytes = source.read(0, source.size);
  const h = new DataView(bytes.buffer, bytes.byteOffset, ARM64_HEADER);
  const textOffset = h.getBigUint64(0x08, true);
  const imageSize = h.getBigUint64(0x10, true);
  const flags = h.getBigUint64(0x18, true);
  // NetBSD's mkubootimage writes the file's size; a larger image_size is a file cut short (a Linux
  // Image counts its bss too, but kpatch reads NetBSD kernels). A smaller one is padding, which is harmless.
  if (imageSize > BigInt(source.size)) {
    throw new FormatError(0x10, `arm64 Image truncated: image_size ${imageSize} but the file has ${source.size} bytes`);
  }
  // The flags' endian bit is not set by NetBSD's mkubootimage even for aarch64eb: the pointers decide.
  const rows = TARGETS.filter((t) => t.boot === 'arm64-image');
  let best: { target: Target; vote: Vote; runnerUp: Vote | undefined } | undefined;
  for (const row of rows) {
    const header = imageHeader(row.endian);
    const target = findTarget(header);
    if (!target) continue;
    const [first, second] = inferBase(bytes, target);
    if (first && (!best || first.votes > best.vote.votes)) best = { target, vote: first, runnerUp: second };
  }
  if (!best || best.vote.votes < MIN_VOTES) {
    throw new KpatchError('NOT_A_KERNEL', `arm64 Image with no link address kpatch can infer: ${best ? `at best ${best.vote.votes} pointers land on names` : 'no pointers'}`, 'kpatch reads NetBSD kernel images; patch the ELF kernel (netbsd) it was made from');
  }
  const { target, vote, runnerUp } = best;
  const prior = vote.base === target.kernbase ? ` (${target.arch} KERNBASE)` : '';
  const image: RawImage = {
    format: 'arm64',
    textOffset,
    imageSize,
    flags,
    linkBase: vote.base,
    linkEvidence: `${vote.votes} pointers land on identifiers at base ${hex(vote.base)}${prior}; ${runnerUp && runnerUp.votes > 0 ? `next best ${hex(runnerUp.base)} with ${runnerUp.votes}` : 'no other base gets any'}`,
  };
  const header = { ...imageHeader(target.endian), entry: vote.base };
  const memsz = Math.max(source.size, Number(imageSize));
  const load = { index: 0, type: C.PT_LOAD, flags: C.PF_R | C.PF_W | C.PF_X, offset: 0, vaddr: vote.base, paddr: vote.base, filesz: source.size, memsz, align: Number(BASE_ALIGN) };
  return {
    source,
    header,
    segments: [load],
    sections: [],
    model: LP64,
    records: recordsFor(64, target.endian),
    loads: [{ vaddr: vote.base, filesz: source.size, memsz, span: BigInt(memsz), offset: 0 }],
    image,
  };
}

/** The ELF header an arm64 kernel of byte order `endian` would have: what the target table is keyed by. */
function imageHeader(endian: 'little' | 'big'): FileHeader {
  return { class: 64, endian, osabi: 0, type: C.ET_EXEC, machine: C.EM_AARCH64, entry: 0n, flags: 0, phoff: 0, shoff: 0, phentsize: 0, phnum: 1, shentsize: 0, shnum: 0, shstrndx: 0 };
}

/** The one line for a u-boot legacy image: what it is and what to do. */
export function uimageError(source: ByteSource): KpatchError {
  const h = source.read(0, Math.min(64, source.size));
  const name = Buffer.from(h.subarray(32, 64)).toString('latin1').replace(/\0.*$/s, '').replace(/[^\x20-\x7e]/g, '?');
  return new KpatchError('NOT_A_KERNEL', `a u-boot legacy image (uImage${name ? ` "${name}"` : ''}), not a kernel kpatch can patch in place: its header checksums the payload`, 'patch the kernel inside it (dd bs=64 skip=1, then gunzip if compressed) and wrap it again with mkubootimage');
}
