import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/query/query-error.js';
import { assertReadingStatement, checkReadOnlySql } from '../../src/query/read-only-guard.js';

describe('checkReadOnlySql', () => {
  it.each([
    'SELECT 1',
    'select 1;',
    '  -- comment\n  WITH a AS (SELECT 1) SELECT * FROM a',
    'VALUES (1), (2)',
    'EXPLAIN QUERY PLAN SELECT 1',
    'PRAGMA table_info(vpn_link_connections)',
    'PRAGMA main.index_list("vpn_link_connections")',
    'PRAGMA user_version',
    'PRAGMA integrity_check',
    'SELECT 1; -- trailing comment',
  ])('accepts %s', (sql) => {
    expect(checkReadOnlySql(sql).knownStatement).toBe(true);
  });

  it.each([
    ['INSERT INTO meta VALUES (1, 2)', /INSERT statements are not allowed/],
    ['update vpn_link_connections set name = 1', /UPDATE statements are not allowed/],
    ['DELETE FROM pulls', /DELETE statements/],
    ['REPLACE INTO meta VALUES (1, 2)', /REPLACE statements/],
    ['DROP TABLE pulls', /DROP statements/],
    ['CREATE TEMP VIEW v AS SELECT 1', /CREATE statements/],
    ['ALTER TABLE pulls ADD x', /ALTER statements/],
    ["ATTACH 'x.db' AS x", /ATTACH statements/],
    ['DETACH x', /DETACH statements/],
    ["VACUUM INTO '/tmp/copy.db'", /VACUUM statements/],
    ['VACUUM', /VACUUM statements/],
    ['REINDEX', /REINDEX statements/],
    ['ANALYZE', /ANALYZE statements/],
    ['BEGIN IMMEDIATE', /BEGIN statements/],
    ['SAVEPOINT s', /SAVEPOINT statements/],
    ['PRAGMA writable_schema = ON', /PRAGMA writable_schema = … changes a setting/],
    ['PRAGMA journal_mode=DELETE', /PRAGMA journal_mode = …/],
    ['PRAGMA query_only = 0', /PRAGMA query_only = …/],
    ['PRAGMA user_version(3)', /PRAGMA user_version\(…\) is not one of the reporting PRAGMAs/],
    ['PRAGMA wal_checkpoint(TRUNCATE)', /wal_checkpoint/],
    ['PRAGMA optimize', /PRAGMA optimize is not one/],
    ['EXPLAIN DELETE FROM pulls', /DELETE statements/],
    ['EXPLAIN QUERY PLAN INSERT INTO meta VALUES (1, 2)', /INSERT statements/],
  ])('refuses %s', (sql, message) => {
    expect(() => checkReadOnlySql(sql)).toThrow(message);
    try {
      checkReadOnlySql(sql);
    } catch (e) {
      expect((e as QueryError).reason).toBe('refused');
      expect((e as Error).message).toMatch(/the database was not touched$/);
    }
  });

  it('refuses more than one statement, even when all are reads', () => {
    expect(() => checkReadOnlySql('SELECT 1; SELECT 2')).toThrow(/Expected one SQL statement, got 2/);
    expect(() => checkReadOnlySql("SELECT 1; ATTACH 'x' AS y")).toThrow(/ATTACH statements are not allowed/);
    expect(() => checkReadOnlySql('CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END')).toThrow(/CREATE statements are not allowed/);
  });

  it('does not mistake keywords inside strings, identifiers or comments for statements', () => {
    expect(checkReadOnlySql(`SELECT 'DROP TABLE x; DELETE' AS "INSERT;" /* ; VACUUM */`).knownStatement).toBe(true);
  });

  it('leaves a first word that is no statement (a typo) to SQLite, to name the syntax error', () => {
    expect(checkReadOnlySql('SELEC 1').knownStatement).toBe(false);
    expect(checkReadOnlySql('(SELECT 1)').knownStatement).toBe(false);
  });

  it('refuses an empty script', () => {
    expect(() => checkReadOnlySql(' -- nothing\n ')).toThrow(/Expected an SQL statement/);
  });
});

describe('assertReadingStatement (SQLite’s own verdict)', () => {
  const open: BetterSqlite3.Database[] = [];
  afterEach(() => open.splice(0).forEach((d) => d.close()));
  const db = () => {
    const d = new BetterSqlite3(':memory:');
    d.exec('CREATE TABLE t (a)');
    open.push(d);
    return d;
  };

  it('accepts a SELECT and refuses what writes or returns no rows', () => {
    const d = db();
    expect(() => assertReadingStatement(d.prepare('SELECT * FROM t'))).not.toThrow();
    // A WITH … INSERT … RETURNING returns rows, so only sqlite3_stmt_readonly catches it.
    expect(() => assertReadingStatement(d.prepare('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x RETURNING *'))).toThrow(/would change the database/);
    expect(() => assertReadingStatement(d.prepare('PRAGMA journal_mode = DELETE'))).toThrow(/would change the database/);
    expect(() => assertReadingStatement(d.prepare('BEGIN'))).toThrow(/only statements that return rows/);
  });
});
