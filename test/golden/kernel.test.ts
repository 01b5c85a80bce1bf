/**
 * Golden files for the text outputs people read: `info`, `list`, `tree`, `check --microvm` and a
 * `disable --dry-run` plan, for every committed kernel fixture (test/fixtures and test/fixtures/ports,
 * stripped and raw images included). A change of output shows up as a diff of test/golden/kernel/*.txt
 * in review; `KPATCH_UPDATE_GOLDEN=1 npx jest test/golden` rewrites them.
 *
 * The expected values of these outputs are checked field by field elsewhere (test/kernel, test/cli);
 * this file pins their exact text, so wording, alignment and order cannot drift unnoticed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FIXTURES } from '../support/fixtures';
import { runCli } from '../support/run-cli';

const REPO = join(__dirname, '..', '..');
const GOLDEN = join(__dirname, 'kernel');
const update = process.env.KPATCH_UPDATE_GOLDEN === '1';

/** Every committed kernel fixture, by its path relative to the repository (the path the outputs print). */
function fixtureFiles(): string[] {
  const names = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { file: string }[]).map((m) => relative(REPO, join(dir, m.file)));
  return [...names(FIXTURES), ...names(join(FIXTURES, 'ports'))].sort();
}

const COMMANDS: ((k: string) => string[])[] = [
  (k) => ['info', k],
  (k) => ['list', k],
  (k) => ['tree', k],
  (k) => ['check', '--microvm', k],
  (k) => ['disable', '#1', '-k', k, '--dry-run'],
];

/** The transcript of every command on one kernel, as a shell session would show it. */
async function transcript(kernel: string): Promise<string> {
  let text = '';
  for (const args of COMMANDS.map((c) => c(kernel))) {
    const r = await runCli(args);
    const err = r.err === '' ? '' : r.err.replace(/\n$/, '').split('\n').map((l) => `stderr: ${l}\n`).join('');
    text += `$ kpatch ${args.join(' ')}\n${r.out}${err}exit ${r.code}\n\n`;
  }
  return text;
}

const files = fixtureFiles();
const goldenName = (k: string) => `${k.replace(/^test\/fixtures\//, '').replace(/\//g, '_')}.txt`;

describe('kernel output goldens (test/golden/kernel)', () => {
  beforeAll(() => {
    // The outputs print the kernel path as given; the golden files hold paths relative to the repository.
    expect(relative(REPO, process.cwd())).toBe('');
    if (update) mkdirSync(GOLDEN, { recursive: true });
  });

  it.each(files)('%s', async (kernel) => {
    const path = join(GOLDEN, goldenName(kernel));
    const text = await transcript(kernel);
    if (update) writeFileSync(path, text);
    else if (!existsSync(path)) throw new Error(`no golden file ${relative(REPO, path)}: run KPATCH_UPDATE_GOLDEN=1 npx jest test/golden and review it`);
    expect(text).toBe(readFileSync(path, 'utf8'));
  });

  it('has no golden file for a fixture that is gone', () => {
    const expected = new Set(files.map(goldenName));
    expect(readdirSync(GOLDEN).filter((f) => !expected.has(f))).toEqual([]);
  });
});
