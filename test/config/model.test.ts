import { SettingTable } from '../../src/config/model';

describe('SettingTable: settings by name without an object per setting', () => {
  const at = (line: number, file = 'K') => ({ file, line, column: 1 });
  it('keeps insertion order, moves a replaced name to the end (config(1) option list), and builds Settings on demand', () => {
    const t = new SettingTable();
    t.set('A', undefined, at(1)).set('B', '2', at(2, 'inc')).set('C', '"x"', at(3));
    t.set('A', '9', at(4));
    expect([...t.keys()]).toEqual(['B', 'C', 'A']);
    expect([...t]).toEqual([
      ['B', { value: '2', at: { file: 'inc', line: 2, column: 1 } }],
      ['C', { value: '"x"', at: { file: 'K', line: 3, column: 1 } }],
      ['A', { value: '9', at: { file: 'K', line: 4, column: 1 } }],
    ]);
    expect([t.size, t.has('B'), t.delete('B'), t.has('B'), t.size, t.get('B')]).toEqual([3, true, true, false, 2, undefined]);
  });
  it('grows past its initial capacity without losing positions', () => {
    const t = new SettingTable();
    for (let i = 1; i <= 1000; i++) t.set(`O${i}`, String(i), at(i, i % 2 ? 'odd' : 'even'));
    expect(t.get('O999')).toEqual({ value: '999', at: { file: 'odd', line: 999, column: 1 } });
    expect(t.get('O1000')).toEqual({ value: '1000', at: { file: 'even', line: 1000, column: 1 } });
    expect(t.size).toBe(1000);
  });
});
