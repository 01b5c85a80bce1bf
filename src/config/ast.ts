/**
 * The config(5) syntax tree. Every node keeps its exact source text (`raw`), so printing a parsed file gives back the
 * same bytes; the typed fields are what the linter, diff and merge read.
 */

/** Where a node or token starts: 1-based line and column in `file`. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** An `options` / `makeoptions` item: `NAME`, `NAME=value`, `NAME+=value`. `value` is spelled as in the source (quotes kept). */
export interface OptionItem {
  /** The name as config(1) keys it: a quoted make variable (`makeoptions "COPTS.c"+=...`) without its quotes. */
  readonly name: string;
  /** The name as written, when it was a quoted string (gram.y `mkvarname: QSTRING | WORD`). */
  readonly spelling?: string;
  readonly op?: '=' | '+=' | ':=';
  readonly value?: string;
  /** defparam/defopt/defflag: the value `:=` gives for lint kernels (gram.y defopt: `WORD '=' value COLONEQ value`). */
  readonly lintValue?: string;
  /** A files.* conditional make option (gram.y condmkoption: `condexpr mkvarname PLUSEQ value`). */
  readonly cond?: Condition;
}

/** gram.y condexpr: attribute names joined by `|`, `&`, `!` and parentheses (file, object, makeoptions lines). */
export type Condition =
  | { readonly op: 'atom'; readonly name: string }
  | { readonly op: 'not'; readonly of: Condition }
  | { readonly op: 'and' | 'or'; readonly left: Condition; readonly right: Condition };

/** A locator declared by `define`/`device` in `{ ... }` (gram.y locdef): `[irq = -1]`, `port`, `cs[2] = {1, 2}`. */
export interface LocatorDef {
  readonly name: string;
  /** `[name = default]`: the locator may be left out of an attachment line. */
  readonly optional: boolean;
  readonly default?: string;
  /** `name[N]`: an array locator taking N values. */
  readonly size?: number;
}

/** A device locator on an attachment line: `port 0x3f8`, `dev ?`, `irq 4`. */
export interface Locator {
  readonly name: string;
  readonly value: string;
}

/** A device instance name split like config(1) does: `ld0` → ld/0, `virtio*` → virtio/'*'. */
export interface DeviceRef {
  readonly name: string;
  readonly unit: number | '*' | '?' | undefined;
}

/** What every statement has: its position, its exact text, and the `no` / `-` in front of it. */
export interface StatementBase extends Position {
  readonly type: 'statement';
  /** `no options X`, `no ld* at virtio?` ... */
  readonly negated: boolean;
  /** The `-` prefix (NetBSD's MODULAR `-no options X`, `-include`): a `no` that may match nothing, an optional include. */
  readonly soft: boolean;
  readonly raw: string;
}

/**
 * The statement bodies by kind, one per gram.y production family (docs/config.md lists them against gram.y). A
 * statement is a `StatementBase` with one of these, discriminated by `kind`.
 */
export type StatementBody =
  /** scan.l include / cinclude / package; `optional`: a missing file is skipped (cinclude, `-include`). */
  | { readonly kind: 'include' | 'cinclude' | 'package'; readonly path: string; readonly optional?: boolean }
  /** `machine amd64 x86 xen`: args are [machine, arch, subarches...]; name is the machine. */
  | { readonly kind: 'machine'; readonly name: string; readonly args: readonly string[] }
  | { readonly kind: 'ioconf' | 'select' | 'pseudo-root' | 'devclass'; readonly name: string }
  | { readonly kind: 'ifdef' | 'ifndef' | 'elifdef' | 'elifndef'; readonly name: string }
  | { readonly kind: 'source' | 'build' | 'prefix' | 'buildprefix'; readonly path?: string }
  /** `ident "X"`; `no ident` has no name. */
  | { readonly kind: 'ident'; readonly name?: string }
  /** maxusers (1 number in a config, 3 in std.*), maxpartitions, version: the numbers as text; count is the first. */
  | { readonly kind: 'maxusers' | 'maxpartitions' | 'version'; readonly count: number; readonly args: readonly string[] }
  | { readonly kind: 'options' | 'makeoptions'; readonly items: readonly OptionItem[]; readonly names: readonly string[] }
  | { readonly kind: 'file-system'; readonly names: readonly string[] }
  | { readonly kind: 'mkflagvar'; readonly names: readonly string[] }
  | { readonly kind: 'pseudo-device'; readonly name: string; readonly count?: number }
  /** `config netbsd root on ? type ?`: args are the rest, `on` always written; `no config X` has none. */
  | { readonly kind: 'config'; readonly name: string; readonly args?: readonly string[] }
  /** A device instance line, or its `no` form (then parent may be absent: `no foo*`). */
  | {
      readonly kind: 'instance';
      readonly device: DeviceRef;
      readonly parent?: DeviceRef | 'root';
      readonly locators?: readonly Locator[];
      readonly flags?: string;
      readonly disable?: boolean;
    }
  | { readonly kind: 'no-device-at'; readonly parent: DeviceRef | 'root' }
  /** device / define / defpseudo / defpseudodev: iface when a `{...}` locator block is present; attrs after `:`. */
  | {
      readonly kind: 'device' | 'define' | 'defpseudo' | 'defpseudodev';
      readonly name: string;
      readonly iface: boolean;
      readonly locatorDefs?: readonly LocatorDef[];
      readonly attrs: readonly string[];
    }
  /** `attach DEV at A, B with NAME : deps`: attrs are the at list, names the deps. */
  | { readonly kind: 'attach'; readonly name: string; readonly attrs: readonly string[]; readonly with?: string; readonly names?: readonly string[] }
  /** defflag / defparam / defopt / deffs / obsolete: path is the header, attrs the option dependencies. */
  | {
      readonly kind: 'defflag' | 'defparam' | 'defopt' | 'deffs' | 'obsolete';
      readonly path?: string;
      readonly items: readonly OptionItem[];
      readonly names: readonly string[];
      readonly attrs?: readonly string[];
    }
  /** file / object: the condition after the path (gram.y fopts; absent means always) and the flags and rule. */
  | { readonly kind: 'file' | 'object'; readonly path: string; readonly cond?: Condition; readonly args: readonly string[] }
  | { readonly kind: 'device-major'; readonly name: string; readonly cond?: Condition; readonly args: readonly string[] }
  | { readonly kind: 'major'; readonly args: readonly string[] }
  | { readonly kind: 'else' }
  | { readonly kind: 'endif' };

/** One logical statement (continuation lines included), discriminated by `kind`. */
export type Statement = StatementBase & StatementBody;

/** Which statement a line is; definition kinds come from files.*. */
export type StatementKind = StatementBody['kind'];

/** The statement of one kind (or of several). */
export type StatementOf<K extends StatementKind> = Statement & { readonly kind: K };

/** A line (or continued lines) holding only a comment. */
export interface Comment {
  readonly type: 'comment';
  readonly line: number;
  readonly raw: string;
}

/** An empty or whitespace-only line. */
export interface Blank {
  readonly type: 'blank';
  readonly line: number;
  readonly raw: string;
}

/** A line config(1) cannot parse: kept with its text and the reason, so reading goes on at the next statement. */
export interface Invalid {
  readonly type: 'invalid';
  readonly line: number;
  readonly raw: string;
  readonly error: Position & { readonly message: string };
}

export type Node = Statement | Comment | Blank | Invalid;

/** A parsed file: its nodes in order, and whether the text ended with a newline. */
export interface ConfigFile {
  readonly file: string;
  readonly nodes: readonly Node[];
  readonly finalNewline: boolean;
}
