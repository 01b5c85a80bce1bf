/**
 * Runs the kpatch CLI in-process with captured streams.
 */
import { run } from '../../src/cli/program';
import type { Io } from '../../src/cli/io';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `kpatch ...args` and returns its exit code and output; colour is off. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
  };
  const code = await run(args, io);
  return { code, out, err };
}
