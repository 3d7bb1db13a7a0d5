/**
 * The key of sharedKey fingerprints lives outside the database (issue 15): a 0600 key file in the
 * config directory, or VPNSYNC_FINGERPRINT_KEY. `query` cannot read it, a database written by an
 * older vpnsync moves its salt out once without changing a stored fingerprint, and a database
 * copied without its key is refused rather than every pre-shared key reported as changed.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { MIGRATIONS_DIR, SqlFileMigrationProvider } from '../../src/store/migrate.js';
import { fingerprintWith } from '../../src/sync/normalise.js';
import { useE2e, type E2eContext } from '../support/e2e.js';
import { useTempDir } from '../support/temp-dir.js';

const start = useE2e();
const tempDir = useTempDir('vpnsync-fpkey-');
const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

const keyFileOf = (ctx: E2eContext) => path.join(ctx.dir, 'fingerprint.key');
const meta = (ctx: E2eContext, db = ctx.db) => Object.fromEntries(rowsOf<{ key: string; value: string }>(db, 'SELECT key, value FROM meta').map((r) => [r.key, r.value]));
const fingerprints = (db: string) => rowsOf<{ _key: string; sharedKey: string | null }>(db, 'SELECT _key, sharedKey FROM vpn_link_connections ORDER BY _key');
const lastPullVersions = (db: string) => rowsOf<{ _kind: string }>(db, 'SELECT _kind FROM vpn_link_connection_versions WHERE _pull_id = (SELECT max(id) FROM pulls)');

function rowsOf<T>(db: string, sql: string): T[] {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

/** A sharedKey the emulator serves, and its link's key. */
function someSharedKey(ctx: E2eContext): { key: string; secret: string } {
  const link = ctx.emulator.links().find((l) => typeof (l as unknown as { properties: { sharedKey?: unknown } }).properties.sharedKey === 'string')!;
  return { key: link.id.toLowerCase(), secret: (link as unknown as { properties: { sharedKey: string } }).properties.sharedKey };
}

/**
 * Turns `db` back into what vpnsync before migration 0007 left: schema up to 0006, the salt its
 * fingerprints were made with in `meta`, and no key id. (The rows were pulled with that salt as
 * the key, so they hold exactly the fingerprints the old code stored.)
 */
function makeOldStyle(db: string, salt: string): void {
  const conn = new BetterSqlite3(db);
  conn.exec(`DELETE FROM kysely_migration WHERE name >= '0007'`);
  conn.prepare(`DELETE FROM meta WHERE key = 'fingerprint_key_id'`).run();
  conn.prepare(`INSERT INTO meta (key, value) VALUES ('shared_key_salt', ?)`).run(salt);
  conn.close();
}

describe('the fingerprint key is kept out of the database', () => {
  it('a new database has no key in meta; the key file is created 0600 (directory 0700); query cannot show the key', async () => {
    const ctx = await start({ seed: 81, returnSharedKeys: true, size: { subscriptions: 1 } });
    const keyFile = path.join(ctx.dir, 'config', 'vpnsync', 'fingerprint.key');
    const pull = await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY_FILE: '', XDG_CONFIG_HOME: path.join(ctx.dir, 'config') } });
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    const key = readFileSync(keyFile, 'utf8').split('\n').find((l) => /^[0-9a-f]{64}$/.test(l))!;
    expect(Object.keys(meta(ctx))).not.toContain('shared_key_salt');
    const shown = await ctx.vpnsync(['query', '--format', 'json', 'SELECT * FROM meta']);
    expect(shown.code).toBe(EXIT.OK);
    expect(shown.stdout).not.toContain(key);
    expect(shown.stdout).toContain('fingerprint_key_id');
    // The stored fingerprints are made with the file's key.
    const { key: linkKey, secret } = someSharedKey(ctx);
    expect(fingerprints(ctx.db).find((r) => r._key === linkKey)?.sharedKey).toBe(fingerprintWith(key)(secret));
  });

  it('VPNSYNC_FINGERPRINT_KEY overrides the key file (none is written); a malformed one is refused without echoing it', async () => {
    const ctx = await start({ seed: 82, returnSharedKeys: true, size: { subscriptions: 1 } });
    const pull = await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: KEY_A } });
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    expect(existsSync(keyFileOf(ctx))).toBe(false);
    const { key: linkKey, secret } = someSharedKey(ctx);
    expect(fingerprints(ctx.db).find((r) => r._key === linkKey)?.sharedKey).toBe(fingerprintWith(KEY_A)(secret));

    const bad = await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: 'hunter2-not-a-key' } });
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toMatch(/^vpnsync: Expected VPNSYNC_FINGERPRINT_KEY to be a key of 64 lowercase hex digits/m);
    expect(bad.stderr).not.toContain('hunter2');
  });

  it('a database copied without its key is refused, naming the key file, with nothing written; with the key it pulls with no spurious change', async () => {
    const ctx = await start({ seed: 83, returnSharedKeys: true, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const key = readFileSync(keyFileOf(ctx), 'utf8').split('\n').find((l) => /^[0-9a-f]{64}$/.test(l))!;
    const elsewhere = tempDir();
    const copy = path.join(elsewhere, 'copy.db');
    copyFileSync(ctx.db, copy);
    const otherKeyFile = path.join(elsewhere, 'fingerprint.key');

    const refused = await ctx.vpnsync(['pull'], { db: copy, env: { VPNSYNC_FINGERPRINT_KEY_FILE: otherKeyFile } });
    expect(refused.code).toBe(EXIT.FAILURE);
    expect(refused.stderr).toMatch(new RegExp(`^vpnsync: The sharedKey fingerprints in .*copy\\.db were made with fingerprint key [0-9a-f]{16}, which is not in the key file ${otherKeyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*: the database was copied without its key`, 'm'));
    expect(refused.stderr).not.toContain(key);
    expect(rowsOf<{ n: number }>(copy, 'SELECT count(*) AS n FROM pulls')[0]!.n).toBe(1);

    const carried = await ctx.vpnsync(['pull'], { db: copy, env: { VPNSYNC_FINGERPRINT_KEY: key } });
    expect(carried.code, carried.stderr).toBe(EXIT.OK);
    expect(lastPullVersions(copy)).toEqual([]);
  });

  it('a key file others can read is refused', async () => {
    const ctx = await start({ seed: 84, size: { subscriptions: 1 } });
    writeFileSync(keyFileOf(ctx), `${KEY_B}\n`, { mode: 0o644 });
    chmodSync(keyFileOf(ctx), 0o644);
    const pull = await ctx.vpnsync(['pull']);
    expect(pull.code).toBe(EXIT.FAILURE);
    expect(pull.stderr).toMatch(/^vpnsync: The fingerprint key file .*fingerprint\.key can be read by others \(mode 0644\); run chmod 600 /m);
  });
});

describe('a database written by an older vpnsync (salt in meta) migrates once', () => {
  it('pull moves the salt into the key file and out of meta; stored fingerprints still match, so an unchanged fleet records no change', async () => {
    const ctx = await start({ seed: 85, returnSharedKeys: true, size: { subscriptions: 1 } });
    // Pulled with the salt as the key: the fingerprints the old code stored.
    expect((await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: KEY_A } })).code).toBe(EXIT.OK);
    makeOldStyle(ctx.db, KEY_A);
    const before = fingerprints(ctx.db);
    expect(before.filter((r) => r.sharedKey !== null).length).toBeGreaterThan(3);

    const pull = await ctx.vpnsync(['pull']);
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    expect(pull.stderr).toMatch(/moved the sharedKey fingerprint key out of .*vpnsync\.db \(its meta table\) into .*fingerprint\.key/);
    expect(Object.keys(meta(ctx))).not.toContain('shared_key_salt');
    expect(readFileSync(keyFileOf(ctx), 'utf8')).toContain(`\n${KEY_A}\n`);
    expect(statSync(keyFileOf(ctx)).mode & 0o777).toBe(0o600);
    expect(fingerprints(ctx.db)).toEqual(before);
    expect(lastPullVersions(ctx.db)).toEqual([]);
    expect((await ctx.vpnsync(['query', 'SELECT * FROM meta'])).stdout).not.toContain(KEY_A);

    // Once: the next pull has nothing to move.
    const again = await ctx.vpnsync(['pull']);
    expect(again.code).toBe(EXIT.OK);
    expect(again.stderr).not.toMatch(/moved the sharedKey/);
    expect(readFileSync(keyFileOf(ctx), 'utf8').split(KEY_A).length).toBe(2);
  });

  it('`vpnsync migrate` moves it too, adding it after the keys a key file already holds', async () => {
    const ctx = await start({ seed: 86, returnSharedKeys: true, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: KEY_A } })).code).toBe(EXIT.OK);
    makeOldStyle(ctx.db, KEY_A);
    writeFileSync(keyFileOf(ctx), `${KEY_B}\n`, { mode: 0o600 });
    const migrate = await ctx.vpnsync(['migrate']);
    expect(migrate.code, migrate.stderr).toBe(EXIT.OK);
    expect(readFileSync(keyFileOf(ctx), 'utf8')).toBe(`${KEY_B}\n${KEY_A}\n`);
    expect(Object.keys(meta(ctx))).not.toContain('shared_key_salt');
    const pull = await ctx.vpnsync(['pull']);
    expect(pull.code).toBe(EXIT.OK);
    expect(lastPullVersions(ctx.db)).toEqual([]);
  });

  it('with VPNSYNC_FINGERPRINT_KEY set to another key, the old database is refused and keeps its salt', async () => {
    const ctx = await start({ seed: 87, returnSharedKeys: true, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: KEY_A } })).code).toBe(EXIT.OK);
    makeOldStyle(ctx.db, KEY_A);
    const pull = await ctx.vpnsync(['pull'], { env: { VPNSYNC_FINGERPRINT_KEY: KEY_B } });
    expect(pull.code).toBe(EXIT.FAILURE);
    expect(pull.stderr).toMatch(/^vpnsync: The sharedKey fingerprints in .* were made with the key still kept in its meta table, not the one in VPNSYNC_FINGERPRINT_KEY; run this once without VPNSYNC_FINGERPRINT_KEY/m);
    expect(meta(ctx)['shared_key_salt']).toBe(KEY_A);
  });

  it('a database made by the schema before 0007 (0001 inserted a salt, nothing fingerprinted) drops it and takes the key file\'s key', async () => {
    const dir = tempDir();
    const migrations = path.join(dir, 'migrations');
    mkdirSync(migrations);
    for (const f of ['0001_init.sql', '0002_history_views.sql', '0003_actions.sql', '0004_query_indexes.sql', '0005_covering_indexes.sql', '0006_arm_answers.sql']) copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(migrations, f));
    const db = path.join(dir, 'old.db');
    const sqlite = new BetterSqlite3(db);
    const { Kysely, Migrator, SqliteDialect } = await import('kysely');
    const result = await new Migrator({ db: new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) }), provider: new SqlFileMigrationProvider(async (_db, script) => void sqlite.exec(script), migrations) }).migrateToLatest();
    expect(result.error).toBeUndefined();
    expect(sqlite.prepare(`SELECT value FROM meta WHERE key = 'shared_key_salt'`).pluck().get()).toMatch(/^[0-9a-f]{64}$/);
    sqlite.close();

    const ctx = await start({ seed: 88, returnSharedKeys: true, size: { subscriptions: 1 } });
    const pull = await ctx.vpnsync(['pull'], { db });
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    expect(Object.keys(meta(ctx, db))).not.toContain('shared_key_salt');
    const key = readFileSync(keyFileOf(ctx), 'utf8').split('\n').find((l) => /^[0-9a-f]{64}$/.test(l))!;
    const { key: linkKey, secret } = someSharedKey(ctx);
    expect(fingerprints(db).find((r) => r._key === linkKey)?.sharedKey).toBe(fingerprintWith(key)(secret));
  });
});
