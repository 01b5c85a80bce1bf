import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { run } from '../../src/cli/program';
import { CORPUS_SYS } from './support';

async function kpatch(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, stderrIsTTY: false, env: {} });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'kpatch-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('kpatch config (smoke)', () => {
  it('lint: 0 when clean, 1 with errors, 2 when a file cannot be read; --json keeps the file as given', async () => {
    const smol = join(CORPUS_SYS, 'arch/amd64/conf/SMOL');
    expect((await kpatch('config', 'lint', smol, '--sys', CORPUS_SYS)).code).toBe(0);
    const bad = file('bad', 'pseudo-device md\npseudo-device md\n');
    const r = await kpatch('config', 'lint', bad, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([{ file: bad, errors: [{ line: 2, column: 1, message: "'md' already defined" }], warnings: [], notes: ['no --sys: devices not checked against definitions'] }]);
    const text = await kpatch('config', 'lint', bad);
    expect(text.out).toBe(`${bad}:2:1: error: 'md' already defined\n${bad}: note: no --sys: devices not checked against definitions\n`);
    const missing = await kpatch('config', 'lint', join(dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`kpatch: cannot read ${join(dir, 'nope')}: no such file\n`);
  });
  it('generate: writes the golden SMOL; the aarch64 default is quiet, a --with that does not apply warns', async () => {
    const amd = await kpatch('config', 'generate', '--arch', 'amd64');
    expect([amd.code, amd.out]).toEqual([0, readFileSync(join(__dirname, '..', 'golden', 'config', 'amd64-smol.conf'), 'utf8')]);
    const arm = await kpatch('config', 'generate', '--arch', 'aarch64', '-o', join(dir, 'arm.conf'));
    expect(arm.code).toBe(0);
    expect(readFileSync(join(dir, 'arm.conf'), 'utf8')).toBe(readFileSync(join(__dirname, '..', 'golden', 'config', 'aarch64-smol.conf'), 'utf8'));
    expect(arm.err).toBe(''); // the default profile of an arch is clean: its n/a features are in the header only
    const tsc = await kpatch('config', 'generate', '--arch', 'aarch64', '--with', 'tsc');
    expect([tsc.code, tsc.err]).toEqual([0, 'warning: tsc not applied on aarch64: the TSC and CPUID leaves are x86; arm uses the generic timer\n']);
    for (const arch of ['amd64', 'i386']) expect((await kpatch('config', 'generate', '--arch', arch)).err).toBe('');
    expect((await kpatch('config', 'generate', '--arch', 'sparc')).code).toBe(2);
  });
  it('extract: prints the _CFG_ lines, exit 1 without them', async () => {
    const k = file('kernel', '\x7fELF\0\0_CFG_options\\011TSLOG\n\0');
    expect(await kpatch('config', 'extract', k)).toEqual({ code: 0, out: 'options\tTSLOG\n', err: '' });
    expect((await kpatch('config', 'extract', file('plain', 'nothing'))).code).toBe(1);
  });
  it('diff and merge', async () => {
    const a = file('a', 'options A=1\n');
    const b = file('b', 'options A=2\npseudo-device md\n');
    expect(await kpatch('config', 'diff', a, b)).toEqual({ code: 1, out: ' options A 1 -> 2\n+pseudo-device md\n', err: '' });
    const m = await kpatch('config', 'merge', a, b);
    expect(m.code).toBe(0);
    expect(m.out).toBe('options A=1\n\n# merged from ' + b + '\nno options A\noptions\tA=2\npseudo-device md\n');
    expect(m.err).toBe(`warning: options A redefined by ${b}:1: previous 1, new 2\n`);
    // a fragment line the merge drops as a repeat is named on stderr
    const c = file('c', 'options B\npseudo-device md\n');
    const d = await kpatch('config', 'merge', b, c);
    expect(d).toEqual({ code: 0, out: `options A=2\npseudo-device md\n\n# merged from ${c}\noptions B\n`, err: `note: ${c}:2: pseudo-device md dropped: the merged config already has it\n` });
  });
});

// issue 12: a symlink inside --sys pointed anywhere (`ln -s /etc/shadow sys/arch/t/conf/sh`) and its target was read,
// parsed and, by `config diff`, printed. Every file read through the tree must resolve inside it.
describe('kpatch config --sys reads nothing outside the tree', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'kpatch-sys-')));
  const sys = join(root, 'sys');
  mkdirSync(join(sys, 'arch', 't', 'conf'), { recursive: true });
  mkdirSync(join(sys, 'dev'), { recursive: true });
  // outside both the tree and the directory of the configs named on the command line
  const secret = join(realpathSync(mkdtempSync(join(tmpdir(), 'kpatch-outside-'))), 'secret');
  writeFileSync(secret, 'options\tSECRET_TOKEN=hunter2\n');
  symlinkSync(secret, join(sys, 'arch', 't', 'conf', 'sh'));
  // a link that stays inside the tree is followed as before
  writeFileSync(join(sys, 'dev', 'real.config'), 'options\tINSIDE\n');
  symlinkSync('../../../dev/real.config', join(sys, 'arch', 't', 'conf', 'inside'));
  const k = join(root, 'K');
  writeFileSync(k, 'include "arch/t/conf/sh"\n');
  const refusal = `kpatch: refusing to read arch/t/conf/sh: it resolves to ${secret}, outside ${sys}; kpatch reads only files inside the source tree\n`;
  it('lint: exit 2, one line, the outside file not read', async () => {
    expect(await kpatch('config', 'lint', k, '--sys', sys)).toEqual({ code: 2, out: '', err: refusal });
  });
  it('diff: exit 2, and the outside file\'s content is not printed', async () => {
    const empty = join(root, 'E');
    writeFileSync(empty, '');
    expect(await kpatch('config', 'diff', empty, k, '--sys', sys)).toEqual({ code: 2, out: '', err: refusal });
  });
  it('a link inside the tree is read', async () => {
    const ok = join(root, 'OK');
    writeFileSync(ok, 'include "arch/t/conf/inside"\n');
    const e = join(root, 'E2');
    writeFileSync(e, '');
    expect(await kpatch('config', 'diff', e, ok, '--sys', sys)).toEqual({ code: 1, out: '+options INSIDE\n', err: '' });
  });
  it('a --sys that does not exist is one line, exit 2', async () => {
    expect(await kpatch('config', 'lint', k, '--sys', join(root, 'nope'))).toEqual({ code: 2, out: '', err: `kpatch: cannot read --sys ${join(root, 'nope')}: no such file\n` });
  });
  it('without --sys, $NETBSDSRCDIR/sys is used and named on stderr', async () => {
    let out = '';
    let err = '';
    const code = await run(['config', 'lint', k], { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, stderrIsTTY: false, env: { NETBSDSRCDIR: root } });
    expect([code, out, err]).toEqual([2, '', `kpatch: using ${sys} as the NetBSD sys tree ($NETBSDSRCDIR/sys; --sys DIR to choose another)\n${refusal}`]);
  });
});

