/**
 * The streaming before/after hash of `--json` without a write: equal to hashing the whole image
 * and a fully patched copy, for edits inside one chunk and across the 1 MiB chunk boundary.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { memorySource } from '../../src/bytes/source';
import { EditError } from '../../src/errors';
import { hashBeforeAfter } from '../../src/node/hash';
import type { Edit } from '../../src/patch/plan';
import { thrown } from '../support/errors';
import { fixturePath } from '../support/fixtures';
import { runCli } from '../support/run-cli';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1 << 20;

function image(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + (i >> 9)) & 0xff;
  return b;
}

function edit(bytes: Uint8Array, offset: number, after: number[]): Edit {
  return { offset, before: bytes.slice(offset, offset + after.length), after: Uint8Array.from(after), why: 'test' };
}

describe('hashBeforeAfter', () => {
  const bytes = image(2 * MiB + 12345);
  const cases: [string, number[]][] = [
    ['no edit', []],
    ['one byte in the first chunk', [0x3000]],
    ['a 4-byte edit across the first chunk boundary', [MiB - 2]],
    ['edits in every chunk, the last byte included', [7, MiB + 100, bytes.length - 1]],
  ];
  it.each(cases)('%s', (_name, offsets) => {
    const edits = offsets.map((o) => edit(bytes, o, o === MiB - 2 ? [0xde, 0xad, 0xbe, 0xef] : [bytes[o] ^ 0xff]));
    const patched = new Uint8Array(bytes);
    for (const e of edits) patched.set(e.after, e.offset);
    expect(hashBeforeAfter(memorySource(bytes), edits)).toEqual({ before: sha(bytes), after: sha(patched) });
    expect(sha(patched) === sha(bytes)).toBe(edits.length === 0);
  });
  it('refuses an edit whose old bytes are not there, naming its offset', () => {
    const e = edit(bytes, MiB - 1, [1, 2]);
    const wrong = { ...e, before: Uint8Array.from([e.before[0], e.before[1] ^ 1]) };
    const err = thrown(() => hashBeforeAfter(memorySource(bytes), [wrong]));
    expect(err).toBeInstanceOf(EditError);
    expect((err as EditError).code).toBe('PATCH_MISMATCH');
  });
  it('hashes an empty image', () => {
    expect(hashBeforeAfter(memorySource(new Uint8Array(0)), [])).toEqual({ before: sha(new Uint8Array(0)), after: sha(new Uint8Array(0)) });
  });
});

describe('kpatch --json without a write', () => {
  // netbsd-amd64-disabled was built from the same table with entries 4, 5, 7 and 14 disabled
  // (test/fixtures/README.md), so its sha256 is what the dry run must report as "after".
  it.each([['--dry-run'], ['--check']])('%s reports the input and the disabled fixture as before and after', async (mode) => {
    const file = (f: string) => readFileSync(fixturePath(f));
    const r = await runCli(['disable', '#4', '#5', '#7', '#14', '-k', fixturePath('netbsd-amd64'), mode, '--json']);
    expect(r.code).toBe(mode === '--check' ? 1 : 0);
    const json = JSON.parse(r.out) as { sha256Before: string; sha256After: string };
    expect([json.sha256Before, json.sha256After]).toEqual([sha(file('netbsd-amd64')), sha(file('netbsd-amd64-disabled'))]);
  });
});
