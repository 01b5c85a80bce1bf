import { readFileSync } from 'fs';
import { join } from 'path';
import { lint, type LintResult } from '../../src/config/lint';
import { CORPUS_SYS, dirTree, memTree } from './support';

const lintText = (text: string, sys?: Record<string, string>) => lint([{ file: 'K', text }], sys ? { sys: memTree(sys) } : {})[0];
const errors = (r: LintResult) => r.errors.map((e) => `${e.file ?? r.file}:${e.line}:${e.column}: ${e.message}`);
const warnings = (r: LintResult) => r.warnings.map((e) => `${e.file ?? r.file}:${e.line}:${e.column}: ${e.message}`);

describe('the corpus lints clean', () => {
  const corpus = (f: string) => ({ file: f, treePath: f, text: readFileSync(join(CORPUS_SYS, f), 'utf8') });
  const configs = ['arch/amd64/conf/SMOL', 'arch/i386/conf/SMOL', 'arch/amd64/conf/MICROVM', 'arch/i386/conf/MICROVM', 'arch/x86/conf/MICROVM.common', 'dev/virtio/virtio.config', 'arch/amd64/conf/MODULAR', 'arch/amd64/conf/XEN3_DOMU', 'arch/evbarm/conf/GENERIC64', 'arch/amd64/conf/GENERIC', 'arch/amd64/conf/INSTALL', 'arch/i386/conf/GENERIC', 'arch/i386/conf/INSTALL', 'arch/evbppc/conf/WII', 'arch/sparc64/conf/GENERIC32', 'arch/sparc64/conf/GENERIC', 'arch/sparc64/conf/INSTALL', 'arch/i386/conf/GENERIC.MP', 'arch/i386/conf/GENERIC.NOACPI',
    'arch/alpha/conf/GENERIC', 'arch/hppa/conf/GENERIC', 'arch/sgimips/conf/GENERIC32_IP3x', 'arch/evbmips/conf/ERLITE', 'arch/riscv/conf/GENERIC64', 'arch/riscv/conf/GENERIC.common', 'arch/cobalt/conf/GENERIC', 'arch/cobalt/conf/GENERIC64', 'arch/shark/conf/GENERIC', 'arch/i386/conf/XEN3PAE_DOMU', 'arch/amd64/conf/INSTALL_XEN3_DOMU',
    'arch/macppc/conf/GENERIC', 'arch/sparc/conf/GENERIC', 'arch/vax/conf/GENERIC', 'arch/vax/conf/GENERIC_USB', 'arch/evbarm/conf/RPI', 'arch/landisk/conf/GENERIC', 'arch/usermode/conf/GENERIC', 'arch/usermode/conf/GENERIC.common', 'arch/x68k/conf/GENERIC', 'arch/hpcmips/conf/GENERIC', 'arch/mac68k/conf/GENERIC'];
  it.each(configs)('%s without --sys: no errors, no warnings', (f) => {
    const [r] = lint([corpus(f)]);
    expect([r.errors, r.warnings]).toEqual([[], []]);
  });
  // Their include chains are complete in the corpus, so the checks that need the whole config ran.
  it.each(configs.slice(0, 6))('%s against the corpus tree: no errors, no warnings', (f) => {
    const [r] = lint([corpus(f)], { sys: dirTree(CORPUS_SYS) });
    expect([r.errors, r.warnings]).toEqual([[], []]);
    expect(r.notes.some((n) => n.startsWith('includes not'))).toBe(false);
  });
  it('SMOL against the corpus tree says which definition checks it skipped, and why', () => {
    const [r] = lint([corpus('arch/amd64/conf/SMOL')], { sys: dirTree(CORPUS_SYS) });
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^definition files not in the tree: conf\/files, .*; unknown devices and attachment attributes not checked$/);
  });
  it('configs whose includes the corpus lacks get the real config(1) error against it', () => {
    // MODULAR includes GENERIC (in the corpus), which includes std.amd64 (not in it); MODULAR then repeats two of
    // GENERIC's options, which config(1) warns about and accepts.
    const [r] = lint([corpus('arch/amd64/conf/MODULAR')], { sys: dirTree(CORPUS_SYS) });
    expect(errors(r)).toEqual(['arch/amd64/conf/GENERIC:21:1: cannot open arch/amd64/conf/std.amd64 for reading']);
    expect(warnings(r)).toEqual(["arch/amd64/conf/MODULAR:7:1: already have options 'MODULAR'", "arch/amd64/conf/MODULAR:8:1: already have options 'MODULAR_DEFAULT_AUTOLOAD'"]);
  });
  // sparc64 GENERIC -> GENERIC32 -> std.sparc64 (machine sparc64), then std.sparc64-64: complete in the corpus, so the
  // include-dependent checks (no lines, orphans at units such as le0 at ledma0 and wskbd0 at kbd0) ran. files.sparc64
  // is read (attach kbd at zstty, com; defflag SUN4U), but the files.* it includes and conf/files are not.
  // i386 GENERIC / INSTALL -> std.i386 (machine i386), GENERIC.local: one unit at several parents (isa0, pcic0),
  // children of units (sp0 at pss0), 'pci ?' and 'dev?'.
  it.each([
    ['arch/sparc64/conf/GENERIC', 'dev/wscons/files.wscons, '],
    ['arch/sparc64/conf/GENERIC32', 'dev/wscons/files.wscons, '],
    ['arch/sparc64/conf/INSTALL', 'dev/wscons/files.wscons, '],
    ['arch/i386/conf/GENERIC', 'arch/i386/conf/files.i386; '],
    ['arch/i386/conf/INSTALL', 'arch/i386/conf/files.i386; '],
    ['arch/i386/conf/GENERIC.MP', 'arch/i386/conf/files.i386; '],
  ])('%s against the corpus tree: no errors, no warnings', (f, missing) => {
    const [r] = lint([corpus(f)], { sys: dirTree(CORPUS_SYS) });
    expect([errors(r), warnings(r)]).toEqual([[], []]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0].startsWith(`definition files not in the tree: conf/files, ${missing}`)).toBe(true);
    expect(r.notes[0]).not.toContain('files.sparc64');
    expect(r.notes[0].endsWith('; unknown devices and attachment attributes not checked')).toBe(true);
  });
  it('vax GENERIC_USB against the corpus tree: the includes its GENERIC lacks are reported where GENERIC names them', () => {
    // scan.l include(): a plain include that cannot be opened is a cfgerror, and parsing goes on.
    const [r] = lint([corpus('arch/vax/conf/GENERIC_USB')], { sys: dirTree(CORPUS_SYS) });
    expect(errors(r)).toEqual([
      'arch/vax/conf/GENERIC:21:1: cannot open arch/vax/conf/std.vax for reading',
      'arch/vax/conf/GENERIC:135:1: cannot open conf/compat_netbsd09.config for reading',
      'arch/vax/conf/GENERIC_USB:15:1: cannot open dev/usb/usbdevices.config for reading',
    ]);
    expect(warnings(r)).toEqual([]);
  });
  it('i386 GENERIC.NOACPI (2008) against the 1999 GENERIC of the corpus: its no lines match nothing, as config(1) says', () => {
    // deldevi / undo_option in usr.bin/config: an instance never configured is an error, an option never set a warning.
    const [r] = lint([corpus('arch/i386/conf/GENERIC.NOACPI')], { sys: dirTree(CORPUS_SYS) });
    expect(errors(r)).toEqual(["arch/i386/conf/GENERIC.NOACPI:12:1: 'acpi0' not defined", "arch/i386/conf/GENERIC.NOACPI:13:1: 'ioapic*' not defined"]);
    expect(warnings(r)).toEqual([
      "arch/i386/conf/GENERIC.NOACPI:15:1: options 'MULTIPROCESSOR' is not defined",
      "arch/i386/conf/GENERIC.NOACPI:16:1: options 'MPBIOS' is not defined",
      "arch/i386/conf/GENERIC.NOACPI:17:1: options 'APM_NO_IDLE' is not defined",
    ]);
  });
  it('catches a real mistake in a corpus config: SMOL without the no lines of MICROVM.common', () => {
    const sys = dirTree(CORPUS_SYS);
    const text = 'include "arch/amd64/conf/MICROVM"\nno viomb* at virtio?\noptions\tTSLOG\noptions\tTSLOG\n';
    const [r] = lint([{ file: 'S', text }], { sys });
    expect([errors(r), warnings(r)]).toEqual([["S:2:1: 'viomb*' not defined"], ["S:4:1: already have options 'TSLOG'"]]);
  });
});

describe('config(1) errors without a tree', () => {
  // config(1)'s do_option (usr.bin/config main.c 1.89): cfgwarn "already have", then the new value replaces the old.
  it('duplicate options, with and without value: a warning, and the later value wins', () => {
    const r = lintText('options A\noptions A\noptions B=1\noptions\tB=2\n');
    expect([errors(r), warnings(r)]).toEqual([[], ["K:2:1: already have options 'A'", "K:4:1: already have options 'B=1'"]]);
  });
  it('no options after options is silent; a duplicate makeoptions and file-system warns', () => {
    const r = lintText('options A=1\nno options A\noptions A=2\nmakeoptions X=1\nmakeoptions X+=2\nmakeoptions X=3\nfile-system FFS\nfile-system FFS\n');
    expect([errors(r), warnings(r)]).toEqual([[], ["K:6:1: already have makeoptions 'X=1 2'", "K:8:1: already have file-system 'FFS'"]]);
  });
  // Regression, from the corpus: MODULAR includes GENERIC and sets `options MODULAR` again; config(1) only warns.
  it('an options line repeated by a config that includes another is not an error (MODULAR after GENERIC)', () => {
    const r = lintText('include "G"\noptions \tMODULAR\t\t# new style module(7) framework\n', { G: 'options \tMODULAR\nconfig netbsd root on ? type ?\n' });
    expect([errors(r), warnings(r)]).toEqual([[], ["K:2:1: already have options 'MODULAR'"]]);
  });
  // config(1)'s undo_option (main.c 1.89): cfgwarn "is not defined".
  it('no of something never set warns, unless the line starts with -', () => {
    const r = lintText('no options B\n-no options C\nno file-system NFS\n');
    expect([errors(r), warnings(r)]).toEqual([[], ["K:1:1: options 'B' is not defined", "K:3:1: file-system 'NFS' is not defined"]]);
  });
  // A second pseudo-device line is refused; a `no` of one never set warns (model.ts: today's config(1) accepts it).
  it('pseudo-device twice, and no pseudo-device never set', () => {
    const r = lintText('pseudo-device md\npseudo-device\tmd 2\nno pseudo-device vnd\n-no pseudo-device cgd\n');
    expect([errors(r), warnings(r)]).toEqual([["K:2:1: 'md' already defined"], ["K:3:1: pseudo-device 'vnd' not defined"]]);
  });
  // config(1)'s deldevi / deldev / deldeva (usr.bin/config sem.c).
  it('no X at Y of an instance never configured, of one at another parent, and no of an unknown instance', () => {
    expect(errors(lintText('mainbus0 at root\nno ld* at virtio?\nno foo7\nvirtio* at mainbus?\nld* at virtio?\nno ld* at pv?\n'))).toEqual([
      "K:2:1: 'ld*' not defined",
      'K:3:1: unknown instance foo7',
      "K:6:1: 'ld*' at 'pv?' not found",
    ]);
  });
  // Regressions: config(1) says nothing for these, the linter used to report errors.
  it('no device at a parent nothing is attached to, and no of a device name without instances, are silent', () => {
    const r = lintText('mainbus0 at root\nisa0 at mainbus?\nno device at isa?\nno device at isa\nno com\nconfig netbsd root on ? type ?\n');
    expect([errors(r), warnings(r)]).toEqual([[], []]);
  });
  it('no X at Y removes one line of two identical ones, so their children stay attached', () => {
    const r = lintText('mainbus0 at root\npci* at mainbus?\npci* at mainbus?\nno pci* at mainbus?\nppb* at pci?\nno pci* at mainbus?\nno pci* at mainbus?\n');
    expect(errors(r)).toEqual(["K:7:1: 'pci*' not defined"]);
  });
  it('no device at isa removes the children of every isa unit; at isa? only those at isa?', () => {
    const r = lintText('mainbus0 at root\nisa0 at mainbus?\ncom0 at isa?\nlpt0 at isa0\nno device at isa\nno com0 at isa?\n');
    expect(errors(r)).toEqual(["K:6:1: 'com0' not defined"]);
  });
  it('orphans whose parent is a unit that is declared nowhere', () => {
    expect(errors(lintText('mainbus0 at root\nisa0 at pci0\ncom0 at isa?\n'))).toEqual(["K:2:1: 'isa0 at pci0' is orphaned (nothing matching 'pci0' found)"]);
  });
  it('a parent removed with no makes its children silent, as config(1) does', () => {
    expect(errors(lintText('mainbus0 at root\npci0 at mainbus0\nppb0 at pci0\nno pci0 at mainbus0\n'))).toEqual([]);
  });
  it('without a tree an `at X?` parent may be an attribute, so it is not judged', () => {
    expect(errors(lintText('mainbus0 at root\nscsibus* at scsi?\n'))).toEqual([]);
  });
  it('a kernel config without a config line', () => {
    expect(errors(lintText('machine amd64 x86\nmainbus0 at root\n'))).toEqual(['K:1:1: K has no configurations!']);
  });
  // Regression, from the corpus: alpha GENERIC 1.179 has `le* at depca?` twice, once after the ISA depca0/depca1 and
  // once after `depca* at eisa?`. config(1) says nothing: getdevi (sem.c) makes the second an alias of the first, and
  // packdevi (pack.c) collapses aliases with the same parent spec, flags and locators (sameas) into one cfdata entry.
  it('a repeated instance line is silent, as config(1) collapses it', () => {
    const r = lintText('mainbus0 at root\ncpu* at mainbus?\ncpu*\tat mainbus?\nconfig netbsd root on ? type ?\n');
    expect([errors(r), warnings(r)]).toEqual([[], []]);
  });
  it('a syntax error is reported with its position and stops the file', () => {
    expect(lintText('options A\nld* virtio?\n').errors).toEqual([{ line: 2, column: 5, message: "expected 'at', found 'virtio'" }]);
  });
});

describe('includes through a tree', () => {
  it('missing include is an error, missing cinclude is not', () => {
    const r = lintText('include "a/b"\ncinclude "c/d"\n', {});
    expect(errors(r)).toEqual(['K:1:1: cannot open a/b for reading']);
  });
  it('paths escaping the tree and absolute paths are refused', () => {
    expect(errors(lintText('include "../etc/passwd"\ninclude "/etc/passwd"\n', {}))).toEqual([
      "K:1:1: include path '../etc/passwd' escapes the source tree",
      "K:2:1: include path '/etc/passwd' is absolute; only paths inside the source tree are followed",
    ]);
  });
  it('cycles are cut and reported', () => {
    const r = lint([{ file: 'a', treePath: 'a', text: 'include "b"\n' }], { sys: memTree({ a: 'include "b"\n', b: 'include "a"\n' }) })[0];
    expect(errors(r)).toEqual(['b:1:1: include cycle: a -> b -> a']);
  });
  it('nesting is bounded', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}`] = `include "f${i + 1}"\n`;
    const r = lintText('include "f0"\n', files);
    expect(errors(r)).toEqual(['f15:1:1: includes nested deeper than 16 at \'f16\'']);
  });
  it('./ paths are relative to the including file', () => {
    const r = lintText('include "d/x"\n', { 'd/x': 'include "./y"\n', 'd/y': 'options Y\noptions Y\n' });
    expect(warnings(r)).toEqual(["d/y:2:1: already have options 'Y'"]);
  });
  it('a syntax error in an included file carries that file', () => {
    expect(errors(lintText('include "x"\n', { x: '\nld* virtio?\n' }))).toEqual(["x:2:5: expected 'at', found 'virtio'"]);
  });
});

describe('checks against definitions', () => {
  const tree = {
    'conf/files': 'defpseudo md\ndeffs FFS\ndefflag MTRR\ndefparam HZ\nobsolete defflag OLDOPT\ndevice com\nattach com at isa\n',
    'arch/amd64/conf/files.amd64':
      'define pvbus {}\ndevice mainbus: pvbus, isabus\nattach mainbus at root\ndevice isa {}\nattach isa at isabus\n' +
      'device pv {}\nattach pv at pvbus\ndevice virtio {}\nattach virtio at pv with mmio_cmdline\ndevice ld\nattach ld at virtio\n' +
      'ifdef pv\ndevice pvclock\nattach pvclock at pv\nendif\n',
  };
  const head = 'machine amd64\nconfig netbsd root on ? type ?\nmainbus0 at root\n';
  it('a correct config is clean and nothing is skipped', () => {
    const r = lintText(`${head}isa0 at mainbus?\ncom0 at isa?\npv* at pvbus?\nvirtio* at pv?\nld* at virtio?\npvclock* at pv?\npseudo-device md\nfile-system FFS\noptions MTRR\noptions HZ=100\n`, tree);
    expect([r.errors, r.warnings, r.notes]).toEqual([[], [], []]);
  });
  it("locators as config(1)'s fixloc checks them: required, extraneous, wildcards without a default", () => {
    // isa's locators as conf/files declares them (optional port and irq with defaults, a required 'slot', an array)
    const t = { ...tree, 'arch/amd64/conf/files.amd64': tree['arch/amd64/conf/files.amd64'].replace('device isa {}', 'device isa {[port = -1], slot, [irq = -1], drq[2] = {-1, -1}}') };
    expect(errors(lintText(`${head}isa0 at mainbus?
com0 at isa? slot 1 port 0x3f8 irq 4 drq 1,2
`, t))).toEqual([]);
    expect(errors(lintText(`${head}isa0 at mainbus?
com0 at isa? port 0x3f8
com1 at isa? slot 2 iomem 0 mem 1
com2 at isa? slot ?
`, t))).toEqual([
      'K:5:1: com0: must specify slot',
      'K:6:1: com1: extraneous locators: iomem, mem',
      'K:7:1: com2: cannot wildcard slot',
    ]);
  });
  it('unknown devices, wrong parents, attaching at root', () => {
    expect(errors(lintText(`${head}pv* at pvbus?\nvioif* at pv?\nld* at pv?\nvirtio0 at root\n`, tree))).toEqual([
      "K:5:1: vioif* at pv?: unknown device 'vioif'",
      // sem.c adddev: cfgerror("%s's cannot attach to %s's", ...)
      "K:6:1: ld's cannot attach to pv's",
      "K:7:1: 'virtio' cannot attach to the root",
    ]);
  });
  it('an interface attribute that no configured device carries is an orphan', () => {
    expect(errors(lintText('machine amd64\nconfig netbsd root on ? type ?\npv* at pvbus?\n', tree))).toEqual([
      "K:3:1: 'pv* at pvbus?' is orphaned (nothing matching 'pvbus?' found)",
    ]);
  });
  it('options against defflag/defparam/deffs, file systems and pseudo-devices', () => {
    expect(errors(lintText(`${head}options MTRR=1\noptions HZ\noptions FFS\nfile-system NFS\npseudo-device com\nmd0 at mainbus?\n`, tree))).toEqual([
      "K:4:1: option 'MTRR' must not have a value",
      "K:5:1: option 'HZ' must have a value",
      "K:6:1: 'FFS' is a defined file system",
      "K:7:1: 'NFS' is not a defined file system",
      'K:8:1: com is a real device, not a pseudo-device',
      'K:9:1: md is a pseudo-device',
    ]);
    expect(lintText(`${head}options OLDOPT\n`, tree).warnings).toEqual([{ line: 4, column: 1, message: "obsolete option 'OLDOPT' ignored" }]);
  });
  it('ifdef in files.* sees attributes defined before it', () => {
    const t = { ...tree, 'arch/amd64/conf/files.amd64': tree['arch/amd64/conf/files.amd64'].replace('ifdef pv', 'ifdef nosuch') };
    expect(errors(lintText(`${head}pv* at pvbus?\npvclock* at pv?\n`, t))).toEqual(["K:5:1: pvclock* at pv?: unknown device 'pvclock'"]);
  });
  it('degrades to notes when a definition file is missing', () => {
    const partial = { 'arch/amd64/conf/files.amd64': tree['arch/amd64/conf/files.amd64'] };
    const r = lintText(`${head}pv* at pvbus?\nvioif* at pv?\ncom0 at isa?\nfile-system NFS\n`, partial);
    expect([r.errors, r.warnings]).toEqual([[], []]);
    expect(r.notes).toEqual(['definition files not in the tree: conf/files; unknown devices and attachment attributes not checked']);
  });
});

it('a quoted make variable is the same variable as the bare word: += appends, = again warns as config(1) does', () => {
  const r = lintText('machine amd64 x86\nmainbus0 at root\nconfig netbsd root on ? type ?\nmakeoptions COPTS="-O2"\nmakeoptions "COPTS"+="-g"\nmakeoptions "COPTS"="-O0"\n');
  expect(r.errors).toEqual([]);
  expect(r.warnings.map((w) => [w.line, w.message])).toEqual([[6, 'already have makeoptions \'COPTS="-O2" "-g"\'']]);
});
