/**
 * docs/design.md's rooms, checked on the source: each folder of src/ imports only the folders
 * below it (bytes → elf → netbsd → patch | config → node → cli), only src/node/ and src/cli/
 * touch the file system or the process, only src/cli/ loads commander and chalk, and the library
 * entry (src/index.ts) never reaches into the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', '..', 'src');

/** A folder's rank: imports go to a lower rank, or to the same folder. patch and config are siblings. */
const RANK: Record<string, number> = { '.': 0, bytes: 1, elf: 2, netbsd: 3, patch: 4, config: 4, tslog: 4, edit: 5, node: 5, cli: 6 };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

/** The folder of src/ a file belongs to ('.' for src/errors.ts; 'index' for the library entry). */
function room(file: string): string {
  const rel = path.relative(SRC, file);
  if (rel === 'index.ts') return 'index';
  return rel.includes(path.sep) ? rel.split(path.sep)[0] : '.';
}

/** Every module a file imports: `from '…'`, `import('…')` and `require('…')`, type-only ones too. */
function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'([^']+)'/g)].map((m) => m[1]);
}

const files = sourceFiles(SRC).map((file) => ({ file, rel: path.relative(SRC, file), room: room(file), text: fs.readFileSync(file, 'utf8') }));

it('knows every room, and every folder of src/ is one', () => {
  for (const r of ['.', 'index', 'bytes', 'elf', 'netbsd', 'patch', 'config', 'node', 'cli']) expect(files.some((f) => f.room === r)).toBe(true);
  expect(files.filter((f) => f.room !== 'index' && RANK[f.room] === undefined).map((f) => f.rel)).toEqual([]);
});

describe.each(files.filter((f) => f.room !== 'index').map((f) => [f.rel, f] as const))('%s', (_rel, f) => {
  it('imports only from its own folder or the folders below it', () => {
    const bad = imports(f.text)
      .filter((m) => m.startsWith('.'))
      .map((m) => room(path.resolve(path.dirname(f.file), m)))
      .filter((to) => to === 'index' || (to !== f.room && RANK[to] >= RANK[f.room]));
    expect(bad).toEqual([]);
  });

  it('touches fs, the process, chalk or commander only in node/ and cli/', () => {
    const nodeModules = imports(f.text).filter((m) => !m.startsWith('.'));
    const allowed = (m: string) => {
      if (m === 'binary-parser') return true;
      if (m === 'node:fs' || m === 'node:child_process' || m === 'node:os' || m === 'node:path' || m === 'node:crypto' || m === 'node:zlib') return f.room === 'node' || f.room === 'cli';
      return f.room === 'cli'; // commander, chalk, node:vm, node:module
    };
    expect(nodeModules.filter((m) => !allowed(m))).toEqual([]);
    if (f.room !== 'node' && f.room !== 'cli') expect(f.text.match(/\bprocess\.\w+/g) ?? []).toEqual([]);
  });
});

it('the library entry exports the core and src/node/, never src/cli/', () => {
  const index = files.find((f) => f.room === 'index')!;
  expect(imports(index.text).filter((m) => m.startsWith('./cli'))).toEqual([]);
  expect(imports(index.text).filter((m) => m.startsWith('./node'))).not.toEqual([]);
});
