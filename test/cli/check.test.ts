/**
 * `kpatch check` at the edge: exit status 0/1/2, JSON on stdout only, and the usage error.
 */
import * as path from 'node:path';
import { run } from '../../src/cli/program';
import type { Io } from '../../src/cli/io';
import { FIXTURES, manifest } from '../support/fixtures';

async function kpatch(...argv: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  const code = await run(argv, io);
  return { code, out, err };
}

const fixture = (f: string) => path.join(FIXTURES, f);

describe('kpatch check', () => {
  it('exits 0 on the PVH microvm fixtures and prints one line per check plus a summary', async () => {
    for (const row of manifest.filter((r) => r.pvh && !r.stripped)) {
      const r = await kpatch('check', fixture(row.file), '--microvm');
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(r.out).toMatch(/^ok {4}required {7}PVH entry note/m);
      expect(r.out.trimEnd().split('\n').pop()).toMatch(/: microvm ok \(\d+ required checks passed\)$/);
    }
  });

  it('exits 1 on a kernel without the PVH note, with the failure on a FAIL line', async () => {
    const r = await kpatch('check', fixture('netbsd-amd64-generic'), '--microvm');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL {2}required {7}PVH entry note .*no PVH note/m);
    expect(r.out).toMatch(/microvm FAIL \(\d+ of \d+ required checks failed: pvh-note, /);
  });

  it('--json prints {kernel, profile, ok, checks} on stdout only', async () => {
    const r = await kpatch('check', fixture('netbsd-amd64-generic'), '--microvm', '--json');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['kernel', 'profile', 'ok', 'checks']);
    expect(j).toMatchObject({ profile: 'microvm', ok: false });
    expect(j.checks.find((c: { id: string }) => c.id === 'pvh-note')).toMatchObject({ required: true, status: 'fail' });
  });

  it('without a profile, or on unreadable input, exits 2', async () => {
    const none = await kpatch('check', fixture('netbsd-amd64'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/profiles: --microvm/);
    expect((await kpatch('check', fixture('does-not-exist'), '--microvm')).code).toBe(2);
    expect((await kpatch('check', fixture('README.md'), '--microvm')).code).toBe(2);
  });
});
