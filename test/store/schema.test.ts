import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { knownMigrations } from '../../src/store/migrate.js';
import { openStore, PAGE_SIZE } from '../../src/store/open-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { LINK_FIELDS, PARAMETER_COLUMNS } from '../../src/sync/fields.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const SQL_TYPE = { text: 'TEXT', integer: 'INTEGER', boolean: 'INTEGER', json: 'TEXT' } as const;

describe('store schema', () => {
  it('migrates from zero, creating a 0600 file; a missing directory is refused, not created', async () => {
    const dir = tempDir();
    await expect(openStore(path.join(dir, 'nested', 'v.db'), { mode: 'write' })).rejects.toThrow(/^Expected the directory of database .*v\.db to exist, got no directory .*nested; create it first/);
    expect(existsSync(path.join(dir, 'nested'))).toBe(false);
    const file = path.join(dir, 'v.db');
    const store = await openStore(file, { mode: 'write' });
    const applied = store.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
    expect(applied).toEqual(await knownMigrations());
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    await store.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('vpn_link_connections has exactly the 22 fields, the 4 parameters and _ columns, with the documented types and checks', async () => {
    const store = await openStore(path.join(tempDir(), 'v.db'), { mode: 'write' });
    const cols = store.sqlite.prepare(`SELECT name, type FROM pragma_table_info('vpn_link_connections')`).all() as { name: string; type: string }[];
    const names = cols.map((c) => c.name);
    expect(names.slice(0, 22)).toEqual(LINK_FIELDS.map((f) => f.name));
    expect(names.slice(22, 26)).toEqual([...PARAMETER_COLUMNS]);
    expect(names.slice(26).every((n) => n.startsWith('_'))).toBe(true);
    expect(names.slice(26)).toEqual(['_key', '_first_seen_pull', '_last_seen_pull', '_hash', '_raw']);
    for (const f of LINK_FIELDS) expect(cols.find((c) => c.name === f.name)?.type).toBe(SQL_TYPE[f.kind]);

    const ddl = store.sqlite.prepare(`SELECT sql FROM sqlite_master WHERE name = 'vpn_link_connections'`).pluck().get() as string;
    for (const f of LINK_FIELDS) {
      if (f.kind === 'boolean') expect(ddl).toContain(`CHECK (${f.name} IN (0, 1))`);
      if (f.kind === 'json') expect(ddl).toContain(`CHECK (json_valid(${f.name}))`);
    }
    // The version table carries the same data columns.
    const vcols = (store.sqlite.prepare(`SELECT name FROM pragma_table_info('vpn_link_connection_versions')`).pluck().all() as string[]).slice(0, 26);
    expect(vcols).toEqual(names.slice(0, 26));
    await store.close();
  });

  it('creates new databases with 8 KiB pages and leaves an existing database its own', async () => {
    const fresh = await openStore(path.join(tempDir(), 'new.db'), { mode: 'write' });
    expect(fresh.sqlite.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    await fresh.close();
    const file = path.join(tempDir(), 'old.db');
    const old = new BetterSqlite3(file);
    old.pragma('page_size = 4096');
    old.exec('CREATE TABLE kysely_migration (name TEXT PRIMARY KEY, timestamp TEXT)');
    old.close();
    const reopened = await openStore(file, { mode: 'write' });
    expect(reopened.sqlite.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.sqlite.prepare('SELECT count(*) FROM kysely_migration').pluck().get()).toBe((await knownMigrations()).length);
    await reopened.close();
  });

  it('refuses a file that is not SQLite, and leaves it untouched', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(100));
    await expect(openStore(file, { mode: 'write' })).rejects.toThrow(/is not an SQLite database/);
    await expect(openStore(file, { mode: 'read' })).rejects.toBeInstanceOf(StoreError);
  });

  it('refuses a database written by a newer vpnsync', async () => {
    const file = path.join(tempDir(), 'v.db');
    (await openStore(file, { mode: 'write' })).close();
    const raw = new BetterSqlite3(file);
    raw.prepare(`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_future', '2030-01-01')`).run();
    raw.close();
    await expect(openStore(file, { mode: 'write' })).rejects.toThrow(/written by a newer vpnsync \(schema 9999_future\)/);
  });

  it('read mode on a missing file says to pull first', async () => {
    await expect(openStore(path.join(tempDir(), 'none.db'), { mode: 'read' })).rejects.toThrow(/Run `vpnsync pull` first/);
  });
});
