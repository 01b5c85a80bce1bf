import { readFileSync } from 'fs';
import { join } from 'path';
import type { Statement } from '../../src/config/ast';
import { ConfigError } from '../../src/config/errors';
import { parseConfig, parseConfigTolerant } from '../../src/config/parser';
import { formatStatement, printConfig } from '../../src/config/print';
import { CORPUS_SYS, listFiles } from './support';

/** A statement whose kind-specific fields the tests read without narrowing (the table below names the kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Statement & Record<string, any>;
const statements = (text: string) => parseConfig(text, 'T').nodes.filter((n): n is Loose => n.type === 'statement');
const one = (text: string) => statements(text)[0];

describe('corpus round-trip', () => {
  const files = listFiles(CORPUS_SYS);
  it('has the expected corpus', () => {
    expect(files).toHaveLength(54);
  });
  it.each(files)('%s parses and prints back byte-exactly', (f) => {
    const text = readFileSync(join(CORPUS_SYS, f), 'utf8');
    expect(printConfig(parseConfig(text, f))).toBe(text);
  });
  it.each(files)('%s: every statement re-parses from its canonical form to the same fields', (f) => {
    for (const s of statements(readFileSync(join(CORPUS_SYS, f), 'utf8'))) {
      if (!['options', 'makeoptions', 'file-system', 'pseudo-device', 'instance'].includes(s.kind)) continue;
      const again = one(formatStatement(s));
      const pick = (x: Loose) => ({ kind: x.kind, negated: x.negated, soft: x.soft, items: x.items, names: x.names, name: x.name, count: x.count, device: x.device, parent: x.parent, locators: x.locators, flags: x.flags, disable: x.disable });
      expect(pick(again)).toEqual(pick(s));
    }
  });
});

describe('statements', () => {
  it('splits instance names into name and unit like config(1)', () => {
    expect(one('ld0\tat sdmmc0').device).toEqual({ name: 'ld', unit: 0 });
    expect(one('vio9p* \t\tat virtio?').device).toEqual({ name: 'vio9p', unit: '*' });
    expect(one('virtio* at pv?').parent).toEqual({ name: 'pv', unit: '?' });
    expect(one('mainbus0 at root').parent).toBe('root');
  });
  // Regression: the parser demanded `on`, which usr.bin/config gram.y makes optional (root_spec: ROOT on_opt
  // dev_spec; sysparam: DUMPS on_opt dev_spec).
  it('takes root and dumps with or without on, like config(1)', () => {
    expect(one('config netbsd root ? type ?').args).toEqual(['root', 'on', '?', 'type', '?']);
    expect(one('config netbsd root sd0a type ffs dumps sd0b').args).toEqual(['root', 'on', 'sd0a', 'type', 'ffs', 'dumps', 'on', 'sd0b']);
    expect(one('config netbsd root on wd0a dumps on wd0b').args).toEqual(['root', 'on', 'wd0a', 'dumps', 'on', 'wd0b']);
  });
  it('reads locators, flags and disable', () => {
    const s = one('com0\tat isa? port 0x3f8 irq 4 flags 0x10 disable\t# serial');
    expect(s.locators).toEqual([{ name: 'port', value: '0x3f8' }, { name: 'irq', value: '4' }]);
    expect(s.flags).toBe('0x10');
    expect(s.disable).toBe(true);
  });
  it('reads options with values, comma lists and quoted strings with escapes', () => {
    expect(one('options \tEARLYCONS=bcm2837, CONSADDR=0x3f215040').items).toEqual([
      { name: 'EARLYCONS', op: '=', value: 'bcm2837' },
      { name: 'CONSADDR', op: '=', value: '0x3f215040' },
    ]);
    expect(one('options KGDB_DEVNAME="\\"com\\"",KGDB_DEVADDR=0x2f8').items?.[0]).toEqual({ name: 'KGDB_DEVNAME', op: '=', value: '"\\"com\\""' });
    expect(one('options DDB_COMMANDONENTER="trace;show registers"').items?.[0].value).toBe('"trace;show registers"');
    expect(one('options FOO=-1').items?.[0].value).toBe('-1');
    expect(one('makeoptions\tCOPTS+="-g"').items).toEqual([{ name: 'COPTS', op: '+=', value: '"-g"' }]);
  });
  it('takes a quoted make variable name, as config(1) does (gram.y mkvarname: QSTRING | WORD), but no quoted option name', () => {
    const s = one('makeoptions\t"COPTS.foo.c"+="-O0", CPUFLAGS="-march=i686"');
    expect(s.items).toEqual([
      { name: 'COPTS.foo.c', spelling: '"COPTS.foo.c"', op: '+=', value: '"-O0"' },
      { name: 'CPUFLAGS', op: '=', value: '"-march=i686"' },
    ]);
    expect(s.names).toEqual(['COPTS.foo.c', 'CPUFLAGS']);
    expect(formatStatement(s)).toBe('makeoptions\t"COPTS.foo.c"+="-O0",CPUFLAGS="-march=i686"');
    expect(() => one('options "COMPAT_43"')).toThrow(/expected an option name/);
  });
  it('keeps the - prefix of MODULAR lines and the no', () => {
    const s = one('-no options \tCOMPAT_15\t# NetBSD 1.5,');
    expect([s.kind, s.soft, s.negated, s.names]).toEqual(['options', true, true, ['COMPAT_15']]);
    const t = one('-no acpicpu*\tat cpu?');
    expect([t.kind, t.soft, t.device, t.parent]).toEqual(['instance', true, { name: 'acpicpu', unit: '*' }, { name: 'cpu', unit: '?' }]);
  });
  it('joins continuation lines into one statement and keeps them in raw', () => {
    const s = one('device\tmainbus: isabus, pcibus,\n\tipmibus, pvbus\nattach mainbus at root\n');
    expect([s.kind, s.name, s.attrs, s.raw]).toEqual(['device', 'mainbus', ['isabus', 'pcibus', 'ipmibus', 'pvbus'], 'device\tmainbus: isabus, pcibus,\n\tipmibus, pvbus']);
  });
  it('reads definitions: interface attributes, attach with, defflag with header and deps', () => {
    expect([one('device\tpv {}').iface, one('device\tpvclock').iface]).toEqual([true, false]);
    const a = one('attach\tvirtio at pv with mmio_cmdline:\t\tvirtio_mmio');
    expect([a.kind, a.name, a.attrs, a.with, a.names]).toEqual(['attach', 'virtio', ['pv'], 'mmio_cmdline', ['virtio_mmio']]);
    const d = one('defflag opt_pcifixup.h\tPCI_ADDR_FIXUP : PCI_BUS_FIXUP');
    expect([d.kind, d.path, d.names, d.attrs]).toEqual(['defflag', 'opt_pcifixup.h', ['PCI_ADDR_FIXUP'], ['PCI_BUS_FIXUP']]);
    expect(one('define\tpckbcport { [irq = -1], [port = -1] }').iface).toBe(true);
    expect(one('file\tarch/x86/pci/msipic.c\t\tpci & ! no_pci_msi_msix').path).toBe('arch/x86/pci/msipic.c');
  });
  it('reads config, machine, include, cinclude and conditionals', () => {
    expect(one('config\t\tnetbsd\troot on ? type ?').args).toEqual(['root', 'on', '?', 'type', '?']);
    expect(one('machine amd64 x86 xen').args).toEqual(['amd64', 'x86', 'xen']);
    expect(one('include "arch/x86/conf/MICROVM.common"').path).toBe('arch/x86/conf/MICROVM.common');
    expect(one('cinclude "arch/evbarm/conf/GENERIC64.local"').kind).toBe('cinclude');
    expect(statements('ifdef pv\nfoo0 at pv?\nelifndef bar\nelse\nendif\n').map((s) => s.kind)).toEqual(['ifdef', 'instance', 'elifndef', 'else', 'endif']);
  });
  // Constructs of a real NetBSD-current tree the parser used to stop at (issue 11), each as gram.y has it.
  it.each([
    ['makeoptions\tipfilter\tCPPFLAGS+="-I$S/external/bsd/ipf"', 'makeoptions', (s: Loose) => s.items, [{ name: 'CPPFLAGS', op: '+=', value: '"-I$S/external/bsd/ipf"', cond: { op: 'atom', name: 'ipfilter' } }]],
    ['makeoptions\tusb & !ohci "COPTS.x.c"+="-O0"', 'makeoptions', (s: Loose) => s.items?.[0].cond, { op: 'and', left: { op: 'atom', name: 'usb' }, right: { op: 'not', of: { op: 'atom', name: 'ohci' } } }],
    ['defparam opt_ipkdb.h\tIPKDBKEY := "\\"lint\\""', 'defparam', (s: Loose) => [s.path, s.items], ['opt_ipkdb.h', [{ name: 'IPKDBKEY', lintValue: '"\\"lint\\""' }]]],
    ['defparam\tFOO = 1 := 2 BAR', 'defparam', (s: Loose) => s.items, [{ name: 'FOO', op: '=', value: '1', lintValue: '2' }, { name: 'BAR' }]],
    ['defopt\topt_x.h\tA B : C, D', 'defopt', (s: Loose) => [s.names, s.attrs], [['A', 'B'], ['C', 'D']]],
    ['deffs\tFFS EXT2FS : vfs', 'deffs', (s: Loose) => [s.names, s.attrs], [['FFS', 'EXT2FS'], ['vfs']]],
    ['define\tisabus { [port = -1], slot, cs[2] = {1, 2}, ["q" = 0] } : dep', 'define', (s: Loose) => s.locatorDefs, [{ name: 'port', optional: true, default: '-1' }, { name: 'slot', optional: false }, { name: 'cs', optional: false, default: '1,2', size: 2 }, { name: 'q', optional: true, default: '0' }]],
    ['file\tarch/m68k/m68k/fpu.c\t\t(a | b) & !c needs-flag compile-with "${M68K_KERN_FPU}"', 'file', (s: Loose) => [s.cond, s.args], [{ op: 'and', left: { op: 'or', left: { op: 'atom', name: 'a' }, right: { op: 'atom', name: 'b' } }, right: { op: 'not', of: { op: 'atom', name: 'c' } } }, ['needs-flag', 'compile-with', '"${M68K_KERN_FPU}"']]],
    ['object\tarch/x/blob.o\tfoo needs-flag', 'object', (s: Loose) => [s.path, s.cond, s.args], ['arch/x/blob.o', { op: 'atom', name: 'foo' }, ['needs-flag']]],
    ['device-major\tsequencer\tchar 75\tsequencer', 'device-major', (s: Loose) => [s.name, s.args, s.cond], ['sequencer', ['char', '75'], { op: 'atom', name: 'sequencer' }]],
    ['device-major\twd\tchar 3 block 0\twd vector = 4:1, linkzero', 'device-major', (s: Loose) => s.args, ['char', '3', 'block', '0', 'vector', '4', '1', 'linkzero']],
    ['mkflagvar\tM68010 M68020', 'mkflagvar', (s: Loose) => s.names, ['M68010', 'M68020']],
    ['prefix\t../common/lib/libc/misc', 'prefix', (s: Loose) => s.path, '../common/lib/libc/misc'],
    ['buildprefix', 'buildprefix', (s: Loose) => s.path, undefined],
    ['package\t"dev/foo/files.foo"', 'package', (s: Loose) => s.path, 'dev/foo/files.foo'],
    ['-include "arch/x/conf/y"', 'include', (s: Loose) => [s.optional, s.soft], [true, true]],
    ['devclass\tdisk', 'devclass', (s: Loose) => s.name, 'disk'],
    ['version\t20171118', 'version', (s: Loose) => s.count, 20171118],
    ['maxusers\t2 16 128', 'maxusers', (s: Loose) => s.args, ['2', '16', '128']],
    ['maxpartitions\t16', 'maxpartitions', (s: Loose) => s.count, 16],
    ['no select\tfoo', 'select', (s: Loose) => [s.negated, s.name], [true, 'foo']],
    ['no ident', 'ident', (s: Loose) => [s.negated, s.name], [true, undefined]],
    ['config\tnetbsd\troot on "wedge:system/a" type ffs', 'config', (s: Loose) => s.args, ['root', 'on', '"wedge:system/a"', 'type', 'ffs']],
    ['major\t{ wd = 0, sd = 4 }', 'major', (s: Loose) => s.args, ['wd', '0', 'sd', '4']],
    ['pseudo-root\tmd0', 'pseudo-root', (s: Loose) => s.name, 'md0'],
  ] as [string, string, (s: Loose) => unknown, unknown][])('%s', (text, kind, pick, want) => {
    const s = one(text);
    expect(s.kind).toBe(kind);
    expect(pick(s)).toEqual(want);
  });
  it('keeps a bad line as an invalid node and reads on (parseConfigTolerant)', () => {
    const f = parseConfigTolerant('options A\nfrobnicate the widget\noptions B\n', 'T');
    expect(f.nodes.map((n) => n.type)).toEqual(['statement', 'invalid', 'statement']);
    expect(f.nodes[1]).toEqual({ type: 'invalid', line: 2, raw: 'frobnicate the widget', error: { file: 'T', line: 2, column: 12, message: "expected 'at', found 'the'" } });
  });
  it('keeps comments and blank lines as nodes, in order', () => {
    const f = parseConfig('# a\n\noptions A # b\n', 'T');
    expect(f.nodes.map((n) => n.type)).toEqual(['comment', 'blank', 'statement']);
  });
});

describe('malformed configs report file:line:column', () => {
  const cases: [string, string][] = [
    ['options FOO=\n', 'T:1:13: expected a value, found end of line'],
    ['mainbus0 at root\nld* virtio?\n', "T:2:5: expected 'at', found 'virtio'"],
    ['makeoptions COPTS\n', "T:1:18: expected '=' or '+=', found end of line"],
    ['options A,\n\t,B\n', "T:2:2: expected an option name, found ','"],
    ['ident "abc\n', 'T:1:11: expected closing quote, found end of line'],
    ['pseudo-device\n', 'T:1:14: expected a pseudo-device name, found end of line'],
    ['config netbsd root on\n', "T:1:22: expected a device or '?', found end of line"],
    // Forms of 1996-1999 configs (alpha GENERIC 1.23, pmax GENERIC 1.55) that today's config(1) rejects too: gram.y's
    // root_spec needs `root` (there is no `swap`), and scan.l returns "COMPAT_43" as a QSTRING where `option` takes a WORD.
    ['config\t\tnetbsd\tswap generic\n', "T:1:16: expected 'root', found 'swap'"],
    ['options \t"COMPAT_43"\n', 'T:1:10: expected an option name, found \'"COMPAT_43"\''],
    ['cpu* at mainbus? apid\n', "T:1:22: expected a locator value or '?', found end of line"],
    ['options\tA\n\nendif\n', 'T:3:1: mismatched endif'],
    ['\nifdef pv\noptions A\n', 'T:2:1: reached EOF while looking for endif'],
    ['ifdef a\nelse\nelse\nendif\n', 'T:3:1: mismatched else'],
    ['options A\0\n', 'T:1:10: NUL character'],
    ['= x\n', "T:1:1: expected a keyword or device name, found '='"],
  ];
  it.each(cases)('%j', (text, message) => {
    let err: unknown;
    try {
      parseConfig(text, 'T');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(message);
    expect((err as ConfigError).code).toBe('CONFIG_SYNTAX');
  });
});

describe('printer', () => {
  it('keeps a missing final newline and CRLF-free text exactly', () => {
    for (const t of ['', '\n', 'options A', 'options A\n\n', 'a0 at root\n\t# c\n']) expect(printConfig(parseConfig(t, 'T'))).toBe(t);
  });
});
