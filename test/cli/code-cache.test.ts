/**
 * dist/cli/main.js runs the bundle through the V8 code cache made at build time, and only with the
 * bundle it was made for: a cache from another build or another V8 configuration is never used,
 * and kpatch prints exactly the same with or without it. Needs dist/ (npm test builds it first).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64');
const STAMP = '\n//# kpatch-build ';

/** What loadBundle says of the cache in `cliDir`, in a fresh node with `flags`. */
function cacheState(cliDir: string, flags: string[] = []): string {
  const r = spawnSync(process.execPath, [...flags, '-e', `process.stdout.write(require(${JSON.stringify(path.join(cliDir, 'main.js'))}).loadBundle(${JSON.stringify(cliDir)}).cache)`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

function kpatch(cliDir: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(cliDir, 'main.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ARGS = ['list', FIXTURE, '--json'];
let work: string;
let reference: ReturnType<typeof kpatch>;
beforeAll(() => {
  if (!fs.existsSync(path.join(DIST, 'cli', 'kpatch.js'))) throw new Error('dist/cli/kpatch.js missing: run npm run build (npm test does)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-cache-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules')); // for the unbundled fallback
  reference = kpatch(path.join(DIST, 'cli'), ARGS);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of dist/ (the bundle finds confs/ through the package root, which list does not need). */
function copyDist(name: string): string {
  const dir = path.join(work, name);
  fs.cpSync(DIST, dir, { recursive: true });
  return path.join(dir, 'cli');
}

it('the build stamps the bundle with the sha256 of what precedes the stamp, and the cache carries the same stamp', () => {
  const source = fs.readFileSync(path.join(DIST, 'cli', 'kpatch.js'), 'utf8');
  const at = source.lastIndexOf(STAMP);
  expect(at).toBeGreaterThan(0);
  const stamp = source.slice(at + STAMP.length);
  expect(stamp).toBe(createHash('sha256').update(source.slice(0, at)).digest('hex'));
  const cache = fs.readFileSync(path.join(DIST, 'cli', 'kpatch.js.cache'));
  expect(cache.toString('latin1', 0, 65)).toBe(`${stamp}\n`);
  expect(cache.length).toBeGreaterThan(65 + 1024); // V8 data, not just the header
});

it('a plain run uses the cache', () => {
  expect(cacheState(path.join(DIST, 'cli'))).toBe('used');
  expect(reference.status).toBe(0);
  expect(JSON.parse(reference.stdout).length).toBeGreaterThan(10);
});

it('V8 refuses the cache under other V8 flags, and the output is the same', () => {
  expect(cacheState(path.join(DIST, 'cli'), ['--stack-size=2000'])).toBe('rejected');
  const r = spawnSync(process.execPath, ['--stack-size=2000', path.join(DIST, 'cli', 'main.js'), ...ARGS], { encoding: 'utf8' });
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(reference);
});

it('a cache made for another build is not offered to V8', () => {
  const cli = copyDist('other-build');
  const file = path.join(cli, 'kpatch.js.cache');
  const data = fs.readFileSync(file);
  data.write('0'.repeat(64), 0, 'latin1'); // the stamp of some other bundle
  fs.writeFileSync(file, data);
  expect(cacheState(cli)).toBe('none');
  expect(kpatch(cli, ARGS)).toEqual(reference);
});

it('an edited bundle (its text no longer matches the stamp in the cache) runs without the cache', () => {
  const cli = copyDist('edited');
  const file = path.join(cli, 'kpatch.js');
  const source = fs.readFileSync(file, 'utf8');
  const at = source.lastIndexOf(STAMP);
  // same length, other stamp: what a rebuild without a new cache would leave
  fs.writeFileSync(file, `${source.slice(0, at)}${STAMP}${'f'.repeat(64)}`);
  expect(cacheState(cli)).toBe('none');
  expect(kpatch(cli, ARGS)).toEqual(reference);
});

it('without a cache file, or without the bundle, kpatch still runs and prints the same', () => {
  const noCache = copyDist('no-cache');
  fs.rmSync(path.join(noCache, 'kpatch.js.cache'));
  expect(cacheState(noCache)).toBe('none');
  expect(kpatch(noCache, ARGS)).toEqual(reference);

  const noBundle = copyDist('no-bundle');
  fs.rmSync(path.join(noBundle, 'kpatch.js'));
  expect(kpatch(noBundle, ARGS)).toEqual(reference); // main.js falls back to the unbundled program.js
});
