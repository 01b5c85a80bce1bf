import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
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
