/**
 * Truncation at every size and seeded random corruption: the reader either answers or throws a
 * KpatchError, never another exception (RangeError, TypeError) and never hangs. The whole kernel
 * pipeline runs, so the autoconf reader is covered too.
 */
import { memorySource } from '../../src/bytes/source';
import { parseElf } from '../../src/elf/file';
import { readNotes } from '../../src/elf/notes';
import { allSymbols, loadSymbolTable } from '../../src/elf/symbols';
import { KpatchError } from '../../src/errors';
import { kernelInfo } from '../../src/netbsd/info';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { build } from '../support/build-elf';
import { buildKernel } from '../support/build-kernel';
import { rng } from '../support/random';
import { COMBOS, sampleSpec } from '../support/samples';
import { MICROVM } from '../support/tables';

/** Runs everything kpatch reads; returns 'ok' or the KpatchError code, rethrows anything else with context. */
function readAll(bytes: Uint8Array, label: string): string {
  try {
    const elf = parseElf(memorySource(bytes));
    readNotes(elf);
    const symtab = loadSymbolTable(elf);
    if (symtab) allSymbols(elf, symtab);
    const k = inspectKernel(memorySource(bytes));
    kernelInfo(k, { file: 'x', fileSize: bytes.length, compressed: null });
    requireAutoconf(k);
    return 'ok';
  } catch (e) {
    if (e instanceof KpatchError) return e.code;
    throw new Error(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

// The samples carry an 8-byte `cfdata` symbol (LE: a NetBSD ident, so the autoconf reader
// rejects the table as AUTOCONF_FORMAT; BE: an unsupported target); the kernels read cleanly.
const inputs: [string, Uint8Array, string][] = [
  ...COMBOS.map(([cls, endian]): [string, Uint8Array, string] => [`sample ELF${cls} ${endian}`, build(sampleSpec(cls, endian)).bytes, endian === 'little' ? 'AUTOCONF_FORMAT' : 'UNSUPPORTED_TARGET']),
  ['amd64 kernel', buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' }).bytes, 'ok'],
  ['i386 short kernel', buildKernel({ ...MICROVM, version: 903000000 }, { arch: 'i386', variant: 'short' }).bytes, 'ok'],
];

describe.each(inputs)('%s', (label, bytes, intact) => {
  it(`reads intact: ${intact}`, () => {
    expect(readAll(bytes, label)).toBe(intact);
  });

  it('truncated at every size 0..len: answers or throws KpatchError', () => {
    const codes = new Set<string>();
    for (let n = 0; n <= bytes.length; n++) codes.add(readAll(bytes.slice(0, n), `${label} truncated to ${n}`));
    expect(codes).toContain('ELF_FORMAT');
  }, 60_000);

  it('2000 seeded random corruptions: answers or throws KpatchError', () => {
    const r = rng(bytes.length);
    for (let i = 0; i < 2000; i++) {
      const b = bytes.slice();
      const edits = 1 + r.int(4);
      const where: string[] = [];
      for (let k = 0; k < edits; k++) {
        const at = r.int(b.length);
        // bias towards the values that break readers: 0, all-ones, and small numbers
        b[at] = r.pick([0x00, 0xff, 0x7f, 0x80, 0x01, r.int(256)]);
        where.push(`0x${at.toString(16)}=${b[at].toString(16)}`);
      }
      readAll(b, `${label} corrupted ${where.join(',')}`);
    }
  }, 60_000);
});
