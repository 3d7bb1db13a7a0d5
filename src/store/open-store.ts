import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { knownMigrations, migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { StoreError } from './store-error.js';

/** An open vpnsync database: the raw better-sqlite3 handle for synchronous transactions, and Kysely over it. */
export interface Store {
  readonly file: string;
  readonly readonly: boolean;
  readonly sqlite: BetterSqlite3.Database;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** 'write' creates the file (0600) and directory (0700) and applies migrations; 'read' opens read-only. */
  mode: 'read' | 'write';
  /** How long to wait for another connection's write lock before failing, in ms. */
  busyTimeoutMs?: number;
}

/** Default wait for SQLite's write lock; pulls hold it only for their one short transaction. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (and in write mode creates and migrates) the database at `file`. Throws StoreError with
 * a user-facing message for a missing file, a file that is not SQLite, or a schema newer than
 * this vpnsync knows.
 */
export async function openStore(file: string, options: OpenStoreOptions): Promise<Store> {
  const readonly = options.mode === 'read';
  if (readonly && !existsSync(file)) {
    throw new StoreError('missing', `No database at ${file}. Run \`vpnsync pull\` first (or pass --db).`);
  }
  if (!readonly) createPrivateFile(file);

  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (e) {
    throw translateSqliteError(e, file);
  }
  try {
    // Reading the schema is the first thing that touches the file's contents: a file that
    // is not SQLite fails here rather than in the middle of a command.
    sqlite.pragma('schema_version');
    if (!readonly) {
      sqlite.pragma('journal_mode = WAL');
      // FULL: a pull's one transaction survives power loss, not only a process crash.
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite.close();
    throw translateSqliteError(e, file);
  }

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const store: Store = {
    file,
    readonly,
    sqlite,
    db,
    close: async () => {
      await db.destroy();
    },
  };
  try {
    await checkSchemaVersion(sqlite, file);
    if (!readonly) await migrateConcurrently(db as Kysely<unknown>, sqlite);
    else if (!hasTable(sqlite, 'vpn_link_connections')) {
      throw new StoreError('not-initialised', `${file} is not a vpnsync database (no vpn_link_connections table). Run \`vpnsync pull\` or \`vpnsync migrate\` first.`);
    }
  } catch (e) {
    await store.close();
    throw e instanceof StoreError ? e : translateSqliteError(e, file);
  }
  return store;
}

/**
 * Kysely's SQLite migration lock does not stop two processes (the first cron minute after an
 * install or upgrade) from both applying the same migration; the loser's transaction rolls back
 * ("table … already exists", or SQLITE_BUSY). If the winner has meanwhile applied everything,
 * that is success; otherwise try again a few times.
 */
async function migrateConcurrently(db: Kysely<unknown>, sqlite: BetterSqlite3.Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db, sqlite);
      return;
    } catch (e) {
      if (await allMigrationsApplied(sqlite)) return;
      const text = `${(e as { code?: string }).code ?? ''} ${(e as Error).message ?? ''} ${String((e as { cause?: { code?: string } }).cause?.code ?? '')}`;
      if (attempt >= 5 || !/already exists|SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(text)) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function allMigrationsApplied(sqlite: BetterSqlite3.Database): Promise<boolean> {
  if (!hasTable(sqlite, 'kysely_migration')) return false;
  const applied = new Set((sqlite.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name));
  return (await knownMigrations()).every((m) => applied.has(m));
}

/** Creates the parent directory (0700) and an empty file (0600) if missing, so nothing is ever world-readable. */
function createPrivateFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (!statSync(dir).isDirectory()) throw new StoreError('io', `Cannot create database ${file}: ${dir} is not a directory.`);
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('io', `Cannot create database ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e });
  }
}

function hasTable(sqlite: BetterSqlite3.Database, name: string): boolean {
  return sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** Refuses databases written by a newer vpnsync: running old code on them could corrupt history. */
async function checkSchemaVersion(sqlite: BetterSqlite3.Database, file: string): Promise<void> {
  if (!hasTable(sqlite, 'kysely_migration')) return;
  const applied = (sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  const known = new Set(await knownMigrations());
  const unknown = applied.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new StoreError('newer-schema', `${file} was written by a newer vpnsync (schema ${unknown[unknown.length - 1]}); upgrade vpnsync to use it.`);
  }
}

/** Maps better-sqlite3's errors to StoreError with the file name and a plain reason. */
export function translateSqliteError(e: unknown, file: string): Error {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: string }).code ?? '';
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_NOTADB' || /file is not a database/i.test(message)) {
    return new StoreError('not-a-database', `${file} is not an SQLite database.`, { cause: e });
  }
  if (code === 'SQLITE_CORRUPT') return new StoreError('not-a-database', `${file} is corrupt (${message}).`, { cause: e });
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreError('busy', `${file} is locked by another process; try again when it has finished.`, { cause: e });
  }
  if (code === 'SQLITE_CANTOPEN') return new StoreError('io', `Cannot open ${file}: ${message}.`, { cause: e });
  if (code === 'SQLITE_READONLY') return new StoreError('io', `Cannot write ${file}: it is read-only.`, { cause: e });
  if (code === 'SQLITE_FULL') return new StoreError('io', `Cannot write ${file}: the disk is full.`, { cause: e });
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR')) return new StoreError('io', `I/O error on ${file}: ${message}.`, { cause: e });
  return e instanceof Error ? e : new Error(message);
}
