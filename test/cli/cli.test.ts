/** Smoke tests of the CLI, run in-process on built kernels written to a temporary directory. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from '../../src/cli/program';
import type { Io } from '../../src/cli/io';
import { buildKernel } from '../support/build-kernel';
import { MICROVM } from '../support/tables';

interface Result {
  code: number;
  out: string;
  err: string;
}

async function kpatch(...argv: string[]): Promise<Result> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  const code = await run(argv, io);
  return { code, out, err };
}

let dir: string;
const file = (name: string) => path.join(dir, name);
const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

const amd64 = buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield' });
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-cli-'));
  fs.writeFileSync(file('netbsd-amd64'), amd64.bytes);
  fs.writeFileSync(file('netbsd-amd64.gz'), gzipSync(amd64.bytes));
  fs.writeFileSync(file('netbsd-aarch64'), buildKernel(MICROVM, { arch: 'aarch64', variant: 'bitfield' }).bytes);
  fs.writeFileSync(file('netbsd-stripped'), buildKernel(MICROVM, { arch: 'amd64', variant: 'bitfield', noSymtab: true }).bytes);
  fs.writeFileSync(file('truncated'), amd64.bytes.subarray(0, 100));
  fs.writeFileSync(file('not-elf'), 'MZ this is not an ELF file\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('info', () => {
  it('prints one line per fact', async () => {
    const r = await kpatch('info', file('netbsd-amd64'));
    expect(r).toMatchObject({ code: 0, err: '' });
    const rows = Object.fromEntries(r.out.trimEnd().split('\n').map((l) => [l.slice(0, 10).trim(), l.slice(11)]));
    expect(rows).toEqual({
      file: `${file('netbsd-amd64')} (${amd64.bytes.length} bytes)`,
      format: 'ELF64 little-endian x86-64 executable',
      machine: 'amd64',
      netbsd: '10.1 (ident note 1001000000)',
      ostype: 'NetBSD',
      osrelease: '10.1',
      version: 'NetBSD 10.1 (MICROVM) #0: Thu Jan  1 00:00:00 UTC 2025',
      pvh: expect.stringMatching(/^entry 0x200020 \(note at file offset 0x[0-9a-f]+, section \.note\.Xen, PT_NOTE segment 3; in executable PT_LOAD segment 0\)$/),
      autoconf: `cfdata at 0x${amd64.cfdata.address.toString(16)} (file offset 0x${amd64.cfdata.offset.toString(16)}): 12 entries of 48 bytes, bitfield layout; 12 enabled, 0 disabled`,
      // The default table has pv, virtio at pv with mmio_cmdline, ld, com, viocon and viocon_earlyinit; no pvclock, no tslog or TSC symbols.
      features: 'pvh pv virtio-mmio virtio-devices console viocon; missing: tslog tsc; n/a: arm64-image',
      config: 'embedded (options INCLUDE_CONFIG_FILE; kpatch config extract prints it)',
    });
  });

  it('reads gzip kernels', async () => {
    const r = await kpatch('info', file('netbsd-amd64.gz'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^file {7}.*netbsd-amd64\.gz \(gzip, \d+ bytes; \d+ inflated\)$/m);
  });

  it('--json prints only JSON with the facts', async () => {
    const r = await kpatch('info', file('netbsd-amd64'), '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      file: file('netbsd-amd64'),
      size: amd64.bytes.length,
      compressed: null,
      format: { class: 64, endian: 'little', type: 'ET_EXEC', machine: 62, machineName: 'x86-64' },
      arch: 'amd64',
      netbsd: { text: '10.1', raw: 1001000000 },
      ostype: 'NetBSD',
      osrelease: '10.1',
      pvh: { entry: 0x200020, descSize: 4, section: '.note.Xen', segment: 3, loadSegment: 0, executable: true },
      autoconf: { symbol: 'cfdata', address: `0x${amd64.cfdata.address.toString(16)}`, offset: amd64.cfdata.offset, entries: 12, entrySize: 48, variant: 'bitfield', enabled: 12, disabled: 0, roots: 1, drivers: 13 },
      autoconfError: null,
      embeddedConfig: true,
      warnings: [],
    });
  });

  it('a stripped kernel: info finds the table by its shape and says so', async () => {
    const r = await kpatch('info', file('netbsd-stripped'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ autoconf: { locatedBy: 'shape', entries: 12 }, autoconfError: null });
  });
});

describe('list', () => {
  it('prints one userconf-style line per entry', async () => {
    const r = await kpatch('list', file('netbsd-amd64'));
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('[ 0] mainbus0 at root');
    expect(lines[4]).toBe('[ 4] com0 at isa? port 0x3f8 size ? iomem ? iosiz ? irq 4 drq ? drq2 ? with com_isa');
    expect(lines[6]).toBe('[ 6] virtio* at pv? with mmio_cmdline');
    expect(lines[10]).toBe('[10] atabus* at ata?');
  });

  it('selects entries', async () => {
    const r = await kpatch('list', file('netbsd-amd64'), 'vio*', '#0');
    expect(r.out).toBe('[ 0] mainbus0 at root\n[ 8] vioif* at virtio?\n[ 9] viocon* at virtio?\n');
  });

  it('--json prints one object per entry', async () => {
    const r = await kpatch('list', file('netbsd-amd64'), 'com0', 'virtio', '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const j = JSON.parse(r.out);
    expect(j).toEqual([
      {
        index: 4,
        name: 'com',
        unit: 0,
        star: false,
        fstate: 0,
        state: 'enabled',
        attachment: 'com_isa',
        parent: { iattr: 'isa', driver: 'isa', unit: -1 },
        locators: [
          { name: 'port', value: 0x3f8, wildcard: false },
          { name: 'size', value: 0, wildcard: true },
          { name: 'iomem', value: -1, wildcard: true },
          { name: 'iosiz', value: 0, wildcard: true },
          { name: 'irq', value: 4, wildcard: false },
          { name: 'drq', value: -1, wildcard: true },
          { name: 'drq2', value: -1, wildcard: true },
        ],
        flags: 0,
        address: `0x${(amd64.cfdata.address + 4n * 48n).toString(16)}`,
        offset: amd64.entryOffset(4),
        stateOffset: amd64.entryOffset(4) + 19,
      },
      expect.objectContaining({ index: 6, name: 'virtio', star: true, fstate: 2, attachment: 'mmio_cmdline', parent: { iattr: 'pv', driver: 'pv', unit: -1 }, locators: [] }),
    ]);
  });
});

describe('pvh', () => {
  it('prints the entry, exit 0', async () => {
    const r = await kpatch('pvh', file('netbsd-amd64'));
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.split('\n')[0]).toBe('0x200020');
  });
  it('--json', async () => {
    const r = await kpatch('pvh', file('netbsd-amd64'), '--json');
    expect(JSON.parse(r.out)).toMatchObject({ pvh: { entry: 0x200020, segment: 3 } });
  });
  it('exit 1 and one line on stderr when there is no PVH note', async () => {
    const r = await kpatch('pvh', file('netbsd-aarch64'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^kpatch: .*no PVH note \(ELF note "Xen", type 18\)[^\n]*\n$/);
  });
  it('--json without a note prints null, exit 1', async () => {
    const r = await kpatch('pvh', file('netbsd-aarch64'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ pvh: null });
  });
});

describe('bad input: one line on stderr, exit 2, nothing on stdout, file unchanged', () => {
  it.each([
    ['missing file', ['info', 'missing'], /^kpatch: cannot read .*missing: no such file$/],
    ['a directory', ['info', '.'], /^kpatch: cannot read .*: (not a regular file|is a directory)$/],
    ['non-ELF', ['info', 'not-elf'], /^kpatch: not an ELF file: bad magic number '4d5a2074' at byte 0x0$/],
    ['truncated ELF', ['list', 'truncated'], /^kpatch: .*past end of file.* at byte 0x[0-9a-f]+$/],
    ['unknown driver selector', ['list', 'netbsd-amd64', 'cmo'], /^kpatch: no driver 'cmo' in this kernel \(closest: com, cpu\); 'kpatch list <kernel>' shows every entry$/],
    ['entry index out of range', ['list', 'netbsd-amd64', '#99'], /^kpatch: no entry #99: the table has entries #0 to #11$/],
    ['--json errors are not JSON on stdout', ['list', 'netbsd-amd64', 'com5', '--json'], /^kpatch: no entry com5: com has com0$/],
    ['unknown command', ['frobnicate', 'netbsd-amd64'], /^kpatch: unknown command 'frobnicate'/],
  ])('%s', async (_what, argv, message) => {
    const args = argv.map((a, i) => (i === 1 ? file(a) : a));
    const target = args[1];
    const before = fs.existsSync(target) && fs.statSync(target).isFile() ? sha(target) : null;
    const r = await kpatch(...args);
    expect({ code: r.code, out: r.out, lines: r.err.split('\n').length - 1 }).toEqual({ code: 2, out: '', lines: 1 });
    expect(r.err.trimEnd()).toMatch(message);
    if (before) expect(sha(target)).toBe(before);
  });
});

describe('usage errors of every command: one kpatch: line, exit 2 (not 1, which means a negative answer)', () => {
  // disable, enable, keep and apply are built with new Command(); they once exited 1 from inside
  // commander with its own 'error:' line, so a pipeline took a forgotten -k for a failed check.
  it.each([
    [['disable', 'com0'], "kpatch: required option '-k, --kernel <file>' not specified"],
    [['enable', 'com0'], "kpatch: required option '-k, --kernel <file>' not specified"],
    [['keep', 'com0'], "kpatch: required option '-k, --kernel <file>' not specified"],
    [['apply', 'x.kpatch'], "kpatch: required option '-k, --kernel <file>' not specified"],
    [['disable', 'com0', '-k', 'k', '--bogus'], "kpatch: unknown option '--bogus'"],
    [['keep', '-k', 'k'], "kpatch: missing required argument 'selector'"],
    [['apply', '-k', 'k'], "kpatch: missing required argument 'patch-file'"],
    [['list'], "kpatch: missing required argument 'kernel'"],
    [['check', 'k', '--bogus'], "kpatch: unknown option '--bogus'"],
    [['config', 'lint'], "kpatch: missing required argument 'file'"],
  ])('kpatch %j', async (argv, message) => {
    const r = await kpatch(...argv);
    expect(r).toEqual({ code: 2, out: '', err: `${message}\n` });
  });
});

describe('no command', () => {
  it.each([[[]], [['config']]])('kpatch %j prints the usage on stderr and exits 2 (bad usage)', async (argv) => {
    const r = await kpatch(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^Usage: kpatch ${argv.length ? 'config ' : ''}\\[options\\] \\[command\\]\n`));
  });
});

describe('--help', () => {
  // Every command a user can run shows examples of itself (the brief: `--help` with examples).
  it.each([
    ['info', ''], ['list', ''], ['pvh', ''], ['tree', ''], ['disable', ''], ['enable', ''], ['keep', ''], ['apply', ''], ['check', ''],
    ['config', ''], ['config', 'lint'], ['config', 'generate'], ['config', 'extract'], ['config', 'diff'], ['config', 'merge'],
  ])('kpatch %s %s --help has examples of that command', async (...words: string[]) => {
    const command = words.filter(Boolean);
    const r = await kpatch(...command, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const at = r.out.search(/\nExamples?:\n/);
    expect(at).toBeGreaterThan(0);
    const examples = r.out.slice(at);
    expect(examples).toContain(`\n  kpatch ${command.join(' ')} `);
  });
});
