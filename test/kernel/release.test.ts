/**
 * Where a kernel's NetBSD release comes from: the ident note when there is one; NetBSD 4.x and
 * older have none, so osrelease (through its symbol) or, in a stripped kernel, vers.c's version
 * banner. Expected values come from the ports manifest (`identNote`, `osrelease`, `stripped`).
 */
import * as fs from 'node:fs';
import { memorySource } from '../../src/bytes/source';
import { inspectKernel } from '../../src/netbsd/kernel';
import { portPath, portsManifest } from '../support/ports';
import { runCli } from '../support/run-cli';

const elves = portsManifest.filter((m) => !m.image);

describe.each(elves.map((m) => [m.file, m] as const))('%s', (file, m) => {
  const from = m.identNote !== false ? 'ident note' : m.stripped ? 'version banner' : 'osrelease';

  it(`reads release ${m.osrelease} from its ${from}`, () => {
    const k = inspectKernel(memorySource(new Uint8Array(fs.readFileSync(portPath(file)))));
    expect({ text: k.release?.version.text, raw: k.release?.version.raw, from: k.release?.from }).toEqual({ text: m.osrelease, raw: m.version, from });
  });
});

it('info says where the release came from when there is no ident note', async () => {
  const old = elves.filter((m) => m.identNote === false);
  expect(old.length).toBeGreaterThanOrEqual(2);
  for (const m of old) {
    const r = await runCli(['info', portPath(m.file)]);
    const line = r.out.split('\n').find((l) => l.startsWith('netbsd'));
    expect(line).toBe(`netbsd     ${m.osrelease} (from ${m.stripped ? 'version banner' : 'osrelease'}: no NetBSD ident note, as in NetBSD 4.x and older)`);
  }
});
