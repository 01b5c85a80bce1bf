/**
 * Temporary files a killed kpatch left behind are removed by the next write into the same
 * directory, but only kpatch's own names, only regular files, and only when their pid is dead.
 */
import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeStaleTemporaries } from '../../src/node/atomic';
import { runCli } from '../support/run-cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'netbsd-amd64');

/** A pid that existed and has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-stale-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('stale temporary files', () => {
  it('removes dead pids\' temporaries, keeps live ones and everything else', async () => {
    const dead = deadPid();
    const live = spawn('sleep', ['30']);
    try {
      const names = {
        dead: `.netbsd.kpatch-${dead}-0badf00d.tmp`,
        deadOther: `.netbsd-GENERIC.gz.kpatch-${dead}-12345678.tmp`,
        live: `.netbsd.kpatch-${live.pid}-deadbeef.tmp`,
        mine: `.netbsd.kpatch-${process.pid}-00000000.tmp`,
        notOurs: `.netbsd.kpatch-${dead}-xyz.tmp`,
        plain: 'netbsd.tmp',
      };
      for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), 'x');
      fs.mkdirSync(path.join(dir, `.dir.kpatch-${dead}-aaaaaaaa.tmp`));
      const removed = removeStaleTemporaries(dir).map((f) => path.basename(f)).sort();
      expect(removed).toEqual([names.dead, names.deadOther].sort());
      expect(fs.readdirSync(dir).sort()).toEqual([names.live, names.mine, names.notOurs, names.plain, `.dir.kpatch-${dead}-aaaaaaaa.tmp`].sort());
    } finally {
      live.kill();
    }
  });

  it('every write cleans its target directory first', async () => {
    const input = path.join(dir, 'netbsd');
    fs.copyFileSync(FIXTURE, input);
    const stale = path.join(dir, `.netbsd.kpatch-${deadPid()}-0badf00d.tmp`);
    fs.writeFileSync(stale, 'half a kernel');
    const r = await runCli(['disable', 'com0', '-k', input, '--in-place']);
    expect(r.code).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['netbsd']);
  });

  it('the missing directory of a new output is not an error of the cleanup', () => {
    expect(removeStaleTemporaries(path.join(dir, 'nope'))).toEqual([]);
  });
});
