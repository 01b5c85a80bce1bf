/**
 * The target table against what each port's own compiler says. test/fixtures/abi/<arch>.txt are
 * captures of abi-probe.c compiled by GCC 12 cross compilers (test/fixtures/src/abi-probe.sh): type
 * sizes and alignments, and where the autoconf struct fields land, including the bytes of an
 * initialised cfdata record in both layouts. The expected values come from those captures only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteView } from '../../src/bytes/view';
import * as C from '../../src/elf/constants';
import type { FileHeader } from '../../src/elf/file';
import { alignmentOf, ARCH_NAMES, findTarget, isArch, KNOWN_ARCH_NAMES, namesOf, requireTarget, TARGETS, targetByArch } from '../../src/elf/target';
import { autoconfLayouts } from '../../src/netbsd/layouts';
import { FIXTURES } from '../support/fixtures';

const ABI_DIR = path.join(FIXTURES, 'abi');

interface Capture {
  readonly arch: string;
  readonly compiler: string;
  readonly endian: string;
  readonly n: Readonly<Record<string, number>>;
  readonly bytesNew: Uint8Array;
  readonly bytesOld: Uint8Array;
}

function readCapture(file: string): Capture {
  const lines = fs.readFileSync(path.join(ABI_DIR, file), 'utf8').trim().split('\n');
  const n: Record<string, number> = {};
  let endian = '';
  let bytesNew = new Uint8Array();
  let bytesOld = new Uint8Array();
  for (const line of lines.slice(1)) {
    const [key, ...rest] = line.split(' ');
    if (key === 'endian') endian = rest[0];
    else if (key === 'bytes_new') bytesNew = Uint8Array.from(rest.map((h) => parseInt(h, 16)));
    else if (key === 'bytes_old') bytesOld = Uint8Array.from(rest.map((h) => parseInt(h, 16)));
    else n[key] = Number(rest[0]);
  }
  return { arch: file.replace(/\.txt$/, ''), compiler: lines[0], endian, n, bytesNew, bytesOld };
}

const captures = fs.readdirSync(ABI_DIR).filter((f) => f.endsWith('.txt')).sort().map(readCapture);

describe('the target table', () => {
  it('has one row per arch name, and every capture names a row', () => {
    expect(new Set(ARCH_NAMES).size).toBe(TARGETS.length);
    for (const c of captures) expect(isArch(c.arch)).toBe(true);
  });

  it('was checked against a compiler for every row but vax, or1k and ia64 (no compiler at hand)', () => {
    expect(ARCH_NAMES.filter((a) => !captures.some((c) => c.arch === a)).sort()).toEqual(['ia64', 'or1k', 'vax']);
  });

  it('tells ELF machine, class, byte order (and the ARM EABI flag) apart: no two rows match one header', () => {
    for (const t of TARGETS) {
      const h = { machine: t.machine, class: t.class, endian: t.endian, flags: 'flags' in t ? (t.flags.eabi ? 0x05000000 : 0) : 0 } as FileHeader;
      expect(findTarget(h)?.arch).toBe(t.arch);
    }
  });

  it('refuses a machine no NetBSD port uses, naming it', () => {
    const h = { machine: 22, class: 64, endian: 'big', type: C.ET_EXEC, flags: 0 } as FileHeader; // EM_S390
    expect(() => requireTarget(h)).toThrow(/^unsupported target: ELF64 big-endian machine 22 executable$/);
    const le = { machine: C.EM_PPC, class: 32, endian: 'little', type: C.ET_EXEC, flags: 0 } as FileHeader;
    expect(findTarget(le)).toBeUndefined();
  });

  it('knows port names: a kernel answers to its arch, MACHINE_ARCH and (when the row has one) port', () => {
    expect(namesOf(targetByArch('amd64'))).toEqual(['amd64', 'x86_64']);
    expect(namesOf(targetByArch('aarch64'))).toEqual(['aarch64', 'evbarm']);
    // powerpc has ten ports: without knowing which, none is claimed.
    expect(namesOf(targetByArch('powerpc'))).toEqual(['powerpc']);
    expect(namesOf(targetByArch('powerpc'), 'macppc')).toEqual(['powerpc', 'macppc']);
    for (const name of ['sparc64', 'evbmips', 'mac68k', 'earmv7hf', 'mipsn64eb', 'landisk']) expect(KNOWN_ARCH_NAMES.has(name)).toBe(true);
  });
});

describe.each(captures.map((c) => [c.arch, c] as const))('%s as its compiler lays it out', (arch, c) => {
  const t = targetByArch(arch as never);
  const L = autoconfLayouts(t.model, alignmentOf(t.abi));

  it('has the byte order, type sizes and alignments the row states', () => {
    const ptr = t.model.ptr;
    expect({ endian: c.endian, ptr: c.n.sizeof_ptr, long: c.n.sizeof_long, short: c.n.align_short, int: c.n.align_int, llong: c.n.align_llong, pointer: c.n.align_ptr, struct: c.n.sizeof_char_struct }).toEqual({
      endian: t.endian,
      ptr,
      long: t.model.long,
      short: t.abi.align[2],
      int: t.abi.align[4],
      llong: t.abi.align[8],
      pointer: t.abi.align[ptr],
      struct: Math.max(1, t.abi.structAlign),
    });
  });

  it('puts every autoconf field where kpatch computes it', () => {
    const f = L.cfdata.bitfield.fields;
    const o = L.cfdata.short.fields;
    expect(c.n).toMatchObject({
      cfdata_size: L.cfdata.bitfield.size,
      cfdata_align: L.cfdata.bitfield.align,
      cfdata_name: f.name.offset,
      cfdata_atname: f.atname.offset,
      cfdata_loc: f.loc.offset,
      cfdata_flags: f.flags.offset,
      cfdata_pspec: f.pspec.offset,
      cfdata_old_size: L.cfdata.short.size,
      cfdata_old_unit: o.unit.offset,
      cfdata_old_fstate: o.fstate.offset,
      cfparent_size: L.cfparent.size,
      cfparent_parent: L.cfparent.fields.parent.offset,
      cfparent_unit: L.cfparent.fields.unit.offset,
      cfdriver_size: L.cfdriver.size,
      cfdriver_name: L.cfdriver.fields.name.offset,
      cfdriver_class: L.cfdriver.fields.class.offset,
      cfdriver_ndevs: L.cfdriver.fields.ndevs.offset,
      cfdriver_attrs: L.cfdriver.fields.attrs.offset,
      cfiattrdata_loclen: L.cfiattrdata.fields.loclen.offset,
      cfiattrdata_locdesc: L.locdescStart,
      cflocdesc_size: L.cflocdesc.size,
      cflocdesc_default: L.cflocdesc.fields.default.offset,
    });
  });

  it('stores cf_unit:24 and cf_fstate so the reader decodes 0xabcdef and 0x5a (new layout)', () => {
    const v = new ByteView(c.bytesNew, 0, t.endian, t.model);
    const f = L.cfdata.bitfield.fields;
    expect([v.u24(f.unit.offset), v.u8(f.fstate.offset)]).toEqual([0xabcdef, 0x5a]);
  });

  it('stores short cf_unit and short cf_fstate so the reader decodes 0x1234 and 0x56 (old layout)', () => {
    const v = new ByteView(c.bytesOld, 0, t.endian, t.model);
    const o = L.cfdata.short.fields;
    expect([v.i16(o.unit.offset), v.i16(o.fstate.offset)]).toEqual([0x1234, 0x56]);
  });
});
