/**
 * The config(5) lexer, after NetBSD usr.bin/config/scan.l: a newline ends a statement unless the next line starts with
 * a space or tab (then it continues it), `#` starts a comment outside quotes, and words, paths, numbers and quoted
 * strings are told apart by longest match like flex does. It yields one logical line at a time, so a caller that does
 * not keep the lines holds only the current one.
 */

/** A token's class; `punct` is any other single character (`*`, `?`, `=`, `,`, `{`, `!`, `|`, `&` ...) or `+=` / `:=`. */
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
  /** A lexical error on this line (NUL byte, unterminated string): the line is not a statement. */
  readonly error?: { readonly line: number; readonly column: number; readonly message: string };
}

const NL = 10;
const SP = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const QUOTE = 34;
const BSLASH = 92;

const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isAlpha(c) || isDigit(c) || c === 45; // scan.l WORD: [A-Za-z_][-A-Za-z_0-9]*
const isPathHead = (c: number) => isAlpha(c) || isDigit(c);
const isPathChar = (c: number) => isWordChar(c) || c === 46 || c === 47; // PATH: [A-Za-z_0-9]*[./][-A-Za-z_0-9./]*
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Splits config(5) text into logical lines of tokens, one at a time; errors are attached to their line, never thrown. */
export function* lexLines(text: string): Generator<LogicalLine> {
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0; // offset of the current physical line, for columns
  let tokens: Token[] = [];
  let logicalStart = 0;
  let logicalLine = 1;
  let hasComment = false;
  let error: LogicalLine['error'];
  const make = (end: number): LogicalLine => {
    const l: LogicalLine = { raw: text.slice(logicalStart, end), line: logicalLine, tokens, hasComment, ...(error ? { error } : {}) };
    tokens = [];
    hasComment = false;
    error = undefined;
    return l;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      const next = text.charCodeAt(i + 1);
      line++;
      lineStart = i + 1;
      if (next === SP || next === TAB) {
        i++; // continuation: the newline is white space (scan.l: "\n[ \t]")
        continue;
      }
      yield make(i);
      i++;
      logicalStart = i;
      logicalLine = line;
      continue;
    }
    if (c === SP || c === TAB || c === CR) {
      i++;
      continue;
    }
    if (error) {
      i++; // the rest of a bad line is skipped, as config(1)'s error recovery skips to the newline
      continue;
    }
    if (c === 0) {
      error = { line, column: i - lineStart + 1, message: 'NUL character' };
      continue;
    }
    if (c === HASH) {
      hasComment = true;
      while (i < n && text.charCodeAt(i) !== NL) i++;
      continue;
    }
    if (c === QUOTE) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== QUOTE && text.charCodeAt(j) !== NL) j += text.charCodeAt(j) === BSLASH && text.charCodeAt(j + 1) === QUOTE ? 2 : 1;
      if (text.charCodeAt(j) !== QUOTE) {
        error = { line, column: j - lineStart + 1, message: `expected closing quote, found ${j >= n ? 'end of file' : 'end of line'}` };
        i = j;
        continue;
      }
      tokens.push({ type: 'string', text: text.slice(i, j + 1), line, column: i - lineStart + 1 });
      i = j + 1;
      continue;
    }
    const m = longestMatch(text, i);
    if (m) {
      tokens.push({ type: m.type, text: text.slice(i, m.end), line, column: i - lineStart + 1 });
      i = m.end;
      continue;
    }
    const two = text.slice(i, i + 2);
    const p = two === '+=' || two === ':=' ? two : text[i];
    tokens.push({ type: 'punct', text: p, line, column: i - lineStart + 1 });
    i += p.length;
  }
  if (logicalStart < n) yield make(n);
}

/** Splits config(5) text into all its logical lines, and says whether the text ended with a newline. */
export function lex(text: string): { lines: LogicalLine[]; finalNewline: boolean } {
  return { lines: [...lexLines(text)], finalNewline: text.endsWith('\n') };
}

/** Longest of WORD, PATH and NUMBER at `i` (flex semantics; on a tie WORD wins over PATH, NUMBER over nothing). */
function longestMatch(text: string, i: number): { type: TokenType; end: number } | undefined {
  let best: { type: TokenType; end: number } | undefined;
  const n = text.length;
  const c = text.charCodeAt(i);
  if (isAlpha(c)) {
    let j = i + 1;
    while (j < n && isWordChar(text.charCodeAt(j))) j++;
    best = { type: 'word', end: j };
  }
  {
    let j = i;
    while (j < n && isPathHead(text.charCodeAt(j))) j++;
    const d = text.charCodeAt(j);
    if (d === 46 || d === 47) {
      j++;
      while (j < n && isPathChar(text.charCodeAt(j))) j++;
      if (!best || j > best.end) best = { type: 'path', end: j };
    }
  }
  if (isDigit(c)) {
    let j = i + 1;
    if (c === 48 && (text[j] === 'x' || text[j] === 'X') && isHex(text.charCodeAt(j + 1))) {
      j += 1;
      while (j < n && isHex(text.charCodeAt(j))) j++;
    } else if (c === 48) {
      while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 55) j++;
    } else {
      while (j < n && isDigit(text.charCodeAt(j))) j++;
    }
    if (!best || j > best.end) best = { type: 'number', end: j };
  }
  return best;
}
