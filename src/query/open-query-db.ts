import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../store/open-store.js';
import { StoreError } from '../store/store-error.js';

/** A read-only connection for `vpnsync query`. */
export interface QueryDb {
  readonly file: string;
  readonly sqlite: BetterSqlite3.Database;
  /**
   * True when the file was read into memory instead of opened in place: a WAL database in a
   * directory vpnsync cannot write (a read-only mount, a filesystem snapshot), where SQLite
   * cannot create the `-shm` file every WAL reader needs.
   */
  readonly inMemoryCopy: boolean;
  close(): Promise<void>;
}

/** Largest database read into memory when its directory is read-only. */
export const MAX_IN_MEMORY_COPY_BYTES = 1024 * 1024 * 1024;

/**
 * Opens `file` read-only for ad hoc queries (StoreError 'missing' says to run `vpnsync pull`
 * first). Temporary storage stays in memory, so a query never creates files of its own; SQLite
 * itself creates the `-wal`/`-shm` companions of a WAL database when they are missing (an
 * empty `-wal`; the database's bytes are not changed). Falls back to an in-memory copy when
 * those cannot be created because the directory is read-only and no `-wal` holds newer data.
 */
export async function openQueryDb(file: string): Promise<QueryDb> {
  try {
    const store = await openStore(file, { mode: 'read' });
    store.sqlite.pragma('temp_store = MEMORY');
    return { file, sqlite: store.sqlite, inMemoryCopy: false, close: () => store.close() };
  } catch (e) {
    if (!cannotOpenInPlace(e) || directoryIsWritable(file)) throw e;
    const wal = `${file}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new StoreError('io', `Cannot read ${file}: its directory is read-only and ${path.basename(wal)} holds changes not yet in the database file, but SQLite cannot create ${path.basename(file)}-shm to read them. Copy the database and its -wal file to a writable directory.`, { cause: e });
    }
    return openInMemoryCopy(file, e);
  }
}

/** SQLite's answer when it cannot create the -shm (SQLITE_READONLY_DIRECTORY, SQLITE_CANTOPEN), translated or not. */
function cannotOpenInPlace(e: unknown): boolean {
  if (e instanceof StoreError) return e.reason === 'io';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'));
}

function directoryIsWritable(file: string): boolean {
  try {
    accessSync(path.dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function openInMemoryCopy(file: string, cause: unknown): QueryDb {
  const size = statSync(file).size;
  if (size > MAX_IN_MEMORY_COPY_BYTES) {
    throw new StoreError('io', `Cannot read ${file}: its directory is read-only, so SQLite cannot create the -shm file a WAL database needs, and at ${(size / 2 ** 30).toFixed(1)} GiB it is too large to read into memory instead. Copy it to a writable directory.`, { cause });
  }
  const bytes = readFileSync(file);
  // Header bytes 18-19 = 2 mark a WAL database; in memory there is no -shm, so the copy is
  // marked as a rollback-journal database (the pages themselves are the same).
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(bytes, { readonly: true });
    sqlite.pragma('schema_version');
  } catch (e) {
    throw new StoreError('not-a-database', `${file} is not an SQLite database.`, { cause: e });
  }
  if (sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vpn_link_connections'`).get() === undefined) {
    sqlite.close();
    throw new StoreError('not-initialised', `${file} is not a vpnsync database (no vpn_link_connections table). Run \`vpnsync pull\` or \`vpnsync migrate\` first.`);
  }
  sqlite.pragma('temp_store = MEMORY');
  return {
    file,
    sqlite,
    inMemoryCopy: true,
    close: async () => {
      sqlite.close();
    },
  };
}
