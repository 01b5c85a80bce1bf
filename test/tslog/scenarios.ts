/**
 * The boot scenarios the tslog tests run: both kernels' formats, nested calls, waits charged to a
 * holder, several threads, cycle counts that go backwards or repeat, TSENTER2 arguments.
 */
import { type Action, type Scenario, back, on, spend } from '../support/tslog-trace';

const main = on('main');
const init = on('init');
const kt = on('kthread');
const other = on('other');
const loader = on('loader');

const nested: Action[] = [
  main.enter('main'),
  spend(100),
  main.enter('cpu_configure'),
  spend(50),
  ...main.call('DELAY', 2000),
  spend(30),
  main.enter('mainbus_attach'),
  ...main.call('aprint_normal', 120),
  spend(10),
  ...main.call('delay', 700),
  main.exit('mainbus_attach'),
  spend(40),
  main.exit('cpu_configure'),
  spend(60),
  main.enter('start_init'),
  spend(500),
  main.exit('start_init'),
];

/** A kernel thread holds "config hooks" while main waits on it; the wait goes to the thread. */
const waiting: Action[] = [
  main.enter('main'),
  spend(100),
  kt.thread('configroot'),
  spend(20),
  kt.event('HOLD', 'config hooks'),
  spend(20),
  main.enter('config_finalize'),
  spend(30),
  main.event('WAIT', 'config hooks'),
  spend(50),
  kt.enter('vioif_attach'),
  spend(300),
  ...kt.call('DELAY', 1000),
  spend(10),
  kt.exit('vioif_attach'),
  spend(25),
  kt.event('RELEASE', 'config hooks'),
  spend(15),
  main.event('UNWAIT', 'config hooks'),
  spend(40),
  main.exit('config_finalize'),
  spend(10),
  main.enter('start_init'),
  spend(200),
  main.exit('start_init'),
];

/** Threads that are not the boot's: their records change nothing in the boot's profile. */
const threads: Action[] = [
  main.enter('main'),
  spend(100),
  other.thread('pgdaemon'),
  spend(10),
  ...other.call('uvm_pageout', 400),
  main.enter('configure'),
  spend(10),
  kt.thread('usbtask'),
  spend(5),
  ...kt.call('tsleep', 900),
  spend(10),
  ...main.call('kpause', 1500),
  spend(10),
  other.enter('uvmpd_scan'),
  spend(77),
  main.exit('configure'),
  spend(10),
  other.exit('uvmpd_scan'),
  main.enter('start_init'),
  spend(100),
  main.exit('start_init'),
  spend(50),
  ...other.call('late_work', 30),
];

/** Cycle counts from two CPUs: one repeats, one goes 500 cycles back. */
const backwards: Action[] = [
  main.enter('main'),
  spend(100),
  main.enter('cpu_attach'),
  spend(300),
  back(0),
  main.enter('lapic_calibrate_timer'),
  spend(250),
  ...main.call('DELAY', 1000),
  back(500),
  main.exit('lapic_calibrate_timer'),
  spend(80),
  main.exit('cpu_attach'),
  spend(20),
  main.enter('start_init'),
  spend(300),
  main.exit('start_init'),
];

/** FreeBSD: loader records first (thread 0x0), mi_startup, SYSINITs with TSENTER2 arguments, init on its own thread. */
const freebsd: Action[] = [
  // the loader's own main: not the kernel's (mi_startup tells FreeBSD)
  loader.enter('main'),
  spend(5000),
  ...loader.call('load_kernel', 3000),
  loader.exit('main'),
  spend(100),
  main.enter('hammer_time'),
  spend(400),
  main.exit('hammer_time'),
  spend(10),
  main.enter('mi_startup'),
  spend(30),
  main.enter('sysinit', 'vm_mem_init'),
  spend(700),
  main.exit('sysinit', 'vm_mem_init'),
  spend(20),
  kt.thread('swi4: clock (0)'),
  spend(10),
  kt.event('HOLD', 'config hooks'),
  spend(10),
  main.enter('run_interrupt_driven_config_hooks'),
  spend(15),
  main.event('WAIT', 'config hooks'),
  spend(60),
  kt.enter('ahci_attach'),
  spend(800),
  ...kt.call('DELAY', 4000),
  kt.exit('ahci_attach'),
  spend(5),
  kt.event('RELEASE', 'config hooks'),
  spend(45),
  main.event('UNWAIT', 'config hooks'),
  spend(10),
  main.exit('run_interrupt_driven_config_hooks'),
  spend(40),
  init.enter('start_init'),
  spend(900),
  init.exit('start_init'),
];

/** The table the tests run over. */
export const SCENARIOS: readonly (readonly [string, Scenario])[] = [
  ['netbsd: nested calls', { os: 'netbsd', actions: nested, tscFreq: 1_000_000 }],
  ['netbsd: a wait charged to its holder', { os: 'netbsd', actions: waiting, tscFreq: 2_000_000 }],
  ['netbsd: several threads', { os: 'netbsd', actions: threads }],
  ['netbsd: cycle counts going backwards and repeating', { os: 'netbsd', actions: backwards, tscFreq: 1_000_000 }],
  ['netbsd: double spaces', { os: 'netbsd', actions: nested, tscFreq: 1_000_000, doubleSpaces: true, firstTsc: 123_456_789 }],
  ['freebsd: loader, mi_startup, TSENTER2, init thread, a wait', { os: 'freebsd', actions: freebsd, tscFreq: 3_000_000 }],
];

/** A trace cut short: no EXIT start_init. */
export const TRUNCATED: Scenario = { os: 'netbsd', actions: waiting, tscFreq: 2_000_000, keep: 12 };
