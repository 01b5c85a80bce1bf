/**
 * microvmChecks on every committed fixture, with expectations worked out from manifest.json and
 * the fixture tables (and an independent attachability oracle), then on kernels patched in memory.
 */
import { memorySource } from '../../src/bytes/source';
import { type Check, checksPass, MICROVM_CHECK_IDS, microvmChecks } from '../../src/netbsd/checks';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { applyEdits } from '../../src/patch/apply';
import { type Operation, planOperations } from '../../src/patch/plan';
import { fixtureBytes, fixtureTable, rowName } from '../support/attach-oracle';
import { manifest } from '../support/fixtures';
import { expectedChecks, needs } from '../support/microvm-oracle';

function load(bytes: Uint8Array) {
  return inspectKernel(memorySource(bytes));
}

const byId = (checks: readonly Check[]) => Object.fromEntries(checks.map((c) => [c.id, c])) as Record<string, Check>;
const expected = expectedChecks;

describe.each(manifest)('microvmChecks on $file ($arch)', (row) => {
  const checks = microvmChecks(load(fixtureBytes(row.file)));
  const want = expected(row);

  it('lists every check once, in order', () => {
    expect(checks.map((c) => c.id)).toEqual([...MICROVM_CHECK_IDS]);
  });

  it('gives each check the status the manifest and table predict', () => {
    expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual(want);
  });

  it('passes overall exactly when every required check passes or does not apply', () => {
    const requiredFail = checks.some((c) => c.required && want[c.id] === 'fail');
    expect(checksPass(checks)).toBe(!requiredFail);
  });

  it('never fails an informational check', () => {
    for (const c of checks.filter((x) => !x.required)) expect(c.status).not.toBe('fail');
  });

  if (row.pvh) {
    it('reports the PVH entry from the manifest', () => {
      expect(byId(checks)['pvh-note'].detail).toContain(row.pvhEntry!);
      expect(byId(checks)['pvh-entry'].detail).toContain(row.pvhEntry!);
    });
  }
  if (row.stripped) {
    it('says it cannot tell the symbol checks without a symbol table (the device checks read the table found by shape)', () => {
      for (const id of ['tslog', 'early-console']) expect(byId(checks)[id].detail).toMatch(/^no symbol table: cannot tell/);
      for (const id of ['pv', 'virtio-cmdline', 'virtio-block', 'console']) expect(byId(checks)[id].detail).not.toMatch(/cannot tell/);
    });
  }
  if (row.table && !row.stripped) {
    it('names an attachable entry in every passing device check', () => {
      const t = fixtureTable(row);
      for (const [id, match] of Object.entries(needs(row.arch))) {
        const c = byId(checks)[id];
        if (c.status !== 'pass') continue;
        const names = t.entries.map((e, i) => (match(e) ? `${rowName(e)} (#${i})` : null)).filter((x): x is string => x !== null);
        expect(names.some((n) => c.detail.includes(n))).toBe(true);
      }
    });
  }
});

describe('microvmChecks on kernels patched in memory', () => {
  const patched = (file: string, ops: Operation[]) => {
    const bytes = fixtureBytes(file);
    const kernel = load(bytes);
    const plan = planOperations(requireAutoconf(kernel), ops);
    expect(plan.edits.length).toBeGreaterThan(0);
    const after = load(applyEdits(bytes, plan.edits));
    return byId(microvmChecks(after));
  };
  const row = (file: string) => manifest.find((r) => r.file === file)!;
  const indexOf = (file: string, driver: string) => fixtureTable(row(file)).entries.findIndex((e) => e.driver === driver);

  describe.each(['netbsd-amd64', 'netbsd-i386'])('%s', (file) => {
    const pv = indexOf(file, 'pv');
    const pvRef = { index: pv, name: 'pv*' };

    it('disable pv: pv, virtio and ld fail naming pv; com0 still gives a console', () => {
      const c = patched(file, [{ verb: 'disable', selectors: ['pv'] }]);
      expect(c.pv).toMatchObject({ status: 'fail', cause: [pvRef] });
      expect(c.pv.detail).toMatch(new RegExp(`^pv\\* \\(#${pv}\\) is disabled: virtio\\*, ld\\*, viocon\\*`));
      for (const id of ['virtio-cmdline', 'virtio-block']) {
        expect(c[id]).toMatchObject({ status: 'fail', cause: [pvRef] });
        expect(c[id].detail).toContain(`cannot attach: pv* (#${pv}) is disabled`);
      }
      expect(c.console.status).toBe('pass');
      expect(c.console.detail).toMatch(/^com0 \(#\d+\); viocon\* \(#\d+\) cannot attach: pv\* \(#\d+\) is disabled$/);
      expect(checksPass(Object.values(c))).toBe(false);
    });

    it('disable pv and com: the console fails too, naming pv and com0', () => {
      const c = patched(file, [{ verb: 'disable', selectors: ['pv', 'com'] }]);
      expect(c.console.status).toBe('fail');
      expect(c.console.cause).toEqual(expect.arrayContaining([pvRef, { index: indexOf(file, 'com'), name: 'com0' }]));
    });

    it('disable ld: only the block device check fails, naming ld', () => {
      const c = patched(file, [{ verb: 'disable', selectors: ['ld'] }]);
      const ld = indexOf(file, 'ld');
      expect(c['virtio-block']).toMatchObject({ status: 'fail', detail: `ld* (#${ld}) is disabled`, cause: [{ index: ld, name: 'ld*' }] });
      expect(Object.values(c).filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['virtio-block']);
    });

    it('disable virtio: the transport fails, and ld and viocon fail naming virtio', () => {
      const c = patched(file, [{ verb: 'disable', selectors: ['virtio'] }]);
      const v = { index: indexOf(file, 'virtio'), name: 'virtio*' };
      expect(c['virtio-cmdline']).toMatchObject({ status: 'fail', cause: [v] });
      expect(c['virtio-block']).toMatchObject({ status: 'fail', cause: [v] });
      expect(c.pv.status).toBe('pass');
    });

    it('keep ld viocon com: ancestors stay, so every required check passes', () => {
      const c = patched(file, [{ verb: 'keep', selectors: ['ld', 'viocon', 'com'] }]);
      expect(checksPass(Object.values(c))).toBe(true);
      expect(c.tsc.status).toBe('pass'); // cpu_tsc_freq_cpuid is a symbol: pvclock going away does not matter
    });
  });

  it('a PVH entry outside every PT_LOAD, or in a non-executable one, fails pvh-entry', () => {
    const bytes = fixtureBytes('netbsd-amd64');
    const k = load(bytes);
    const note = k.notes.find((n) => n.name === 'Xen' && n.type === 18)!;
    const data = k.elf.segments.find((s) => s.type === 1 && (s.flags & 1) === 0)!;
    for (const [entry, why] of [
      [0x10, /outside every PT_LOAD segment/],
      [Number(data.paddr), /non-executable PT_LOAD segment/],
    ] as const) {
      const copy = new Uint8Array(bytes);
      new DataView(copy.buffer).setUint32(note.descOffset, entry, true);
      const c = byId(microvmChecks(load(copy)));
      expect(c['pvh-entry'].status).toBe('fail');
      expect(c['pvh-entry'].detail).toMatch(why);
    }
  });

  it('a PVH note outside any PT_NOTE segment fails pvh-segment', () => {
    const bytes = fixtureBytes('netbsd-amd64');
    const k = load(bytes);
    const pt = k.elf.segments.find((s) => s.type === 4)!;
    const copy = new Uint8Array(bytes);
    // p_type is the first word of the program header: make the PT_NOTE a PT_NULL; the .note.Xen section still has the note.
    new DataView(copy.buffer).setUint32(k.elf.header.phoff + pt.index * k.elf.header.phentsize, 0, true);
    const c = byId(microvmChecks(load(copy)));
    expect(c['pvh-note'].status).toBe('pass');
    expect(c['pvh-segment']).toMatchObject({ status: 'fail' });
    expect(c['pvh-segment'].detail).toContain('no PT_NOTE segment');
  });

  it('the generic x86 fixture fails PVH and pv; ld has no microvm path (virtio_pci only)', () => {
    const c = byId(microvmChecks(load(fixtureBytes('netbsd-amd64-generic'))));
    expect(c['pvh-note'].status).toBe('fail');
    expect(c['pvh-note'].detail).toContain('Error loading uncompressed kernel without PVH ELF Note');
    expect(c.pv).toMatchObject({ status: 'fail', detail: expect.stringContaining('no such entry') });
    expect(c['virtio-block'].detail).toMatch(/virtio_pci, which a microvm does not provide/);
  });

  it('aarch64: PVH and pv do not apply, virtio at fdt passes, and disabling it fails the block device', () => {
    const c = byId(microvmChecks(load(fixtureBytes('netbsd-aarch64'))));
    for (const id of ['pvh-note', 'pvh-segment', 'pvh-entry', 'pv', 'virtio-cmdline']) expect(c[id].status).toBe('n/a');
    expect(c['virtio-fdt'].status).toBe('pass');
    const d = patched('netbsd-aarch64', [{ verb: 'disable', selectors: ['virtio'], at: 'fdt' }]);
    const fdtVirtio = fixtureTable(row('netbsd-aarch64')).entries.findIndex((e) => e.driver === 'virtio' && e.parent?.iattr === 'fdt');
    expect(d['virtio-fdt']).toMatchObject({ status: 'fail', cause: [{ index: fdtVirtio, name: 'virtio*' }] });
    expect(d['virtio-block']).toMatchObject({ status: 'fail', cause: [{ index: fdtVirtio, name: 'virtio*' }] });
  });

  it('an explicit table argument is used instead of the kernel own', () => {
    const bytes = fixtureBytes('netbsd-amd64');
    const k = load(bytes);
    const table = requireAutoconf(k);
    const pv = table.entries.find((e) => e.driver === 'pv')!;
    const edited = { ...table, entries: table.entries.map((e) => (e === pv ? { ...e, fstate: 3, state: 'disabled' as const } : e)) };
    expect(byId(microvmChecks(k, edited)).pv.status).toBe('fail');
    expect(byId(microvmChecks(k)).pv.status).toBe('pass');
  });
});
