/**
 * `kpatch edit` at a real terminal: tmux runs the built binary in a pane, the test types with
 * send-keys and reads the screen with capture-pane, as a person would see it. Line editing and
 * history (readline), UKC's prefixes, paging, quit, Ctrl-C and Ctrl-D, and a dumb terminal.
 * Deterministic: every step waits for the text it needs on the screen (never a fixed sleep), on a
 * tmux server of its own. Skipped, saying so in one line, when tmux is not installed
 * (KPATCH_REQUIRE_TMUX=1, set by .ci/run, makes that a failure instead).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixturePath, loadTable, manifest, readelfCapture } from '../support/fixtures';

jest.setTimeout(60_000);

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
if (!HAVE_TMUX) {
  if (process.env.KPATCH_REQUIRE_TMUX === '1') {
    describe('tmux editor tests', () => {
      it('need tmux (KPATCH_REQUIRE_TMUX=1)', () => {
        throw new Error('tmux is not on PATH but KPATCH_REQUIRE_TMUX=1: apt-get install --no-install-recommends tmux');
      });
    });
  } else process.stderr.write('kpatch: skipping the tmux editor tests: tmux not found (Debian package tmux)\n');
}
const describeTmux = HAVE_TMUX ? describe : describe.skip;

const FIXTURE = 'netbsd-amd64';
const table = loadTable(manifest.find((r) => r.file === FIXTURE)!.table!);
const index = (driver: string) => table.entries.findIndex((e) => e.driver === driver);
function stateOffset(i: number): number {
  const re = readelfCapture(FIXTURE);
  const sym = re.symbols.find((s) => s.name === 'cfdata')!;
  const sec = re.sections.find((s) => s.nr === Number(sym.ndx))!;
  return sec.off + Number(sym.value - sec.addr) + i * 48 + 19;
}
const differing = (a: Buffer, b: Buffer) => [...a].flatMap((x, i) => (x === b[i] ? [] : [[i, x, b[i]]]));

let dir: string;
let socket: string;
const tmux = (...args: string[]) => {
  const r = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const screen = () => tmux('capture-pane', '-p', '-t', 'edit');
const keys = (...k: string[]) => tmux('send-keys', '-t', 'edit', ...k);
const type = (text: string) => tmux('send-keys', '-t', 'edit', '-l', text);

/** Waits until the screen shows `text` (at least `times` times); fails with the screen after 20 s. */
async function waitFor(text: string, times = 1): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = screen();
    if (s.split(text).length - 1 >= times) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `kpatch edit` in a 100x30 pane; the pane stays after it exits and shows EXIT=<status>. */
function start(args: string[], term = 'xterm') {
  const cmd = `env TERM=${term} NO_COLOR=1 ${process.execPath} ${CLI} edit ${args.join(' ')}; echo EXIT=$?`;
  tmux('new-session', '-d', '-s', 'edit', '-x', '100', '-y', '30', '-c', dir, cmd);
  tmux('set-option', '-t', 'edit', 'remain-on-exit', 'on');
}

describeTmux('kpatch edit in a terminal (tmux)', () => {
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-tmux-'));
    socket = path.join(dir, '.tmux');
    fs.copyFileSync(fixturePath(FIXTURE), path.join(dir, 'k'));
  });
  afterEach(() => {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('edits lines, recalls history, matches prefixes, pages, and writes on quit', async () => {
    start(['-k', 'k', '-o', 'out']);
    await waitFor('ukc>');
    // A typo fixed with backspace before Enter.
    type('disable vioiff');
    keys('BSpace', 'Enter');
    await waitFor('vioif* disabled');
    // Up recalls "disable vioif"; five backspaces and "ld" make it "disable ld".
    keys('Up');
    await waitFor('ukc> disable vioif', 2);
    keys('BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace');
    type('ld');
    keys('Enter');
    await waitFor('ld* disabled');
    // UKC prefixes: "fi" is find.
    type('fi vio*');
    keys('Enter');
    await waitFor('vioif* at virtio? disable');
    // Paging: five lines, then -- more --; q stops.
    type('lines 5');
    keys('Enter');
    type('l');
    keys('Enter');
    await waitFor('-- more --');
    expect(screen()).not.toContain('[  5]');
    type('q');
    keys('Enter');
    await waitFor('ukc>', 6);
    type('quit');
    keys('Enter');
    const s = await waitFor('EXIT=0');
    expect(s).toContain(`disable [10] ld* at virtio? with ld_virtio  0x${stateOffset(index('ld')).toString(16)}: 02 -> 03`);
    expect(s).toContain('wrote out: 2 bytes changed, verified');
    expect(differing(fs.readFileSync(path.join(dir, 'k')), fs.readFileSync(path.join(dir, 'out')))).toEqual([
      [stateOffset(index('ld')), 2, 3],
      [stateOffset(index('vioif')), 2, 3],
    ]);
  });

  it("change asks for each locator at the terminal, and a bad answer is asked again", async () => {
    start(['-k', 'k', '-o', 'out']);
    await waitFor('ukc>');
    type('change com0');
    keys('Enter');
    await waitFor('change (y/n) ?');
    type('y');
    keys('Enter');
    await waitFor('port [0x3f8] ?');
    type('0x2x8');
    keys('Enter');
    await waitFor("bad port '0x2x8'");
    await waitFor('port [0x3f8] ?', 2);
    type('0x2f8');
    keys('Enter');
    for (const p of ['size [?] ?', 'iomem [?] ?', 'iosiz [?] ?', 'irq [4] ?', 'drq [?] ?', 'drq2 [?] ?', 'flags [0] ?']) {
      await waitFor(p);
      keys('Enter');
    }
    await waitFor('com0 changed');
    type('quit');
    keys('Enter');
    const s = await waitFor('EXIT=0');
    expect(s).toContain('change  [ 7] com0 at isa?: port 0x3f8 -> 0x2f8');
    const loc = readelfCapture(FIXTURE).symbols.find((x) => x.name === 'loc')!;
    const sec = readelfCapture(FIXTURE).sections.find((x) => x.nr === Number(loc.ndx))!;
    const port = sec.off + Number(loc.value - sec.addr) + 2 * 4; // after cpu*'s and ioapic*'s apid
    expect(differing(fs.readFileSync(path.join(dir, 'k')), fs.readFileSync(path.join(dir, 'out')))).toEqual([[port + 1, 3, 2]]);
  });

  it('Ctrl-C writes nothing and exits 130', async () => {
    start(['-k', 'k', '-o', 'out']);
    await waitFor('ukc>');
    type('disable vioif');
    keys('Enter');
    await waitFor('vioif* disabled');
    keys('C-c');
    const s = await waitFor('EXIT=130');
    expect(s).toContain('interrupted: nothing written');
    expect(fs.readdirSync(dir).sort()).toEqual(['.tmux', 'k']);
  });

  it('Ctrl-D (end of input) writes nothing', async () => {
    start(['-k', 'k', '-o', 'out']);
    await waitFor('ukc>');
    type('disable vioif');
    keys('Enter');
    await waitFor('vioif* disabled');
    keys('C-d');
    const s = await waitFor('EXIT=1');
    expect(s).toContain('end of input before quit: 1 changed entry not written');
    expect(fs.readdirSync(dir).sort()).toEqual(['.tmux', 'k']);
  });

  it('works on a dumb terminal: no line editing, each line shown once', async () => {
    start(['-k', 'k', '-o', 'out'], 'dumb');
    await waitFor('ukc>');
    type('disable vioif');
    keys('Enter');
    await waitFor('vioif* disabled');
    type('quit');
    keys('Enter');
    const s = await waitFor('EXIT=0');
    // The terminal echoed the typed line; kpatch must not print it a second time.
    expect(s.split('ukc> disable vioif').length - 1).toBe(1);
    expect(s.split('disable vioif').length - 1).toBe(1);
    expect(differing(fs.readFileSync(path.join(dir, 'k')), fs.readFileSync(path.join(dir, 'out')))).toEqual([[stateOffset(index('vioif')), 2, 3]]);
  });
});
