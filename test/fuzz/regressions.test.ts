/**
 * Crashes and rule breaks the CLI fuzzer found, each pinned as the smallest mutant that showed it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/run-cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpatch-regress-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function mutant(fixture: string, edits: [number, bigint, 4 | 8][]): string {
  const b = fs.readFileSync(path.join(FIXTURES, fixture));
  for (const [at, value, width] of edits) {
    if (width === 8) b.writeBigUInt64LE(value, at);
    else b.writeUInt32LE(Number(value), at);
  }
  const file = path.join(dir, `${fixture}-${edits.map((e) => e[0].toString(16)).join('-')}`);
  fs.writeFileSync(file, b);
  return file;
}

/** stderr lines that are not warnings. */
const errorLines = (err: string) => err.split('\n').filter((l) => l && !l.startsWith('warning: '));

describe('fuzz regressions', () => {
  // seed 1, mutant 3594: a cfparent's iattr pointer aimed at cfdata itself; the "name" there is
  // pointer bytes with 0x0a in them, and the warning naming it came out as two lines.
  it('a binary interface-attribute name stays on one warning line, escaped', async () => {
    const file = mutant('netbsd-amd64-disabled', [[0x15b0, 0xffffffff80202000n, 8]]);
    const r = await runCli(['info', file]);
    expect(r.code).toBe(0);
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: no driver provides interface attribute '.*\\x0a.*'/);
    const list = await runCli(['list', file, '--json']);
    expect(list.code).toBe(0);
    expect(errorLines(list.err)).toEqual([]);
  });
});
