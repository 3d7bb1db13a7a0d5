import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './store-error.js';

/** Largest database read into memory when its directory is read-only. */
export const MAX_IN_MEMORY_COPY_BYTES = 1024 * 1024 * 1024;

/**
 * Whether a read-only open that failed with `e` can be served from an in-memory copy instead: a
 * WAL database in a directory this process cannot write (a read-only mount, a filesystem
 * snapshot, another user's directory), where SQLite cannot create the `-shm` file every WAL
 * reader needs. Throws when the directory is read-only but its `-wal` holds changes that a copy
 * of the main file alone would miss.
 */
export function canReadFromCopy(file: string, e: unknown): boolean {
  if (!cannotOpenInPlace(e) || directoryIsWritable(file)) return false;
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new StoreError('io', `Cannot read ${file}: its directory is read-only and ${path.basename(wal)} holds changes not yet in the database file, but SQLite cannot create ${path.basename(file)}-shm to read them. Copy the database and its -wal file to a writable directory.`, { cause: e });
  }
  return true;
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

/**
 * A read-only connection to an in-memory copy of `file` (at most MAX_IN_MEMORY_COPY_BYTES),
 * checked to be a vpnsync database. `cause` is the error of the failed open in place.
 */
export function openInMemoryCopy(file: string, cause: unknown): BetterSqlite3.Database {
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
  return sqlite;
}
