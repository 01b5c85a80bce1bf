/**
 * The example boot of the README and the manual: a NetBSD SMOL kernel in a microVM, traced with
 * options TSLOG, before and after removing its two long DELAYs (TSC calibration, draining the
 * serial port). Synthetic: the function names are NetBSD's, the cycle counts are made up to look
 * like a 2.4 GHz guest. test/fixtures/tslog/ holds the generated text (fixtures.test.ts keeps it in step).
 */
import { type Action, type Scenario, on, spend } from '../support/tslog-trace';

const m = on('main');
const k = on('kthread');
const MHZ = 2400; // cycles per microsecond
const us = (n: number) => spend(Math.round(n * MHZ));
const call = (fn: string, micro: number): Action[] => [m.enter(fn), us(micro), m.exit(fn)];

/** The boot; `fixed` leaves out the two long DELAYs. */
function smol(fixed: boolean): Action[] {
  const devices = ['pv0', 'virtio0', 'virtio1', 'virtio2', 'ld0', 'vioif0', 'viornd0', 'com0', 'pvclock0', 'qemufwcfg0'];
  const attach: Action[] = [];
  devices.forEach((d, i) => {
    attach.push(m.enter('config_attach_internal', d), us(30 + 17 * i), ...call('aprint_normal', 12 + (i % 3) * 9));
    if (d === 'ld0') attach.push(...call('ld_virtio_attach', 310));
    if (d === 'vioif0') attach.push(...call('vioif_attach', 240), ...call('delay', 120));
    if (d === 'com0' && !fixed) attach.push(m.enter('com_attach_subr'), us(40), ...call('DELAY', 3600), m.exit('com_attach_subr'));
    if (d === 'com0' && fixed) attach.push(...call('com_attach_subr', 40));
    attach.push(us(8), m.exit('config_attach_internal', d));
  });
  return [
    m.enter('main'),
    us(90),
    ...call('consinit', 140),
    ...call('uvm_init', 820),
    ...call('pool_subsystem_init', 210),
    m.enter('cpu_startup'),
    us(60),
    ...call('aprint_normal', 380),
    us(40),
    m.exit('cpu_startup'),
    us(30),
    k.thread('xcall/0'),
    us(15),
    ...k.call('xc_thread', 90),
    m.enter('configure'),
    us(25),
    m.enter('cpu_configure'),
    us(35),
    m.enter('mainbus_attach'),
    us(20),
    m.enter('cpu_attach'),
    us(45),
    ...(fixed ? [] : [m.enter('tsc_calibrate'), us(25), ...call('DELAY', 5200), m.exit('tsc_calibrate')]),
    ...call('lapic_calibrate_timer', fixed ? 30 : 410),
    us(15),
    m.exit('cpu_attach'),
    ...attach,
    us(20),
    m.exit('mainbus_attach'),
    us(30),
    m.exit('cpu_configure'),
    us(45),
    ...call('kpause', 650),
    us(20),
    m.exit('configure'),
    us(35),
    ...call('vfs_mountroot', 720),
    us(25),
    m.enter('start_init'),
    us(280),
    m.exit('start_init'),
  ];
}

/** The scenario of the before (`fixed` false) or after boot. */
export function smolScenario(fixed: boolean): Scenario {
  return { os: 'netbsd', actions: smol(fixed), tscFreq: MHZ * 1_000_000, firstTsc: 9_120 * MHZ + 417 };
}

/**
 * The lines a capture also holds: NetBSD's boot-duration line (the TSC at EXIT start_init, in whole
 * ms) and Firecracker's Guest-boot-time (init writes to the boot timer a few ms after that).
 */
export function smolExtras(fixed: boolean, endCycles: number): string {
  const ms = endCycles / (MHZ * 1000);
  const guest = Math.round(ms * 1000 + (fixed ? 6013 : 6377));
  return `[   ${(ms / 1000).toFixed(7)}] kernel boot time: ${Math.floor(ms)}ms\n2026-12-07T14:02:11.902127331 [anonymous-instance:main] Guest-boot-time = ${String(guest).padStart(6)} us ${Math.floor(guest / 1000)} ms, ${String(guest - 7011).padStart(6)} CPU us ${Math.floor((guest - 7011) / 1000)} CPU ms\n`;
}
