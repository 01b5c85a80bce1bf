/**
 * The man page (dist/man/kpatch.1, built by scripts/man.js from docs/kpatch.1.md) renders with
 * `man -l` without a single groff or tbl warning, and says what the Markdown says: every section,
 * in order, and no HTML entity or Markdown markup left over. Needs dist/ (npm test builds it) and
 * man-db with groff; CI (`.ci/run`) installs them and sets KPATCH_REQUIRE_MAN=1, elsewhere the test
 * is skipped with one line when `man` is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PAGE = path.join(ROOT, 'dist', 'man', 'kpatch.1');
const MAN_PACKAGES = 'man-db groff-base';
const hasMan = spawnSync('man', ['--version'], { encoding: 'utf8' }).status === 0;

if (!hasMan) {
  if (process.env.KPATCH_REQUIRE_MAN === '1') {
    it('needs man (KPATCH_REQUIRE_MAN=1)', () => {
      throw new Error(`man is not on PATH but KPATCH_REQUIRE_MAN=1: install the Debian packages ${MAN_PACKAGES}`);
    });
  } else {
    process.stderr.write(`kpatch: skipping the man page test: man not found (Debian packages ${MAN_PACKAGES})\n`);
  }
}
const describeMan = hasMan ? describe : describe.skip;

/** `man -l --warnings` of the page at a width, in the C.UTF-8 locale (the page has UTF-8 text: ≥, —). */
function render(width: number) {
  const r = spawnSync('man', ['--warnings', '-l', PAGE], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: String(width), MANPAGER: 'cat', PAGER: 'cat', MAN_KEEP_FORMATTING: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeMan('man -l dist/man/kpatch.1', () => {
  beforeAll(() => {
    if (!fs.existsSync(PAGE)) throw new Error(`${PAGE} is missing: run npm run build first (npm test does)`);
  });

  it.each([80, 100, 132])('renders at %i columns with no warning', (width) => {
    const r = render(width);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n')[0]).toMatch(/^KPATCH\(1\)\s+kpatch manual\s+KPATCH\(1\)$/);
  });

  it('has every section of docs/kpatch.1.md, in order', () => {
    const sections = fs.readFileSync(path.join(ROOT, 'docs', 'kpatch.1.md'), 'utf8').split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
    expect(sections.length).toBeGreaterThan(8);
    const shown = render(80).stdout.split('\n').filter((l) => /^[A-Z][A-Z ,]+$/.test(l));
    expect(shown).toEqual(sections);
  });

  it('carries the package version and leaves no HTML entity or Markdown markup behind', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const text = render(80).stdout;
    expect(text.trimEnd().split('\n').pop()).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}\\s`));
    expect(text).not.toMatch(/&#?\w+;/);
    expect(text).not.toMatch(/`|\*\*|^#+ /m);
    expect(text).toContain("'vio*'"); // a code span with quotes inside a table (marked leaves it as &#39;)
  });
});
