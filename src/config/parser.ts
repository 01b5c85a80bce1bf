/**
 * A parser for the whole config(5) language (kernel configs and the files.* definition files, NetBSD usr.bin/config
 * gram.y). It is line-oriented like config(1): each logical line is one statement, parsed on its own.
 */
import type { ConfigFile, DeviceRef, Locator, Node, OptionItem, Statement, StatementKind } from './ast';
import { ConfigError } from './errors';
import { lex, type LogicalLine, type Token } from './lexer';

type Fields = Omit<Statement, 'type' | 'kind' | 'negated' | 'soft' | 'raw' | 'file' | 'line' | 'column'>;

class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly file: string,
    private readonly line: LogicalLine,
  ) {}
  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  isWord(text?: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.type === 'word' && (text === undefined || t.text === text);
  }
  isPunct(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.type === 'punct' && t.text === text;
  }
  /** Throws `expected <what>, found <token>` at the current token (or just past the last one). */
  fail(what: string): never {
    const t = this.peek();
    if (t) throw new ConfigError({ file: this.file, line: t.line, column: t.column }, `expected ${what}, found '${t.text}'`);
    const last = this.tokens[this.tokens.length - 1];
    const at = last ? { line: last.line, column: last.column + last.text.length } : { line: this.line.line, column: 1 };
    throw new ConfigError({ file: this.file, ...at }, `expected ${what}, found end of line`);
  }
  word(what = 'a name'): string {
    if (!this.isWord()) this.fail(what);
    return this.next()!.text;
  }
  keyword(text: string): void {
    if (!this.isWord(text)) this.fail(`'${text}'`);
    this.next();
  }
  punct(text: string): void {
    if (!this.isPunct(text)) this.fail(`'${text}'`);
    this.next();
  }
  end(): void {
    if (!this.atEnd()) this.fail('end of line');
  }
  /** A value: word, number, quoted string, path, or a negative number. */
  value(what = 'a value'): string {
    const t = this.peek();
    if (t && (t.type === 'word' || t.type === 'number' || t.type === 'string' || t.type === 'path')) return this.next()!.text;
    if (t && t.type === 'punct' && t.text === '-' && this.peek(1)?.type === 'number') {
      this.next();
      return `-${this.next()!.text}`;
    }
    return this.fail(what);
  }
  /** `NAME[, NAME...]`. */
  wordList(what: string): string[] {
    const out = [this.word(what)];
    while (this.isPunct(',')) {
      this.next();
      out.push(this.word(what));
    }
    return out;
  }
  /** Everything left, spelled as in the source, for statements kpatch does not need to understand (file, object ...). */
  rest(): string[] {
    const out: string[] = [];
    while (!this.atEnd()) out.push(this.next()!.text);
    return out;
  }
}

/** Splits an instance name like config(1): trailing digits are the unit (`ld0` → ld, 0). */
function deviceRef(name: string, star: '*' | '?' | undefined): DeviceRef {
  if (star) return { name, unit: star };
  const m = /^(.*?[^0-9])([0-9]+)$/.exec(name);
  return m ? { name: m[1], unit: Number(m[2]) } : { name, unit: undefined };
}

const DEFINITION_LOCATORS = new Set(['device', 'define', 'defpseudo', 'defpseudodev']);

/** Parses a `{ [irq = -1], port }` locator block and reports whether it was present. */
function locatorBlock(c: Cursor): boolean {
  if (!c.isPunct('{')) return false;
  c.next();
  let depth = 1;
  while (depth > 0) {
    const t = c.next();
    if (!t) c.fail("'}'");
    if (t!.type === 'punct' && t!.text === '{') depth++;
    if (t!.type === 'punct' && t!.text === '}') depth--;
  }
  return true;
}

function deps(c: Cursor): string[] | undefined {
  if (!c.isPunct(':')) return undefined;
  c.next();
  return c.wordList('an attribute');
}

/** `options` items, or with `makeVariables` `makeoptions` items, whose names may also be quoted strings (gram.y `mkvarname`). */
function optionItems(c: Cursor, ops: readonly string[], makeVariables = false): OptionItem[] {
  const items: OptionItem[] = [];
  for (;;) {
    const t = c.peek();
    const quoted = makeVariables && t?.type === 'string';
    const spelling = quoted ? c.next()!.text : undefined;
    const name = spelling !== undefined ? spelling.slice(1, -1) : c.word('an option name');
    const op = c.peek();
    if (op && op.type === 'punct' && ops.includes(op.text)) {
      c.next();
      items.push({ name, ...(spelling === undefined ? {} : { spelling }), op: op.text as OptionItem['op'], value: c.value() });
    } else {
      if (makeVariables) c.fail("'=' or '+='");
      items.push({ name });
    }
    if (!c.isPunct(',')) break;
    c.next();
  }
  return items;
}

function filename(c: Cursor): string {
  const t = c.peek();
  if (t && (t.type === 'string' || t.type === 'path' || t.type === 'word')) {
    c.next();
    return t.type === 'string' ? t.text.slice(1, -1) : t.text;
  }
  return c.fail('a file name');
}

/** Parses one statement's tokens after the optional `-` and `no`. */
function parseBody(c: Cursor, negated: boolean): { kind: StatementKind; fields: Fields } {
  const head = c.peek();
  if (!head || head.type !== 'word') c.fail('a keyword or device name');
  const kw = head!.text;
  const simple = (kind: StatementKind, fields: Fields = {}) => ({ kind, fields });
  switch (kw) {
    case 'include':
    case 'cinclude':
    case 'package': {
      c.next();
      const path = filename(c);
      c.end();
      return simple(kw, { path });
    }
    case 'machine': {
      c.next();
      const args = [c.word('a machine name')];
      while (!c.atEnd()) args.push(c.word('an architecture name'));
      return simple('machine', { name: args[0], args });
    }
    case 'ident': {
      c.next();
      if (negated) return (c.end(), simple('ident'));
      const v = c.value('an ident string');
      c.end();
      return simple('ident', { name: v });
    }
    case 'maxusers':
    case 'maxpartitions': {
      c.next();
      const args: string[] = [];
      while (!c.atEnd()) {
        if (c.peek()!.type !== 'number') c.fail('a number');
        args.push(c.next()!.text);
      }
      if (args.length === 0) c.fail('a number');
      return simple(kw, { args, count: Number(args[0]) });
    }
    case 'options': {
      c.next();
      if (negated) {
        const names = c.wordList('an option name');
        c.end();
        return simple('options', { names, items: names.map((name) => ({ name })) });
      }
      const items = optionItems(c, ['=']);
      c.end();
      return simple('options', { items, names: items.map((i) => i.name) });
    }
    case 'makeoptions': {
      c.next();
      if (negated) {
        const names = c.wordList('a make variable');
        c.end();
        return simple('makeoptions', { names, items: names.map((name) => ({ name })) });
      }
      const items = optionItems(c, ['=', '+=', ':='], true);
      c.end();
      return simple('makeoptions', { items, names: items.map((i) => i.name) });
    }
    case 'file-system': {
      c.next();
      const names = c.wordList('a file system name');
      c.end();
      return simple('file-system', { names });
    }
    case 'pseudo-device': {
      c.next();
      const name = c.word('a pseudo-device name');
      let count: number | undefined;
      if (!negated && c.peek()?.type === 'number') count = Number(c.next()!.text);
      c.end();
      return simple('pseudo-device', { name, count });
    }
    case 'select': {
      c.next();
      const name = c.word('an attribute name');
      c.end();
      return simple('select', { name });
    }
    case 'pseudo-root': {
      c.next();
      const name = c.word('a device name');
      c.end();
      return simple('pseudo-root', { name });
    }
    case 'config': {
      c.next();
      const name = c.word('a kernel name');
      if (negated) return (c.end(), simple('config', { name }));
      c.keyword('root');
      optionalOn(c);
      const args = ['root', 'on', ...configSpec(c)];
      if (c.isWord('type')) {
        c.next();
        args.push('type', c.isPunct('?') ? c.next()!.text : c.word("a file system type or '?'"));
      }
      if (c.isWord('dumps')) {
        c.next();
        optionalOn(c);
        args.push('dumps', 'on', ...configSpec(c));
      }
      c.end();
      return simple('config', { name, args });
    }
    case 'device': {
      if (negated) {
        // `no device at ATTACHMENT` removes every child of that attachment
        c.next();
        c.keyword('at');
        const parent = parentRef(c);
        c.end();
        return simple('no-device-at', { parent });
      }
      break;
    }
    case 'attach': {
      c.next();
      const name = c.word('a device name');
      c.keyword('at');
      const attrs = c.wordList('an attribute');
      let withName: string | undefined;
      if (c.isWord('with')) {
        c.next();
        withName = c.word('an attachment name');
      }
      const d = deps(c);
      c.end();
      return simple('attach', { name, attrs, with: withName, names: d });
    }
    case 'defflag':
    case 'defparam':
    case 'defopt':
    case 'deffs':
    case 'obsolete': {
      c.next();
      let kind: StatementKind = kw;
      if (kw === 'obsolete') {
        const what = c.word("'defflag' or 'defparam'");
        if (what !== 'defflag' && what !== 'defparam' && what !== 'defopt' && what !== 'deffs') c.fail("'defflag' or 'defparam'");
      }
      let path: string | undefined;
      if (c.peek()?.type === 'path') path = c.next()!.text;
      const items: OptionItem[] = [];
      while (!c.atEnd() && !c.isPunct(':')) {
        const name = c.word('an option name');
        if (c.isPunct('=')) {
          c.next();
          items.push({ name, op: '=', value: c.value() });
        } else items.push({ name });
        if (c.isPunct(',')) c.next();
      }
      if (items.length === 0) c.fail('an option name');
      const d = deps(c);
      c.end();
      return { kind, fields: { path, items, names: items.map((i) => i.name), attrs: d } };
    }
    case 'file':
    case 'object': {
      c.next();
      const path = filename(c);
      return simple(kw, { path, args: c.rest() });
    }
    case 'device-major': {
      c.next();
      const name = c.word('a device name');
      return simple('device-major', { name, args: c.rest() });
    }
    case 'devclass': {
      c.next();
      const name = c.word('a device class');
      c.end();
      return simple('devclass', { name });
    }
    case 'prefix':
    case 'buildprefix': {
      c.next();
      const path = c.atEnd() ? undefined : filename(c);
      c.end();
      return simple(kw, { path });
    }
    case 'version': {
      c.next();
      if (c.peek()?.type !== 'number') c.fail('a version number');
      const v = c.next()!.text;
      c.end();
      return simple('version', { count: Number(v), args: [v] });
    }
    case 'ifdef':
    case 'ifndef':
    case 'elifdef':
    case 'elifndef': {
      c.next();
      const name = c.word('an attribute name');
      c.end();
      return simple(kw, { name });
    }
    case 'else':
    case 'endif': {
      c.next();
      c.end();
      return simple(kw);
    }
  }
  if (DEFINITION_LOCATORS.has(kw) && !negated && c.peek(1)?.type === 'word' && !c.isWord('at', 2) && !c.isPunct('*', 2)) {
    c.next();
    const name = c.word('a name');
    const iface = locatorBlock(c);
    const attrs = deps(c) ?? [];
    c.end();
    return simple(kw as StatementKind, { name, iface, attrs });
  }
  return instance(c, negated);
}

/** gram.y's on_opt: `root ?` is `root on ?`, and `dumps sd0b` is `dumps on sd0b`; args keep the `on`. */
function optionalOn(c: Cursor): void {
  if (c.isWord('on')) c.next();
}

/** `?`, a device, or `major N minor M` after `root on` / `dumps on`. */
function configSpec(c: Cursor): string[] {
  if (c.isPunct('?')) return [c.next()!.text];
  if (c.isWord('major')) {
    c.next();
    const out = ['major', c.value('a major number')];
    if (c.isWord('minor')) {
      c.next();
      out.push('minor', c.value('a minor number'));
    }
    return out;
  }
  return [c.word("a device or '?'")];
}

function parentRef(c: Cursor): DeviceRef | 'root' {
  if (c.isWord('root')) {
    c.next();
    return 'root';
  }
  const name = c.word('a parent device or attribute');
  if (c.isPunct('?') || c.isPunct('*')) return deviceRef(name, c.next()!.text as '?' | '*');
  return deviceRef(name, undefined);
}

function instance(c: Cursor, negated: boolean): { kind: StatementKind; fields: Fields } {
  const name = c.word('a keyword or device name');
  const star = c.isPunct('*') ? (c.next(), '*' as const) : undefined;
  const device = deviceRef(name, star);
  if (negated && c.atEnd()) return { kind: 'instance', fields: { device } };
  c.keyword('at');
  const parent = parentRef(c);
  const locators: Locator[] = [];
  let flags: string | undefined;
  let disable = false;
  while (!c.atEnd()) {
    if (c.isWord('flags')) {
      c.next();
      flags = c.value('a flags value');
    } else if (c.isWord('disable')) {
      c.next();
      disable = true;
    } else {
      const loc = c.word('a locator name');
      const values = [c.isPunct('?') ? c.next()!.text : c.value("a locator value or '?'")];
      while (c.isPunct(',')) {
        c.next();
        values.push(c.isPunct('?') ? c.next()!.text : c.value("a locator value or '?'"));
      }
      locators.push({ name: loc, value: values.join(',') });
    }
  }
  return { kind: 'instance', fields: { device, parent, locators, flags, disable: disable || undefined } };
}

/** Parses one logical line into a node. */
function parseLine(line: LogicalLine, file: string): Node {
  if (line.tokens.length === 0) return line.hasComment ? { type: 'comment', line: line.line, raw: line.raw } : { type: 'blank', line: line.line, raw: line.raw };
  const c = new Cursor(line.tokens, file, line);
  const first = line.tokens[0];
  let soft = false;
  if (c.isPunct('-') && c.isWord('no', 1)) {
    soft = true;
    c.next();
  }
  let negated = false;
  if (c.isWord('no') && c.peek(1) !== undefined) {
    negated = true;
    c.next();
  }
  const { kind, fields } = parseBody(c, negated);
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Fields;
  return { type: 'statement', kind, negated, soft, raw: line.raw, file, line: first.line, column: first.column, ...clean };
}

/** Parses config(5) text into a syntax tree that keeps comments, blank lines and order; throws ConfigError. */
export function parseConfig(text: string, file: string): ConfigFile {
  const { lines, finalNewline } = lex(text, file);
  const nodes = lines.map((l) => parseLine(l, file));
  checkConditionals(nodes, file);
  return { file, nodes, finalNewline };
}

/** config(1)'s scan.l errors for unbalanced ifdef/else/endif, with positions. */
function checkConditionals(nodes: readonly Node[], file: string): void {
  const stack: { line: number; column: number; sawElse: boolean }[] = [];
  for (const n of nodes) {
    if (n.type !== 'statement') continue;
    switch (n.kind) {
      case 'ifdef':
      case 'ifndef':
        stack.push({ line: n.line, column: n.column, sawElse: false });
        break;
      case 'elifdef':
      case 'elifndef':
      case 'else': {
        const top = stack[stack.length - 1];
        if (!top || top.sawElse) throw new ConfigError(n, `mismatched ${n.kind}`);
        if (n.kind === 'else') top.sawElse = true;
        break;
      }
      case 'endif':
        if (!stack.pop()) throw new ConfigError(n, 'mismatched endif');
        break;
    }
  }
  const open = stack.pop();
  if (open) throw new ConfigError({ file, ...open }, 'reached EOF while looking for endif');
}
