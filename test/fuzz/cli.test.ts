/**
 * The CLI under fuzzing, in-process through run(argv, io): aimed mutants of the committed fixtures
 * (test/fuzz/engine.js) through info, list, tree, check --microvm and disable --dry-run,
 * truncations of the two smallest kernels through info, mutants of the real configs in
 * test/corpus through config lint, and configs that include the links of a hostile --sys tree
 * (outside the tree, dangling, looping, to a directory, to a file over 64 MiB) through config lint
 * and diff, where the outside file's content must never be printed. Every run must end with exit
 * 0, 1 or 2, at most one stderr line besides warnings, starting `kpatch: `, never an internal
 * error, never a thrown exception, and within 2 s (a hang shows up as the test's timeout).
 *
 * The seed is fixed (FUZZ_SEED, in the test names), so a failure in CI is replayed by running the
 * file again; KPATCH_FUZZ_SEED=<n> and KPATCH_FUZZ_COUNT=<n> change it. `npm test` runs 500
 * kernel mutants and truncates at every 17th byte; `npm run test:full` runs 2,000 and every byte
 * (test/support/mode.ts). `npm run fuzz -- --count 100000 [--seed N]` is the long run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/cli/program';
import { report, sized } from '../support/mode';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('./engine') as typeof import('./engine');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
/** The suite's seed: fixed, so every run of the suite tries the same mutants. */
const FUZZ_SEED = 1;
const seed = wholeNumber('KPATCH_FUZZ_SEED', FUZZ_SEED);
const count = wholeNumber('KPATCH_FUZZ_COUNT', sized(500, 2000));
const configCount = Math.ceil(count / 2);
const step = sized(17, 1);
const hostileCount = sized(100, 300);

function wholeNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, not '${v}'`);
  return Number(v);
}
const inputs = engine.fixtures(FIXTURES);
let dir: string;

beforeAll(() => {
  dir = engine.scratch();
  report(`kpatch fuzz: seed ${seed}, ${count} mutants of ${inputs.length} fixtures, files in ${dir}`);
});
afterAll(() => {
  // failures keep their mutant files for a look; a clean run leaves nothing
  if (fs.existsSync(dir) && !fs.readdirSync(dir).some((f) => f.startsWith('failure-'))) fs.rmSync(dir, { recursive: true, force: true });
});

describe('CLI fuzz', () => {
  it(`${count} aimed mutants (seed ${seed}) through info, list, tree, check, disable --dry-run`, async () => {
    const t0 = Date.now();
    const r = await engine.fuzz({ run, inputs, seed, count, dir });
    report(`kpatch fuzz: ${count} mutants, ${r.runs} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s; by kind ${JSON.stringify(r.kinds)}`);
    expect(r.failures).toEqual([]);
    for (const k of ['ehdr', 'phdr', 'shdr', 'symbol', 'strtab', 'note', 'cfptr', 'pspec', 'truncate']) expect(r.kinds[k]).toBeGreaterThan(0);
  }, 240_000);

  it.each(['netbsd-i386', 'netbsd-amd64-stripped'])(`%s truncated at every ${step === 1 ? '' : `${step}th `}byte through info`, async (name) => {
    const input = inputs.find((i) => i.name === name)!;
    const r = await engine.truncations({ run, input, dir, step });
    expect(r.runs).toBe(Math.ceil(input.bytes.length / step));
    expect(r.failures).toEqual([]);
  }, 240_000);

  it(`${configCount} mutated real configs (seed ${seed}) through config lint (plain, --json, --sys)`, async () => {
    const sysDir = path.join(__dirname, '..', 'corpus', 'sys');
    const r = await engine.fuzzConfigs({ run, inputs: engine.configs(sysDir), seed, count: configCount, dir, sysDir });
    expect(r.runs).toBeGreaterThanOrEqual(3 * configCount);
    expect(r.failures).toEqual([]);
  }, 240_000);

  // issue 12: symlinks in --sys lead anywhere, and files can be bigger than kpatch reads
  it(`${hostileCount} configs including symlinks of every kind and oversized files through config lint --sys and config diff --sys`, async () => {
    const r = await engine.fuzzHostileTree({ run, seed, count: hostileCount, dir });
    expect(r.runs).toBe(2 * hostileCount + 2);
    expect(r.failures).toEqual([]);
  }, 240_000);

  it(`netbsd-amd64 truncated at every ${7 * step}th byte through list, tree, check and disable --dry-run`, async () => {
    const input = inputs.find((i) => i.name === 'netbsd-amd64')!;
    const argvFor = (f: string) => engine.commands(f).slice(1);
    const r = await engine.truncations({ run, input, dir, step: 7 * step, argvFor });
    expect(r.failures).toEqual([]);
  }, 240_000);
});
