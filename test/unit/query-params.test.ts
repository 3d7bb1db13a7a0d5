import { describe, expect, it } from 'vitest';
import { bindQueryParams, parseQueryParams } from '../../src/query/query-params.js';
import { tokenizeSql } from '../../src/query/sql-tokenizer.js';

describe('parseQueryParams', () => {
  it('splits at the first =, drops a sigil and keeps values as text', () => {
    expect(parseQueryParams(['site=branch-0042', ':w=10', 'q=a=b', 'e='])).toEqual({ site: 'branch-0042', w: '10', q: 'a=b', e: '' });
  });

  it.each([['noequals'], ['1x=2'], ['a-b=1'], ['=1']])('refuses %s', (p) => {
    expect(() => parseQueryParams([p])).toThrow(/Expected --param to be name=value/);
  });

  it('refuses a name given twice', () => {
    expect(() => parseQueryParams(['a=1', 'a=2'])).toThrow(/--param a is given twice/);
  });
});

describe('bindQueryParams', () => {
  const bind = (sql: string, params: Record<string, string>) => bindQueryParams(tokenizeSql(sql), params);

  it('binds :name, @name and $name, ignoring look-alikes in strings', () => {
    expect(bind(`SELECT :a, @b, $c, ':x'`, { a: '1', b: '2', c: '3' })).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('names missing and unused parameters', () => {
    expect(() => bind('SELECT :gw, :site', { gw: 'x' })).toThrow(/The query uses :site; pass --param site=…/);
    expect(() => bind('SELECT :gw', { gw: 'x', gateway: 'y' })).toThrow(/--param gateway is not used by the query \(it has :gw\)/);
  });

  it('refuses positional parameters', () => {
    expect(() => bind('SELECT ?', {})).toThrow(/Positional parameters/);
  });
});
