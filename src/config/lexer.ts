/**
 * The config(5) lexer, after NetBSD usr.bin/config/scan.l: a newline ends a statement unless the next line starts with
 * a space or tab (then it continues it), `#` starts a comment outside quotes, and words, paths, numbers and quoted
 * strings are told apart by longest match like flex does.
 */
import { ConfigError } from './errors';

/** A token's class; `punct` is any other single character (`*`, `?`, `=`, `,`, `{`, `!` ...) or `+=` / `:=`. */
export type TokenType = 'word' | 'path' | 'number' | 'string' | 'punct';

/** One token with its spelling and 1-based position. */
export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** A logical line: the exact source text (continuations included), where it starts, and its tokens. */
export interface LogicalLine {
  readonly raw: string;
  readonly line: number;
  readonly tokens: readonly Token[];
  readonly hasComment: boolean;
}

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[-A-Za-z_0-9]/;
const PATH_HEAD = /[A-Za-z_0-9]/;
const PATH_CHAR = /[-A-Za-z_0-9./]/;

/** Splits config(5) text into logical lines of tokens; throws ConfigError on a NUL byte or an unterminated string. */
export function lex(text: string, file: string): { lines: LogicalLine[]; finalNewline: boolean } {
  const lines: LogicalLine[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0; // offset of the current physical line, for columns
  let tokens: Token[] = [];
  let logicalStart = 0;
  let logicalLine = 1;
  let hasComment = false;
  const col = (at: number) => at - lineStart + 1;
  const flush = (end: number) => {
    lines.push({ raw: text.slice(logicalStart, end), line: logicalLine, tokens, hasComment });
    tokens = [];
    hasComment = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      const next = text[i + 1];
      line++;
      lineStart = i + 1;
      if (next === ' ' || next === '\t') {
        i++; // continuation: the newline is white space (scan.l: "\n[ \t]")
        continue;
      }
      flush(i);
      i++;
      logicalStart = i;
      logicalLine = line;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\0') throw new ConfigError({ file, line, column: col(i) }, 'NUL character');
    if (c === '#') {
      hasComment = true;
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] === '"' ? 2 : 1;
      if (text[j] !== '"') throw new ConfigError({ file, line, column: col(j) }, `expected closing quote, found ${j >= text.length ? 'end of file' : 'end of line'}`);
      tokens.push({ type: 'string', text: text.slice(i, j + 1), line, column: col(i) });
      i = j + 1;
      continue;
    }
    const m = longestMatch(text, i);
    if (m) {
      tokens.push({ type: m.type, text: text.slice(i, m.end), line, column: col(i) });
      i = m.end;
      continue;
    }
    const two = text.slice(i, i + 2);
    const p = two === '+=' || two === ':=' ? two : c;
    tokens.push({ type: 'punct', text: p, line, column: col(i) });
    i += p.length;
  }
  const finalNewline = text.endsWith('\n');
  if (logicalStart < text.length) flush(text.length);
  return { lines, finalNewline };
}

/** Longest of WORD, PATH and NUMBER at `i` (flex semantics; on a tie WORD wins over PATH, NUMBER over nothing). */
function longestMatch(text: string, i: number): { type: TokenType; end: number } | undefined {
  let best: { type: TokenType; end: number } | undefined;
  const offer = (type: TokenType, end: number) => {
    if (end > i && (!best || end > best.end)) best = { type, end };
  };
  if (WORD_START.test(text[i])) {
    let j = i + 1;
    while (j < text.length && WORD_CHAR.test(text[j])) j++;
    offer('word', j);
  }
  {
    let j = i;
    while (j < text.length && PATH_HEAD.test(text[j])) j++;
    if (text[j] === '.' || text[j] === '/') {
      j++;
      while (j < text.length && PATH_CHAR.test(text[j])) j++;
      offer('path', j);
    }
  }
  if (/[0-9]/.test(text[i])) {
    let j = i + 1;
    if (text[i] === '0' && (text[j] === 'x' || text[j] === 'X') && /[0-9a-fA-F]/.test(text[j + 1] ?? '')) {
      j += 1;
      while (j < text.length && /[0-9a-fA-F]/.test(text[j])) j++;
    } else if (text[i] === '0') {
      while (j < text.length && /[0-7]/.test(text[j])) j++;
    } else {
      while (j < text.length && /[0-9]/.test(text[j])) j++;
    }
    offer('number', j);
  }
  return best;
}
