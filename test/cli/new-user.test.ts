/**
 * What a new user types first: --version, help, a typo in an option, list --at, the bundled patch
 * files by name, and colour. Expected values come from package.json, the patches/ directory and
 * the fixture tables, not from kpatch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { colorLevel } from '../../src/cli/render';
import { fixturePath, loadTable } from '../support/fixtures';
import { runCli } from '../support/run-cli';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const KERNEL = fixturePath('netbsd-amd64');
const PATCHES = fs.readdirSync(path.join(ROOT, 'patches')).filter((f) => f.endsWith('.kpatch')).sort();

describe('--version and help', () => {
  it.each([['--version'], ['-V']])('%s prints the package name and version', async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, out: `${pkg.name} ${pkg.version}\n`, err: '' });
  });

  it.each([
    [['list']],
    [['disable']],
    [['config', 'generate']],
    [['config']],
  ])('kpatch help %s is kpatch %s --help: same output, exit 0', async (words) => {
    const viaHelp = await runCli(['help', ...words]);
    const viaFlag = await runCli([...words, '--help']);
    expect(viaHelp).toEqual(viaFlag);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out.split('\n')[0]).toBe(`Usage: kpatch ${words.join(' ')} [options]${words.join(' ') === 'config' ? ' [command]' : ''}`.replace('list [options]', 'list [options] <kernel> [selector...]').replace('disable [options]', 'disable [options] <selector...>'));
  });

  it('kpatch help alone is the top-level help, exit 0, and it shows a disable example', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r).toEqual(await runCli(['--help']));
    expect(r.out).toMatch(/^ {2}kpatch disable \S+ -k \S+ -o \S+/m);
  });

  it('apply --help shows the patch-file options the shipped patches use (--at, --if-present) and --list', async () => {
    const r = await runCli(['apply', '--help']);
    const used = new Set(PATCHES.flatMap((f) => [...fs.readFileSync(path.join(ROOT, 'patches', f), 'utf8').matchAll(/ (--[a-z-]+)/g)].map((m) => m[1])));
    expect([...used].sort()).toEqual(expect.arrayContaining(['--if-present']));
    for (const o of [...used, '--at', '--if-present', '--list']) expect(r.out).toContain(o);
  });
});

describe('a mistyped option', () => {
  it.each([
    [['disable', 'com', '--kernal', KERNEL, '--dry-run'], "kpatch: unknown option '--kernal' (Did you mean --kernel?)\n"],
    [['disable', 'com', `--kernal=${KERNEL}`, '--dry-run'], "kpatch: unknown option '--kernal' (Did you mean --kernel?)\n"],
    [['apply', 'x.kpatch', '--dryrun', '--kernal', KERNEL], "kpatch: unknown option '--dryrun' (Did you mean --dry-run?)\n"],
    [['config', 'generate', '--acrh', 'amd64'], "kpatch: unknown option '--acrh' (Did you mean --arch?)\n"],
  ])('is named with the closest option even when a required option is missing: %j', async (args, err) => {
    expect(await runCli(args)).toEqual({ code: 2, out: '', err });
  });

  it('a missing required option alone is still reported as missing', async () => {
    expect(await runCli(['disable', 'com', '--dry-run'])).toEqual({ code: 2, out: '', err: "kpatch: required option '-k, --kernel <file>' not specified\n" });
  });
});

describe('list --at', () => {
  const table = loadTable('microvm.json');
  const at = (parent: string) => table.entries.map((e, i) => ({ e, i })).filter(({ e }) => e.parent?.driver === parent);

  it('lists exactly the entries whose parent is that driver (from the fixture table)', async () => {
    const want = at('virtio').map(({ i }) => i);
    expect(want.length).toBeGreaterThan(2);
    const r = await runCli(['list', KERNEL, '--at', 'virtio', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { index: number }[]).map((e) => e.index)).toEqual(want);
  });

  it('combines with selectors, and prints the usual lines', async () => {
    const want = at('virtio').filter(({ e }) => e.driver.startsWith('vio'));
    const r = await runCli(['list', KERNEL, 'vio*', '--at', 'virtio']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean).map((l) => Number(/^\[\s*(\d+)\]/.exec(l)![1]))).toEqual(want.map(({ i }) => i));
  });

  it('a parent nothing attaches at is one line, exit 2', async () => {
    expect(await runCli(['list', KERNEL, '--at', 'nosuch'])).toEqual({ code: 2, out: '', err: "kpatch: no entry attaches at 'nosuch'; 'kpatch tree <kernel>' shows the parents\n" });
  });
});

describe('bundled patch files', () => {
  let dir = '';
  let cwd = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-bundled-'));
    cwd = process.cwd();
    process.chdir(dir); // a directory with no patch files in it, as after a global install
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('apply --list names every file in patches/ with the first phrase of its comment, exit 0', async () => {
    const r = await runCli(['apply', '--list']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n').filter(Boolean);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(PATCHES);
    for (const [i, f] of PATCHES.entries()) {
      const first = fs.readFileSync(path.join(ROOT, 'patches', f), 'utf8').split('\n')[0].replace(/^# [\w-]+: /, '');
      expect(lines[i]).toContain(first.split(/[:.]/)[0].trim().slice(0, 30));
    }
  });

  it('a bare name that is not a file here is the bundled file, with or without .kpatch', async () => {
    const bundled = path.join(ROOT, 'patches', 'microvm-minimal.kpatch');
    const byPath = await runCli(['apply', bundled, '-k', KERNEL, '--dry-run', '--json']);
    expect(byPath.code).toBe(0);
    for (const name of ['microvm-minimal.kpatch', 'microvm-minimal']) {
      expect(await runCli(['apply', name, '-k', KERNEL, '--dry-run', '--json'])).toEqual(byPath);
    }
  });

  it('a file of that name in the current directory wins over the bundled one', async () => {
    fs.writeFileSync(path.join(dir, 'microvm-minimal.kpatch'), 'disable vio9p\n');
    const r = await runCli(['apply', 'microvm-minimal.kpatch', '-k', KERNEL, '--dry-run', '--json']);
    fs.rmSync(path.join(dir, 'microvm-minimal.kpatch'));
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { changed: { name: string }[] }).changed.map((c) => c.name)).toEqual(['vio9p*']);
  });

  it('an unknown name is one line naming the bundled files, exit 2', async () => {
    expect(await runCli(['apply', 'nosuch', '-k', KERNEL, '--dry-run'])).toEqual({
      code: 2,
      out: '',
      err: `kpatch: cannot read nosuch: no such file, and no bundled patch file of that name; kpatch apply --list shows them: ${PATCHES.join(', ')}\n`,
    });
  });
});

describe('colour', () => {
  it.each([
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, 0],
    [{ NO_COLOR: '1', FORCE_COLOR: '3' }, false, 0],
    [{ NO_COLOR: '', FORCE_COLOR: '2' }, false, 2],
    [{ FORCE_COLOR: '1' }, false, 1],
    [{ FORCE_COLOR: '0' }, true, 0],
    [{ NO_COLOR: '1' }, true, 0],
    [{}, false, 0],
  ])('%j on a %s stream: level %d (a non-empty NO_COLOR wins, as no-color.org says)', (env, tty, level) => {
    expect(colorLevel(env, tty)).toBe(level);
  });
});
