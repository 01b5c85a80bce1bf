/**
 * `npm run fuzz` (test/fuzz/long-run.js) is run by hand for long campaigns, so nothing else would
 * notice it breaking: a short campaign here runs it against the built bundle. Needs dist/.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

it('npm run fuzz runs a short campaign against the bundled program and finds nothing', () => {
  const script = path.join(__dirname, 'long-run.js');
  const r = spawnSync(process.execPath, [script, '--count', '40', '--configs', '20', '--seed', '7'], { encoding: 'utf8' });
  expect(r.stdout).toBe(''); // failures are printed there, one JSON line each
  expect(r.stderr).toMatch(/^fuzz: seed 7, 40 kernel mutants of \d+ fixtures, 20 config mutants; files in .+\n/);
  expect(r.stderr).toMatch(/\nfuzz: 200 kernel runs in [\d.]+ s; by kind \{.+\}\nfuzz: 60 config lint runs\nfuzz: no failures in [\d.]+ s \(seed 7\)\n$/);
  expect(r.status).toBe(0);
});

it('npm run fuzz -- --seed N replays a run: the same seed tries the same mutants', () => {
  const script = path.join(__dirname, 'long-run.js');
  const once = () => spawnSync(process.execPath, [script, '--count', '30', '--configs', '10', '--seed', '12345'], { encoding: 'utf8' });
  const byKind = (stderr: string) => /kernel runs in [\d.]+ s; by kind (\{.+\})/.exec(stderr)?.[1];
  const [a, b] = [once(), once()];
  expect(a.status).toBe(0);
  expect(byKind(a.stderr)).toBeDefined();
  expect(byKind(b.stderr)).toBe(byKind(a.stderr));
  // a clock seed is printed, so a run without --seed can be replayed too
  const c = spawnSync(process.execPath, [script, '--count', '1', '--configs', '1'], { encoding: 'utf8' });
  expect(c.stderr).toMatch(/^fuzz: seed \d+, 1 kernel mutants/);
  expect(c.stderr).toMatch(/\(seed \d+\)\n$/);
});

it('a seed that is not a whole number is one line and exit 2', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'long-run.js'), '--seed', 'x'], { encoding: 'utf8' });
  expect([r.status, r.stdout, r.stderr]).toEqual([2, '', "fuzz: --seed needs a whole number, not 'x'\n"]);
});
