/**
 * Small kernel tables for tests, in the fixture JSON shape (see build-kernel.ts). MICROVM is
 * shaped like NetBSD's amd64 MICROVM (sys/arch/x86/conf/MICROVM.common) plus an ATA branch whose
 * parent is an interface attribute alone (`atabus* at ata?`).
 */
import type { KernelTable, TableEntry, TableParent } from './build-kernel';

const isaLocators = [
  { name: 'port', default: '-1' },
  { name: 'size', default: '0' },
  { name: 'iomem', default: '-1' },
  { name: 'iosiz', default: '0' },
  { name: 'irq', default: '-1' },
  { name: 'drq', default: '-1' },
  { name: 'drq2', default: '-1' },
];

const at = (iattr: string, driver: string | null, unit = driver === null ? 0 : -1): TableParent => ({ iattr, driver, unit });
const norm = (driver: string, unit: number, parent: TableParent | null, locators: number[] = [], attachment = driver): TableEntry => ({
  driver,
  attachment,
  unit,
  star: false,
  state: 0,
  flags: 0,
  parent,
  locators,
});
const star = (driver: string, parent: TableParent, locators: number[] = [], attachment = driver): TableEntry => ({
  driver,
  attachment,
  unit: 0,
  star: true,
  state: 2,
  flags: 0,
  parent,
  locators,
});

/** A MICROVM-like table: 12 entries (#0 mainbus0 .. #11 wd*). */
export const MICROVM: KernelTable = {
  name: 'MICROVM',
  version: 1001000000,
  osrelease: '10.1',
  ostype: 'NetBSD',
  iattrs: {
    cpubus: [{ name: 'apid', default: '-1' }],
    ioapicbus: [{ name: 'apid', default: '-1' }],
    isabus: [],
    pvbus: [],
    isa: isaLocators,
    pv: [],
    virtio: [],
    ata: [],
    ata_hl: [{ name: 'drive', default: '-1' }],
  },
  drivers: [
    { name: 'mainbus', class: 'DV_DULL', attrs: ['isabus', 'cpubus', 'ioapicbus', 'pvbus'] },
    { name: 'cpu', class: 'DV_CPU', attrs: [] },
    { name: 'ioapic', class: 'DV_DULL', attrs: [] },
    { name: 'isa', class: 'DV_BUS', attrs: ['isa'] },
    { name: 'com', class: 'DV_TTY', attrs: [] },
    { name: 'pv', class: 'DV_DULL', attrs: ['pv'] },
    { name: 'virtio', class: 'DV_DULL', attrs: ['virtio'] },
    { name: 'ld', class: 'DV_DISK', attrs: [] },
    { name: 'vioif', class: 'DV_IFNET', attrs: [] },
    { name: 'viocon', class: 'DV_TTY', attrs: [] },
    { name: 'wdc', class: 'DV_DULL', attrs: ['ata'] },
    { name: 'atabus', class: 'DV_DULL', attrs: ['ata_hl'] },
    { name: 'wd', class: 'DV_DISK', attrs: [] },
  ],
  entries: [
    /*  0 */ norm('mainbus', 0, null),
    /*  1 */ star('cpu', at('cpubus', 'mainbus'), [-1]),
    /*  2 */ star('ioapic', at('ioapicbus', 'mainbus'), [-1]),
    /*  3 */ norm('isa', 0, at('isabus', 'mainbus')),
    /*  4 */ norm('com', 0, at('isa', 'isa'), [0x3f8, 0, -1, 0, 4, -1, -1], 'com_isa'),
    /*  5 */ star('pv', at('pvbus', null)),
    /*  6 */ star('virtio', at('pv', 'pv'), [], 'mmio_cmdline'),
    /*  7 */ star('ld', at('virtio', 'virtio'), [], 'ld_virtio'),
    /*  8 */ star('vioif', at('virtio', 'virtio')),
    /*  9 */ star('viocon', at('virtio', 'virtio')),
    /* 10 */ star('atabus', at('ata', null)),
    /* 11 */ star('wd', at('ata_hl', 'atabus'), [-1], 'wd_atabus'),
  ],
  symbols: ['viocon_earlyinit'],
  config: 'include "arch/amd64/conf/MICROVM"\npv*\tat pvbus?\n',
};

/** Returns `table` with entries changed by `fn` (for disabled states, extra units, flags). */
export function withEntries(table: KernelTable, fn: (entries: TableEntry[]) => TableEntry[]): KernelTable {
  return { ...table, entries: fn(table.entries.map((e) => ({ ...e }))) };
}

/** A copy of `table` with every entry's state replaced by `state` (star follows). */
export function allStates(table: KernelTable, state: number): KernelTable {
  return withEntries(table, (es) => es.map((e) => ({ ...e, state, star: state === 2 || state === 3 })));
}
