/**
 * The PostgreSQL schema (migrations/postgres) against a real, throwaway PostgreSQL server, held
 * to the SQLite schema as the one definition: the same tables, views and columns (as vpnsync
 * shows them), unquoted camelCase SQL that runs unchanged on both, JSON columns as jsonb exactly
 * where SQLite checks json_valid, and the same migration names.
 */
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { knownMigrations, migratePostgresToLatest, MIGRATIONS_DIRS } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { columnNameRestorer } from '../../src/store/postgres-identifiers.js';
import { CAMEL_CASE_COLUMNS } from '../../src/sync/fields.js';
import { usePostgres } from '../support/postgres-cluster.js';
import { useTempDir } from '../support/temp-dir.js';

const postgres = usePostgres();
const tempDir = useTempDir();
/** Column names as vpnsync shows them from PostgreSQL. */
const canonical = columnNameRestorer(CAMEL_CASE_COLUMNS);

type Relations = Record<string, { kind: 'table' | 'view'; columns: string[] }>;

/** SQLite's tables and views after its migrations, with their columns in order. */
function sqliteRelations(sqlite: BetterSqlite3.Database): Relations {
  const relations: Relations = {};
  const rows = sqlite.prepare(`SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).all() as { name: string; type: 'table' | 'view' }[];
  for (const { name, type } of rows) {
    relations[name] = { kind: type, columns: sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(name) as string[] };
  }
  return relations;
}

/** PostgreSQL's tables and views in the connection's schema, columns in order, names as vpnsync shows them. */
async function postgresRelations(client: pg.ClientBase): Promise<Relations> {
  const { rows } = await client.query<{ table_name: string; table_type: string; column_name: string }>(`
    SELECT t.table_name, t.table_type, c.column_name
    FROM information_schema.tables t
    JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
    WHERE t.table_schema = current_schema()
    ORDER BY t.table_name, c.ordinal_position`);
  const relations: Relations = {};
  for (const r of rows) {
    (relations[r.table_name] ??= { kind: r.table_type === 'VIEW' ? 'view' : 'table', columns: [] }).columns.push(canonical(r.column_name));
  }
  return relations;
}

/**
 * pg returns bigint (count(*), byte counters) as a string, since it may exceed 2^53; SQLite's
 * better-sqlite3 returns a number. Counts and byte counters stay far below 2^53.
 */
const numbersAsNumbers = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'];

/** A migrated PostgreSQL database (fresh, on the file's cluster), a client on it, and a migrated SQLite store to compare with. */
async function bothEngines(): Promise<{ kysely: Kysely<unknown>; client: pg.Client; store: Store; close(): Promise<void> }> {
  const url = await postgres!.database();
  const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
  try {
    await migratePostgresToLatest(kysely);
  } catch (e) {
    await kysely.destroy();
    throw e;
  }
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: numbersAsNumbers } });
  await client.connect();
  const store = await openStore(path.join(tempDir(), 'v.db'), { mode: 'write' });
  return {
    kysely,
    client,
    store,
    close: async () => {
      await client.end();
      await kysely.destroy();
      await store.close();
    },
  };
}

describe.skipIf(!postgres)('the PostgreSQL schema', () => {
  it("has SQLite's tables and views, each with SQLite's columns in SQLite's order, under the canonical names", async () => {
    const { client, store, close } = await bothEngines();
    try {
      const sqlite = sqliteRelations(store.sqlite);
      expect(Object.keys(sqlite)).toContain('vpn_link_connections_as_of');
      expect(await postgresRelations(client)).toEqual(sqlite);
    } finally {
      await close();
    }
  });

  it('runs the same unquoted camelCase SQL as SQLite, and answers alike', async () => {
    const { client, store, close } = await bothEngines();
    try {
      const id = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/vpnGateways/gw1/vpnConnections/c1/vpnLinkConnections/l1';
      const statements = [
        `INSERT INTO pulls (source, started_at, finished_at, status, scope) VALUES ('arm', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'complete', '{}')`,
        `INSERT INTO vpn_link_connections (id, name, connectionStatus, enableBgp, vpnSiteLink, subscriptionId, resourceGroupName, gatewayName, connectionName, _key, _first_seen_pull, _last_seen_pull, _hash, _raw)
         VALUES ('${id}', 'l1', 'NotConnected', 1, '{"id":"/x/vpnSiteLinks/site1"}', 's1', 'rg', 'gw1', 'c1', '${id.toLowerCase()}', 1, 1, 'h', '{}')`,
        `INSERT INTO vpn_link_connection_versions (id, name, connectionStatus, subscriptionId, resourceGroupName, gatewayName, connectionName, _key, _pull_id, _kind, _changed_columns, _hash, _raw)
         VALUES ('${id}', 'l1', 'NotConnected', 's1', 'rg', 'gw1', 'c1', '${id.toLowerCase()}', 1, 'added', '[]', 'h', '{}')`,
      ];
      for (const s of statements) {
        store.sqlite.prepare(s).run();
        await client.query(s);
      }
      const queries = [
        'SELECT connectionStatus, gatewayName FROM vpn_link_connections',
        `SELECT gatewayName, count(*) AS links FROM vpn_link_connections WHERE connectionStatus <> 'Connected' AND enableBgp = 1 GROUP BY gatewayName`,
        'SELECT _as_of_pull, connectionStatus, subscriptionId FROM vpn_link_connections_as_of WHERE _as_of_pull = 1',
      ];
      for (const q of queries) {
        const fromSqlite = store.sqlite.prepare(q).all();
        const answer = await client.query(q);
        const fromPostgres = answer.rows.map((row: Record<string, unknown>) => Object.fromEntries(answer.fields.map((f) => [canonical(f.name), row[f.name]])));
        expect(fromPostgres, q).toEqual(fromSqlite);
        expect(fromPostgres.length, q).toBe(1);
      }
      // Where the engines differ, and the README will say so: reading inside a JSON field.
      expect(store.sqlite.prepare(`SELECT json_extract(vpnSiteLink, '$.id') AS site FROM vpn_link_connections`).pluck().get()).toBe('/x/vpnSiteLinks/site1');
      expect((await client.query(`SELECT vpnSiteLink->>'id' AS site FROM vpn_link_connections`)).rows[0].site).toBe('/x/vpnSiteLinks/site1');
      // The CHECKs hold on PostgreSQL too.
      await expect(client.query(`UPDATE vpn_link_connections SET enableBgp = 2`)).rejects.toThrow(/check constraint/);
      await expect(client.query(`UPDATE vpn_link_connections SET _key = 'other'`)).rejects.toThrow(/check constraint/);
    } finally {
      await close();
    }
  });

  it("stores as jsonb exactly the columns SQLite checks with json_valid, other text as text in the C collation, integers as integers", async () => {
    const { client, store, close } = await bothEngines();
    try {
      const sqlite = new Map<string, 'json' | 'text' | 'integer'>();
      const tables = store.sqlite.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).all() as { name: string; sql: string }[];
      for (const { name, sql } of tables) {
        const json = new Set([...sql.matchAll(/json_valid\((\w+)\)/g)].map((m) => m[1]));
        for (const c of store.sqlite.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(name) as { name: string; type: string }[]) {
          sqlite.set(`${name}.${c.name}`, json.has(c.name) ? 'json' : c.type === 'INTEGER' ? 'integer' : 'text');
        }
      }
      expect([...sqlite.values()].filter((k) => k === 'json').length).toBeGreaterThanOrEqual(9);

      const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; collation_name: string | null }>(`
        SELECT c.table_name, c.column_name, c.data_type, c.collation_name
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`);
      const kinds = { jsonb: 'json', text: 'text', integer: 'integer', bigint: 'integer', 'character varying': 'text', timestamp: 'text' } as Record<string, 'json' | 'text' | 'integer'>;
      const postgresKinds = new Map(rows.map((r) => [`${r.table_name}.${canonical(r.column_name)}`, kinds[r.data_type] ?? r.data_type]));
      // Kysely's own bookkeeping tables are typed by Kysely, per engine.
      const ours = (m: Map<string, string>) => new Map([...m].filter(([k]) => !k.startsWith('kysely_')));
      expect(ours(postgresKinds)).toEqual(ours(sqlite));
      const notC = rows.filter((r) => r.data_type === 'text' && !r.table_name.startsWith('kysely_') && r.collation_name !== 'C');
      expect(notC.map((r) => `${r.table_name}.${r.column_name}`)).toEqual([]);
    } finally {
      await close();
    }
  });

  it("records SQLite's migration names, and migrating again applies nothing", async () => {
    const { kysely, client, close } = await bothEngines();
    try {
      const names = await knownMigrations(MIGRATIONS_DIRS.postgres);
      expect(names).toEqual(await knownMigrations(MIGRATIONS_DIRS.sqlite));
      const before = await client.query('SELECT name, timestamp FROM kysely_migration ORDER BY name');
      expect(before.rows.map((r: { name: string }) => r.name)).toEqual(names);
      // 0007 drops the salt 0001 inserted, as on SQLite: the fingerprint key lives outside the database.
      const meta = (await client.query('SELECT key, value FROM meta ORDER BY key')).rows as { key: string; value: string }[];
      expect(meta.map((r) => r.key)).not.toContain('shared_key_salt');

      expect((await migratePostgresToLatest(kysely)).results).toEqual([]);
      expect((await client.query('SELECT name, timestamp FROM kysely_migration ORDER BY name')).rows).toEqual(before.rows);
      expect((await client.query('SELECT key, value FROM meta ORDER BY key')).rows).toEqual(meta);
    } finally {
      await close();
    }
  });
});
