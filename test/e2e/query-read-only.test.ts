import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { azureExample } from '../support/azure-spec.js';
import { readOnlyDirCopy } from '../support/read-only-dir.js';
import { runCli, runCliAsUnprivileged } from '../support/run-cli.js';


/** The database's bytes and the directory's file names (the -shm's content changes on every read, so only its presence counts). */
function snapshot(dir: string, db: string): { files: string[]; hashes: Record<string, string> } {
  const hash = (f: string) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
  return { files: readdirSync(dir).sort(), hashes: { db: hash(db), wal: hash(`${db}-wal`) } };
}

describe('vpnsync query is read-only', () => {
  let dir: string;
  let db: string;
  const query = (args: readonly string[], input?: string) => runCli(['query', '--db', db, ...args], { input });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-ro-'));
    db = path.join(dir, 'vpnsync.db');
    for (const f of ['VpnGatewayList.json', 'VpnSiteLinkConnectionGet.json']) {
      const r = await runCli(['import', '--db', db, azureExample(f)]);
      expect(r.code).toBe(EXIT.OK);
    }
  });
  afterAll(() => {
    chmodSync(dir, 0o700);
    for (const d of readdirSync(dir)) if (statSync(path.join(dir, d)).isDirectory()) chmodSync(path.join(dir, d), 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reading a cleanly closed database changes none of its bytes; SQLite only recreates its empty -wal and the -shm', async () => {
    const before = snapshot(dir, db);
    expect(before.files).toEqual(['vpnsync.db']);
    expect(await query(['SELECT count(*) AS n FROM vpn_link_connections'])).toMatchObject({ code: EXIT.OK, stdout: 'n\n2\n' });
    const after = snapshot(dir, db);
    expect(after.hashes.db).toBe(before.hashes.db);
    expect(after.files).toEqual(['vpnsync.db', 'vpnsync.db-shm', 'vpnsync.db-wal']);
    expect(statSync(`${db}-wal`).size).toBe(0);
  });

  const vacuumTarget = () => path.join(dir, 'copy.db');
  const attachTarget = () => path.join(dir, 'attached.db');
  const REFUSED: [string, RegExp][] = [
    ["INSERT INTO meta (key, value) VALUES ('x', 'y')", /INSERT statements are not allowed/],
    ["INSERT OR IGNORE INTO meta VALUES ('x', 'y')", /INSERT statements/],
    ["REPLACE INTO meta VALUES ('shared_key_salt', 'x')", /REPLACE statements/],
    ["UPDATE vpn_link_connections SET connectionStatus = 'Connected'", /UPDATE statements are not allowed/],
    ['DELETE FROM vpn_link_connections', /DELETE statements are not allowed/],
    ['  /* sneaky */ dElEtE FROM pulls', /DELETE statements/],
    ['DROP TABLE vpn_link_connection_versions', /DROP statements are not allowed/],
    ['DROP VIEW vpn_link_connections_as_of', /DROP statements/],
    ['CREATE TABLE t (a)', /CREATE statements are not allowed/],
    ['CREATE TEMP TABLE t (a)', /CREATE statements/],
    ['CREATE INDEX i ON pulls (status)', /CREATE statements/],
    ["CREATE TRIGGER tr AFTER INSERT ON pulls BEGIN DELETE FROM meta; END", /CREATE statements/],
    ['ALTER TABLE pulls ADD COLUMN x', /ALTER statements/],
    [`ATTACH '${path.join(tmpdir(), 'never')}' AS x`, /ATTACH statements are not allowed/],
    ['DETACH main', /DETACH statements/],
    ['PRAGMA writable_schema = ON', /PRAGMA writable_schema = … changes a setting/],
    ['PRAGMA writable_schema', /PRAGMA writable_schema is not one of the reporting PRAGMAs/],
    ['PRAGMA journal_mode = DELETE', /PRAGMA journal_mode = …/],
    ['PRAGMA user_version = 7', /PRAGMA user_version = …/],
    ['PRAGMA query_only = OFF', /PRAGMA query_only = …/],
    ['PRAGMA wal_checkpoint(TRUNCATE)', /PRAGMA wal_checkpoint\(…\) is not one/],
    // Table-valued PRAGMA functions that would write: once exit 1, "attempt to write a readonly database".
    ['SELECT * FROM pragma_optimize', /pragma_optimize runs PRAGMA optimize, which is not one of the reporting PRAGMAs/],
    ['SELECT * FROM pragma_wal_checkpoint', /pragma_wal_checkpoint runs PRAGMA wal_checkpoint/],
    ['SELECT * FROM "pragma_incremental_vacuum"(10)', /pragma_incremental_vacuum runs PRAGMA incremental_vacuum/],
    ['SELECT * FROM main.Pragma_Shrink_Memory', /pragma_shrink_memory runs PRAGMA shrink_memory/],
    ['SELECT (SELECT count(*) FROM pragma_optimize(0x10002)) AS n', /pragma_optimize runs/],
    ['VACUUM', /VACUUM statements are not allowed/],
    ['REINDEX', /REINDEX statements/],
    ['ANALYZE', /ANALYZE statements/],
    ['BEGIN IMMEDIATE', /BEGIN statements/],
    ['SAVEPOINT s', /SAVEPOINT statements/],
    ["WITH x AS (SELECT 'k', 'v') INSERT INTO meta SELECT * FROM x RETURNING *", /this statement would change the database/],
    ['EXPLAIN DELETE FROM pulls', /DELETE statements/],
    ['SELECT 1; DELETE FROM pulls', /DELETE statements are not allowed/],
    ['SELECT 1; SELECT 2', /Expected one SQL statement, got 2/],
  ];

  it('refuses every kind of write with exit 2, and the database bytes, its -wal and the directory stay exactly as they were', async () => {
    // A first read creates the -wal/-shm (see above); from here on nothing may change at all.
    await query(['SELECT 1']);
    const before = snapshot(dir, db);
    const cases: [string, RegExp][] = [
      ...REFUSED,
      // The two that write files even from a read-only connection, were they ever run.
      [`VACUUM INTO '${vacuumTarget()}'`, /VACUUM statements are not allowed/],
      [`EXPLAIN QUERY PLAN VACUUM INTO '${vacuumTarget()}'`, /VACUUM statements/],
      [`ATTACH '${attachTarget()}' AS a`, /ATTACH statements are not allowed/],
      [`ATTACH '${db}' AS again`, /ATTACH statements/],
      [`SELECT 1; VACUUM INTO '${vacuumTarget()}'`, /VACUUM statements are not allowed/],
    ];
    const results = await inBatches(cases, 8, ([sql]) => query([sql]));
    results.forEach((r, i) => {
      const [sql, message] = cases[i]!;
      expect({ sql, code: r.code, stdout: r.stdout }).toEqual({ sql, code: EXIT.USAGE, stdout: '' });
      expect(r.stderr, sql).toMatch(message);
      expect(r.stderr.split('\n').filter(Boolean), sql).toHaveLength(1);
    });
    // The same refusal whichever way the SQL arrives.
    const file = path.join(tmpdir(), `vpnsync-ro-${process.pid}.sql`);
    writeFileSync(file, 'DELETE FROM pulls;\n');
    try {
      expect(await query(['-f', file])).toMatchObject({ code: EXIT.USAGE, stderr: expect.stringMatching(/DELETE statements are not allowed/) });
      expect(await query([], 'DROP TABLE pulls')).toMatchObject({ code: EXIT.USAGE, stderr: expect.stringMatching(/DROP statements are not allowed/) });
    } finally {
      rmSync(file, { force: true });
    }
    // Extensions cannot be loaded from SQL.
    expect(await query(["SELECT load_extension('/tmp/nope')"])).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: SQL error: not authorized\n' });

    const after = snapshot(dir, db);
    expect(after).toEqual(before);
    expect(existsSync(vacuumTarget())).toBe(false);
    expect(existsSync(attachTarget())).toBe(false);
    const check = new BetterSqlite3(db, { readonly: true });
    try {
      expect(check.prepare('SELECT count(*) FROM vpn_link_connections').pluck().get()).toBe(2);
      expect(check.prepare("SELECT count(*) FROM meta WHERE key IN ('x', 'k')").pluck().get()).toBe(0);
    } finally {
      check.close();
    }
  });

  it('allows reads that look like writes only inside strings, identifiers and comments', async () => {
    const r = await query(['--format', 'json', `SELECT 'DELETE FROM pulls; VACUUM' AS "DROP;" -- ; ATTACH 'x' AS y`]);
    expect(r).toMatchObject({ code: EXIT.OK, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual([{ 'DROP;': 'DELETE FROM pulls; VACUUM' }]);
    expect((await query(['PRAGMA table_info(vpn_link_connections)'])).stdout).toMatch(/^cid,name,type,notnull,dflt_value,pk\n0,id,TEXT,1,,0\n/);
    expect((await query(['EXPLAIN QUERY PLAN SELECT * FROM vpn_link_connections'])).code).toBe(EXIT.OK);
    // Table-valued PRAGMA functions that only report stay allowed.
    expect(await query(["SELECT count(*) AS n FROM pragma_table_info('pulls') WHERE name = 'id'"])).toMatchObject({ code: EXIT.OK, stdout: 'n\n1\n' });
  });

  it('reads a database in a directory it cannot write (a read-only mount or snapshot) from an in-memory copy', async () => {
    const { dir: ro, copy } = readOnlyDirCopy(db, dir);
    const r = await runCliAsUnprivileged(['query', '--db', copy, 'SELECT count(*) AS n FROM azure.network.vpn_link_connections']);
    expect(r).toMatchObject({ code: EXIT.OK, stdout: 'n\n2\n', stderr: '' });
    expect(readdirSync(ro)).toEqual(['vpnsync.db']);
  });

  it('refuses, with a way out, a read-only directory whose -wal holds changes it cannot read without a -shm', async () => {
    const ro = path.join(dir, 'readonly-wal');
    mkdirSync(ro);
    const copy = path.join(ro, 'vpnsync.db');
    // A writer with an un-checkpointed transaction: the -wal holds data the main file lacks.
    const work = path.join(dir, 'work.db');
    copyFileSync(db, work);
    const writer = new BetterSqlite3(work);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("INSERT INTO meta (key, value) VALUES ('pending', 'x')").run();
    copyFileSync(work, copy);
    copyFileSync(`${work}-wal`, `${copy}-wal`);
    writer.close();
    for (const f of readdirSync(ro)) chmodSync(path.join(ro, f), 0o644);
    chmodSync(ro, 0o555);
    chmodSync(dir, 0o755);
    const r = await runCliAsUnprivileged(['query', '--db', copy, 'SELECT 1']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr).toMatch(/its directory is read-only and vpnsync.db-wal holds changes not yet in the database file.*Copy the database and its -wal file to a writable directory/);
  });
});

async function inBatches<T, R>(items: readonly T[], size: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}
