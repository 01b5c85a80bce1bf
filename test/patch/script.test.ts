/**
 * Patch files: parsing errors with file:line, guards checked before anything is written, several
 * verbs and files as one plan and one write; the shipped patch sets on the fixtures; and a
 * verification failure that must leave nothing behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import { openKernelFile } from '../../src/node/read-kernel';
import { writePatched } from '../../src/node/write-kernel';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { planOperations } from '../../src/patch/plan';
import { parsePatchScript } from '../../src/patch/script';
import { EditError } from '../../src/errors';
import { thrown } from '../support/errors';
import { fixturePath } from '../support/fixtures';
import { runCli } from '../support/run-cli';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-apply-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const table = () => requireAutoconf(inspectKernel(memorySource(fs.readFileSync(fixturePath('netbsd-amd64')))));

describe('parsePatchScript', () => {
  it('reads verbs, options, quotes, comments and guards', () => {
    const s = parsePatchScript("# header\nrequire arch amd64|i386\nrequire version >= 10.0\n\ndisable 'vio*' --at virtio # trailing\nkeep ld --no-ancestors --if-present\nrequire pvh\nrequire driver pv virtio\n", 'x.kpatch');
    expect(s.guards.map((g) => [g.kind, g.origin.line])).toEqual([['arch', 2], ['version', 3], ['pvh', 7], ['driver', 8]]);
    expect(s.operations).toEqual([
      { verb: 'disable', selectors: ['vio*'], at: 'virtio', ancestors: undefined, ifPresent: undefined, origin: { file: 'x.kpatch', line: 5 } },
      { verb: 'keep', selectors: ['ld'], at: undefined, ancestors: false, ifPresent: true, origin: { file: 'x.kpatch', line: 6 } },
    ]);
  });

  it.each([
    ['frobnicate ld', 'x:1: unknown verb \'frobnicate\''],
    ['\n\ndisable', 'x:3: disable needs at least one selector'],
    ['disable ld --bogus', "x:1: unknown option '--bogus'"],
    ['enable ld --no-ancestors', 'x:1: --no-ancestors goes with keep only'],
    ['require arch sparc65', "x:1: unknown arch 'sparc65'"],
    ['require version 10', 'x:1: require version takes an operator and a version'],
    ['require version >= ten', "x:1: bad version 'ten'"],
    ['require colour blue', "x:1: unknown guard 'require colour'"],
    ["disable 'ld", 'x:1: unbalanced quote'],
    ['disable ld --at', 'x:1: --at needs a parent'],
  ])('%j -> %s', (text, message) => {
    expect(() => parsePatchScript(text, 'x')).toThrow(message);
  });
});

describe('kpatch apply', () => {
  it('applies several verbs of several files as one plan and one write', async () => {
    const a = write('a.kpatch', 'require arch amd64\ndisable vioif viornd\n');
    const b = write('b.kpatch', 'require version >= 11.0\nenable viornd\ndisable com0\n');
    const out = path.join(dir, 'out');
    const r = await runCli(['apply', a, b, '-k', fixturePath('netbsd-amd64'), '-o', out, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.changed.map((c: { name: string; new: number }) => [c.name, c.new])).toEqual([['com0', 4], ['vioif*', 3]]);
    // Same bytes as the equivalent single command.
    const out2 = path.join(dir, 'out2');
    expect((await runCli(['disable', 'vioif', 'com0', '-k', fixturePath('netbsd-amd64'), '-o', out2])).code).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(out2))).toBe(true);
  });

  it.each([
    ['netbsd-amd64', 'x86_64'],
    ['netbsd-aarch64', 'evbarm'],
    ['netbsd-aarch64', 'i386|evbarm'],
  ])('require arch takes MACHINE_ARCH and port names too (%s: %s)', async (fixture, names) => {
    const p = write('n.kpatch', `require arch ${names}\ndisable ld\n`);
    const r = await runCli(['apply', p, '-k', fixturePath(fixture), '--dry-run']);
    expect([r.code, r.err]).toEqual([0, '']);
  });

  it('keep lines of one plan form one allow list', async () => {
    const p = write('k.kpatch', 'keep ld\nkeep vioif\n');
    const one = write('one.kpatch', 'keep ld vioif\n');
    const [o1, o2] = [path.join(dir, 'o1'), path.join(dir, 'o2')];
    expect((await runCli(['apply', p, '-k', fixturePath('netbsd-amd64'), '-o', o1])).code).toBe(0);
    expect((await runCli(['apply', one, '-k', fixturePath('netbsd-amd64'), '-o', o2])).code).toBe(0);
    expect(fs.readFileSync(o1).equals(fs.readFileSync(o2))).toBe(true);
  });

  it.each([
    ['require arch i386\ndisable ld\n', 'g.kpatch:1: require arch i386 failed: the kernel is amd64'],
    ['disable ld\nrequire version < 10.0\n', 'g.kpatch:2: require version < 10.0 failed: the kernel is NetBSD 11.0'],
    ['require driver pci\n', 'g.kpatch:1: require driver pci failed: no cfdata entry for pci'],
    ['disable nosuch\n', "no driver 'nosuch' in this kernel"],
    ['keep nosuch --if-present\n', 'g.kpatch:1: keep selected no entry: refusing to disable every entry'],
  ])('a failing guard or selector writes nothing: %j', async (text, message) => {
    const p = write('g.kpatch', text);
    const out = path.join(dir, 'out');
    const r = await runCli(['apply', p, '-k', fixturePath('netbsd-amd64'), '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('require pvh fails on a kernel without the note', async () => {
    const r = await runCli(['apply', path.join(__dirname, '..', '..', 'patches', 'microvm-minimal.kpatch'), '-k', fixturePath('netbsd-amd64-generic'), '--check']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/microvm-minimal\.kpatch:\d+: require pvh failed/);
  });

  it.each([
    ['microvm-minimal.kpatch', 'netbsd-amd64', ['hypervisor*', 'xenbus*', 'xencons*', 'vio9p*', 'qemufwcfg*']],
    ['no-legacy-isa.kpatch', 'netbsd-amd64-generic', ['isa0', 'isa0']],
    ['smolify-generic.kpatch', 'netbsd-amd64-generic', null],
  ])('patches/%s on %s', async (patch, kernel, disabled) => {
    const r = await runCli(['apply', path.join(__dirname, '..', '..', 'patches', patch), '-k', fixturePath(kernel), '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    if (patch === 'no-legacy-isa.kpatch') {
      // Both isa0 entries cut off the same children: one warning names both.
      expect(json.warnings).toEqual(['disabling #52 isa0 and #53 isa0 leaves 8 enabled entries unreachable: com0, com1, pckbc0, pcdisplay0, vga0, pcppi0, spkr*, sysbeep0']);
    }
    if (disabled) expect(json.changed.map((c: { name: string }) => c.name)).toEqual(disabled);
    else {
      // smolify: every kept driver keeps at least one enabled entry, everything disabled is outside the list and its ancestors.
      const kept = new Set(['mainbus', 'cpu', 'acpicpu', 'ioapic', 'pci', 'isa', 'pcdisplay', 'wsdisplay', 'com', 'virtio', 'ld', 'vioif', 'qemufwcfg']);
      const ancestors = new Set(json.keptAncestors.map((a: { driver: string }) => a.driver));
      expect([...ancestors].sort()).toEqual(['acpi', 'pcib', 'ppb', 'vga']);
      for (const c of json.changed) expect(kept.has(c.driver) || ancestors.has(c.driver)).toBe(false);
    }
  });
});

describe('verification', () => {
  it('a write whose bytes differ from the plan is removed and the input is untouched', () => {
    const k = path.join(dir, 'k');
    fs.copyFileSync(fixturePath('netbsd-amd64'), k);
    const before = fs.readFileSync(k);
    const file = openKernelFile(k);
    try {
      const plan = planOperations(table(), [{ verb: 'disable', selectors: ['ld'] }]);
      // Flip the byte before the state byte: the top byte of cf_unit, the classic off-by-one.
      const tamper = (b: Uint8Array) => {
        const c = new Uint8Array(b);
        c[plan.edits[0].offset - 1] ^= 1;
        return c;
      };
      const neighbour = `0x${(plan.edits[0].offset - 1).toString(16)}`;
      expect(plan.edits[0].offset).toBe(0x3000 + 10 * 48 + 19);
      const e = thrown(() => writePatched(file, k, false, plan.edits, { tamper }));
      expect(e).toBeInstanceOf(EditError);
      expect({ code: (e as EditError).code, offset: (e as EditError).offset, message: (e as EditError).message }).toEqual({
        code: 'VERIFY_FAILED',
        offset: plan.edits[0].offset - 1,
        message: `verification failed: byte ${neighbour} changed but no edit planned it`,
      });
      expect(() => writePatched(file, path.join(dir, 'out'), false, plan.edits, { tamper })).toThrow(/verification failed/);
    } finally {
      file.close();
    }
    expect(fs.readFileSync(k).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['k']);
  });

  it('old bytes that are not on disk stop the write before anything is written', () => {
    const k = path.join(dir, 'k');
    fs.copyFileSync(fixturePath('netbsd-amd64'), k);
    const file = openKernelFile(k);
    try {
      const plan = planOperations(table(), [{ verb: 'disable', selectors: ['ld'] }]);
      const stale = [{ ...plan.edits[0], before: Uint8Array.of(0) }];
      const e = thrown(() => writePatched(file, path.join(dir, 'out'), false, stale)) as EditError;
      expect(e).toBeInstanceOf(EditError);
      expect({ code: e.code, offset: e.offset, message: e.message }).toEqual({
        code: 'PATCH_MISMATCH',
        offset: 0x31f3,
        message: 'byte 0x31f3 (disable #10 ld*) holds 02, expected 00: the kernel changed since it was read',
      });
    } finally {
      file.close();
    }
    expect(fs.readdirSync(dir)).toEqual(['k']);
  });
});
