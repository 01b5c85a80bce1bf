/**
 * The README and the manual show real output: every `$ kpatch ...` command in them is run, in order, in a
 * scratch directory holding the fixtures, and its output must be exactly what the README shows. A `$ cp A B`
 * line copies a file there, so the README's examples copy-paste from the repository root: it makes its
 * `netbsd-SMOL` itself. The manual gets `netbsd-SMOL` and `netbsd-GENERIC.SMOL` (copies of the amd64 and
 * GENERIC-shaped fixtures) made for it. A leading `printf '...' |` is fed to standard input; commands piped
 * through other tools are skipped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

interface Example {
  /** `cp`: copy args[0] to args[1] in the scratch directory; otherwise a kpatch command. */
  cp?: true;
  args: string[];
  /** Standard input: the text of a leading `printf '...' |`. */
  input?: string;
  echoExit: boolean;
  expected: string;
  line: number;
}

/** Splits a shell-ish command line into words (single quotes only, as the README uses). */
function shellWords(s: string): string[] {
  return [...s.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

function examples(doc: string): Example[] {
  const lines = fs.readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
  const out: Example[] = [];
  let inBlock = false;
  let current: Example | null = null;
  lines.forEach((line, i) => {
    if (line.startsWith('```')) {
      if (current) out.push(current);
      current = null;
      inBlock = !inBlock;
      return;
    }
    if (!inBlock) return;
    if (line.startsWith('$ ')) {
      if (current) out.push(current);
      current = null;
      const m = /^\$ (?:printf '([^']*)' \| )?kpatch (.*?)(; echo "exit \$\?")?$/.exec(line);
      if (m && !m[2].includes('|')) current = { args: shellWords(m[2]), input: m[1]?.replace(/\\n/g, '\n'), echoExit: Boolean(m[3]), expected: '', line: i + 1 };
      const cp = /^\$ cp (\S+) (\S+)$/.exec(line);
      if (cp) current = { cp: true, args: [cp[1], cp[2]], echoExit: false, expected: '', line: i + 1 };
      return;
    }
    if (current) current.expected += `${line}\n`;
  });
  return out;
}

describe.each(['README.md', 'docs/kpatch.1.md'])('%s examples', (doc) => {
  const all = examples(doc);
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-readme-'));
    fs.mkdirSync(path.join(dir, 'test'));
    fs.symlinkSync(path.join(ROOT, 'test', 'fixtures'), path.join(dir, 'test', 'fixtures'));
    fs.symlinkSync(path.join(ROOT, 'patches'), path.join(dir, 'patches'));
    if (doc === 'README.md') return; // the README makes its own copies (`$ cp` lines)
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64'), path.join(dir, 'netbsd-SMOL'));
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'netbsd-amd64-generic'), path.join(dir, 'netbsd-GENERIC.SMOL'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has examples to check', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  // In order: later examples use files earlier ones wrote.
  it.each(all.map((e) => [e.line, `${e.cp ? 'cp' : 'kpatch'} ${e.args.join(' ')}`, e] as const))('line %i: %s', (_line, _cmd, e) => {
    if (e.cp) {
      expect(e.expected).toBe(''); // cp prints nothing
      fs.copyFileSync(path.join(dir, e.args[0]), path.join(dir, e.args[1]));
      return;
    }
    const r = spawnSync(process.execPath, [CLI, ...e.args], { cwd: dir, input: e.input ?? '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const shown = r.stdout + r.stderr + (e.echoExit ? `exit ${r.status}\n` : '');
    // The README shows stderr and stdout interleaved as a terminal would; compare as sets of lines in order per stream.
    const lines = (t: string) => t.split('\n').filter(Boolean).sort();
    expect(lines(shown)).toEqual(lines(e.expected));
    if (!e.echoExit) expect(r.status).toBe(0);
  });
});
