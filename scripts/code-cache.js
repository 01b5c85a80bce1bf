#!/usr/bin/env node
/**
 * Build step after esbuild: stamps dist/cli/kpatch.js with the sha256 of its contents and writes
 * dist/cli/kpatch.js.cache, V8's code cache for it, made after running the commands a pipeline
 * runs on the bundled test kernel (so the functions they use are in the cache, not only the
 * top level). dist/cli/main.js uses the cache only with the bundle of the same stamp.
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'cli');
const { BUNDLE, CACHE, STAMP, loadBundle, stampOf } = require(path.join(dist, 'main.js'));
const kernel = path.join(__dirname, '..', 'test', 'fixtures', 'netbsd-amd64');

async function main() {
  const file = path.join(dist, BUNDLE);
  let source = fs.readFileSync(file, 'utf8');
  if (stampOf(source)) source = source.slice(0, source.lastIndexOf(STAMP));
  const stamp = createHash('sha256').update(source).digest('hex');
  fs.writeFileSync(file, `${source}${STAMP}${stamp}`);
  fs.rmSync(path.join(dist, CACHE), { force: true });

  const { program, script } = loadBundle(dist, false);
  const io = { out() {}, err() {}, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  const runs = [
    ['info', kernel],
    ['info', kernel, '--json'],
    ['list', kernel],
    ['list', kernel, '--json'],
    ['pvh', kernel],
    ['tree', kernel],
    ['check', kernel, '--microvm'],
    ['disable', 'com0', '-k', kernel, '--dry-run'],
    ['keep', 'ld', 'viocon', '-k', kernel, '--dry-run', '--json'],
    ['apply', path.join(__dirname, '..', 'patches', 'microvm-minimal.kpatch'), '-k', kernel, '--dry-run'],
    ['--help'],
  ];
  for (const argv of runs) {
    const code = await program.run(argv, io);
    if (code === 2) throw new Error(`code-cache: 'kpatch ${argv.join(' ')}' failed while training the cache`);
  }
  const data = script.createCachedData();
  fs.writeFileSync(path.join(dist, CACHE), Buffer.concat([Buffer.from(`${stamp}\n`, 'latin1'), data]));
}

main().catch((e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
