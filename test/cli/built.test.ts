/**
 * The built (bundled) CLI from another working directory: what a user who installed kpatch runs.
 * It must find its own data (confs/) wherever it is started, and print what the sources print.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

describe('dist/cli/main.js from a foreign directory', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-cwd-'));
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it.each([
    [['--arch', 'amd64'], 'amd64-smol.conf'],
    [['--arch', 'i386', '--standalone'], 'i386-smol-standalone.conf'],
    [['--arch', 'aarch64'], 'aarch64-smol.conf'],
  ])('config generate %j matches test/golden/config/%s', (args, golden) => {
    const r = spawnSync(process.execPath, [CLI, 'config', 'generate', ...args], { cwd, encoding: 'utf8' });
    // aarch64 says on stderr which requested features do not apply; nothing else may be there.
    expect(r.stderr).toMatch(/^(warning: [^\n]+\n)*$/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(ROOT, 'test', 'golden', 'config', golden), 'utf8'));
  });
});
