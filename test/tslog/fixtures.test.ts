/**
 * test/fixtures/tslog/ holds the README's example captures, generated from test/tslog/smol.ts.
 * KPATCH_UPDATE_GOLDEN=1 rewrites them; otherwise they must be exactly what the generator prints,
 * and their profile what it says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateTrace } from '../support/tslog-trace';
import { parseTrace } from '../../src/tslog/trace';
import { profileTrace } from '../../src/tslog/profile';
import { summarize } from '../../src/tslog/summary';
import { smolExtras, smolScenario } from './smol';

const DIR = path.join(__dirname, '..', 'fixtures', 'tslog');

describe.each([
  ['smol-before.txt', false],
  ['smol-after.txt', true],
] as const)('%s', (name, fixed) => {
  const want = generateTrace(smolScenario(fixed));
  const text = want.text + smolExtras(fixed, want.end);
  const file = path.join(DIR, name);
  if (process.env.KPATCH_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(file, text);
  }

  it('is what the generator prints', () => {
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('profiles as the generator says', () => {
    const s = summarize(profileTrace(parseTrace(text, name)));
    expect(s.boot.cycles).toBe(want.total);
    expect(s.waits.cycles).toBe(want.waits);
  });
});
