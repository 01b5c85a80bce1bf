/**
 * Every kernel symbol kpatch looks up, in one table (OpenBSD config's `nl[]`, ukc.h): the name
 * written once, what it is, and where NetBSD defines it. Readers index the table by key, so a
 * grep for a symbol name finds this file and nothing else.
 */

/** A kernel symbol kpatch reads. */
export interface KernelSymbol {
  readonly name: string;
  /** What it is and where NetBSD defines it. */
  readonly what: string;
}

/** The kernel symbols, by key. */
export const NL = {
  // The autoconf tables config(1) writes into ioconf.c (usr.bin/config mkioconf.c).
  cfdata: { name: 'cfdata', what: 'struct cfdata cfdata[]: one entry per config line, all-zero terminated' },
  cfroots: { name: 'cfroots', what: 'const short cfroots[]: cfdata indices of the roots, -1 terminated' },
  cfdriverList: { name: 'cfdriver_list_initial', what: 'struct cfdriver * const cfdriver_list_initial[]: every driver, NULL terminated' },
  // sys/conf/newvers.sh writes vers.c.
  ostype: { name: 'ostype', what: 'const char ostype[]: "NetBSD"' },
  osrelease: { name: 'osrelease', what: 'const char osrelease[]: "10.1"' },
  version: { name: 'version', what: 'const char version[]: the uname -v banner' },
  // options INCLUDE_CONFIG_FILE (usr.bin/config mkmakefile.c): the config, one "_CFG_" record a line.
  config: { name: 'config', what: 'const char config[]: the embedded config file' },
  // viocon(4) built with options VIOCON_CONSOLE (NetBSDfr/NetBSD-src); smolBSD's startnb.sh picks console=viocon when nm shows it.
  vioconEarlyinit: { name: 'viocon_earlyinit', what: 'the early virtio console (options VIOCON_CONSOLE)' },
  // sys/arch/x86/x86/identcpu_subr.c: the TSC frequency from CPUID leaves 0x15/0x16 and hypervisor leaf 0x40000010.
  cpuTscFreqCpuid: { name: 'cpu_tsc_freq_cpuid', what: 'TSC frequency from CPUID, without DELAY() calibration' },
  // options TSLOG (NetBSDfr/NetBSD-src arch/x86/x86/tslog.c): the record buffer and its sysctl handlers.
  tslog: { name: 'tslog', what: 'the tslog(4) record buffer' },
  tslogUser: { name: 'tslog_user', what: 'tslog(4) userland records' },
  sysctlDebugTslog: { name: 'sysctl_debug_tslog', what: 'the debug.tslog sysctl handler' },
} as const satisfies Record<string, KernelSymbol>;

/** A key of the symbol table. */
export type SymbolKey = keyof typeof NL;
