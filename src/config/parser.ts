/**
 * One parser for the whole config(5) language, kernel configs and the files.* / std.* / majors.* definition files
 * alike (NetBSD usr.bin/config gram.y, scan.l). It is line-oriented like config(1): each logical line is one statement,
 * parsed on its own by the production its first keyword names (`PRODUCTIONS`, gram.y's `definition` and `selection`
 * alternatives as a table). A line that fails becomes an `invalid` node and parsing goes on at the next line, as
 * gram.y's `error '\n'` rules do.
 */
import type { Condition, ConfigFile, DeviceRef, Invalid, Locator, LocatorDef, Node, OptionItem, Statement, StatementBody } from './ast';
import { ConfigError } from './errors';
import { lexLines, type LogicalLine, type Token } from './lexer';

type Parsed = StatementBody;

/** Thrown inside a production; becomes an `invalid` node (or a ConfigError from parseConfig). */
class LineError extends Error {
  constructor(readonly line: number, readonly column: number, message: string) {
    super(message);
  }
}

class Cursor {
  i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly line: LogicalLine,
  ) {}
  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) this.fail('more');
    return t;
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
    if (t) throw new LineError(t.line, t.column, `expected ${what}, found '${t.text}'`);
    const last = this.tokens[this.tokens.length - 1];
    const at = last ? { line: last.line, column: last.column + last.text.length } : { line: this.line.line, column: 1 };
    throw new LineError(at.line, at.column, `expected ${what}, found end of line`);
  }
  word(what = 'a name'): string {
    if (!this.isWord()) this.fail(what);
    return this.next().text;
  }
  keyword(text: string): void {
    if (!this.isWord(text)) this.fail(`'${text}'`);
    this.next();
  }
  punct(text: string): void {
    if (!this.isPunct(text)) this.fail(`'${text}'`);
    this.next();
  }
  accept(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.next();
    return true;
  }
  end(): void {
    if (!this.atEnd()) this.fail('end of line');
  }
  number(what: string): string {
    if (this.peek()?.type !== 'number') this.fail(what);
    return this.next().text;
  }
  /** gram.y value: QSTRING, WORD, EMPTYSTRING or signed_number (a path is taken too: config(1) accepts one in strings). */
  value(what = 'a value'): string {
    const t = this.peek();
    if (t && (t.type === 'word' || t.type === 'number' || t.type === 'string' || t.type === 'path')) return this.next().text;
    if (t && t.type === 'punct' && t.text === '-' && this.peek(1)?.type === 'number') {
      this.next();
      return `-${this.next().text}`;
    }
    return this.fail(what);
  }
  /** `NAME[, NAME...]`. */
  wordList(what: string): string[] {
    const out = [this.word(what)];
    while (this.accept(',')) out.push(this.word(what));
    return out;
  }
}

/** Splits an instance name like config(1): trailing digits are the unit (`ld0` → ld, 0). */
function deviceRef(name: string, star: '*' | '?' | undefined): DeviceRef {
  if (star) return { name, unit: star };
  const m = /^(.*?[^0-9])([0-9]+)$/.exec(name);
  return m ? { name: m[1], unit: Number(m[2]) } : { name, unit: undefined };
}

/** gram.y filename: QSTRING or PATHNAME (a bare word is taken too, as scan.l's include rule takes any FILENAME). */
function filename(c: Cursor): string {
  const t = c.peek();
  if (t && (t.type === 'string' || t.type === 'path' || t.type === 'word')) {
    c.next();
    return t.type === 'string' ? t.text.slice(1, -1) : t.text;
  }
  return c.fail('a file name');
}

/** gram.y interface_opt + loclist: `{}`, `{ a, [b = -1], c[2] = {1, 2}, [d[2] = {0, 0}] }`; undefined when absent. */
function locatorDefs(c: Cursor): LocatorDef[] | undefined {
  if (!c.accept('{')) return undefined;
  const out: LocatorDef[] = [];
  if (c.accept('}')) return out;
  for (;;) {
    const optional = c.accept('[');
    const t = c.peek();
    const name = t?.type === 'string' ? c.next().text.slice(1, -1) : c.word('a locator name');
    let size: number | undefined;
    if (c.accept('[')) {
      size = Number(c.number('an array size'));
      c.punct(']');
    }
    let dflt: string | undefined;
    if (optional && !c.isPunct('=')) c.fail("'='"); // gram.y: '[' locname locdefault ']', a default is required
    if (c.accept('=')) {
      if (size !== undefined) {
        c.punct('{');
        const vals = [c.value()];
        while (c.accept(',')) vals.push(c.value());
        c.punct('}');
        dflt = vals.join(',');
      } else dflt = c.value('a default value');
    }
    if (optional) c.punct(']');
    out.push({ name, optional, ...(dflt === undefined ? {} : { default: dflt }), ...(size === undefined ? {} : { size }) });
    if (c.accept('}')) return out;
    c.punct(',');
  }
}

/** gram.y depend_list / optdepend_list: `: a, b`. */
function deps(c: Cursor): string[] | undefined {
  if (!c.accept(':')) return undefined;
  return c.wordList('an attribute');
}

/** gram.y condexpr: or of ands of `[!]atom` or `( condexpr )`. */
function condition(c: Cursor): Condition {
  let left = condAnd(c);
  while (c.accept('|')) left = { op: 'or', left, right: condAnd(c) };
  return left;
}
function condAnd(c: Cursor): Condition {
  let left = condBase(c);
  while (c.accept('&')) left = { op: 'and', left, right: condBase(c) };
  return left;
}
function condBase(c: Cursor): Condition {
  if (c.accept('!')) return { op: 'not', of: condBase(c) };
  if (c.accept('(')) {
    const e = condition(c);
    c.punct(')');
    return e;
  }
  if (isKeyword(c)) c.fail('an attribute or option name');
  return { op: 'atom', name: c.word('an attribute or option name') };
}
const startsCondition = (c: Cursor) => (c.isWord() && !isKeyword(c)) || c.isPunct('!') || c.isPunct('(');

/**
 * scan.l's keywords that can follow a condition on a file, object or device-major line; scan.l returns them as
 * their own tokens, so they are never an attribute name.
 */
const CONDITION_STOPS = new Set(['needs-flag', 'needs-count', 'compile-with', 'single', 'vector', 'char', 'block', 'linkzero']);
const isKeyword = (c: Cursor) => c.isWord() && CONDITION_STOPS.has(c.peek()?.text ?? '');

/** The words a condition names, in order (for lint: which attributes a file line depends on). */
export function conditionNames(cond: Condition | undefined): string[] {
  if (!cond) return [];
  if (cond.op === 'atom') return [cond.name];
  if (cond.op === 'not') return conditionNames(cond.of);
  return [...conditionNames(cond.left), ...conditionNames(cond.right)];
}

/** gram.y mkvarname: a quoted make variable (`"COPTS.foo.c"`) or a word. */
function mkvarname(c: Cursor): { name: string; spelling?: string } {
  if (c.peek()?.type === 'string') {
    const spelling = c.next().text;
    return { name: spelling.slice(1, -1), spelling };
  }
  return { name: c.word('a make variable') };
}

/**
 * `makeoptions` items: gram.y mkoption (`NAME = v`, `NAME += v`; kernel configs) or condmkoption (`cond NAME += v`;
 * files.*, and kernel configs too since `selection` includes `definition`). Each item is tried plain first.
 */
function makeItems(c: Cursor): OptionItem[] {
  const items: OptionItem[] = [];
  do {
    const start = c.i;
    const v = c.peek()?.type === 'string' || c.isWord() ? mkvarname(c) : undefined;
    const op = c.peek();
    if (v && op?.type === 'punct' && (op.text === '=' || op.text === '+=')) {
      c.next();
      items.push({ name: v.name, ...(v.spelling ? { spelling: v.spelling } : {}), op: op.text as '=' | '+=', value: c.value() });
      continue;
    }
    // Not `NAME op`: a condition must follow, then `NAME += value`.
    const plainFail = c.i;
    const endAfterName = c.atEnd() || c.isPunct(',');
    c.i = start;
    if (!startsCondition(c) || endAfterName) {
      c.i = plainFail;
      c.fail("'=' or '+='");
    }
    let cond: Condition;
    try {
      cond = condition(c);
    } catch {
      c.i = plainFail;
      return c.fail("'=' or '+='");
    }
    const name = mkvarname(c);
    c.punct('+=');
    items.push({ name: name.name, ...(name.spelling ? { spelling: name.spelling } : {}), op: '+=', value: c.value(), cond });
  } while (c.accept(','));
  return items;
}

/** `options` items: `NAME`, `NAME = value` (gram.y option). */
function optionItems(c: Cursor): OptionItem[] {
  const items: OptionItem[] = [];
  do {
    const name = c.word('an option name');
    if (c.accept('=')) items.push({ name, op: '=', value: c.value() });
    else items.push({ name });
  } while (c.accept(','));
  return items;
}

/** gram.y defopts: `NAME`, `NAME = v`, `NAME := lint`, `NAME = v := lint`, separated by white space (commas tolerated). */
function defItems(c: Cursor): OptionItem[] {
  const items: OptionItem[] = [];
  while (!c.atEnd() && !c.isPunct(':')) {
    const name = c.word('an option name');
    let value: string | undefined;
    let lintValue: string | undefined;
    if (c.accept('=')) value = c.value();
    if (c.accept(':=')) lintValue = c.value();
    items.push({ name, ...(value === undefined ? {} : { op: '=' as const, value }), ...(lintValue === undefined ? {} : { lintValue }) });
    c.accept(',');
  }
  if (items.length === 0) c.fail('an option name');
  return items;
}

/** gram.y on_opt: `root ?` is `root on ?`, and `dumps sd0b` is `dumps on sd0b`; args keep the `on`. */
function optionalOn(c: Cursor): void {
  if (c.isWord('on')) c.next();
}

/** gram.y dev_spec: `?`, a device, or `major N minor M`. */
function configSpec(c: Cursor): string[] {
  if (c.isPunct('?')) return [c.next().text];
  // a wedge name (`root on "wedge:system/a"`, NetBSD 8 and later)
  if (c.peek()?.type === 'string') return [c.next().text];
  if (c.isWord('major')) {
    c.next();
    const out = ['major', c.value('a major number')];
    c.keyword('minor');
    out.push('minor', c.value('a minor number'));
    return out;
  }
  return [c.word("a device or '?'")];
}

/** gram.y attachment: `root`, `NAME`, `NAME?`. */
function parentRef(c: Cursor): DeviceRef | 'root' {
  if (c.isWord('root')) {
    c.next();
    return 'root';
  }
  const name = c.word('a parent device or attribute');
  if (c.isPunct('?') || c.isPunct('*')) return deviceRef(name, c.next().text as '?' | '*');
  return deviceRef(name, undefined);
}

/** gram.y select_device_instance and the `no` forms of it: `NAME[*] at PARENT locators [flags N] [disable]`, `no NAME[*]`. */
function instance(c: Cursor, negated: boolean): Parsed {
  const name = c.word('a keyword or device name');
  const star = c.isPunct('*') ? (c.next(), '*' as const) : undefined;
  const device = deviceRef(name, star);
  if (negated && c.atEnd()) return { kind: 'instance', device };
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
      const values = [c.isPunct('?') ? c.next().text : c.value("a locator value or '?'")];
      while (c.accept(',')) values.push(c.isPunct('?') ? c.next().text : c.value("a locator value or '?'"));
      locators.push({ name: loc, value: values.join(',') });
    }
  }
  return { kind: 'instance', device, parent, locators, flags, disable: disable || undefined };
}

/** A production: parses the tokens after the keyword; `negated` is a leading `no`. Undefined = not this production. */
type Production = (c: Cursor, negated: boolean, kw: string) => Parsed | undefined;

const include: Production = (c, negated, kw) => {
  if (negated) return undefined;
  const path = filename(c);
  c.end();
  return { kind: kw === 'package' ? 'package' : kw === 'include' ? 'include' : 'cinclude', path, ...(kw === 'cinclude' ? { optional: true } : {}) };
};

const conditional: Production = (c, negated, kw) => {
  if (negated) return undefined;
  const name = c.word('an attribute name');
  c.end();
  return { kind: kw as 'ifdef' | 'ifndef' | 'elifdef' | 'elifndef', name };
};

const definesDevice: Production = (c, negated, kw) => {
  if (negated) return undefined;
  const name = c.word('a name');
  const locs = locatorDefs(c);
  const attrs = deps(c) ?? [];
  c.end();
  return { kind: kw as 'device' | 'define' | 'defpseudo' | 'defpseudodev', name, iface: locs !== undefined, ...(locs?.length ? { locatorDefs: locs } : {}), attrs };
};

const defineOption: Production = (c, negated, kw) => {
  if (negated) return undefined;
  let kind = kw;
  if (kw === 'obsolete') {
    const what = c.word("'defflag' or 'defparam'");
    if (what !== 'defflag' && what !== 'defparam') {
      c.i--;
      c.fail("'defflag' or 'defparam'");
    }
    kind = 'obsolete';
  }
  // gram.y optfile_opt: a header name (`opt_foo.h`, a PATHNAME or QSTRING) before the options; deffs has none.
  let path: string | undefined;
  const t = c.peek();
  if (kw !== 'deffs' && (t?.type === 'path' || t?.type === 'string')) path = filename(c);
  const items = defItems(c);
  const d = kw === 'obsolete' ? undefined : deps(c);
  c.end();
  return { kind: kind as 'defflag' | 'defparam' | 'defopt' | 'deffs' | 'obsolete', path, items, names: items.map((i) => i.name), attrs: d };
};

/** gram.y productions by first keyword: both the definition and the selection grammar (selection includes definition). */
const PRODUCTIONS: Record<string, Production> = {
  include,
  cinclude: include,
  package: include,
  ifdef: conditional,
  ifndef: conditional,
  elifdef: conditional,
  elifndef: conditional,
  else: (c, negated) => (negated ? undefined : (c.end(), { kind: 'else' })),
  endif: (c, negated) => (negated ? undefined : (c.end(), { kind: 'endif' })),
  machine: (c, negated) => {
    if (negated) return undefined;
    const args = [c.word('a machine name')];
    while (!c.atEnd()) args.push(c.word('an architecture name'));
    return { kind: 'machine', name: args[0], args };
  },
  ioconf: (c, negated) => {
    if (negated) return undefined;
    const name = c.word('an ioconf name');
    c.end();
    return { kind: 'ioconf', name };
  },
  source: (c, negated, kw) => {
    if (negated) return undefined;
    const path = filename(c);
    c.end();
    return { kind: kw as 'source' | 'build', path };
  },
  ident: (c, negated) => {
    if (negated) return (c.end(), { kind: 'ident' });
    const v = c.value('an ident string');
    c.end();
    return { kind: 'ident', name: v };
  },
  maxusers: (c, negated) => {
    if (negated) return undefined;
    // selection: `maxusers N`; definition (std.*): `maxusers MIN DEFAULT MAX`.
    const args = [c.number('a number')];
    while (!c.atEnd()) args.push(c.number('a number'));
    if (args.length !== 1 && args.length !== 3) c.fail('end of line');
    return { kind: 'maxusers', args, count: Number(args[0]) };
  },
  maxpartitions: (c, negated) => {
    if (negated) return undefined;
    const n = c.number('a number');
    c.end();
    return { kind: 'maxpartitions', args: [n], count: Number(n) };
  },
  options: (c, negated) => {
    if (negated) {
      const names = c.wordList('an option name');
      c.end();
      return { kind: 'options', names, items: names.map((name) => ({ name })) };
    }
    const items = optionItems(c);
    c.end();
    return { kind: 'options', items, names: items.map((i) => i.name) };
  },
  makeoptions: (c, negated) => {
    if (negated) {
      const names = c.wordList('a make variable');
      c.end();
      return { kind: 'makeoptions', names, items: names.map((name) => ({ name })) };
    }
    const items = makeItems(c);
    c.end();
    return { kind: 'makeoptions', items, names: items.map((i) => i.name) };
  },
  'file-system': (c) => {
    const names = c.wordList('a file system name');
    c.end();
    return { kind: 'file-system', names };
  },
  'pseudo-device': (c, negated) => {
    const name = c.word('a pseudo-device name');
    let count: number | undefined;
    if (!negated && c.peek()?.type === 'number') count = Number(c.next().text);
    c.end();
    return { kind: 'pseudo-device', name, count };
  },
  select: (c) => {
    const name = c.word('an attribute name');
    c.end();
    return { kind: 'select', name };
  },
  'pseudo-root': (c, negated) => {
    if (negated) return undefined;
    const name = c.word('a device name');
    if (c.isPunct('*')) c.next();
    c.end();
    return { kind: 'pseudo-root', name };
  },
  config: (c, negated) => {
    const name = c.word('a kernel name');
    if (negated) return (c.end(), { kind: 'config', name });
    c.keyword('root');
    optionalOn(c);
    const args = ['root', 'on', ...configSpec(c)];
    if (c.isWord('type')) {
      c.next();
      args.push('type', c.isPunct('?') ? c.next().text : c.word("a file system type or '?'"));
    }
    while (c.isWord('dumps')) {
      c.next();
      optionalOn(c);
      args.push('dumps', 'on', ...configSpec(c));
    }
    c.end();
    return { kind: 'config', name, args };
  },
  device: (c, negated, kw) => {
    if (!negated) return definesDevice(c, negated, kw);
    // `no device at ATTACHMENT` removes every child of that attachment (gram.y select_no_device_attachment)
    c.keyword('at');
    const parent = parentRef(c);
    c.end();
    return { kind: 'no-device-at', parent };
  },
  define: definesDevice,
  defpseudo: definesDevice,
  defpseudodev: definesDevice,
  attach: (c, negated) => {
    if (negated) return undefined;
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
    return { kind: 'attach', name, attrs, with: withName, names: d };
  },
  defflag: defineOption,
  defparam: defineOption,
  defopt: defineOption,
  deffs: defineOption,
  obsolete: defineOption,
  file: (c, negated) => {
    if (negated) return undefined;
    const path = filename(c);
    const cond = startsCondition(c) ? condition(c) : undefined;
    const args: string[] = [];
    while (isFileFlag(c)) args.push(c.next().text);
    if (c.isWord('compile-with')) {
      args.push(c.next().text, c.value('a compile rule'));
    }
    c.end();
    return { kind: 'file', path, cond, args };
  },
  object: (c, negated) => {
    if (negated) return undefined;
    const path = filename(c);
    const cond = startsCondition(c) ? condition(c) : undefined;
    const args: string[] = [];
    while (c.isWord('needs-flag')) args.push(c.next().text);
    c.end();
    return { kind: 'object', path, cond, args };
  },
  'device-major': (c, negated) => {
    if (negated) return undefined;
    const name = c.word('a device name');
    const args: string[] = [];
    for (const k of ['char', 'block']) if (c.isWord(k)) args.push(c.next().text, c.number('a major number'));
    const cond = startsCondition(c) ? condition(c) : undefined;
    // gram.y devnodes: `single`, or `vector = N[:M]`, optionally `, linkzero`
    if (c.isWord('single')) args.push(c.next().text);
    else if (c.isWord('vector')) {
      args.push(c.next().text);
      c.punct('=');
      args.push(c.number('a number'));
      if (c.accept(':')) args.push(c.number('a number'));
    }
    if (args.length && c.accept(',')) args.push(c.word("'linkzero'"));
    c.end();
    return { kind: 'device-major', name, cond, args };
  },
  devclass: (c, negated) => {
    if (negated) return undefined;
    const name = c.word('a device class');
    c.end();
    return { kind: 'devclass', name };
  },
  prefix: (c, negated, kw) => {
    if (negated) return undefined;
    const path = c.atEnd() ? undefined : filename(c);
    c.end();
    return { kind: kw as 'prefix' | 'buildprefix', path };
  },
  version: (c, negated) => {
    if (negated) return undefined;
    const v = c.number('a version number');
    c.end();
    return { kind: 'version', count: Number(v), args: [v] };
  },
  mkflagvar: (c, negated) => {
    // gram.y define_mkflagvar (NetBSD 10): options whose state is also a make variable, `mkflagvar A B ...`
    if (negated) return undefined;
    const names = [c.word('an option name')];
    while (!c.atEnd()) names.push(c.word('an option name'));
    return { kind: 'mkflagvar', names };
  },
  major: (c, negated) => {
    // gram.y define_major (old majors files): `major { dev = N, ... }`
    if (negated) return undefined;
    c.punct('{');
    const args: string[] = [];
    do {
      args.push(c.word('a device name'));
      c.punct('=');
      args.push(c.number('a major number'));
    } while (c.accept(','));
    c.punct('}');
    c.end();
    return { kind: 'major', args };
  },
};
PRODUCTIONS.build = PRODUCTIONS.source;
PRODUCTIONS.buildprefix = PRODUCTIONS.prefix;

function isFileFlag(c: Cursor): boolean {
  return c.isWord('needs-flag') || c.isWord('needs-count');
}

/** Parses one statement's tokens after the optional `-` and `no`: by the keyword's production, else as a device instance. */
function parseBody(c: Cursor, negated: boolean): Parsed {
  const head = c.peek();
  if (!head || head.type !== 'word') c.fail('a keyword or device name');
  const start = c.i;
  const production = Object.hasOwn(PRODUCTIONS, head.text) ? PRODUCTIONS[head.text] : undefined;
  if (production) {
    c.next();
    const p = production(c, negated, head.text);
    if (p) return p;
    c.i = start;
  }
  return instance(c, negated);
}

/** Parses one logical line into a node; a line config(1) would reject becomes an `invalid` node. */
function parseLine(line: LogicalLine, file: string): Node {
  if (line.error) return { type: 'invalid', line: line.line, raw: line.raw, error: { file, ...line.error } };
  if (line.tokens.length === 0) return line.hasComment ? { type: 'comment', line: line.line, raw: line.raw } : { type: 'blank', line: line.line, raw: line.raw };
  const c = new Cursor(line.tokens, line);
  const first = line.tokens[0];
  try {
    // A leading `-` (NetBSD's MODULAR: `-no options X`) makes a `no` quiet when nothing matches, and an include
    // optional (`-include`); nothing else takes it.
    let soft = false;
    if (c.isPunct('-') && (c.isWord('no', 1) || c.isWord('include', 1))) {
      soft = true;
      c.next();
    }
    let negated = false;
    if (c.isWord('no') && c.peek(1) !== undefined) {
      negated = true;
      c.next();
    }
    const body: Record<string, unknown> = { ...parseBody(c, negated) };
    if (soft && body.kind === 'include') body.optional = true;
    const st: Record<string, unknown> = { type: 'statement', negated, soft, raw: line.raw, file, line: first.line, column: first.column };
    for (const k in body) {
      const v = body[k];
      if (v !== undefined) st[k] = v;
    }
    return st as unknown as Statement;
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    return { type: 'invalid', line: line.line, raw: line.raw, error: { file, line: e.line, column: e.column, message: e.message } };
  }
}

/** Parses config(5) text node by node, without keeping them: the streaming form of {@link parseConfig}. */
export function* parseNodes(text: string, file: string): Generator<Node> {
  for (const l of lexLines(text)) yield parseLine(l, file);
}

/** Parses config(5) text into a syntax tree that keeps comments, blank lines, bad lines and order; never throws. */
export function parseConfigTolerant(text: string, file: string): ConfigFile {
  return { file, nodes: [...parseNodes(text, file)], finalNewline: text.endsWith('\n') };
}

/** Parses config(5) text into a syntax tree that keeps comments, blank lines and order; throws ConfigError at the first bad line. */
export function parseConfig(text: string, file: string): ConfigFile {
  const parsed = parseConfigTolerant(text, file);
  const bad = parsed.nodes.find((n): n is Invalid => n.type === 'invalid');
  if (bad) throw new ConfigError(bad.error, bad.error.message);
  const problem = conditionalProblems(parsed.nodes, file)[0];
  if (problem) throw new ConfigError(problem, problem.message);
  return parsed;
}

/** config(1)'s scan.l errors for unbalanced ifdef/else/endif in one file, with positions. */
export function conditionalProblems(nodes: Iterable<Node>, file: string): { file: string; line: number; column: number; message: string }[] {
  const stack: { line: number; column: number; sawElse: boolean }[] = [];
  const out: { file: string; line: number; column: number; message: string }[] = [];
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
        if (!top || top.sawElse) out.push({ file, line: n.line, column: n.column, message: `mismatched ${n.kind}` });
        else if (n.kind === 'else') top.sawElse = true;
        break;
      }
      case 'endif':
        if (!stack.pop()) out.push({ file, line: n.line, column: n.column, message: 'mismatched endif' });
        break;
    }
  }
  for (const open of stack) out.push({ file, ...open, message: 'reached EOF while looking for endif' });
  return out;
}
