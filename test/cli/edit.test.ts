/**
 * `kpatch edit` on a pipe and from a command file, run as a person runs it: the built binary, its
 * stdin fed by a pipe. Written files are compared byte for byte with what the fixture's table
 * says (state offsets from the readelf capture), and with what the batch verbs write.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixturePath, loadTable, manifest, readelfCapture } from '../support/fixtures';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const FIXTURE = 'netbsd-amd64';
const m = manifest.find((r) => r.file === FIXTURE)!;
const table = loadTable(m.table!);
const index = (driver: string) => table.entries.findIndex((e) => e.driver === driver);

/** File offset of entry i's cf_fstate, from readelf's cfdata symbol (amd64, bitfield layout: +19 of 48). */
function stateOffset(i: number): number {
  const re = readelfCapture(FIXTURE);
  const sym = re.symbols.find((s) => s.name === 'cfdata')!;
  const sec = re.sections.find((s) => s.nr === Number(sym.ndx))!;
  return sec.off + Number(sym.value - sec.addr) + i * 48 + 19;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-edit-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const kpatch = (args: string[], input: string) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const original = () => fs.readFileSync(fixturePath(FIXTURE));
const differing = (a: Buffer, b: Buffer) => [...a].flatMap((x, i) => (x === b[i] ? [] : [[i, x, b[i]]]));

describe('kpatch edit on a pipe', () => {
  it("printf 'disable vioif\\nquit\\n' | kpatch edit -k K -o OUT writes the byte the table says, as kpatch disable does", () => {
    const out = path.join(dir, 'out');
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'disable vioif\nquit\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const vioif = index('vioif');
    expect(r.stdout).toBe(
      [
        'NetBSD 11.0 (MICROVM) #0: Thu Jan  1 00:00:00 UTC 2025',
        "Enter 'help' for information",
        'ukc> disable vioif',
        `[ ${vioif}] vioif* disabled`,
        'ukc> quit',
        `disable [${vioif}] vioif* at virtio?  0x${stateOffset(vioif).toString(16)}: 02 -> 03`,
        `wrote ${out}: 1 byte changed, verified`,
        '',
      ].join('\n'),
    );
    expect(differing(original(), fs.readFileSync(out))).toEqual([[stateOffset(vioif), 2, 3]]);
    const batch = path.join(dir, 'batch');
    expect(kpatch(['disable', 'vioif', '-k', fixturePath(FIXTURE), '-o', batch], '').status).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(batch))).toBe(true);
  });

  it('change on a pipe writes what kpatch change writes, answers to its prompts included', () => {
    const out = path.join(dir, 'out');
    const com0 = index('com');
    // loc[] runs are in table order (fixture README); com0's is after cpu's and ioapic's one apid each.
    const re = readelfCapture(FIXTURE);
    const sym = re.symbols.find((x) => x.name === 'loc')!;
    const sec = re.sections.find((x) => x.nr === Number(sym.ndx))!;
    const before = table.entries.slice(0, com0).reduce((n, e) => n + (e.parent ? e.locators.length : 0), 0);
    const port = sec.off + Number(sym.value - sec.addr) + before * 4;
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'change com0 port=0x2f8\nchange com0\ny\n\n\n\n\n3\n\n\n\nquit\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ukc> change com0\n[  7] com0 at isa? port 0x2f8 size ? iomem ? iosiz ? irq 4 drq ? drq2 ? with com_isa\nchange (y/n) ? y\nport [0x2f8] ? \nsize [?] ? \n');
    const want = Buffer.from(original());
    want.writeInt32LE(0x2f8, port);
    want.writeInt32LE(3, port + 16);
    expect(fs.readFileSync(out).equals(want)).toBe(true);
    const batch = path.join(dir, 'batch');
    expect(kpatch(['change', 'com0', 'port=0x2f8', 'irq=3', '-k', fixturePath(FIXTURE), '-o', batch], '').status).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(batch))).toBe(true);
  });

  it('-c FILE reads the same commands from a file, prefixes and devnos included', () => {
    const out = path.join(dir, 'out');
    const com0 = table.entries.findIndex((e) => e.driver === 'com' && e.unit === 0 && !e.star);
    fs.writeFileSync(path.join(dir, 'smol.ukc'), `d ${com0}\ndi viornd\nen viornd\nq\n`);
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out, '-c', 'smol.ukc'], '');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`ukc> d ${com0}\n[  ${com0}] com0 disabled\n`);
    expect(differing(original(), fs.readFileSync(out))).toEqual([[stateOffset(com0), 0, 4]]);
  });

  it('--in-place replaces the input on quit, verified', () => {
    const k = path.join(dir, 'k');
    fs.copyFileSync(fixturePath(FIXTURE), k);
    const r = kpatch(['edit', '-k', k, '--in-place'], 'disable ld\nquit\n');
    expect(r.status).toBe(0);
    expect(differing(original(), fs.readFileSync(k))).toEqual([[stateOffset(index('ld')), 2, 3]]);
  });

  it('end of input before quit writes nothing, and says what was lost (exit 1)', () => {
    const out = path.join(dir, 'out');
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'disable vioif\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('end of input before quit: 1 changed entry not written\n');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('end of input with nothing changed is a plain end (exit 0): list on a pipe', () => {
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE)], 'list\n');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('['))).toHaveLength(table.entries.length);
    expect(r.stderr).toBe('warning: no output file: changes cannot be saved (start with -o FILE or --in-place)\n');
  });

  it('exit leaves without writing', () => {
    const out = path.join(dir, 'out');
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'disable vioif\nexit\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('exit: 1 changed entry discarded; nothing written\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a script stops at its first error: one kpatch: line naming the line, exit 2, nothing written', () => {
    const out = path.join(dir, 'out');
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'disable vioif\ndisable vioiff\nquit\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("kpatch: standard input:2: no driver 'vioiff' in this kernel (closest: vioif); 'kpatch list <kernel>' shows every entry\n");
    expect(fs.existsSync(out)).toBe(false);
  });

  it('quit with changes and no output file is an error, and nothing is written', () => {
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE)], 'disable vioif\nquit\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('kpatch: standard input:2: cannot save: no output file');
  });

  it('quit with nothing changed writes nothing: kernel not modified', () => {
    const out = path.join(dir, 'out');
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-o', out], 'disable vioif\nenable vioif\nquit\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kernel not modified: nothing to change\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a command file that cannot be read is one line and exit 2', () => {
    const r = kpatch(['edit', '-k', fixturePath(FIXTURE), '-c', 'missing.ukc'], '');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('kpatch: cannot read missing.ukc: no such file\n');
  });

  it('SIGINT (Ctrl-C on a pipe) writes nothing and exits 130', async () => {
    const out = path.join(dir, 'out');
    const child = spawn(process.execPath, [CLI, 'edit', '-k', fixturePath(FIXTURE), '-o', out], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait for the answer to the first command, so the signal lands in a session with a pending change.
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('vioif* disabled')) resolve();
      });
      child.stdin.write('disable vioif\n');
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(130);
    expect(stderr).toBe('interrupted: nothing written\n');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
