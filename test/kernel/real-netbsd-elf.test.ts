/**
 * Real NetBSD ELF files that are not kernels (esbuild's NetBSD 7.0 builds for amd64 and aarch64,
 * unpacked by .ci/run into $KPATCH_NETBSD_ELF_DIR): kpatch must identify them and say in one line
 * that there is no symbol table, without guessing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/run-cli';

const dir = process.env.KPATCH_NETBSD_ELF_DIR;
const files = dir
  ? fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(dir, d.name, 'package', 'bin', 'esbuild'))
      .filter((f) => fs.existsSync(f))
  : [];
if (!dir) process.stderr.write('skipping real NetBSD ELF tests: KPATCH_NETBSD_ELF_DIR is not set (.ci/run sets it)\n');
const suite = files.length ? describe : describe.skip;

suite('real NetBSD 7.0 userland executables', () => {
  it.each(files.length ? files : ['none'])('%s', async (file) => {
    const arch = file.includes('arm64') ? ['aarch64', 'ELF64 little-endian aarch64 executable'] : ['amd64', 'ELF64 little-endian x86-64 executable'];
    const info = await runCli(['info', file, '--json']);
    expect(info.code).toBe(0);
    const j = JSON.parse(info.out);
    expect(j.netbsd).toEqual({ text: '7.0', raw: 700000000 });
    expect(j.arch).toBe(arch[0]);
    expect(j.format.osabi).toBe(2); // ELFOSABI_NETBSD
    expect(j.autoconf).toBeNull();
    expect(j.pvh).toBeNull();
    const list = await runCli(['list', file]);
    expect(list.code).toBe(2);
    expect(list.out).toBe('');
    expect(list.err).toBe(`kpatch: no symbol table in NetBSD 7.0 ${arch[1]}, and no cfdata-shaped table in its data: a userland program, or a kernel without autoconf?\n`);
  });
});
