import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/query/query-error.js';
import { tokenizeSql } from '../../src/query/sql-tokenizer.js';
import { rewriteStackqlNames, STACKQL_VIEW_IDENTIFIER } from '../../src/query/stackql-names.js';

const rewrite = (sql: string) => rewriteStackqlNames(sql, tokenizeSql(sql));
const V = STACKQL_VIEW_IDENTIFIER;

describe('rewriteStackqlNames', () => {
  it('rewrites the StackQL name in any case, quoted or spaced', () => {
    expect(rewrite('SELECT * FROM azure.network.vpn_link_connections WHERE subscriptionId = :s').sql).toBe(`SELECT * FROM ${V} WHERE subscriptionId = :s`);
    expect(rewrite('select * from AZURE.Network.VPN_LINK_CONNECTIONS').sql).toBe(`select * from ${V}`);
    expect(rewrite('SELECT * FROM "azure"."network"."vpn_link_connections" l').sql).toBe(`SELECT * FROM ${V} l`);
    expect(rewrite('SELECT * FROM `azure`.`network`.`vpn_link_connections`').sql).toBe(`SELECT * FROM ${V}`);
    expect(rewrite('SELECT * FROM [azure] . [network] . [vpn_link_connections]').sql).toBe(`SELECT * FROM ${V}`);
  });

  it('leaves the name alone inside strings and comments', () => {
    const sql = `SELECT 'azure.network.vpn_link_connections' -- azure.network.vpn_link_connections\nFROM vpn_link_connections /* azure.network.vpn_link_connections */`;
    expect(rewrite(sql)).toEqual({ sql, usesStackqlName: false });
  });

  it('rewrites every occurrence, joins and subqueries included, and keeps column qualifiers', () => {
    const sql = 'SELECT a.name FROM azure.network.vpn_link_connections a JOIN (SELECT id FROM azure.network.vpn_link_connections) b USING (id) WHERE azure.network.vpn_link_connections.name IS NOT NULL';
    expect(rewrite(sql).sql).toBe(`SELECT a.name FROM ${V} a JOIN (SELECT id FROM ${V}) b USING (id) WHERE ${V}.name IS NOT NULL`);
  });

  it('notices the single quoted identifier form, which needs no rewrite', () => {
    expect(rewrite('SELECT * FROM "azure.network.vpn_link_connections"')).toEqual({ sql: 'SELECT * FROM "azure.network.vpn_link_connections"', usesStackqlName: true });
  });

  it('does not touch ordinary schema-qualified names', () => {
    const sql = 'SELECT main.vpn_link_connections.name FROM main.vpn_link_connections';
    expect(rewrite(sql)).toEqual({ sql, usesStackqlName: false });
  });

  it('names another StackQL resource as not stored locally', () => {
    expect(() => rewrite('SELECT * FROM azure.network.vpn_gateways')).toThrow(QueryError);
    expect(() => rewrite('SELECT * FROM azure.network.vpn_gateways')).toThrow(/azure.network.vpn_gateways is not in the local store/);
  });
});
