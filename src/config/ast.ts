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
  | 'buildprefix' | 'version' | 'ifdef' | 'ifndef' | 'elifdef' | 'elifndef' | 'else' | 'endif';

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

export type Node = Statement | Comment | Blank;

/** A parsed file: its nodes in order, and whether the text ended with a newline. */
export interface ConfigFile {
  readonly file: string;
  readonly nodes: readonly Node[];
  readonly finalNewline: boolean;
}
