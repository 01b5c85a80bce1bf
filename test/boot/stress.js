#!/usr/bin/env node
/**
 * Runs the boot suites (test/boot) N times in a row while CPU-bound load processes compete with
 * them, and stops at the first failing run. It is how the "don" flake (QEMU exited before the last
 * serial bytes reached stdout, docs/testing.md) was shown fixed; run it after touching the PVH
 * routine, the boot harness or QEMU's version.
 *
 *   npm run build && node test/boot/stress.js [--runs 50] [--load 2] [-- <jest args>]
 *
 * --load K starts K busy loops at the same priority as the suites, so the Jest worker that reads
 * QEMU's stdout is slow, as it is under the full parallel suite. Prints one line per run and a
 * summary; exits 1 if any run failed, 2 on bad arguments.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const opts = { runs: 50, load: 2, jest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      opts.jest = argv.slice(i + 1);
      break;
    }
    const m = /^--(runs|load)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}' (usage: stress.js [--runs N] [--load K] [-- jest args])`);
    const v = m[2] ?? argv[++i];
    if (!/^\d+$/.test(v ?? '')) throw new Error(`--${m[1]} needs a whole number, not '${v}'`);
    opts[m[1]] = Number(v);
  }
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`stress: ${e.message}\n`);
  process.exit(2);
}

// Busy loops, killed by pid when the runs end (and on Ctrl-C).
const load = Array.from({ length: opts.load }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopLoad = () => {
  for (const c of load) c.kill('SIGKILL');
};
process.on('SIGINT', () => {
  stopLoad();
  process.exit(130);
});

const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const env = { ...process.env, KPATCH_REQUIRE_QEMU: '1' };
let failed = 0;
let ran = 0;
const started = Date.now();
for (let i = 1; i <= opts.runs; i++) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [jest, 'test/boot', '--silent', ...opts.jest], { cwd: ROOT, env, encoding: 'utf8' });
  ran++;
  const summary = /^Tests:.*$/m.exec(r.stderr)?.[0] ?? '(no summary)';
  process.stdout.write(`run ${i}/${opts.runs}: exit ${r.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${summary}\n`);
  if (r.status !== 0) {
    failed++;
    process.stdout.write(r.stderr);
    break;
  }
}
stopLoad();
process.stdout.write(`stress: ${ran} run(s) of test/boot with ${opts.load} load process(es), ${failed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.exitCode = failed ? 1 : 0;
