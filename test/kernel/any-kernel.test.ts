/**
 * Conformance on kernels kpatch has never seen. Point KPATCH_KERNELS at a directory of NetBSD
 * kernels (netbsd, netbsd-GENERIC.gz, netbsd.img, ... of any release and any port, with or without
 * symbols, ELF or raw arm64 Image) and every file in it goes through these checks; without it they
 * run on the kernel-shaped fixtures of every port (stripped and image ones included), so the
 * harness itself is exercised on every CI run.
 *
 * The expectations come from outside kpatch: the cfdata symbol's value and size from binutils'
 * readelf (when installed and the file has the symbol; a file without it must say its table was
 * found by its shape), the struct size from the C data model (cfdata is six pointer-sized
 * slots on every supported target and layout), config(1)'s rules (names are C identifiers, states
 * are 0, 2, 3 or 4 on disk, every parent driver is configured), userconf(4)'s state transitions,
 * and the file's own bytes before and after a disable and an enable.
 *
 *   KPATCH_KERNELS=/path/to/kernels npx jest test/kernel/any-kernel.test.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { runCli } from '../support/run-cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
/** Every committed kernel fixture with an autoconf table: the x86/aarch64 ones and those of the other ports. */
const KERNEL_FIXTURES = [FIXTURES, path.join(FIXTURES, 'ports')].flatMap((dir) =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { file: string; table: string | null }[]).filter((m) => m.table !== null).map((m) => path.join(dir, m.file)),
);
const given = process.env.KPATCH_KERNELS;
const kernels = given
  ? fs
      .readdirSync(given, { withFileTypes: true })
      .filter((d) => d.isFile() && !d.name.startsWith('.'))
      .map((d) => path.join(given, d.name))
      .sort()
  : KERNEL_FIXTURES;
if (given && kernels.length === 0) throw new Error(`KPATCH_KERNELS=${given} holds no files`);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const readelf = spawnSync('readelf', ['--version']).status === 0;

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-any-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The kernel image: the file, inflated when it is gzip. */
function image(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes;
}

/** The cfdata symbol as binutils reads it: value and size. */
function cfdataSymbol(plain: string): { value: bigint; size: bigint } | undefined {
  const r = spawnSync('readelf', ['-sW', plain], { encoding: 'utf8', maxBuffer: 1 << 28 });
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (f.length >= 8 && f[7] === 'cfdata' && f[6] !== 'UND') return { value: BigInt(`0x${f[1]}`), size: BigInt(f[2].startsWith('0x') ? f[2] : Number(f[2])) };
  }
  return undefined;
}

interface Entry {
  index: number;
  name: string;
  unit: number;
  star: boolean;
  fstate: number;
  state: string;
  attachment: string;
  parent: { iattr: string; driver: string | null; unit: number } | null;
  locators: { name: string; value: number; wildcard: boolean }[];
  address: string;
  offset: number;
  stateOffset: number;
}

describe.each(kernels)('%s', (file) => {
  let info: {
    arch: string;
    netbsd: { text: string } | null;
    release: { text: string; from: string } | null;
    format: { class: number; endian: 'little' | 'big' };
    autoconf: { entries: number; entrySize: number; variant: string; address: string; locatedBy: string } | null;
  };
  let entries: Entry[];
  let bytes: Buffer;
  let plain: string;

  beforeAll(async () => {
    const i = await runCli(['info', file, '--json']);
    expect(i.err).toBe('');
    expect(i.code).toBe(0);
    info = JSON.parse(i.out);
    const l = await runCli(['list', file, '--json']);
    expect(l.code).toBe(0);
    entries = JSON.parse(l.out);
    bytes = image(file);
    plain = path.join(work, `${path.basename(file)}.plain`);
    fs.writeFileSync(plain, bytes);
  });

  it('is a NetBSD kernel with a release and an autoconf table', () => {
    expect(info.arch).toMatch(/^[a-z][a-z0-9]*$/);
    expect(info.release).not.toBeNull();
    expect(info.autoconf).not.toBeNull();
    expect(entries.length).toBe(info.autoconf!.entries);
    expect(entries.length).toBeGreaterThanOrEqual(3);
  });

  it('the table has the size C gives it, sits where the symbol says, and ends where the symbol ends', () => {
    const slot = info.format.class / 8;
    expect(info.autoconf!.entrySize).toBe(6 * slot);
    // cfdata is an array ending in one all-zero entry
    const first = entries[0].offset;
    const end = first + entries.length * info.autoconf!.entrySize;
    expect(bytes.subarray(end, end + info.autoconf!.entrySize).every((b) => b === 0)).toBe(true);
    entries.forEach((e, i) => {
      expect(e.index).toBe(i);
      expect(e.offset).toBe(first + i * info.autoconf!.entrySize);
      expect(BigInt(e.address)).toBe(BigInt(info.autoconf!.address) + BigInt(i * info.autoconf!.entrySize));
    });
    if (!readelf) return;
    const sym = cfdataSymbol(plain);
    // stripped kernels and raw images have no symbol: then kpatch must say it found the table by its shape
    if (!sym) return expect(info.autoconf!.locatedBy).toBe('shape');
    expect(BigInt(info.autoconf!.address)).toBe(sym.value);
    if (sym.size > 0n) expect(BigInt(entries.length + 1) * BigInt(info.autoconf!.entrySize)).toBe(sym.size);
  });

  it('reads what config(1) can write: identifiers, states 0/2/3/4, stars, configured parents, named locators', () => {
    const drivers = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      expect(e.name).toMatch(IDENT);
      expect(e.attachment).toMatch(IDENT);
      expect([0, 2, 3, 4]).toContain(e.fstate);
      expect(e.star).toBe(e.fstate === 2 || e.fstate === 3);
      expect(e.state).toBe(e.fstate === 3 || e.fstate === 4 ? 'disabled' : 'enabled');
      // the state byte lies inside the entry
      expect(e.stateOffset).toBeGreaterThanOrEqual(e.offset);
      expect(e.stateOffset).toBeLessThan(e.offset + info.autoconf!.entrySize);
      if (!e.star) expect(e.unit).toBeGreaterThanOrEqual(0);
      if (e.parent) {
        expect(e.parent.iattr).toMatch(IDENT);
        expect(e.parent.unit).toBeGreaterThanOrEqual(-1);
        if (e.parent.driver !== null) expect(drivers).toContain(e.parent.driver);
      }
      for (const l of e.locators) expect(l.name).toMatch(IDENT);
    }
    expect(entries.some((e) => e.parent === null)).toBe(true); // a root (mainbus, armfdt, ...)
  });

  it('the cfdata bytes hold each entry\'s state where the listing says (one byte, or a 16-bit short before NetBSD 10)', () => {
    const little = info.format.endian === 'little';
    for (const e of entries) {
      const v = info.autoconf!.variant === 'short' ? (little ? bytes.readInt16LE(e.stateOffset) : bytes.readInt16BE(e.stateOffset)) : bytes[e.stateOffset];
      expect(v).toBe(e.fstate);
    }
  });

  it('disable then enable of one wildcard entry changes exactly its state byte, then gives the file back', async () => {
    const target = entries.find((e) => e.fstate === 2 && e.parent !== null) ?? entries.find((e) => e.fstate === 0 && e.parent !== null);
    expect(target).toBeDefined();
    const t = target!;
    const gz = file.endsWith('.gz');
    const off = path.join(work, `${path.basename(file)}.off${gz ? '.gz' : ''}`);
    const on = path.join(work, `${path.basename(file)}.on${gz ? '.gz' : ''}`);
    const d = await runCli(['disable', `#${t.index}`, '-k', file, '-o', off]);
    expect(d.code).toBe(0);
    const after = image(off);
    expect(after.length).toBe(bytes.length);
    const differing: number[] = [];
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== after[i]) differing.push(i);
    const little = info.format.endian === 'little';
    const wide = info.autoconf!.variant === 'short';
    const statePos = wide && !little ? t.stateOffset + 1 : t.stateOffset; // the low byte of a short
    expect(differing).toEqual([statePos]);
    expect(after[statePos]).toBe(t.fstate === 2 ? 3 : 4);
    const e = await runCli(['enable', `#${t.index}`, '-k', off, '-o', on]);
    expect(e.code).toBe(0);
    expect(image(on).equals(bytes)).toBe(true);
  });

  it('tree and check --microvm answer without an error', async () => {
    const tree = await runCli(['tree', file, '--json']);
    expect(tree.code).toBe(0);
    expect(JSON.parse(tree.out)).toBeTruthy();
    const check = await runCli(['check', file, '--microvm', '--json']);
    expect([0, 1]).toContain(check.code);
    expect(check.err).toBe('');
    expect(JSON.parse(check.out)).toBeTruthy();
  });
});
