// The linter over a real NetBSD sys/ tree: every full kernel config of every port, and every definition file.
// The tree is not part of the repository: CI puts a copy of shared/ beside the clone (see its PROVENANCE.md);
// without it these tests are skipped with one line.
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { createDefinitionCache } from '../../src/config/defs';
import { generateConfig } from '../../src/config/generate';
import { lint, type LintResult } from '../../src/config/lint';
import { parseConfigTolerant } from '../../src/config/parser';
import { walkConfig } from '../../src/config/resolve';
import { dirTree } from './support';

const repoRoot = resolve(__dirname, '..', '..');
const SYS = resolve(repoRoot, '..', 'shared', 'netbsd-sys');
const present = existsSync(join(SYS, 'conf', 'files'));

/** Every file under a directory of the tree, as tree paths. */
function walk(dir: string): string[] {
  return readdirSync(join(SYS, dir)).flatMap((f) => (statSync(join(SYS, dir, f)).isDirectory() ? walk(`${dir}/${f}`) : [`${dir}/${f}`]));
}

/**
 * The kernel configs of the tree. A candidate is a file in arch/PORT/conf/ named like a kernel config (the tree's
 * PROVENANCE.md rule: `^[A-Z0-9_][A-Za-z0-9_.-]*$`, not Makefile*, files*, std*, majors*), less README files and the
 * m4 templates (`*.in`, amiga and atari build their configs from them). A candidate is a *full* kernel config when
 * reading it with its includes reaches a `machine` line (directly or through `include "arch/PORT/conf/std.PORT"`):
 * that is what config(1) needs to load any definitions. Fragments (`*.common`, `INSTALL.inc`, `WSFB.common`) reach no
 * machine line on their own and are linted as part of the configs that include them.
 */
function fullConfigs(): string[] {
  const tree = dirTree(SYS);
  const out: string[] = [];
  for (const port of readdirSync(join(SYS, 'arch')).sort()) {
    if (!existsSync(join(SYS, 'arch', port, 'conf'))) continue;
    for (const f of readdirSync(join(SYS, 'arch', port, 'conf')).sort()) {
      if (!/^[A-Z0-9_][A-Za-z0-9_.-]*$/.test(f) || /^(Makefile|files|std|majors|README)/.test(f) || f.endsWith('.in')) continue;
      const path = `arch/${port}/conf/${f}`;
      const w = walkConfig(parseConfigTolerant(readFileSync(join(SYS, path), 'utf8'), path), { tree, treePathOfInput: path });
      if (w.statements.some((r) => r.stmt.kind === 'machine')) out.push(path);
    }
  }
  return out;
}

/**
 * The true errors of this tree: config(1) (usr.bin/config sem.c) refuses these configs as they stand here.
 * - MICROVM (2025-01-15, four days newer than the tree, PROVENANCE.md): `virtio* at pv?` needs `attach virtio at pv
 *   with mmio_cmdline`, which this tree's files.* do not have (adddev: "%s's cannot attach to %s's").
 * - dreamcast G1IDE line 169 `gdrom0 at atapibus?`: files.dreamcast has `attach gdrom at atapibus` commented out, and
 *   the config's own comment says to edit it in first.
 * sgimips INSTALL32_IP2x line 70 `no pseudo-device sequencer` and arc RAMDISK line 122 `no pseudo-device raid` remove
 * a pseudo-device their GENERIC has commented out: a warning, not an error (model.ts says why), pinned below.
 */
const TRUE_ERRORS: Record<string, string[]> = {
  'arch/amd64/conf/MICROVM': ["arch/amd64/conf/MICROVM:112:1: virtio's cannot attach to pv's"],
  'arch/dreamcast/conf/G1IDE': ["arch/dreamcast/conf/G1IDE:169:1: gdrom's cannot attach to atapibus's"],
};

const errors = (r: LintResult) => r.errors.map((e) => `${e.file ?? r.file}:${e.line}:${e.column}: ${e.message}`);

if (!present) {
  describe('a real NetBSD sys/ tree', () => {
    it.skip(`skipped: no NetBSD sys/ tree at ${SYS}`, () => undefined);
  });
} else {
  const tree = dirTree(SYS);
  const cache = createDefinitionCache();
  const configs = fullConfigs();
  const results = new Map(lint(configs.map((f) => ({ file: f, treePath: f, text: readFileSync(join(SYS, f), 'utf8') })), { sys: tree, cache }).map((r) => [r.file, r]));

  describe('every full kernel config of every port in a real NetBSD sys/ tree', () => {
    it('finds the kernel configs of every port, fragments left out', () => {
      expect(configs.length).toBeGreaterThan(400);
      const ports = new Set(configs.map((c) => c.split('/')[1]));
      // every port directory with a conf/std.* has at least one full config
      const withStd = readdirSync(join(SYS, 'arch')).filter((p) => existsSync(join(SYS, 'arch', p, 'conf')) && readdirSync(join(SYS, 'arch', p, 'conf')).some((f) => f.startsWith('std.')) && readdirSync(join(SYS, 'arch', p, 'conf')).some((f) => /^[A-Z]/.test(f) && !/^(README|Makefile)/.test(f) && !f.endsWith('.in')));
      // usermode has only GENERIC.common: its kernels are amd64's GENERIC_USERMODE and i386's, which include it
      expect(withStd.filter((p) => !ports.has(p))).toEqual(['usermode']);
      for (const c of ['arch/amd64/conf/GENERIC', 'arch/i386/conf/GENERIC', 'arch/amd64/conf/MICROVM', 'arch/evbarm/conf/GENERIC64', 'arch/amd64/conf/MODULAR']) expect(configs).toContain(c);
      for (const c of ['arch/evbppc/conf/INSTALL.inc', 'arch/mac68k/conf/WSFB.common', 'arch/atari/conf/README', 'arch/amiga/conf/GENERIC.in']) expect(configs).not.toContain(c);
    });
    it.each(configs)('%s: no errors but its true ones', (f) => {
      expect(errors(results.get(f)!)).toEqual(TRUE_ERRORS[f] ?? []);
    });
    it.each([
      ['arch/sgimips/conf/INSTALL32_IP2x', "arch/sgimips/conf/INSTALL32_IP2x:70:1: pseudo-device 'sequencer' not defined"],
      ['arch/arc/conf/RAMDISK', "arch/arc/conf/RAMDISK:122:1: pseudo-device 'raid' not defined"],
    ])('%s: removing a pseudo-device its GENERIC never configured is a warning', (f, warning) => {
      const r = results.get(f)!;
      expect(r.warnings.map((e) => `${e.file ?? r.file}:${e.line}:${e.column}: ${e.message}`)).toContain(warning);
    });
    it('amd64 GENERIC is checked against its definitions: no note says a check was skipped', () => {
      const r = results.get('arch/amd64/conf/GENERIC')!;
      expect(r.notes).toEqual([]);
      expect(r.warnings).toEqual([]);
    });
  });

  describe("every definition file of the tree parses with config(1)'s grammar", () => {
    // files.lnt is ACPICA's PC-lint file list, not a config(5) file (nothing includes it)
    const defFiles = walk('.').map((p) => p.slice(2)).filter((p) => /(^|\/)(files|std|majors)(\.[^/]*)?$/.test(p) && !p.endsWith('/files.lnt')).sort();
    it('has the files.*, std.* and majors.* of PROVENANCE.md', () => {
      expect(defFiles.length).toBeGreaterThan(600);
    });
    it.each(defFiles)('%s', (p) => {
      // the lint above parsed most of them already: its cache has their nodes
      const nodes = cache.parsed.get(p) ?? parseConfigTolerant(readFileSync(join(SYS, p), 'utf8'), p).nodes;
      const bad = nodes.filter((n) => n.type === 'invalid');
      expect(bad).toEqual([]);
    });
  });

  describe('config generate against a tree older than its lines', () => {
    it('amd64 SMOL: MICROVM\'s one true error, pvclock (not in this tree\'s files.pv) and a note for files.tslog', () => {
      const confs = dirTree(join(repoRoot, 'confs'));
      const text = generateConfig({ arch: 'amd64' }, confs).text;
      const [r] = lint([{ file: 'SMOL', text }], { sys: tree, cache });
      const pvclock = text.split('\n').findIndex((l) => l.startsWith('pvclock*')) + 1;
      expect(errors(r)).toEqual(["arch/amd64/conf/MICROVM:112:1: virtio's cannot attach to pv's", `SMOL:${pvclock}:1: pvclock* at pv?: unknown device 'pvclock'`]);
      expect(readFileSync(join(SYS, 'arch/x86/pv/files.pv'), 'utf8')).not.toContain('pvclock');
      expect(r.notes).toEqual(["arch/x86/conf/files.tslog is not in this tree: it comes with NetBSD's tslog port (smolBSD's NetBSD-src); TSLOG and its files not checked"]);
    });
  });
}
