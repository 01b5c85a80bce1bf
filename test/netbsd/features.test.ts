/**
 * The feature table (netbsd/features.ts) is the one place the microVM vocabulary lives: its
 * checks are exactly check --microvm's, its fragments exist in confs/, every check says why it
 * does not apply where it does not, and `info` and `check` agree on every fixture.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEATURES as GENERATED } from '../../src/config/generate';
import { MICROVM_CHECK_IDS } from '../../src/netbsd/checks';
import { CONFIG_FEATURES, MICROVM_FEATURES, type Platform } from '../../src/netbsd/features';
import { fixturePath, manifest } from '../support/fixtures';
import { portPath, portsManifest } from '../support/ports';
import { runCli } from '../support/run-cli';

const PLATFORMS: Platform[] = ['pvh', 'fdt'];
const CONFS = path.join(__dirname, '..', '..', 'confs');

describe('the table', () => {
  it('its checks are check --microvm checks, after netbsd, each id once', () => {
    const ids = MICROVM_FEATURES.flatMap((f) => f.checks.map((c) => c.id));
    expect(new Set(MICROVM_CHECK_IDS)).toEqual(new Set(['netbsd', ...ids]));
    expect(MICROVM_CHECK_IDS.length).toBe(new Set(MICROVM_CHECK_IDS).size);
  });

  it('a check id shared by two rows is on disjoint platforms, and every check id applies or says why not on each platform', () => {
    for (const p of PLATFORMS) {
      for (const id of MICROVM_CHECK_IDS.slice(1)) {
        const rows = MICROVM_FEATURES.flatMap((f) => f.checks.filter((c) => c.id === id).map((c) => ({ f, c })));
        const applying = rows.filter(({ c }) => c.on[p] === true);
        expect(applying.length).toBeLessThanOrEqual(1);
        if (applying.length === 0) {
          const { f, c } = rows[0];
          const reason = c.on[p] ?? f.platforms[p];
          expect(reason).toEqual({ na: expect.stringMatching(/\w/) });
        }
      }
    }
  });

  it('every fragment a feature names is in confs/, and a feature that applies says how', () => {
    for (const f of MICROVM_FEATURES) {
      for (const p of PLATFORMS) {
        const use = f.platforms[p];
        if ('na' in use) {
          expect(f.checks.every((c) => c.on[p] !== true)).toBe(true);
          continue;
        }
        for (const frag of use.fragments) expect(fs.existsSync(path.join(CONFS, frag))).toBe(true);
        if (f.base === undefined) expect(use.fragments.length).toBeGreaterThan(0);
      }
    }
  });

  it('config generate offers exactly the features no base config provides, in table order', () => {
    expect(GENERATED).toEqual(CONFIG_FEATURES.map((f) => f.id));
    expect(MICROVM_FEATURES.filter((f) => f.base !== undefined).map((f) => f.id)).toEqual(['arm64-image', 'console']);
  });
});

interface InfoFeature {
  id: string;
  state: 'present' | 'missing' | 'n/a';
  required: boolean;
  checks: string[];
}
interface CheckJson {
  id: string;
  status: 'pass' | 'fail' | 'info' | 'n/a';
  required: boolean;
}

// Through the CLI, as a user runs them: `info --json` and `check --microvm --json` on every fixture.
const everyFixture = [...manifest.map((r) => [r.file, fixturePath(r.file)]), ...portsManifest.map((r) => [`ports/${r.file}`, portPath(r.file)])];

describe.each(everyFixture)('info and check agree on %s', (_name, file) => {
  let features: InfoFeature[] = [];
  let checks: CheckJson[] = [];
  let info: Awaited<ReturnType<typeof runCli>>;
  let check: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    info = await runCli(['info', file, '--json']);
    check = await runCli(['check', file, '--microvm', '--json']);
    if (check.code !== 2) checks = JSON.parse(check.out).checks;
    if (info.code === 0) features = JSON.parse(info.out).features;
  });

  it('info answers, or (a file kpatch cannot read yet) refuses in one line with exit 2, and then check passes nothing', () => {
    if (info.code === 0) return;
    expect({ code: info.code, out: info.out, lines: info.err.split('\n').filter(Boolean).length }).toEqual({ code: 2, out: '', lines: 1 });
    // check refuses the file too, or finds it outside the profile: it cannot claim a feature info could not see.
    expect(checks.filter((c) => c.status === 'pass')).toEqual([]);
  });

  it('info lists every feature of the table, in order', () => {
    if (info.code !== 0) return;
    expect(features.map((f) => f.id)).toEqual(MICROVM_FEATURES.map((f) => f.id));
  });

  it('a feature is present exactly when its checks that apply pass, n/a exactly when none applies', () => {
    if (info.code !== 0) return;
    for (const f of features) {
      const own = checks.filter((c) => f.checks.includes(c.id));
      expect(own.length).toBeGreaterThan(0);
      const applying = own.filter((c) => c.status !== 'n/a');
      const want = applying.length === 0 ? 'n/a' : applying.every((c) => c.status === 'pass') ? 'present' : 'missing';
      expect({ id: f.id, state: f.state, required: f.required }).toEqual({ id: f.id, state: want, required: applying.some((c) => c.required) });
    }
  });

  it('every check but netbsd belongs to one feature', () => {
    if (info.code !== 0) return;
    const owned = features.flatMap((f) => f.checks);
    expect(checks.map((c) => c.id).filter((id) => id !== 'netbsd').sort()).toEqual([...owned].sort());
  });

  it('the text forms agree too: info prints present, missing and n/a features as the JSON says', async () => {
    if (info.code !== 0) return;
    const text = (await runCli(['info', file])).out;
    const line = text.split('\n').find((l) => l.startsWith('features'))!;
    const ids = (state: string) => features.filter((f) => f.state === state).map((f) => f.id).join(' ');
    const want = `${ids('present') || 'none'}${ids('missing') ? `; missing: ${ids('missing')}` : ''}${ids('n/a') ? `; n/a: ${ids('n/a')}` : ''}`;
    expect(line.replace(/^features\s+/, '')).toBe(want);
  });
});

it('info answers on every fixture the reader supports, so the comparison above is not empty', async () => {
  for (const r of manifest) expect((await runCli(['info', fixturePath(r.file), '--json'])).code).toBe(0);
});
