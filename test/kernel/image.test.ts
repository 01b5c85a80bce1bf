/**
 * Raw boot images: the arm64 Image fixtures (what NetBSD/evbarm64 builds as netbsd.img and smolBSD
 * boots as netbsd-SMOL-aarch64.img). No ELF header, no symbols: kpatch reads the Image header,
 * infers the link base from the pointers, finds cfdata by its shape and patches by file offset.
 * Every command runs on the image. Expected values come from the ports manifest (linkBase,
 * textOffset, imageSize), the tables, the readelf capture of the ELF each image was made from, and
 * the C layout of an LP64 cfdata entry (name, atname, unit:24 + state, loc, flags, pspec: state
 * byte at +19, cf_loc at +24) — never from kpatch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadTable, readelfCapture, type Table, type TableEntry, expectedLocators } from '../support/fixtures';
import { capturedSymbol, PORTS, portPath, portRow, portsManifest, type PortRow } from '../support/ports';
import { runCli } from '../support/run-cli';

const images = portsManifest.filter((m) => m.image === 'arm64');
const IMAGE = 'netbsd-aarch64-microvm.img';
const DISABLED = 'netbsd-aarch64-microvm-disabled.img';
const HEADER = 64;
const ENTRY = 48;

/** cfdata's file offset in an image: its link address (the ELF's symbol) minus the image's link base. */
const cfdataOffset = (m: PortRow) => Number(capturedSymbol(m.from!, 'cfdata').value - BigInt(m.linkBase!));
const stateByte = (m: PortRow, i: number) => cfdataOffset(m) + i * ENTRY + 19;


let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-image-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string) => path.join(dir, name);
const copy = (file: string) => {
  const p = tmp(file);
  fs.copyFileSync(portPath(file), p);
  return p;
};

it('the ports manifest has the two images', () => {
  expect(images.map((m) => m.file).sort()).toEqual([DISABLED, IMAGE]);
});

describe.each(images.map((m) => [m.file, m] as const))('%s', (file, m) => {
  const t = loadTable(m.table!);

  it('info reads the header, infers the link base and finds cfdata by its shape', async () => {
    const r = await runCli(['info', portPath(file), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect({ arch: j.arch, image: [j.image.format, j.image.textOffset, Number(j.image.imageSize), j.image.linkBase], release: j.release.text, autoconf: [j.autoconf.locatedBy, j.autoconf.entries, j.autoconf.offset, j.autoconf.address, j.autoconf.variant] }).toEqual({
      arch: m.arch,
      image: [m.image, m.textOffset, m.imageSize, m.linkBase],
      release: m.osrelease,
      autoconf: ['shape', t.entries.length, cfdataOffset(m), `0x${(BigInt(m.linkBase!) + BigInt(cfdataOffset(m))).toString(16)}`, m.layout],
    });
    expect(j.image.linkEvidence).toMatch(new RegExp(`^\\d+ pointers land on identifiers at base ${m.linkBase}`));
  });

  it('list gives every entry as the table has it', async () => {
    const r = await runCli(['list', portPath(file), '--json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out).map((e: Record<string, unknown>) => ({ driver: e.name, attachment: e.attachment, unit: e.unit, fstate: e.fstate, parent: e.parent, locators: e.locators, stateOffset: e.stateOffset }));
    expect(got).toEqual(
      t.entries.map((e, i) => ({ driver: e.driver, attachment: e.attachment, unit: e.unit, fstate: e.state, parent: e.parent, locators: expectedLocators(t, e), stateOffset: stateByte(m, i) })),
    );
  });

  it('check --microvm passes: an arm64 Image with virtio at fdt', async () => {
    const r = await runCli(['check', '--microvm', portPath(file), '--json']);
    expect(r.code).toBe(0);
    const checks = Object.fromEntries(JSON.parse(r.out).checks.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect([checks['arm64-image'], checks['virtio-fdt'], checks['pvh-note']]).toEqual(['pass', 'pass', 'n/a']);
  });
});

describe('patching the image itself', () => {
  const m = portRow(IMAGE);
  const t = loadTable(m.table!);
  const original = fs.readFileSync(portPath(IMAGE));
  const index = (driver: string) => t.entries.findIndex((e) => e.driver === driver);
  /** The original image with entry `i`'s state byte set, for each pair. */
  const withStates = (pairs: [number, number][]) => {
    const b = Buffer.from(original);
    for (const [i, s] of pairs) b[stateByte(m, i)] = s;
    return b;
  };
  const vioifOff = () => withStates([[index('vioif'), 3]]);

  it('disable then enable: exactly the state bytes, the header untouched, and back to the original', async () => {
    const [star, norm] = [index('vioif'), index('armgic')];
    const out = tmp('out.img');
    expect((await runCli(['disable', `#${star}`, `#${norm}`, '-k', portPath(IMAGE), '-o', out])).code).toBe(0);
    const got = fs.readFileSync(out);
    expect(got.equals(withStates([[star, 3], [norm, 4]]))).toBe(true);
    expect(got.subarray(0, HEADER).equals(original.subarray(0, HEADER))).toBe(true);
    const back = tmp('back.img');
    expect((await runCli(['enable', `#${star}`, `#${norm}`, '-k', out, '-o', back])).code).toBe(0);
    expect(fs.readFileSync(back).equals(original)).toBe(true);
  });

  it('disabling what the disabled table disables gives the disabled image byte for byte', async () => {
    const off = loadTable(portRow(DISABLED).table!);
    const picks = t.entries.flatMap((e, i) => (e.state !== off.entries[i].state ? [`#${i}`] : []));
    expect(picks).toHaveLength(4);
    const k = copy(IMAGE);
    const r = await runCli(['disable', ...picks, '-k', k, '--in-place']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(k).equals(fs.readFileSync(portPath(DISABLED)))).toBe(true);
  });

  it('--dry-run prints the plan at the state byte\'s file offset and writes nothing', async () => {
    const k = copy(IMAGE);
    const r = await runCli(['disable', 'vioif', '-k', k, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`0x${stateByte(m, index('vioif')).toString(16)}: 02 -> 03`);
    expect(fs.readFileSync(k).equals(original)).toBe(true);
  });

  it('apply, edit -c and confkerndev write the same bytes as disable', async () => {
    const patch = tmp('off.kpatch');
    fs.writeFileSync(patch, 'require arch aarch64\ndisable vioif\n');
    const a = tmp('a.img');
    expect((await runCli(['apply', patch, '-k', portPath(IMAGE), '-o', a])).code).toBe(0);
    expect(fs.readFileSync(a).equals(vioifOff())).toBe(true);

    const cmds = tmp('cmds');
    fs.writeFileSync(cmds, 'disable vioif\nquit\n');
    const e = tmp('e.img');
    expect((await runCli(['edit', '-k', portPath(IMAGE), '-o', e, '-c', cmds])).code).toBe(0);
    expect(fs.readFileSync(e).equals(vioifOff())).toBe(true);

    const c = copy(IMAGE);
    expect((await runCli(['confkerndev', '-i', c, '-w', '-d', 'vioif'])).code).toBe(0);
    expect(fs.readFileSync(c).equals(vioifOff())).toBe(true);
  });

  it('keep changes only state bytes, each by a userconf transition, and leaves what it keeps', async () => {
    const out = tmp('keep.img');
    expect((await runCli(['keep', 'virtio', 'ld', 'plcom', '-k', portPath(IMAGE), '-o', out])).code).toBe(0);
    const got = fs.readFileSync(out);
    const states = new Set(t.entries.map((_, i) => stateByte(m, i)));
    const changed = [...got.keys()].filter((i) => got[i] !== original[i]);
    expect(changed.length).toBeGreaterThan(0);
    for (const i of changed) {
      expect(states.has(i)).toBe(true);
      expect([original[i], got[i]]).toEqual([original[i], { 0: 4, 2: 3 }[original[i]]]);
    }
    for (const d of ['virtio', 'ld', 'plcom', 'armfdt']) expect(got[stateByte(m, index(d))]).toBe(original[stateByte(m, index(d))]);
  });

  it('change writes the locator int at the entry\'s cf_loc, read from the image by the C layout', async () => {
    const i = index('plcom');
    const locPtr = original.readBigUInt64LE(cfdataOffset(m) + i * ENTRY + 24);
    const at = Number(locPtr - BigInt(m.linkBase!));
    expect(original.readInt32LE(at)).toBe(t.entries[i].locators[0]);
    const out = tmp('change.img');
    expect((await runCli(['change', 'plcom', 'pass=7', '-k', portPath(IMAGE), '-o', out])).code).toBe(0);
    const want = Buffer.from(original);
    want.writeInt32LE(7, at);
    expect(fs.readFileSync(out).equals(want)).toBe(true);
  });

  it('a gzip-compressed image is patched in place and stays gzip', async () => {
    const gz = tmp('netbsd.img.gz');
    fs.writeFileSync(gz, zlib.gzipSync(original, { level: 9 }));
    expect((await runCli(['disable', 'vioif', '-k', gz, '--in-place'])).code).toBe(0);
    const got = fs.readFileSync(gz);
    expect([got[0], got[1]]).toEqual([0x1f, 0x8b]);
    expect(zlib.gunzipSync(got).equals(vioifOff())).toBe(true);
  });

  it('tree starts at the table\'s root', async () => {
    const r = await runCli(['tree', portPath(IMAGE)]);
    const root = t.entries.findIndex((e) => e.parent === null);
    expect([r.code, r.out.split('\n')[0]]).toEqual([0, `[${root}] ${t.entries[root].driver}${t.entries[root].unit} at root`]);
  });
});

describe('raw files kpatch refuses in one line', () => {
  const refuse = async (bytes: Buffer, message: RegExp) => {
    const k = tmp('k');
    fs.writeFileSync(k, bytes);
    const r = await runCli(['list', k]);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(k).equals(bytes)).toBe(true);
  };
  const image = fs.readFileSync(portPath(IMAGE));

  it('a truncated image: image_size says more than the file has', async () => {
    await refuse(image.subarray(0, 4000), /^kpatch: arm64 Image truncated: image_size 7864 but the file has 4000 bytes/);
  });

  it('an arm64 header over random bytes: no link base to infer', async () => {
    // A fixed-seed xorshift fill: deterministic "random" data.
    const b = Buffer.alloc(64 * 1024);
    let x = 0x2545f491;
    for (let i = 0; i < b.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    image.copy(b, 0, 0, HEADER);
    b.writeBigUInt64LE(BigInt(b.length), 0x10);
    await refuse(b, /^kpatch: arm64 Image with no link address kpatch can infer/);
  });

  it('a u-boot legacy image (magic 0x27051956) is named as one', async () => {
    const b = Buffer.alloc(256);
    b.writeUInt32BE(0x27051956, 0);
    b.write('NetBSD/evbarm 10.1', 32, 'latin1');
    await refuse(b, /^kpatch: a u-boot legacy image \(uImage "NetBSD\/evbarm 10\.1"\)/);
  });
});

describe('images made from other LP64 kernels: the link base comes from the pointers alone', () => {
  /**
   * What `objcopy -O binary` makes of a fixture (each PT_LOAD's file bytes at its address minus the
   * lowest one, from the readelf capture), with the arm64 header of the image fixture written over
   * its first 64 bytes and image_size set to the length: a raw image linked away from the aarch64
   * prior, in either byte order (read as aarch64 or aarch64eb).
   */
  function flatten(file: string): { bytes: Buffer; base: bigint } {
    const re = readelfCapture(file, path.join(PORTS, 'readelf'));
    const loads = re.segments.filter((p) => p.type === 'LOAD');
    const base = loads.reduce((m, p) => (p.vaddr < m ? p.vaddr : m), loads[0].vaddr);
    const end = Math.max(...loads.map((p) => Number(p.vaddr - base) + p.filesz));
    const elf = fs.readFileSync(portPath(file));
    const out = Buffer.alloc(end);
    for (const p of loads) elf.copy(out, Number(p.vaddr - base), p.offset, p.offset + p.filesz);
    fs.readFileSync(portPath(IMAGE)).copy(out, 0, 0, HEADER);
    out.writeBigUInt64LE(BigInt(end), 0x10);
    return { bytes: out, base };
  }

  it('netbsd-riscv64, whose first names the header overwrites: the run left is refused as thin evidence, in one line', async () => {
    // .rodata starts at 0x10 in this fixture (readelf capture), so the header covers its first strings.
    const k = tmp('riscv64.img');
    fs.writeFileSync(k, flatten('netbsd-riscv64').bytes);
    const r = await runCli(['list', k]);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toMatch(/^kpatch: no symbol table, and the cfdata evidence is thin: the best candidate \(\d+ entries at 0x[0-9a-f]+\): the embedded config's armfdt, simplebus, cpus are not in it; /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['netbsd-alpha', 'aarch64'],
    ['netbsd-sparc64', 'aarch64eb'],
  ])('%s read as an %s Image', async (file, arch) => {
    const m = portRow(file);
    const t = loadTable(m.table!);
    const { bytes, base } = flatten(file);
    const k = tmp(`${file}.img`);
    fs.writeFileSync(k, bytes);
    const info = JSON.parse((await runCli(['info', k, '--json'])).out);
    const cfdata = capturedSymbol(file, 'cfdata').value;
    expect({ arch: info.arch, base: info.image.linkBase, offset: info.autoconf.offset, entries: info.autoconf.entries, variant: info.autoconf.variant }).toEqual({
      arch,
      base: `0x${base.toString(16)}`,
      offset: Number(cfdata - base),
      entries: t.entries.length,
      variant: m.layout,
    });
    const list = JSON.parse((await runCli(['list', k, '--json'])).out);
    expect(list.map((e: { name: string; unit: number; fstate: number }) => [e.name, e.unit, e.fstate])).toEqual(t.entries.map((e) => [e.driver, e.unit, e.state]));
  });
});
