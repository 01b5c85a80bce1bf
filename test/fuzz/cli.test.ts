/**
 * The CLI under fuzzing, in-process through run(argv, io): at least 2,000 aimed mutants of the
 * committed fixtures (test/fuzz/engine.js) through info, list, tree, check --microvm and disable --dry-run, and
 * truncation at every byte of the two smallest kernels through info; 1,000 mutants of the real
 * configs in test/corpus through config lint; and 300 configs that include the links of a hostile --sys tree
 * (outside the tree, dangling, looping, to a directory, to a file over 64 MiB) through config lint and diff, where
 * the outside file's content must never be printed. Every run must end with exit
 * 0, 1 or 2, at most one stderr line besides warnings, starting `kpatch: `, never an internal
 * error, never a thrown exception, and within 2 s (a hang shows up as the test's timeout).
 *
 * The seed is printed; KPATCH_FUZZ_SEED=<n> repeats a run, KPATCH_FUZZ_COUNT=<n> changes its size.
 * `npm run fuzz -- --count 100000` is the long run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/cli/program';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('./engine') as typeof import('./engine');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const seed = Number(process.env.KPATCH_FUZZ_SEED ?? Date.now() % 1_000_000);
const count = Math.max(2000, Number(process.env.KPATCH_FUZZ_COUNT ?? 2000));
const inputs = engine.fixtures(FIXTURES);
let dir: string;

beforeAll(() => {
  dir = engine.scratch();
  // eslint-disable-next-line no-console
  console.log(`kpatch fuzz: seed ${seed} (repeat with KPATCH_FUZZ_SEED=${seed}), ${count} mutants of ${inputs.length} fixtures, files in ${dir}`);
});
afterAll(() => {
  // failures keep their mutant files for a look; a clean run leaves nothing
  if (fs.existsSync(dir) && !fs.readdirSync(dir).some((f) => f.startsWith('failure-'))) fs.rmSync(dir, { recursive: true, force: true });
});

describe('CLI fuzz', () => {
  it(`${count} aimed mutants through info, list, tree, check, disable --dry-run`, async () => {
    const t0 = Date.now();
    const r = await engine.fuzz({ run, inputs, seed, count, dir });
    // eslint-disable-next-line no-console
    console.log(`kpatch fuzz: ${count} mutants, ${r.runs} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s; by kind ${JSON.stringify(r.kinds)}`);
    expect(r.failures).toEqual([]);
    for (const k of ['ehdr', 'phdr', 'shdr', 'symbol', 'strtab', 'note', 'cfptr', 'pspec', 'truncate']) expect(r.kinds[k]).toBeGreaterThan(0);
  }, 240_000);

  it.each(['netbsd-i386', 'netbsd-amd64-stripped'])('%s truncated at every byte through info', async (name) => {
    const input = inputs.find((i) => i.name === name)!;
    const r = await engine.truncations({ run, input, dir });
    expect(r.runs).toBe(input.bytes.length);
    expect(r.failures).toEqual([]);
  }, 240_000);

  it('1000 mutated real configs through config lint (plain, --json, --sys)', async () => {
    const sysDir = path.join(__dirname, '..', 'corpus', 'sys');
    const r = await engine.fuzzConfigs({ run, inputs: engine.configs(sysDir), seed, count: 1000, dir, sysDir });
    expect(r.runs).toBeGreaterThanOrEqual(3000);
    expect(r.failures).toEqual([]);
  }, 240_000);

  // issue 12: symlinks in --sys lead anywhere, and files can be bigger than kpatch reads
  it('300 configs including symlinks of every kind and oversized files through config lint --sys and config diff --sys', async () => {
    const r = await engine.fuzzHostileTree({ run, seed, count: 300, dir });
    expect(r.runs).toBe(602);
    expect(r.failures).toEqual([]);
  }, 240_000);

  it('netbsd-amd64 truncated at every 7th byte through list, tree, check and disable --dry-run', async () => {
    const input = inputs.find((i) => i.name === 'netbsd-amd64')!;
    const argvFor = (f: string) => engine.commands(f).slice(1);
    const r = await engine.truncations({ run, input, dir, step: 7, argvFor });
    expect(r.failures).toEqual([]);
  }, 240_000);
});
