/**
 * Booting the PVH fixtures in QEMU for the boot tests: find the binaries, run one VM with a hard
 * time limit (the whole process group is killed, so a wedged QEMU never hangs the suite), and run
 * at most two VMs at once (CI machines have two cores; TCG is CPU-bound).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Debian package that provides qemu-system-x86_64 and qemu-system-i386. */
export const QEMU_PACKAGE = 'qemu-system-x86';

/** Seconds one boot may take before it is killed; the fixtures' routine needs well under one. */
export const BOOT_TIMEOUT_S = 20;

/** Exit status of QEMU when the routine writes 0x10 to isa-debug-exit: (0x10 << 1) | 1. */
export const DEBUG_EXIT_STATUS = 33;

/** Finds an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One way to run a VM: which QEMU binary and which machine type. */
export interface Machine {
  readonly qemu: string;
  readonly machine: 'microvm' | 'pc';
}

/** How a boot ended. */
export interface BootResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Serial output lines (COM1), CR stripped. */
  readonly lines: readonly string[];
  readonly stderr: string;
  readonly command: string;
}

/** The QEMU arguments every boot uses: no default devices, COM1 on stdout, isa-debug-exit at 0xf4 so the routine ends the VM. */
export function qemuArgs(m: Machine, kernel: string): string[] {
  return ['-M', m.machine, '-m', '64', '-nodefaults', '-display', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', kernel];
}

let running = 0;
const waiting: (() => void)[] = [];
const MAX_PARALLEL = 2;

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Boots `kernel` on machine `m` and collects the serial output; never takes longer than `timeoutS` seconds. */
export function boot(m: Machine, kernel: string, timeoutS = BOOT_TIMEOUT_S): Promise<BootResult> {
  return runVm(m.qemu, qemuArgs(m, kernel), timeoutS);
}

/** Runs one VM (`qemu` with `args`) and collects its serial output on stdout; never takes longer than `timeoutS` seconds. */
export function runVm(qemu: string, args: readonly string[], timeoutS = BOOT_TIMEOUT_S): Promise<BootResult> {
  return slot(
    () =>
      new Promise<BootResult>((resolve, reject) => {
        // detached: QEMU leads its own process group, so the timeout can kill it and anything it started.
        const child = spawn(qemu, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        let timedOut = false;
        child.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('latin1').on('data', (d: string) => (err += d));
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, timeoutS * 1000);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (status, signal) => {
          clearTimeout(timer);
          const lines = out.replace(/\r/g, '').split('\n').filter((l) => l !== '');
          resolve({ status, signal, timedOut, lines, stderr: err, command: [path.basename(qemu), ...args].join(' ') });
        });
      }),
  );
}

/** Runs the built CLI (`node dist/cli/main.js ...`) and returns its status and output. */
export function kpatchCli(main: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
