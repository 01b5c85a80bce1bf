/**
 * `kpatch config extract`: the embedded config on stdout, or exit 1 with one line when there is none.
 */
import { fixturePath, manifest } from '../support/fixtures';
import { runCli } from '../support/run-cli';

describe('config extract', () => {
  it.each(manifest.filter((m) => m.table !== null).map((m) => [m.file, m.configEmbedded] as const))('%s (embedded: %s)', async (file, embedded) => {
    const r = await runCli(['config', 'extract', fixturePath(file)]);
    if (embedded) {
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toMatch(/^### START CONFIG FILE "[A-Z0-9_]+"\n[^]*### END CONFIG FILE "[A-Z0-9_]+"\n$/);
    } else {
      expect([r.code, r.out, r.err]).toEqual([1, '', `kpatch: ${fixturePath(file)}: no embedded config (built without options INCLUDE_CONFIG_FILE?)\n`]);
    }
  });
});
