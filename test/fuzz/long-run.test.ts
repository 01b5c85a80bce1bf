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
