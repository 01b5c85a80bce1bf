/**
 * One name, one meaning: no name the library exports (values and types) is exported again with
 * another meaning by its `config` namespace, and every export of src/index.ts resolves.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

const INDEX = path.join(__dirname, '..', '..', 'src', 'index.ts');

function exportsOf(checker: ts.TypeChecker, symbol: ts.Symbol): Map<string, ts.Symbol> {
  return new Map(checker.getExportsOfModule(symbol).map((s) => [s.getName(), s]));
}

it('the library and its config namespace share no exported name', () => {
  const program = ts.createProgram([INDEX], { strict: true, noEmit: true, skipLibCheck: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const top = exportsOf(checker, index);
  expect(top.size).toBeGreaterThan(50);
  const configNs = checker.getAliasedSymbol(top.get('config')!);
  const config = exportsOf(checker, configNs);
  expect(config.has('parseConfig')).toBe(true);
  expect([...config.keys()].filter((name) => top.has(name))).toEqual([]);
});
