import { memorySource } from '../../src/bytes/source';
import { KpatchError } from '../../src/errors';
import type { CfEntry } from '../../src/netbsd/autoconf';
import { decodeNetbsdVersion } from '../../src/netbsd/ident';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { autoconfLayouts } from '../../src/netbsd/layouts';
import { put } from '../support/build-elf';
import { buildKernel, type KernelArch, type KernelOptions, type KernelTable, locatorDefault } from '../support/build-kernel';
import { expectFormatError, expectKpatchError } from '../support/errors';
import { allStates, MICROVM, withEntries } from '../support/tables';

const read = (bytes: Uint8Array) => requireAutoconf(inspectKernel(memorySource(bytes)));

/** MICROVM with disabled entries, flags, a second explicit unit and a driver-named parent unit. */
const RICH: KernelTable = withEntries(MICROVM, (es) => {
  es[8] = { ...es[8], state: 3 }; // vioif* disabled (DSTAR)
  return [
    ...es,
    { driver: 'com', attachment: 'com_isa', unit: 1, star: false, state: 4, flags: 0x10, parent: { iattr: 'isa', driver: 'isa', unit: 0 }, locators: [0x2f8, 0, -1, 0, 3, -1, -1] },
    { driver: 'ld', attachment: 'ld_virtio', unit: 3, star: false, state: 0, flags: -1, parent: { iattr: 'virtio', driver: 'virtio', unit: 2 }, locators: [] },
  ];
});

const ARCHES: KernelArch[] = ['amd64', 'i386', 'aarch64'];
const CASES = ARCHES.flatMap((arch) => (['bitfield', 'short'] as const).map((variant) => [arch, variant] as const));

describe.each(CASES)('readAutoconf on a built %s kernel, %s cfdata', (arch, variant) => {
  const table = variant === 'short' ? { ...RICH, version: 903000000, osrelease: '9.3' } : RICH;
  const k = buildKernel(table, { arch, variant });
  const t = read(k.bytes);
  const lp64 = arch !== 'i386';

  it('finds the table and the variant', () => {
    expect(t.variant).toBe(variant);
    expect(t.entrySize).toBe(lp64 ? 48 : 24);
    expect(t.offset).toBe(k.cfdata.offset);
    expect(t.address).toBe(k.cfdata.address);
    expect(t.entries).toHaveLength(table.entries.length);
    expect(t.roots).toEqual([0]);
    expect(t.warnings).toEqual([]);
    expect(t.variantEvidence).toMatch(variant === 'short' ? /agrees with NetBSD 9\.3$/ : /agrees with NetBSD 10\.1$/);
  });

  it.each(table.entries.map((e, i) => [i, `${e.driver}${e.star ? '*' : e.unit}`] as const))('entry %i (%s) equals the table', (i) => {
    const want = table.entries[i];
    const got = t.entries[i];
    const stateOffset = k.entryOffset(i) + (variant === 'bitfield' ? (lp64 ? 19 : 11) : lp64 ? 18 : 10);
    const descs = want.parent ? (table.iattrs[want.parent.iattr] ?? []) : [];
    expect(got).toEqual<CfEntry>({
      index: i,
      driver: want.driver,
      attachment: want.attachment,
      unit: want.unit,
      star: want.star,
      fstate: want.state,
      state: want.state === 0 || want.state === 2 ? 'enabled' : 'disabled',
      parent: want.parent,
      locators: want.locators.map((value, n) => ({ name: descs[n].name, value, wildcard: descs[n].default !== null && value === locatorDefault(descs[n].default!) })),
      locOffset: want.parent && want.locators.length ? k.locOffset(i)! : null,
      flags: want.flags,
      address: k.cfdata.address + BigInt(i * k.entrySize),
      offset: k.entryOffset(i),
      stateOffset,
      stateSize: variant === 'bitfield' ? 1 : 2,
    });
    expect(k.bytes[stateOffset]).toBe(want.state);
  });

  it('reads cfdriver_list_initial with attributes and locators', () => {
    expect(t.drivers?.map((d) => d.name)).toEqual(table.drivers.map((d) => d.name));
    const isa = t.drivers?.find((d) => d.name === 'isa');
    expect(isa).toEqual({
      name: 'isa',
      class: 8,
      attrs: [{ name: 'isa', locators: table.iattrs.isa.map((l) => ({ name: l.name, defaultString: l.default, default: locatorDefault(l.default!) })) }],
    });
  });
});

describe('locator defaults', () => {
  it('a locator without a default string is never a wildcard, even when it equals cld_default', () => {
    const table: KernelTable = {
      ...MICROVM,
      iattrs: { ...MICROVM.iattrs, cpubus: [{ name: 'apid', default: null }] },
      entries: MICROVM.entries.map((e) => (e.driver === 'cpu' ? { ...e, locators: [0] } : e)),
    };
    const t = read(buildKernel(table, { arch: 'amd64', variant: 'bitfield' }).bytes);
    expect(t.entries[1].locators).toEqual([{ name: 'apid', value: 0, wildcard: false }]);
    expect(t.drivers?.[0].attrs.find((a) => a.name === 'cpubus')?.locators).toEqual([{ name: 'apid', defaultString: null, default: 0 }]);
  });
});

describe('cfdata layout detection', () => {
  const opts = (variant: 'bitfield' | 'short', arch: KernelArch = 'amd64'): KernelOptions => ({ arch, variant });
  it.each(ARCHES)('%s: bitfield bytes in a NetBSD 9.3 kernel are LAYOUT_AMBIGUOUS', (arch) => {
    const k = buildKernel({ ...MICROVM, version: 903000000, osrelease: '9.3' }, opts('bitfield', arch));
    expectKpatchError(() => read(k.bytes), 'LAYOUT_AMBIGUOUS', /^cfdata bytes look like NetBSD >= 10 .* but the kernel says NetBSD 9\.3, which uses NetBSD <= 9/);
  });
  it.each(ARCHES)('%s: short bytes in a NetBSD 10.1 kernel are LAYOUT_AMBIGUOUS', (arch) => {
    const k = buildKernel(MICROVM, opts('short', arch));
    expectKpatchError(() => read(k.bytes), 'LAYOUT_AMBIGUOUS', /^cfdata bytes look like NetBSD <= 9 .* but the kernel says NetBSD 10\.1/);
  });
  it('every state 0 in a 9.99.x kernel is LAYOUT_AMBIGUOUS', () => {
    const k = buildKernel({ ...allStates(MICROVM, 0), version: 999001000, osrelease: '9.99.10' }, opts('bitfield'));
    expectKpatchError(() => read(k.bytes), 'LAYOUT_AMBIGUOUS', 'cfdata layout unclear: every entry has state 0 and NetBSD 9.99.10 does not decide');
  });
  it('every state 0 and no version at all is LAYOUT_AMBIGUOUS', () => {
    const k = buildKernel({ ...allStates(MICROVM, 0), osrelease: 'smolBSD' }, { ...opts('bitfield'), omit: ['ident'] });
    expectKpatchError(() => read(k.bytes), 'LAYOUT_AMBIGUOUS', 'every entry has state 0 and no NetBSD version does not decide');
  });
  it.each([
    [1001000000, 'bitfield', 'every state is 0, so NetBSD 10.1 decides'],
    [903000000, 'short', 'every state is 0, so NetBSD 9.3 decides'],
  ] as const)('every state 0 in %i: %s', (version, variant, evidence) => {
    const t = read(buildKernel({ ...allStates(MICROVM, 0), version }, opts(variant)).bytes);
    expect([t.variant, t.variantEvidence]).toEqual([variant, evidence]);
    expect(evidence).toContain(`NetBSD ${decodeNetbsdVersion(version).text} `);
  });
  it.each(['bitfield', 'short'] as const)('9.99.x kernels take the layout from the bytes: %s', (variant) => {
    const t = read(buildKernel({ ...MICROVM, version: 999001000 }, opts(variant)).bytes);
    expect(t.variant).toBe(variant);
    // Little-endian: a state s in the bitfield layout reads as s << 8 under the short one (impossible);
    // a short state's high byte (0) is what the bitfield layout reads as the state.
    expect(t.variantEvidence).toBe(variant === 'bitfield' ? '9 of 12 entries read a state outside 0-4 as short' : '9 of 12 entries have a non-zero state in the short state field, 0 as bitfield');
  });
  it('without an ident note, osrelease decides', () => {
    const t = read(buildKernel({ ...MICROVM, osrelease: '9.3' }, { ...opts('short'), omit: ['ident'] }).bytes);
    expect(t.variant).toBe('short');
    expect(t.variantEvidence).toMatch(/agrees with NetBSD 9\.3$/);
  });
  it('a short state byte under the bitfield layout would need unit >= 65536: unit 1 stays short', () => {
    // short layout, entry with unit 1: byte 16 = 1 must not be mistaken for a bitfield state
    const t = read(buildKernel(withEntries({ ...MICROVM, version: 903000000 }, (es) => [...es, { ...es[4], unit: 1 }]), opts('short')).bytes);
    expect(t.entries.at(-1)).toMatchObject({ driver: 'com', unit: 1, fstate: 0 });
  });
});

describe('optional and broken tables', () => {
  it('missing cfroots is a warning; roots come from entries without a parent', () => {
    const t = read(buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', omit: ['cfroots'] }).bytes);
    expect(t.roots).toBeNull();
    expect(t.warnings).toEqual(['no cfroots symbol: roots are taken from entries without a parent']);
  });
  it('missing cfdriver_list_initial is a warning; locators are then unknown', () => {
    const t = read(buildKernel(MICROVM, { arch: 'i386', variant: 'bitfield', omit: ['cfdriver_list_initial'] }).bytes);
    expect(t.drivers).toBeNull();
    expect(t.warnings).toEqual(['no cfdriver_list_initial symbol: locator names and interface-attribute parents are unknown']);
    expect(t.entries[4]).toMatchObject({ driver: 'com', locators: [] });
  });
  it('a parent iattr no driver provides is a warning', () => {
    const table = withEntries(MICROVM, (es) => es.map((e) => (e.driver === 'wd' ? { ...e, parent: { iattr: 'scsibus', driver: 'atabus', unit: -1 } } : e)));
    const t = read(buildKernel(table, { arch: 'amd64', variant: 'bitfield' }).bytes);
    expect(t.warnings).toEqual(["no driver provides interface attribute 'scsibus': its locators are not shown"]);
  });

  describe.each(['amd64', 'i386'] as const)('%s', (arch) => {
    const k = buildKernel(MICROVM, { arch, variant: 'bitfield' });
    // Faults in the tables are AUTOCONF_FORMAT (the ELF itself is fine), at the offset of the field that is wrong.
    const expectAutoconfFault = (fn: () => unknown, message: string, offset: number) => expect(expectFormatError(fn, message, offset).code).toBe('AUTOCONF_FORMAT');
    const L = autoconfLayouts(k.model).cfdata.bitfield.fields;
    const poke = (offset: number, value: bigint) => {
      const b = k.bytes.slice();
      put(b, offset, k.model.ptr, value, 'little');
      return b;
    };
    it('cf_pspec pointing outside the file names the entry field', () => {
      const at = k.entryOffset(3) + L.pspec.offset;
      expectAutoconfFault(() => read(poke(at, 0x1234n)), "cf_pspec points outside the file '0x1234'", at);
    });
    it('cf_pspec pointing into .bss names the entry field', () => {
      const at = k.entryOffset(5) + L.pspec.offset;
      const bss = k.elf.section('.bss').addr;
      expectAutoconfFault(() => read(poke(at, bss)), `cf_pspec points into .bss '0x${bss.toString(16)}'`, at);
    });
    it('cf_name pointing outside the file names the entry field', () => {
      const at = k.entryOffset(2) + L.name.offset;
      expectAutoconfFault(() => read(poke(at, 0x10n)), "cf_name points outside the file '0x10'", at);
    });
    it('cf_loc pointing outside the file names the entry field', () => {
      const at = k.entryOffset(4) + L.loc.offset;
      expectAutoconfFault(() => read(poke(at, 0x20n)), "cf_loc points outside the file '0x20'", at);
    });
    it('cfdata without a terminating entry', () => {
      const at = k.entryOffset(MICROVM.entries.length) + L.name.offset;
      expectAutoconfFault(() => read(poke(at, k.cfdata.address)), 'cfdata has no terminating entry', k.cfdata.offset);
    });
  });
});

describe('requireAutoconf errors say what the file is', () => {
  it('a stripped kernel whose cfdata has no parent specs: thin evidence, refused', () => {
    // Every entry at root: nothing but names and states to go on.
    const flat = { ...MICROVM, entries: MICROVM.entries.map((e) => ({ ...e, parent: null, locators: [] })) };
    const k = buildKernel(flat, { arch: 'amd64', variant: 'bitfield', noSymtab: true });
    expectKpatchError(() => read(k.bytes), 'LAYOUT_AMBIGUOUS', `no symbol table, and the cfdata evidence is thin: the best candidate (${MICROVM.entries.length} entries at 0x${k.cfdata.address.toString(16)}): no parent specs`);
  });
  it('a stripped file with no NetBSD ident note or release and only a thin cfdata look-alike: not a NetBSD kernel', () => {
    // What a stripped program of another system looks like to the shape finder: a run that starts like a table.
    const flat = { ...MICROVM, ostype: 'Linux', osrelease: '6.1', entries: MICROVM.entries.map((e) => ({ ...e, parent: null, locators: [] })) };
    const k = buildKernel(flat, { arch: 'amd64', variant: 'bitfield', noSymtab: true, omit: ['ident'] });
    expectKpatchError(
      () => read(k.bytes),
      'NOT_A_KERNEL',
      `not a NetBSD kernel: ELF64 little-endian x86-64 executable with no NetBSD ident note, no symbol table and no convincing cfdata table (the cfdata evidence is thin: the best candidate (${MICROVM.entries.length} entries at 0x${k.cfdata.address.toString(16)}): no parent specs)`,
    );
  });
  it('a kernel module (ET_REL)', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', elf: { type: 1 } });
    expectKpatchError(() => read(k.bytes), 'NOT_A_KERNEL', 'not a kernel: ELF64 little-endian x86-64 relocatable object (a kernel module or object file)');
  });
  it('an unsupported machine (EM_PPC, little-endian: no NetBSD port)', () => {
    const k = buildKernel(MICROVM, { arch: 'i386', variant: 'bitfield', elf: { machine: 20 } });
    const e = expectKpatchError(() => read(k.bytes), 'UNSUPPORTED_TARGET', 'unsupported target: ELF32 little-endian powerpc executable');
    expect(e.hint).toMatch(/^kpatch reads kernels of every NetBSD port: amd64, i386, aarch64, .*, powerpc, .*sparc64, m68k, /);
  });
  it('an unsupported class for a known machine (ELF32 x86-64)', () => {
    const k = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', elf: { class: 32 } });
    expectKpatchError(() => read(k.bytes), 'UNSUPPORTED_TARGET', 'unsupported target: ELF32 little-endian x86-64 executable');
  });
});

describe('inspectKernel', () => {
  it('reads vers.c strings and the ident note', () => {
    const k = inspectKernel(memorySource(buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' }).bytes));
    expect(k.strings).toEqual({
      ostype: 'NetBSD',
      osrelease: '10.1',
      version: 'NetBSD 10.1 (MICROVM) #0: Thu Jan  1 00:00:00 UTC 2025\n\tfixture@localhost:/usr/src/sys/arch/amd64/compile/MICROVM\n',
    });
    expect(k.ident?.version.text).toBe('10.1');
    expect(k.version?.raw).toBe(1001000000);
    expect(k.target?.arch).toBe('amd64');
  });
  it('falls back to osrelease without an ident note', () => {
    const k = inspectKernel(memorySource(buildKernel({ ...MICROVM, osrelease: '11.0_BETA' }, { arch: 'i386', variant: 'bitfield', omit: ['ident'] }).bytes));
    expect(k.ident).toBeUndefined();
    expect(k.version?.text).toBe('11.0');
  });
  it('only KpatchError escapes for broken input', () => {
    expect(() => inspectKernel(memorySource(new Uint8Array(64)))).toThrow(KpatchError);
  });
});
