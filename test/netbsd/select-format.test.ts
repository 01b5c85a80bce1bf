import { memorySource } from '../../src/bytes/source';
import type { CfEntry, CfLocator } from '../../src/netbsd/autoconf';
import { entryLine, entryName, locatorValue, parentName, userconfNumber } from '../../src/netbsd/format';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { closestDrivers, globToRegExp, selectEntries } from '../../src/netbsd/select';
import { buildKernel } from '../support/build-kernel';
import { expectKpatchError } from '../support/errors';
import { MICROVM, withEntries } from '../support/tables';

// MICROVM plus com1 (disabled, flags) and ld3 at virtio2: 14 entries, #0..#13.
const TABLE = withEntries(MICROVM, (es) => [
  ...es,
  { driver: 'com', attachment: 'com_isa', unit: 1, star: false, state: 4, flags: 0x10, parent: { iattr: 'isa', driver: 'isa', unit: 0 }, locators: [0x2f8, 0, -1, 0, 3, -1, -1] },
  { driver: 'ld', attachment: 'ld_virtio', unit: 3, star: false, state: 0, flags: -1, parent: { iattr: 'virtio', driver: 'virtio', unit: 2 }, locators: [] },
]);
const entries = requireAutoconf(inspectKernel(memorySource(buildKernel(TABLE, { arch: 'amd64', variant: 'bitfield' }).bytes))).entries;
const pick = (...words: string[]) => selectEntries(entries, words).map((e) => `#${e.index} ${entryName(e)}`);

describe('selectors', () => {
  it.each([
    [['com'], ['#4 com0', '#12 com1']],
    [['com0'], ['#4 com0']],
    [['com1'], ['#12 com1']],
    [['cpu*'], ['#1 cpu*']],
    [['ld'], ['#7 ld*', '#13 ld3']],
    [['ld*'], ['#7 ld*']],
    [['ld3'], ['#13 ld3']],
    [['#4'], ['#4 com0']],
    [['#0'], ['#0 mainbus0']],
    [['vio*'], ['#8 vioif*', '#9 viocon*']],
    [['v*'], ['#6 virtio*', '#8 vioif*', '#9 viocon*']],
    [['[lw]d'], ['#7 ld*', '#11 wd*', '#13 ld3']],
    [['?d'], ['#7 ld*', '#11 wd*', '#13 ld3']],
    [['[!lw]d'], []],
    [['wd', 'mainbus'], ['#0 mainbus0', '#11 wd*']],
    [['com0', 'com', '#4'], ['#4 com0', '#12 com1']],
  ])('%j -> %j', (words, want) => {
    if (want.length === 0) expect(() => pick(...words)).toThrow();
    else expect(pick(...words)).toEqual(want);
  });

  it.each([
    ['viornd', "no driver 'viornd' in this kernel"],
    ['cmo', "no driver 'cmo' in this kernel (closest: com, cpu)"],
    ['vio', "no driver 'vio' in this kernel (closest: viocon, vioif)"],
    ['ata', "no driver 'ata' in this kernel (closest: atabus, isa)"],
    ['pci*', "no driver 'pci*' in this kernel (closest: pv)"],
    ['com5', 'no entry com5: com has com0, com1'],
    ['ld5', 'no entry ld5: ld has ld*, ld3'],
    ['wd0', 'no entry wd0: wd has wd*'],
    ['com*', 'no entry com*: com has com0, com1'],
    ['#99', 'no entry #99: the table has entries #0 to #13'],
    ['#14', 'no entry #14: the table has entries #0 to #13'],
    // past 2^53: not rounded to another number on its way into the message
    ['#99999999999999999999', 'no entry #99999999999999999999: the table has entries #0 to #13'],
    ['#9007199254740993', 'no entry #9007199254740993: the table has entries #0 to #13'],
  ])('%s -> NO_SUCH_DEVICE %s', (word, message) => {
    const e = expectKpatchError(() => pick(word), 'NO_SUCH_DEVICE', message);
    expect(e.message).toBe(message);
  });

  it('an unknown driver hints at list', () => {
    expect(expectKpatchError(() => pick('xyz'), 'NO_SUCH_DEVICE', "no driver 'xyz'").hint).toBe("'kpatch list <kernel>' shows every entry");
  });

  it.each([
    ['#', "bad selector '#': '#' takes an entry index, like #12"],
    ['#-1', "bad selector '#-1': '#' takes an entry index, like #12"],
    ['#x', "bad selector '#x': '#' takes an entry index, like #12"],
    ['[ab', "bad selector '[ab': unclosed '['"],
    ['[z-a]', "bad selector '[z-a]': range 'z-a' is out of order"],
    ['x[!c-a]', "bad selector 'x[!c-a]': range 'c-a' is out of order"],
    ['[Z-A]D', "bad selector '[Z-A]D': range 'z-a' is out of order"],
    ['', 'empty selector'],
  ])('%p -> USAGE', (word, message) => {
    expectKpatchError(() => pick(word), 'USAGE', message);
  });

  it.each([
    ['vio*', ['vioif', 'viocon'], ['virtio', 'avio']],
    ['a.b', ['a.b'], ['axb']],
    ['x+', ['x+'], ['xx']],
    ['[a-c]d', ['ad', 'cd'], ['dd']],
    ['[!a]d', ['bd'], ['ad']],
    ['(x)', ['(x)'], ['x']],
  ])('glob %s', (glob, yes, no) => {
    const re = globToRegExp(glob);
    for (const s of yes) expect(`${s}:${re.test(s)}`).toBe(`${s}:true`);
    for (const s of no) expect(`${s}:${re.test(s)}`).toBe(`${s}:false`);
  });

  it('closestDrivers ranks prefixes first', () => {
    expect(closestDrivers('vio', ['virtio', 'vioif', 'viocon', 'com'])).toEqual(['viocon', 'vioif']);
    expect(closestDrivers('zzzzzz', ['com'])).toEqual([]);
  });
});

describe('entryLine', () => {
  it.each([
    [0, 'mainbus0 at root'],
    [1, 'cpu* at mainbus? apid ?'],
    [2, 'ioapic* at mainbus? apid ?'],
    [3, 'isa0 at mainbus?'],
    [4, 'com0 at isa? port 0x3f8 size ? iomem ? iosiz ? irq 4 drq ? drq2 ? with com_isa'],
    [5, 'pv* at pvbus?'],
    [6, 'virtio* at pv? with mmio_cmdline'],
    [7, 'ld* at virtio? with ld_virtio'],
    [8, 'vioif* at virtio?'],
    [9, 'viocon* at virtio?'],
    [10, 'atabus* at ata?'],
    [11, 'wd* at atabus? drive ? with wd_atabus'],
    [12, 'com1 at isa0 port 0x2f8 size ? iomem ? iosiz ? irq 3 drq ? drq2 ? flags 0x10 with com_isa'],
    [13, 'ld3 at virtio2 flags 0xffffffff with ld_virtio'],
  ])('#%i: %s', (i, line) => {
    expect(entryLine(entries[i])).toBe(line);
  });

  it('prints a locator above INT_MAX as config(5) wrote it (amd64 GENERIC: tpm0 at isa? iomem 0xfed40000 irq 7)', () => {
    // config(1) writes 0xfed40000 into the int cf_loc run, so the kernel holds -19660800.
    const tpm = withEntries(MICROVM, (es) => [
      ...es,
      { driver: 'tpm', attachment: 'tpm_isa', unit: 0, star: false, state: 0, flags: 0, parent: { iattr: 'isa', driver: 'isa', unit: -1 }, locators: [-1, 0, 0xfed40000 | 0, 0, 7, -1, -1] },
    ]);
    const e = requireAutoconf(inspectKernel(memorySource(buildKernel(tpm, { arch: 'amd64', variant: 'bitfield' }).bytes))).entries.at(-1)!;
    expect(e.locators.find((l) => l.name === 'iomem')!.value).toBe(-19660800);
    expect(entryLine(e)).toBe('tpm0 at isa? port ? size ? iomem 0xfed40000 iosiz ? irq 7 drq ? drq2 ? with tpm_isa');
  });

  it.each([
    [{ name: 'irq', value: -1, wildcard: false }, '-1'],
    [{ name: 'irq', value: -1, wildcard: true }, '?'],
    [{ name: 'irq', value: 15, wildcard: false }, '15'],
    [{ name: 'port', value: 16, wildcard: false }, '0x10'],
    [{ name: 'x', value: -2, wildcard: false }, '0xfffffffe'],
    [{ name: 'x', value: 0, wildcard: false }, '0'],
    // A real GENERIC table's `tpm0 at isa? iomem 0xfed40000`: cf_loc holds the int -19660800.
    [{ name: 'iomem', value: -19660800, wildcard: false }, '0xfed40000'],
    [{ name: 'iomem', value: 0x7fffffff, wildcard: false }, '0x7fffffff'],
    [{ name: 'iomem', value: -2147483648, wildcard: false }, '0x80000000'],
  ] as [CfLocator, string][])('locatorValue(%j) = %s', (l, want) => expect(locatorValue(l)).toBe(want));

  it.each([
    [-1, 16, '-1'],
    [15, 8, '15'],
    [16, 8, '020'],
    [0x3f8, 10, '1016'],
    [-19660800, 10, '-19660800'],
    [-19660800, 8, '037665000000'],
  ] as const)('userconfNumber(%i, base %i) = %s, as userconf_pnum prints it', (v, base, want) => expect(userconfNumber(v, base)).toBe(want));

  it.each([
    [null, 'root'],
    [{ iattr: 'pci', driver: 'pci', unit: -1 }, 'pci?'],
    [{ iattr: 'pci', driver: 'pci', unit: 0 }, 'pci0'],
    [{ iattr: 'ata', driver: null, unit: 0 }, 'ata?'],
  ] as [CfEntry['parent'], string][])('parentName(%j) = %s', (p, want) => expect(parentName(p)).toBe(want));
});

describe('selectors ignore case, as userconf(4) does', () => {
  it('COM0 and LD* select what com0 and ld* select', () => {
    const { parseSelector } = require('../../src/netbsd/select') as typeof import('../../src/netbsd/select');
    const drivers = new Set(['com', 'ld']);
    expect(parseSelector('COM0', drivers)).toEqual({ kind: 'unit', text: 'COM0', driver: 'com', unit: 0 });
    expect(parseSelector('Ld*', drivers)).toEqual({ kind: 'star', text: 'Ld*', driver: 'ld' });
    expect(() => parseSelector('NOPE', drivers)).toThrow("no driver 'NOPE' in this kernel");
  });
});
