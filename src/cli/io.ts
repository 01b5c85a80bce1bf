/**
 * The CLI's output streams and what it knows of its terminal, behind a small interface so tests
 * can run the program in-process. Files are read and written by src/node/.
 */

/** Where the program writes, and what it knows of its terminal. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Standard input, for the commands that read it (`kpatch edit`); absent where there is none. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** The terminal's height, when standard output is one. */
  readonly rows?: number;
}

/** The real process streams. */
export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    stdin: process.stdin,
    rows: process.stdout.rows,
  };
}
