import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Migration, MigrationProvider, MigrationResultSet, Migrator } from 'kysely';

/** The engines vpnsync can store in. */
export type StoreEngine = 'sqlite' | 'postgres';

/**
 * Each engine's folder of numbered, frozen `NNNN_name.sql` files (same depth from src/ and dist/).
 * Both folders hold the same migration names: kysely_migration records names, and a schema is
 * "at 0006_arm_answers" on either engine.
 */
export const MIGRATIONS_DIRS: Readonly<Record<StoreEngine, string>> = {
  sqlite: fileURLToPath(new URL('../../migrations/sqlite/', import.meta.url)),
  postgres: fileURLToPath(new URL('../../migrations/postgres/', import.meta.url)),
};

/** SQLite's migrations, which the CLI's databases (open-store.ts) use. */
export const MIGRATIONS_DIR = MIGRATIONS_DIRS.sqlite;

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

/** Runs one migration file's text (many statements) inside the Migrator's transaction `db`. */
export type RunMigrationScript = (db: Kysely<unknown>, script: string) => Promise<void>;

/**
 * Serves the .sql files of `dir` to Kysely's Migrator; `run` is how the engine runs a file of
 * many statements (see migrateToLatest and migratePostgresToLatest).
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(
    private readonly run: RunMigrationScript,
    private readonly dir: string,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(this.dir)).filter((f) => MIGRATION_FILE.test(f)).sort()) {
      const text = await readFile(path.join(this.dir, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = {
        up: (db) => this.run(db, text),
      };
    }
    return migrations;
  }
}

/** Names of the migrations shipped with this version, in order. */
export async function knownMigrations(dir: string = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => MIGRATION_FILE.test(f)).sort().map((f) => f.replace(/\.sql$/, ''));
}

/**
 * Applies pending migrations; returns Kysely's result set. Throws (with the failing migration's
 * name) when one fails; the Migrator's transaction leaves the database as it was.
 *
 * Kysely is loaded here and only here: it is some 260 modules, and loading them cost every
 * command ~0.3 s of start-up although only a database with pending migrations needs them.
 * The Kysely instance is not destroyed: that would close `sqlite`, which the caller owns.
 */
export async function migrateToLatest(sqlite: BetterSqlite3.Database): Promise<MigrationResultSet> {
  const { Kysely, Migrator, SqliteDialect } = await import('kysely');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  // better-sqlite3's `exec` accepts many statements (a prepared statement, which Kysely's SQLite
  // driver uses, takes one); it runs on the connection Kysely uses, so inside its transaction.
  const run: RunMigrationScript = async (_db, script) => {
    sqlite.exec(script);
  };
  return applyPending(new Migrator({ db, provider: new SqlFileMigrationProvider(run, MIGRATIONS_DIRS.sqlite) }));
}

/**
 * Applies pending PostgreSQL migrations (migrations/postgres) over `db`, a Kysely on
 * PostgresDialect that the caller owns and closes. Throws like migrateToLatest; PostgreSQL's
 * DDL is transactional, so a failed migration leaves the schema as it was. Kysely's Migrator
 * holds a transaction-scoped advisory lock on PostgreSQL, so hosts that migrate at once queue
 * up rather than race (SQLite needs migrateConcurrently's retries for that).
 */
export async function migratePostgresToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const { Migrator, sql } = await import('kysely');
  // A query without parameters goes through PostgreSQL's simple protocol, which runs a whole
  // file of statements at once, on the Migrator's transaction's connection.
  const run: RunMigrationScript = async (tx, script) => {
    await sql.raw(script).execute(tx);
  };
  return applyPending(new Migrator({ db, provider: new SqlFileMigrationProvider(run, MIGRATIONS_DIRS.postgres) }));
}

async function applyPending(migrator: Migrator): Promise<MigrationResultSet> {
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${errorMessage(result.error)}`, { cause: result.error });
  }
  return result;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
