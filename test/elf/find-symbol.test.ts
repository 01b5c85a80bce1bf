/**
 * findSymbol searches the string table and then the raw st_name bytes; this pins it to the plain
 * definition (first defined global, else first defined local) for every name in every fixture,
 * plus a suffix-shared name, which a NUL-anchored search would miss.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memorySource } from '../../src/bytes/source';
import * as C from '../../src/elf/constants';
import { parseElf } from '../../src/elf/file';
import { allSymbols, findSymbol, loadSymbolTable, type ElfSymbol, type SymbolTable } from '../../src/elf/symbols';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const files = fs.readdirSync(FIXTURES).filter((f) => /^(netbsd-|elf-)/.test(f));

function reference(all: readonly ElfSymbol[], name: string): ElfSymbol | undefined {
  const defined = all.filter((s) => s.index > 0 && s.name === name && s.shndx !== C.SHN_UNDEF);
  return defined.find((s) => s.bind !== C.STB_LOCAL) ?? defined[0];
}

describe('findSymbol', () => {
  it.each(files)('agrees with a linear scan for every name in %s', (f) => {
    const elf = parseElf(memorySource(fs.readFileSync(path.join(FIXTURES, f))));
    const table = loadSymbolTable(elf);
    if (!table) return;
    const all = allSymbols(elf, table);
    const names = new Set(all.map((s) => s.name).filter(Boolean));
    for (const n of [...names, 'no_such_symbol', 'fdata']) expect(findSymbol(elf, table, n)?.index).toBe(reference(all, n)?.index);
  });

  it('finds a name stored as the tail of a longer one', () => {
    const elf = parseElf(memorySource(fs.readFileSync(path.join(FIXTURES, 'netbsd-amd64'))));
    const table = loadSymbolTable(elf)!;
    const cf = findSymbol(elf, table, 'cfdata')!;
    // Rewrite the string table so "cfdata" exists only inside "xcfdata": point the symbol there.
    const strings = new Uint8Array(table.strings.length + 8);
    strings.set(table.strings);
    strings.set(Buffer.from('xcfdata\0', 'latin1'), table.strings.length);
    const entries = new Uint8Array(table.entries);
    const nameField = cf.index * table.entsize;
    new DataView(entries.buffer).setUint32(nameField, table.strings.length + 1, true);
    const old = Buffer.from(table.strings).indexOf('\0cfdata\0', 0, 'latin1');
    strings.set(Buffer.from('zzzzzz', 'latin1'), old + 1); // the original "cfdata" is gone
    const patched: SymbolTable = { ...table, strings, entries };
    expect(findSymbol(elf, patched, 'cfdata')?.index).toBe(cf.index);
  });
});
