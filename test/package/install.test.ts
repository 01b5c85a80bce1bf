/**
 * kpatch installs the ways npm CLIs are installed, and the installed `kpatch` runs from another
 * directory: `npm install -g` of the packed tarball into a temporary prefix, `npx` of the tarball,
 * `npm pack git+file://` of a clone (npm installs the dev dependencies and runs `prepare`, which builds
 * dist/) installed with `npm install -g`, and `npm link`. (`npm install -g git+…` itself fails on npm
 * 11: a global git install does not install the dev dependencies `prepare` needs, npm/cli#8440;
 * docs/decisions.md.)
 * One `npm pack` serves the file; every install goes into a temporary prefix, never the user's.
 * Needs dist/ (npm test builds it) and the npm registry or npm's cache for the three runtime
 * dependencies (the git install also fetches the dev dependencies it builds with).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTable, manifest, readelfCapture } from '../support/fixtures';

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; man: string[]; bin: Record<string, string> };
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');
const QUIET = ['--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error', '--prefer-offline'];

let work = '';
let tarball = '';

/** Runs a command; fails the test with its output when it exits non-zero. */
function sh(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: work, ...opts, env: { ...process.env, npm_config_update_notifier: 'false', ...opts.env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return String(r.stdout);
}

/** Runs an installed kpatch from a directory that is not the repository. */
function installed(bin: string, args: readonly string[]) {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: os.tmpdir() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What every install must do: name itself, read a kernel, find its bundled patch files and confs/. */
function checkInstalled(bin: string): void {
  expect(installed(bin, ['--version'])).toEqual({ status: 0, stdout: `${pkg.name} ${pkg.version}\n`, stderr: '' });
  const info = installed(bin, ['info', FIXTURE, '--json']);
  expect(info.status).toBe(0);
  expect((JSON.parse(info.stdout) as { arch: string }).arch).toBe('amd64'); // manifest.json: netbsd-amd64 is amd64
  const apply = installed(bin, ['apply', 'microvm-minimal.kpatch', '-k', FIXTURE, '--dry-run']);
  expect([apply.status, apply.stderr]).toEqual([0, '']);
  expect(apply.stdout).toMatch(/^dry run: \d+ entries would change; nothing written$/m);
  const gen = installed(bin, ['config', 'generate', '--arch', 'amd64']);
  expect([gen.status, gen.stderr]).toEqual([0, '']);
  expect(gen.stdout).toContain('include "arch/amd64/conf/MICROVM"');
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first (npm test does)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-install-'));
  // --ignore-scripts: dist/ is built already; `prepare` would rebuild it under the other running tests.
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...QUIET], { cwd: ROOT })) as { filename: string }[];
  tarball = path.join(work, packed.filename);
});
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('the tarball holds the built CLI, the man page, LICENSE, CHANGELOG, confs/ and patches/, and no tests', () => {
  const files = sh('tar', ['tzf', tarball]).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const f of ['package.json', 'LICENSE', 'CHANGELOG.md', 'README.md', 'dist/cli/main.js', 'dist/cli/kpatch.js', 'dist/cli/kpatch.js.cache', 'dist/index.js', 'dist/index.d.ts', 'patches/microvm-minimal.kpatch', 'confs/base-x86.conf']) {
    expect(files).toContain(f);
  }
  for (const m of pkg.man) expect(files).toContain(path.normalize(m));
  expect(files.filter((f) => /^(test|src|node_modules|docs\/api)\//.test(f))).toEqual([]); // docs/api: generated, not shipped
});

it('npm install -g <tarball> into a prefix: kpatch runs from another directory, and man finds its page', () => {
  const prefix = path.join(work, 'global');
  sh('npm', ['install', '-g', '--prefix', prefix, tarball, ...QUIET]);
  checkInstalled(path.join(prefix, 'bin', 'kpatch'));
  const page = path.join(prefix, 'share', 'man', 'man1', 'kpatch.1');
  expect(fs.readFileSync(page, 'utf8')).toBe(fs.readFileSync(path.join(ROOT, pkg.man[0]), 'utf8'));
  const man = spawnSync('man', ['-w', 'kpatch'], { encoding: 'utf8', env: { ...process.env, MANPATH: path.join(prefix, 'share', 'man') } });
  // `man kpatch` would show it (man-db is optional here; man.test.ts requires it). npm links the page into share/man.
  if (man.error === undefined) expect(fs.realpathSync(man.stdout.trim())).toBe(fs.realpathSync(page));
});

it('npx --package <tarball> kpatch runs it without a global install', () => {
  const out = sh('npx', ['--yes', '--package', tarball, ...QUIET, '--', 'kpatch', '--version'], { cwd: os.tmpdir() });
  expect(out).toBe(`${pkg.name} ${pkg.version}\n`);
});

it('from git: npm pack git+file://<clone> runs prepare, which builds dist/; npm install -g of it works', () => {
  // A clone of the committed tree (what a git install fetches); the working tree's uncommitted edits are not in it.
  const clone = path.join(work, 'clone');
  sh('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
  const dest = path.join(work, 'from-git');
  fs.mkdirSync(dest);
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dest, `git+file://${clone}`, ...QUIET])) as { filename: string; files: { path: string }[] }[];
  expect(packed.files.map((f) => f.path)).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/kpatch.js', path.normalize(pkg.man[0])]));
  const prefix = path.join(work, 'git-global');
  sh('npm', ['install', '-g', '--prefix', prefix, path.join(dest, packed.filename), ...QUIET]);
  const bin = path.join(prefix, 'bin', 'kpatch');
  checkInstalled(bin);
  expect(fs.existsSync(path.join(prefix, 'share', 'man', 'man1', 'kpatch.1'))).toBe(true);
});

it('npm link: the linked kpatch runs the working tree', () => {
  // The global prefix through the environment: `--prefix` on the command line would also move npm link's package dir.
  const prefix = path.join(work, 'link-global');
  sh('npm', ['link', '--ignore-scripts', ...QUIET], { cwd: ROOT, env: { npm_config_prefix: prefix } });
  const bin = path.join(prefix, 'bin', 'kpatch');
  expect(fs.realpathSync(bin)).toBe(path.join(fs.realpathSync(ROOT), pkg.bin.kpatch));
  checkInstalled(bin);
});

it('a typed example (examples/disable-driver.ts) compiles with tsc --strict against the packed package, and runs', () => {
  const proj = path.join(work, 'typed');
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'typed-example', private: true }));
  sh('npm', ['install', tarball, ...QUIET], { cwd: proj });
  fs.copyFileSync(path.join(ROOT, 'examples', 'disable-driver.ts'), path.join(proj, 'disable-driver.ts'));
  // The repository's compiler and Node types; kpatch's .d.ts files are checked too (no skipLibCheck).
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node10', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', '--outDir', 'out'];
  sh(process.execPath, [tsc, ...flags, 'disable-driver.ts'], { cwd: proj });

  // Expected from the fixture's table and readelf capture: vio9p is entry 14 of microvm.json, a STAR entry;
  // its cf_fstate byte is at cfdata's file offset + 14 x 48 + 19 (LP64 bitfield layout) and goes 2 -> 3.
  const row = manifest.find((m) => m.file === 'netbsd-amd64')!;
  const index = loadTable(row.table!).entries.findIndex((e) => e.driver === 'vio9p');
  const re = readelfCapture('netbsd-amd64');
  const sym = re.symbols.find((x) => x.name === 'cfdata')!;
  const sec = re.sections.find((x) => x.addr <= sym.value && sym.value < x.addr + BigInt(x.size))!;
  const stateOffset = sec.off + Number(sym.value - sec.addr) + index * 48 + 19;
  const out = path.join(proj, 'netbsd.novio9p');
  const r = spawnSync(process.execPath, [path.join(proj, 'out', 'disable-driver.js'), FIXTURE, 'vio9p', out], { encoding: 'utf8', cwd: proj });
  expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({
    status: 0,
    stderr: '',
    stdout: `entry ${index} vio9p* state enabled\nedit 0x${stateOffset.toString(16)}: 2 -> 3\nwrote ${out}: 1 byte(s) changed\n`,
  });
  const before = fs.readFileSync(FIXTURE);
  const after = fs.readFileSync(out);
  expect([...after.keys()].filter((i) => after[i] !== before[i])).toEqual([stateOffset]);
});
