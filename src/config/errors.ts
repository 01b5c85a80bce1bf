/** Errors raised by the config(5) toolkit. */
import { KpatchError } from '../errors';
import type { Position } from './ast';

/** A config(5) syntax error at file:line:column; the message reads `file:line:column: expected X, found Y`. */
export class ConfigError extends KpatchError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly detail: string;
  constructor(at: Position, detail: string, hint?: string) {
    super('CONFIG_SYNTAX', `${at.file}:${at.line}:${at.column}: ${detail}`, hint);
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
    this.detail = detail;
  }
}
