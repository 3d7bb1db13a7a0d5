import type BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../store/open-store.js';

/** A read-only connection for `vpnsync query`. */
export interface QueryDb {
  readonly file: string;
  readonly sqlite: BetterSqlite3.Database;
  /**
   * True when the file was read into memory instead of opened in place: a WAL database in a
   * directory vpnsync cannot write (see openStore's read mode).
   */
  readonly inMemoryCopy: boolean;
  close(): Promise<void>;
}

/**
 * Opens `file` read-only for ad hoc queries (StoreError 'missing' says to run `vpnsync pull`
 * first). Temporary storage stays in memory, so a query never creates files of its own; SQLite
 * itself creates the `-wal`/`-shm` companions of a WAL database when they are missing (an
 * empty `-wal`; the database's bytes are not changed), and a directory where it cannot is read
 * from an in-memory copy (openStore).
 */
export async function openQueryDb(file: string): Promise<QueryDb> {
  const store = await openStore(file, { mode: 'read' });
  store.sqlite.pragma('temp_store = MEMORY');
  return { file, sqlite: store.sqlite, inMemoryCopy: store.inMemoryCopy === true, close: () => store.close() };
}
