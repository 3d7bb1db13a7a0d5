import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { knownMigrations, migrateToLatest } from './migrate.js';
import { canReadFromCopy, openInMemoryCopy } from './read-only-copy.js';
import { StoreError, translateSqliteError } from './store-error.js';

export { translateSqliteError };

/** An open vpnsync database: the better-sqlite3 handle (synchronous transactions, prepared statements). */
export interface Store {
  readonly file: string;
  readonly readonly: boolean;
  /**
   * True when a read-only open was served from an in-memory copy: a WAL database in a directory
   * this process cannot write, where SQLite cannot create the `-shm` every WAL reader needs.
   */
  readonly inMemoryCopy: boolean;
  readonly sqlite: BetterSqlite3.Database;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * 'write' creates the file (0600) in an existing directory and applies migrations; 'read' opens
   * read-only; 'rehearse' opens an existing, up-to-date database for writing without creating or
   * migrating anything, for a dry run that rolls its one transaction back (see rehearsePull).
   */
  mode: 'read' | 'write' | 'rehearse';
  /** How long to wait for another connection's write lock before failing, in ms. */
  busyTimeoutMs?: number;
  /**
   * In write mode, refuse a missing file rather than create it: for commands that change what a
   * database already holds (cancel, run the queue, prune), a typo in --db must not leave a new database behind.
   */
  mustExist?: boolean;
}

/** Page size of databases vpnsync creates (existing databases keep theirs). */
export const PAGE_SIZE = 8192;

/** Default wait for SQLite's write lock; pulls hold it only for their one short transaction. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (and in write mode creates and migrates) the database at `file`. Throws StoreError with
 * a user-facing message for a missing file, a file that is not SQLite, or a schema newer than
 * this vpnsync knows.
 */
export async function openStore(file: string, options: OpenStoreOptions): Promise<Store> {
  const readonly = options.mode === 'read';
  const rehearse = options.mode === 'rehearse';
  if ((readonly || rehearse || options.mustExist) && !existsSync(file)) {
    throw new StoreError(
      'missing',
      rehearse
        ? `No database at ${file}: a dry run compares with what is stored, and creates nothing. Run the command without --dry-run (or vpnsync migrate for an empty database) first.`
        : `No database at ${file}. Run \`vpnsync pull\` first (or pass --db).`,
    );
  }
  refuseNonRegularFile(file);
  if (options.mode === 'write') createPrivateFile(file);

  const { sqlite, inMemoryCopy } = openConnection(file, readonly, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    // Everything that refuses the file comes before the first write (WAL mode is one).
    await refuseUnusable(sqlite, file, { writing: !readonly, mustHoldData: readonly || rehearse || options.mustExist === true });
    if (rehearse && !(await allMigrationsApplied(sqlite))) {
      throw new StoreError('not-initialised', `${file} needs a schema migration first (vpnsync migrate); a dry run changes nothing, not even the schema.`);
    }
    // A rehearsal (dry run) leaves the file as it is, journal mode included.
    if (options.mode === 'write') {
      // A new database gets 8 KiB pages: a link's row is ~2.5 KB (its raw JSON and JSON
      // fields), so 4 KiB pages held one row each and were 40% empty, and every pull, which
      // rewrites every link's row, wrote that slack too (30,000 links: 298 MB → 232 MB).
      // 16 KiB pages saved little more, and raised a first pull's peak memory by ~40 MB.
      // Only settable before the first write.
      if (statSync(file).size === 0) sqlite.pragma(`page_size = ${PAGE_SIZE}`);
      sqlite.pragma('journal_mode = WAL');
      // FULL: a pull's one transaction survives power loss, not only a process crash.
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite.close();
    throw e instanceof StoreError ? e : translateSqliteError(e, file);
  }

  const store: Store = {
    file,
    readonly,
    inMemoryCopy,
    sqlite,
    close: async () => {
      if (sqlite.open) sqlite.close();
    },
  };
  try {
    // Nothing pending, nothing written: Kysely's migrator takes its lock with a write even then.
    if (options.mode === 'write' && !(await allMigrationsApplied(sqlite))) await migrateConcurrently(sqlite);
  } catch (e) {
    await store.close();
    throw e instanceof StoreError ? e : translateSqliteError(e, file);
  }
  return store;
}

/**
 * The connection, its first read of the file done: a file that is not SQLite fails here rather
 * than in the middle of a command. A read-only open that SQLite cannot do in place because the
 * directory is read-only (a WAL database's `-shm` cannot be created) reads an in-memory copy, so
 * that every read-only command (snapshots, diff, history, report, queue list and show, query)
 * works on a read-only mount or snapshot.
 */
function openConnection(file: string, readonly: boolean, timeout: number): { sqlite: BetterSqlite3.Database; inMemoryCopy: boolean } {
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    sqlite = new BetterSqlite3(file, { readonly, fileMustExist: readonly, timeout });
    sqlite.pragma('schema_version');
    return { sqlite, inMemoryCopy: false };
  } catch (e) {
    sqlite?.close();
    const error = translateSqliteError(e, file);
    if (readonly && canReadFromCopy(file, error)) return { sqlite: openInMemoryCopy(file, error), inMemoryCopy: true };
    throw error;
  }
}

/**
 * Refuses, before SQLite opens anything, a --db that is not a regular file: SQLite would block
 * on a FIFO (or socket) forever, and on /dev/null it "opens" an empty database and leaves a
 * world-writable /dev/null-journal beside it. A symlink to a regular file is fine.
 */
function refuseNonRegularFile(file: string): void {
  if (!existsSync(file)) return;
  const stat = statSync(file);
  if (stat.isFile()) return;
  if (stat.isDirectory()) throw new StoreError('not-a-file', `Cannot open ${file}: it is a directory.`);
  const what = stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'a special file';
  throw new StoreError('not-a-file', `Cannot open ${file}: it is ${what}, not a regular file; give the path of an SQLite database file.`);
}

/**
 * Kysely's SQLite migration lock does not stop two processes (the first cron minute after an
 * install or upgrade) from both applying the same migration; the loser's transaction rolls back
 * ("table … already exists", or SQLITE_BUSY). If the winner has meanwhile applied everything,
 * that is success; otherwise try again a few times.
 */
async function migrateConcurrently(sqlite: BetterSqlite3.Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(sqlite);
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
  return (await pendingMigrations(sqlite)).length === 0;
}

/** The shipped migrations the database has not applied yet, in order. */
async function pendingMigrations(sqlite: BetterSqlite3.Database): Promise<string[]> {
  const applied = hasTable(sqlite, 'kysely_migration') ? new Set(sqlite.prepare('SELECT name FROM kysely_migration').pluck().all() as string[]) : new Set<string>();
  return (await knownMigrations()).filter((m) => !applied.has(m));
}

/** What `vpnsync migrate` would do to `file`: create it or not, and which migrations it would apply. */
export interface MigrationPlan {
  create: boolean;
  applied: string[];
  pending: string[];
}

/**
 * What opening `file` for writing would do, found without writing anything (`migrate --dry-run`):
 * the same refusals (missing directory, not SQLite, another application's database, a newer
 * schema) and the migrations that would be applied.
 */
export async function planMigrations(file: string): Promise<MigrationPlan> {
  if (!existsSync(file)) {
    checkParentDirectory(file);
    return { create: true, applied: [], pending: await knownMigrations() };
  }
  refuseNonRegularFile(file);
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw translateSqliteError(e, file);
  }
  try {
    sqlite.pragma('schema_version');
    await refuseUnusable(sqlite, file, { writing: true, mustHoldData: false });
    const pending = await pendingMigrations(sqlite);
    const applied = hasTable(sqlite, 'kysely_migration') ? (sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[]) : [];
    return { create: false, applied, pending };
  } catch (e) {
    throw e instanceof StoreError ? e : translateSqliteError(e, file);
  } finally {
    sqlite.close();
  }
}

/** Refuses a database path whose directory is missing or not a directory (nothing is created for it). */
function checkParentDirectory(file: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new StoreError('missing', `Expected the directory of database ${file} to exist, got no directory ${dir}; create it first (mkdir -m 700 ${dir}) or pass another --db.`);
  if (!statSync(dir).isDirectory()) throw new StoreError('io', `Cannot create database ${file}: ${dir} is not a directory.`);
}

/**
 * Creates an empty file (0600) if missing, so nothing is ever world-readable. A missing parent
 * directory is refused: `--db /srv/vpnsnyc/x.db` is a typo far more often than a wish for a new
 * directory, and creating it would leave the real database unpulled while cron says all is well.
 */
function createPrivateFile(file: string): void {
  try {
    checkParentDirectory(file);
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('io', `Cannot create database ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e });
  }
}

/** Tables of a database that vpnsync never created (none in an empty file or a vpnsync database). */
function foreignTables(sqlite: BetterSqlite3.Database): string[] {
  if (hasTable(sqlite, 'kysely_migration')) return [];
  return sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).pluck().all() as string[];
}

function hasTable(sqlite: BetterSqlite3.Database, name: string): boolean {
  return sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/**
 * Refuses, with nothing written: a schema newer than this vpnsync knows; a file without vpnsync's
 * tables when the command needs its data; and, for writing, another application's database.
 */
async function refuseUnusable(sqlite: BetterSqlite3.Database, file: string, need: { writing: boolean; mustHoldData: boolean }): Promise<void> {
  await checkSchemaVersion(sqlite, file);
  if (need.mustHoldData && !hasTable(sqlite, 'vpn_link_connections')) {
    throw new StoreError('not-initialised', `${file} is not a vpnsync database (no vpn_link_connections table). Run \`vpnsync pull\` or \`vpnsync migrate\` first.`);
  }
  const foreign = need.writing ? foreignTables(sqlite) : [];
  if (foreign.length > 0) {
    throw new StoreError('not-initialised', `${file} is an SQLite database of something else (tables ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); vpnsync will not add its tables to it. Choose another --db.`);
  }
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
