import { describe, expect, it } from 'vitest';
import { identifierOf, splitStatements, tokenizeSql } from '../../src/query/sql-tokenizer.js';

const kinds = (sql: string) => tokenizeSql(sql).filter((t) => t.kind !== 'space').map((t) => [t.kind, t.text]);

describe('tokenizeSql', () => {
  it('covers the input exactly', () => {
    const sql = `SELECT "a""b", 'it''s' -- c\n/* d */ FROM [t x] WHERE x = :p AND y ->> '$.z' >= 1.5e3; `;
    expect(tokenizeSql(sql).map((t) => t.text).join('')).toBe(sql);
  });

  it('keeps strings, quoted identifiers and comments whole', () => {
    expect(kinds(`SELECT 'a;b', "c;d", \`e\`, [f;g] -- h;i\n/* j;k */`)).toEqual([
      ['word', 'SELECT'], ['string', "'a;b'"], ['punct', ','], ['quoted', '"c;d"'], ['punct', ','], ['quoted', '`e`'], ['punct', ','], ['quoted', '[f;g]'],
      ['comment', '-- h;i'], ['comment', '/* j;k */'],
    ]);
  });

  it('reads parameters, numbers and multi-character operators', () => {
    expect(kinds(`:a @b $c ? ?2 0x1F .5 1e-3 <> ->> ||`)).toEqual([
      ['param', ':a'], ['param', '@b'], ['param', '$c'], ['param', '?'], ['param', '?2'], ['number', '0x1F'], ['number', '.5'], ['number', '1e-3'],
      ['punct', '<>'], ['punct', '->>'], ['punct', '||'],
    ]);
  });

  it('runs an unterminated string or comment to the end instead of failing', () => {
    expect(kinds(`SELECT 'abc`)).toEqual([['word', 'SELECT'], ['string', "'abc"]]);
    expect(kinds(`SELECT 1 /* open`)).toEqual([['word', 'SELECT'], ['number', '1'], ['comment', '/* open']]);
  });

  it('unquotes identifiers', () => {
    const [a, , b, , c] = tokenizeSql(`"x""y" [a b] \`q\``);
    expect(identifierOf(a!)).toBe('x"y');
    expect(identifierOf(b!)).toBe('a b');
    expect(identifierOf(c!)).toBe('q');
  });
});

describe('splitStatements', () => {
  it('splits on semicolons outside strings and comments, dropping empty statements', () => {
    const parts = splitStatements(tokenizeSql(`SELECT ';'; -- x;\n;; SELECT 2 /* ; */;  `));
    expect(parts.map((p) => p.map((t) => t.text).join('').trim())).toEqual([`SELECT ';'`, 'SELECT 2 /* ; */']);
  });

  it('treats a script of only comments as no statement', () => {
    expect(splitStatements(tokenizeSql(`-- nothing\n/* here */ ;`))).toEqual([]);
  });
});
