import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import type { Migration, MigrationProvider, MigrationResultSet } from 'kysely';

/** The folder holding the numbered, frozen `NNNN_name.sql` files (same depth from src/ and dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

/**
 * Serves the .sql files to Kysely's Migrator. Each file runs through better-sqlite3's `exec`,
 * which (unlike a prepared statement) accepts many statements; it runs on the same connection
 * Kysely uses, so it is inside the Migrator's transaction.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly dir: string = MIGRATIONS_DIR,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(this.dir)).filter((f) => MIGRATION_FILE.test(f)).sort()) {
      const text = await readFile(path.join(this.dir, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = {
        up: async () => {
          this.sqlite.exec(text);
        },
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
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(sqlite) });
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
