/**
 * How big the long campaigns are. `npm test` (CI, the README) runs every kind of test with counts
 * sized for minutes on a 2-core machine; `npm run test:full` sets KPATCH_TEST_FULL=1 and runs the
 * long campaigns (SIGKILL, fuzz) at their full size. Environment variables named by a test still
 * override either size.
 */

/** True under `npm run test:full`. */
export const FULL = process.env.KPATCH_TEST_FULL === '1';

/** The count a campaign uses: `fast` under `npm test`, `full` under `npm run test:full`. */
export function sized(fast: number, full: number): number {
  return FULL ? full : fast;
}

/** Writes a campaign's statistics to stderr, only with KPATCH_TEST_VERBOSE=1, so a passing run is quiet. */
export function report(line: string): void {
  if (process.env.KPATCH_TEST_VERBOSE === '1') process.stderr.write(`${line}\n`);
}
