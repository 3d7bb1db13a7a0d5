import { describe, expect, it } from 'vitest';
import { createRowFormatter, defaultQueryFormat, QUERY_FORMATS, type QueryFormat } from '../../src/query/format/query-format.js';
import type { SqlValue } from '../../src/query/sql-value.js';

const COLUMNS = ['name', 'n', 'r', 'j', 'nul'];
const ROWS: SqlValue[][] = [
  ['a,b "c"', 1n, 1.5, '[{"id":"x"}]', null],
  ['', 12345678901234567890n, 2, '{}', null],
];

function render(format: QueryFormat, columns = COLUMNS, rows = ROWS): string {
  const f = createRowFormatter(format);
  return f.begin(columns) + rows.map((r) => f.row(r)).join('') + f.end();
}

describe('query output formats', () => {
  it('json: an array of objects, integers exact, JSON columns as JSON text, NULL as null', () => {
    const text = render('json');
    expect(text).toBe(
      '[\n  {"name":"a,b \\"c\\"","n":1,"r":1.5,"j":"[{\\"id\\":\\"x\\"}]","nul":null},\n  {"name":"","n":12345678901234567890,"r":2.0,"j":"{}","nul":null}\n]\n',
    );
    expect(JSON.parse(text)).toHaveLength(2);
    expect(render('json', ['a'], [])).toBe('[]\n');
  });

  it('ndjson: one object per line', () => {
    const lines = render('ndjson').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({ name: 'a,b "c"', n: 1, r: 1.5, j: '[{"id":"x"}]', nul: null });
    expect(render('ndjson', ['a'], [])).toBe('');
  });

  it('csv: header, RFC 4180 quoting, NULL empty and empty string quoted', () => {
    expect(render('csv')).toBe('name,n,r,j,nul\n"a,b ""c""",1,1.5,"[{""id"":""x""}]",\n"",12345678901234567890,2.0,{},\n');
  });

  it('table: aligned, numbers right-aligned, NULL blank', () => {
    expect(render('table', ['name', 'n'], [['gw-a', 3n], ['gateway-b', 12n], [null, null]])).toBe(
      'name        n\n---------  --\ngw-a        3\ngateway-b  12\n\n',
    );
  });

  it('md: a GitHub table with escaped pipes and line breaks', () => {
    expect(render('md', ['name', 'n'], [['a|b', 1n], ['x\ny', null]])).toBe('| name | n |\n| --- | ---: |\n| a\\|b | 1 |\n| x<br>y |  |\n');
  });

  it('line: each row vertically, names right-aligned, a blank line between rows (sqlite3 .mode line)', () => {
    expect(render('line', ['name', 'n', 'nul'], [['gw-a', 3n, null], ['x', 12n, null]])).toBe('name = gw-a\n   n = 3\n nul =\n\nname = x\n   n = 12\n nul =\n');
    expect(render('line', ['a'], [])).toBe('');
  });

  it('keeps values of repeated column names in json', () => {
    expect(JSON.parse(render('json', ['name', 'name'], [['a', 'b']]))).toEqual([{ name: 'a', name_2: 'b' }]);
  });

  it('defaults to table on a terminal and csv in a pipe', () => {
    expect(defaultQueryFormat(true)).toBe('table');
    expect(defaultQueryFormat(false)).toBe('csv');
    expect(QUERY_FORMATS).toEqual(['table', 'json', 'ndjson', 'csv', 'md', 'line']);
  });
});

describe('table format at scale', () => {
  it('renders 200,000 rows without overflowing the call stack', async () => {
    const { tableFormatter } = await import('../../src/query/format/table-formatter.js');
    const f = tableFormatter();
    f.begin(['x']);
    for (let i = 0; i < 200_000; i++) f.row([BigInt(i)]);
    const text = f.end();
    expect(text.split('\n')[2]).toBe('     0');
    expect(text.split('\n')).toHaveLength(200_003);
  });
});
