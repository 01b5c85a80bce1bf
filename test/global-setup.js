/**
 * Jest global setup: the CLI tests run the built program (dist/), so a plain `npx jest` in a fresh
 * clone, or after editing src/, builds it first. `npm test` builds before jest, and then this only
 * compares modification times. A failed build fails the run with the compiler's own output.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const built = path.join(root, 'dist', 'cli', 'kpatch.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

module.exports = function globalSetup() {
  const stale = !fs.existsSync(built) || fs.statSync(built).mtimeMs < newestSource(path.join(root, 'src'));
  if (!stale) return;
  process.stderr.write('\nkpatch: dist/ is missing or older than src/: running npm run build first\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
};
