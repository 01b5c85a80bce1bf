import { readFileSync } from 'fs';
import { join } from 'path';
import { diffConfigTexts } from '../../src/config/diff';
import { extractConfig, strunvis } from '../../src/netbsd/embedded-config';
import { generateConfig } from '../../src/config/generate';
import { lint } from '../../src/config/lint';
import { mergeConfigs } from '../../src/config/merge';
import { CORPUS_SYS, dirTree } from './support';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('extract', () => {
  it('decodes _CFG_ records between other bytes, as config -x', () => {
    const blob = bytes('\x7fELF\0junk\0_CFG_### START CONFIG FILE "SMOL"\n_CFG_include "arch/amd64/conf/MICROVM"\n_CFG_options\\011TSLOG\n_CFG_pvclock*\\^Iat pv?\n_CFG_### END CONFIG FILE "SMOL"\n\0more');
    expect(extractConfig(blob)).toBe('### START CONFIG FILE "SMOL"\ninclude "arch/amd64/conf/MICROVM"\noptions\tTSLOG\npvclock*\tat pv?\n### END CONFIG FILE "SMOL"\n');
  });
  it('stops a record at NUL and returns undefined without records', () => {
    expect(extractConfig(bytes('_CFG_a\0b_CFG_c'))).toBe('a\nc\n');
    expect(extractConfig(bytes('no config here'))).toBeUndefined();
  });
  it('strunvis handles octal, control, meta, C-style and backslash escapes', () => {
    expect(strunvis('a\\040b\\^Ic\\M-a\\M^A\\\\d\\"e\\sf\\n')).toBe('a b\tc\xe1\x81\\d"e f\n');
  });
});

describe('diff', () => {
  it('reports options, devices and pseudo-devices in diffconfig style', () => {
    const a = { file: 'a', text: 'options A\noptions B=1\nmakeoptions COPTS="-O2"\npseudo-device md\nld* at virtio?\ncom0 at isa? port 0x3f8 irq 4\n' };
    const b = { file: 'b', text: 'options B=2\noptions C\nmakeoptions COPTS="-O2"\npseudo-device md 2\nvioif* at virtio?\ncom0 at isa? port 0x2f8 irq 3\n' };
    expect(diffConfigTexts(a, b)).toEqual([
      '-options A',
      ' options B 1 -> 2',
      '+options C',
      ' pseudo-device md (set) -> 2',
      ' com0 at isa?: port 0x3f8 irq 4 -> port 0x2f8 irq 3',
      '-ld* at virtio?',
      '+vioif* at virtio?',
    ]);
  });
  it('a generated amd64 SMOL means the same as smolBSD SMOL', () => {
    const sys = dirTree(CORPUS_SYS);
    const smol = { file: 'SMOL', text: readFileSync(join(CORPUS_SYS, 'arch/amd64/conf/SMOL'), 'utf8') };
    const gen = { file: 'gen', text: generateConfig({ arch: 'amd64' }, dirTree(join(__dirname, '..', '..', 'confs'))).text };
    expect(diffConfigTexts(smol, gen, { sys })).toEqual([]);
    const micro = { file: 'MICROVM', text: readFileSync(join(CORPUS_SYS, 'arch/amd64/conf/MICROVM'), 'utf8') };
    expect(diffConfigTexts(micro, smol, { sys })).toEqual(['+options TSLOG', '+pvclock* at pv?']);
  });
});

describe('merge', () => {
  it('appends fragments, skips repeats, and replaces changed values with a warning', () => {
    const base = { file: 'base', text: 'options A=1\noptions B\npseudo-device md\nld* at virtio?\n' };
    const frag = { file: 'frag', text: '# tune\noptions A=2, C\noptions B\npseudo-device md\npseudo-device vnd\nld* at virtio?\nvioif* at virtio?\n' };
    const m = mergeConfigs(base, [frag]);
    expect(m.text).toBe(`${base.text}\n# merged from frag\n# tune\nno options A\noptions\tA=2,C\npseudo-device vnd\nvioif* at virtio?\n`);
    expect(m.warnings).toEqual(['options A redefined by frag:2: previous 1, new 2']);
    const [r] = lint([{ file: 'merged', text: m.text }]);
    expect(r.errors).toEqual([]);
  });
  it('a later fragment sees what earlier fragments set', () => {
    const m = mergeConfigs({ file: 'b', text: '' }, [{ file: 'f1', text: 'options X=1\n' }, { file: 'f2', text: 'options X=2\n' }]);
    expect(m.warnings).toEqual(['options X redefined by f2:1: previous 1, new 2']);
    expect(lint([{ file: 'm', text: m.text }])[0].errors).toEqual([]);
  });
});
