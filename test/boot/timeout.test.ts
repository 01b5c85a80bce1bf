/**
 * The boot helper's time limit: a VM that never exits is killed with its whole process group, so
 * the boot tests cannot hang CI even when QEMU (or something it started) wedges.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { boot } from './qemu';

/** Whether `pid` is still running; a killed process whose new parent has not reaped it yet (zombie) is not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: kill(0) succeeded, so it exists
  }
}

it('kills a hanging "QEMU" and its children after the timeout', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-timeout-'));
  try {
    const pidFile = path.join(dir, 'child.pid');
    const fake = path.join(dir, 'fake-qemu');
    // Prints a line, starts a grandchild that would outlive a plain kill of the parent, then hangs.
    fs.writeFileSync(fake, `#!/bin/sh\necho "attach 0 mainbus0"\nsleep 60 &\necho $! > '${pidFile}'\nwait\n`, { mode: 0o755 });
    const started = Date.now();
    const r = await boot({ qemu: fake, machine: 'microvm' }, 'unused', 1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', lines: ['attach 0 mainbus0'] });
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    await new Promise((res) => setTimeout(res, 200));
    expect(alive(grandchild)).toBe(false); // killed with its process group
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
