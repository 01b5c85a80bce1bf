#!/usr/bin/env node
/**
 * Build step: docs/kpatch.1.md -> dist/man/kpatch.1 (roff), the page `man kpatch` shows after a
 * global install (package.json "man"). The conversion is marked-man's; three fixes follow it,
 * each for something groff or man(1) would otherwise get wrong:
 *  - marked escapes code spans as HTML; marked-man decodes &lt; &gt; &amp; but not numeric
 *    references, so `'vio*'` in a table would print as &#39;vio*&#39;;
 *  - `.ad l` (ragged right, as mandoc sets): justified text in narrow table cells makes groff
 *    warn "cannot adjust line";
 *  - tables: marked-man gives every column an equal share (`expand`); the last column takes
 *    the rest of the line instead (`x`), so short first columns stay narrow and long words fit.
 * `npm run build` runs it; test/package/man.test.ts renders the result with `man -l --warnings`.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'docs', 'kpatch.1.md');
const target = path.join(root, 'dist', 'man', 'kpatch.1');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// marked-man's exports hide its bin; find the package directory through its package.json
const bin = path.join(path.dirname(require.resolve('marked-man/package.json', { paths: [root] })), 'bin', 'marked-man.js');
const r = spawnSync(process.execPath, [bin, '--no-breaks', '--manual', 'kpatch manual', '--version', version, source], { encoding: 'utf8' });
if (r.status !== 0 || r.stderr) {
  process.stderr.write(`man.js: marked-man failed (${r.status}): ${r.stderr}`);
  process.exit(1);
}

const roff = r.stdout
  .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&quot;/g, '"')
  .replace(/^(\.TH .*\n)/m, '$1.ad l\n')
  .replace(/^tab\(\|\) expand nowarn box;\n((?:[lrc] )*[lrc])\.$/gm, 'tab(|) nowarn box;\n$1x.');
if (/&#?\w+;/.test(roff.replace(/\\\(\w\w/g, ''))) {
  process.stderr.write(`man.js: an HTML entity is left in the roff: ${/&#?\w+;/.exec(roff)[0]}\n`);
  process.exit(1);
}
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, roff);
