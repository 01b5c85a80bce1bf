/**
 * Where the editor's lines come from: a terminal (Node's readline: line editing, history, Ctrl-C),
 * a pipe (one line at a time, each echoed after its prompt so the transcript reads like a session),
 * or a command file (`-c FILE`, as OpenBSD's config -c reads one). All three answer `ask(prompt)`
 * with the next line, null at the end of input, or INTERRUPTED after Ctrl-C.
 */
import * as readline from 'node:readline';
import type { Io } from './io';

/** What ask returns after Ctrl-C. */
export const INTERRUPTED = Symbol('interrupted');

/** A source of answered prompts. */
export interface LineSource {
  /** True for a person at a terminal (errors are reported and the session goes on). */
  readonly interactive: boolean;
  ask(prompt: string): Promise<string | null | typeof INTERRUPTED>;
  /** Which line the last answer came from (1-based), for errors in scripts. */
  readonly line: number;
  close(): void;
}

/** Lines from a file's text: each prompt and answer is echoed, as a terminal would show them. */
export function scriptLines(text: string, io: Io): LineSource {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let next = 0;
  return {
    interactive: false,
    get line() {
      return next;
    },
    async ask(prompt) {
      if (next >= lines.length) {
        io.out(`${prompt}\n`);
        return null;
      }
      const line = lines[next++];
      io.out(`${prompt}${line}\n`);
      return line;
    },
    close() {},
  };
}

/**
 * Lines from standard input through readline. On a terminal (and TERM is not dumb) readline edits
 * the line and keeps a history; on a pipe or a dumb terminal it only splits lines, and each line
 * is echoed after its prompt. Ctrl-C (readline's SIGINT on a terminal, the signal otherwise)
 * answers INTERRUPTED and ends the input.
 */
export function stdinLines(io: Io): LineSource {
  const input = io.stdin!;
  const terminal = Boolean(input.isTTY) && io.stdoutIsTTY && io.env.TERM !== 'dumb';
  const rl = readline.createInterface({ input, output: terminal ? process.stdout : undefined, terminal, historySize: 1000, removeHistoryDuplicates: true });
  const queue: (string | null | typeof INTERRUPTED)[] = [];
  let waiting: ((l: string | null | typeof INTERRUPTED) => void) | undefined;
  let closed = false;
  let count = 0;
  const deliver = (l: string | null | typeof INTERRUPTED) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(l);
    } else queue.push(l);
  };
  const interrupt = () => {
    io.out('^C\n');
    deliver(INTERRUPTED);
  };
  rl.on('line', (l) => deliver(l));
  rl.on('close', () => {
    closed = true;
    deliver(null);
  });
  rl.on('SIGINT', interrupt);
  // Without a terminal readline sees no Ctrl-C: the signal comes to the process.
  if (!terminal) process.on('SIGINT', interrupt);
  return {
    interactive: Boolean(input.isTTY),
    get line() {
      return count;
    },
    async ask(prompt) {
      if (terminal && !closed) {
        rl.setPrompt(prompt);
        rl.prompt();
      } else io.out(prompt);
      const l = queue.length ? queue.shift()! : closed ? null : await new Promise<string | null | typeof INTERRUPTED>((resolve) => (waiting = resolve));
      if (typeof l === 'string') count++;
      // A pipe's lines are echoed so the transcript shows them; a terminal (even a dumb one) echoed them already.
      if (typeof l === 'string' && !input.isTTY) io.out(`${l}\n`);
      else if (l === null && !terminal) io.out('\n');
      return l;
    },
    close() {
      process.removeListener('SIGINT', interrupt);
      rl.close();
    },
  };
}
