/**
 * Patch files (.kpatch): line-based, `#` comments, one operation or guard a line. Each operation
 * line is a kpatch edit command without the kernel and output options:
 *
 *   require arch amd64|i386         the kernel's architecture is one of these (arch, MACHINE_ARCH or port name)
 *   require version >= 10.0         NetBSD version comparison (>=, >, <=, <, ==, !=)
 *   require pvh                     the kernel has a PVH entry note
 *   require driver pv               cfdata has an entry for driver pv
 *   disable <selector...> [--at P] [--if-present]
 *   enable <selector...> [--at P] [--if-present]
 *   keep <selector...> [--at P] [--if-present] [--no-ancestors]
 *   change <selector...> loc=value... [flags=N] [--at P] [--if-present]
 *
 * Every guard is checked before planning; the operations of all files form one plan.
 */
import { KNOWN_ARCH_NAMES } from '../elf/target';
import { KpatchError } from '../errors';
import type { AutoconfTable } from '../netbsd/autoconf';
import { parseUserconfNumber } from '../netbsd/format';
import type { NetbsdVersion } from '../netbsd/ident';
import { type Assignment, parseAssignment } from './change';
import { parseOsrelease } from '../netbsd/ident';
import type { Operation, Origin } from './plan';

/** A guard line. */
export type Guard =
  | { readonly kind: 'arch'; readonly arches: readonly string[]; readonly origin: Origin }
  | { readonly kind: 'version'; readonly op: string; readonly version: NetbsdVersion; readonly origin: Origin }
  | { readonly kind: 'pvh'; readonly origin: Origin }
  | { readonly kind: 'driver'; readonly drivers: readonly string[]; readonly origin: Origin };

/** A parsed patch file. */
export interface PatchScript {
  readonly guards: readonly Guard[];
  readonly operations: readonly Operation[];
}

const VERSION_OPS = ['>=', '>', '<=', '<', '==', '!='] as const;

function fail(origin: Origin, message: string): KpatchError {
  return new KpatchError('PATCH_FILE', `${origin.file}:${origin.line}: ${message}`);
}

/** Splits a line into words, honouring single and double quotes (selectors like 'vio*' may be quoted). */
function words(line: string, origin: Origin): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/gy;
  const text = line.trimEnd();
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) out.push(m[1] ?? m[2] ?? m[3]);
  if (re.lastIndex < text.length) throw fail(origin, 'unbalanced quote');
  return out;
}

function parseOperation(verb: Operation['verb'], args: string[], origin: Origin): Operation {
  const selectors: string[] = [];
  let at: string | undefined;
  let ancestors: boolean | undefined;
  let ifPresent: boolean | undefined;
  const set: Assignment[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (verb === 'change' && !a.startsWith('-') && a.includes('=')) {
      try {
        set.push(parseAssignment(a, parseUserconfNumber));
      } catch (e) {
        throw fail(origin, e instanceof Error ? e.message : String(e));
      }
    } else if (a === '--at') {
      if (i + 1 >= args.length) throw fail(origin, '--at needs a parent, like --at virtio');
      at = args[++i];
    } else if (a.startsWith('--at=')) at = a.slice(5);
    else if (a === '--no-ancestors') {
      if (verb !== 'keep') throw fail(origin, '--no-ancestors goes with keep only');
      ancestors = false;
    } else if (a === '--if-present') ifPresent = true;
    else if (a.startsWith('-')) throw fail(origin, `unknown option '${a}' (patch files take --at, --if-present and, with keep, --no-ancestors)`);
    else selectors.push(a);
  }
  if (selectors.length === 0) throw fail(origin, `${verb} needs at least one selector (dev, devN, dev*, #N or a glob)`);
  if (verb !== 'change') return { verb, selectors, at, ancestors, ifPresent, origin };
  if (set.length === 0) throw fail(origin, 'change needs locator=value or flags=value, like change com0 port=0x2f8 irq=3');
  return { verb, selectors, set, at, ifPresent, origin };
}

function parseGuard(args: string[], origin: Origin): Guard {
  const [what, ...rest] = args;
  switch (what) {
    case 'arch': {
      const arches = rest.join(' ').split(/[|\s,]+/).filter(Boolean);
      if (!arches.length) throw fail(origin, 'require arch needs a name, like require arch amd64|i386');
      const bad = arches.filter((a) => !KNOWN_ARCH_NAMES.has(a));
      if (bad.length) throw fail(origin, `unknown arch '${bad[0]}' (an arch, MACHINE_ARCH or port name of the target table, like amd64, evbarm or sparc64)`);
      return { kind: 'arch', arches, origin };
    }
    case 'version': {
      const [op, v, extra] = rest;
      if (!VERSION_OPS.includes(op as (typeof VERSION_OPS)[number]) || !v || extra !== undefined) throw fail(origin, 'require version takes an operator and a version, like require version >= 10.0');
      const version = parseOsrelease(v);
      if (!version || !/^\d+\.\d+(\.\d+)?$/.test(v)) throw fail(origin, `bad version '${v}' (like 10.0 or 9.99.15)`);
      return { kind: 'version', op, version, origin };
    }
    case 'pvh':
      if (rest.length) throw fail(origin, 'require pvh takes no argument');
      return { kind: 'pvh', origin };
    case 'driver':
      if (!rest.length) throw fail(origin, 'require driver needs a driver name');
      return { kind: 'driver', drivers: rest, origin };
    default:
      throw fail(origin, `unknown guard 'require ${what ?? ''}' (arch, version, pvh or driver)`);
  }
}

/** Parses the text of one patch file named `file`. */
export function parsePatchScript(text: string, file: string): PatchScript {
  const guards: Guard[] = [];
  const operations: Operation[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const origin = { file, line: i + 1 };
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (!line.trim()) return;
    const [verb, ...args] = words(line, origin);
    if (verb === 'require') guards.push(parseGuard(args, origin));
    else if (verb === 'disable' || verb === 'enable' || verb === 'keep' || verb === 'change') operations.push(parseOperation(verb, args, origin));
    else throw fail(origin, `unknown verb '${verb}' (disable, enable, keep, change or require)`);
  });
  return { guards, operations };
}

/** What guards are checked against. */
export interface GuardFacts {
  readonly arch: string | undefined;
  /** Every name the kernel answers to (target.ts namesOf); defaults to `arch`. */
  readonly archNames?: readonly string[];
  readonly version: NetbsdVersion | undefined;
  readonly pvh: boolean;
  readonly table: AutoconfTable;
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

/** Checks every guard; throws PATCH_FILE naming the first that fails. */
export function checkGuards(guards: readonly Guard[], facts: GuardFacts): void {
  for (const g of guards) {
    switch (g.kind) {
      case 'arch':
        if (!g.arches.some((a) => (facts.archNames ?? (facts.arch ? [facts.arch] : [])).includes(a))) throw fail(g.origin, `require arch ${g.arches.join('|')} failed: the kernel is ${facts.arch ?? 'of no supported arch'}`);
        break;
      case 'version': {
        if (!facts.version) throw fail(g.origin, `require version ${g.op} ${g.version.text} failed: the kernel's NetBSD version is unknown`);
        // Compare on the encoded number without the patch digits, as osrelease does.
        const have = Math.floor(facts.version.raw / 10000);
        const want = Math.floor(g.version.raw / 10000);
        if (!compare(have, g.op, want)) throw fail(g.origin, `require version ${g.op} ${g.version.text} failed: the kernel is NetBSD ${facts.version.text}`);
        break;
      }
      case 'pvh':
        if (!facts.pvh) throw fail(g.origin, 'require pvh failed: the kernel has no PVH note');
        break;
      case 'driver': {
        const missing = g.drivers.filter((d) => !facts.table.entries.some((e) => e.driver === d));
        if (missing.length) throw fail(g.origin, `require driver ${g.drivers.join(' ')} failed: no cfdata entry for ${missing.join(', ')}`);
        break;
      }
    }
  }
}
