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

/** Which statement a line is; definition kinds come from files.*. */
export type StatementKind =
  | 'include' | 'cinclude' | 'package' | 'machine' | 'ident' | 'maxusers' | 'maxpartitions' | 'options'
  | 'makeoptions' | 'file-system' | 'pseudo-device' | 'select' | 'config' | 'pseudo-root' | 'instance'
  | 'no-device-at' | 'device' | 'attach' | 'define' | 'defpseudo' | 'defpseudodev' | 'deffs' | 'defflag'
  | 'defparam' | 'defopt' | 'obsolete' | 'file' | 'object' | 'device-major' | 'devclass' | 'prefix'
  | 'buildprefix' | 'version' | 'ifdef' | 'ifndef' | 'elifdef' | 'elifndef' | 'else' | 'endif' | 'major' | 'mkflagvar' | 'ioconf'
  | 'source' | 'build';

/** One logical statement (continuation lines included). */
export interface Statement extends Position {
  readonly type: 'statement';
  readonly kind: StatementKind;
  /** `no options X`, `no ld* at virtio?` ... */
  readonly negated: boolean;
  /** The `-` prefix seen on lines of NetBSD's MODULAR (`-no options X`); treated as a `no` that may match nothing. */
  readonly soft: boolean;
  readonly raw: string;
  /** Statement-specific data; see the kind. */
  readonly name?: string;
  readonly names?: readonly string[];
  readonly items?: readonly OptionItem[];
  readonly path?: string;
  readonly count?: number;
  readonly device?: DeviceRef;
  readonly parent?: DeviceRef | 'root';
  readonly locators?: readonly Locator[];
  readonly flags?: string;
  readonly disable?: boolean;
  /** device/define: the attributes after `:`; attach: the attributes it attaches at. */
  readonly attrs?: readonly string[];
  /** device/define: an interface attribute (`{...}` locator block present). */
  readonly iface?: boolean;
  /** device/define: the locators of its `{...}` block, in order. */
  readonly locatorDefs?: readonly LocatorDef[];
  /** file/object/device-major: the condition after the path (gram.y fopts); absent means always. */
  readonly cond?: Condition;
  /** include/cinclude/package: a missing file is not an error (cinclude, and `-include`). */
  readonly optional?: boolean;
  /** attach: `with NAME`. */
  readonly with?: string;
  /** machine: `machine amd64 x86 xen` → ['amd64', 'x86', 'xen']; maxusers: the numbers as text. */
  readonly args?: readonly string[];
}

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
