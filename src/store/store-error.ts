import { statfsSync } from 'node:fs';
import path from 'node:path';

/** Why the store could not be used; the CLI maps each reason to a message and an exit code. */
export type StoreErrorReason = 'missing' | 'not-a-file' | 'not-a-database' | 'newer-schema' | 'not-initialised' | 'busy' | 'io';

/** A database that cannot be opened or written, with a message fit for the user. */
export class StoreError extends Error {
  readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.reason = reason;
  }
}

/**
 * Maps better-sqlite3's errors (also when wrapped, e.g. by a failed migration) to StoreError with
 * the file name and a plain reason; anything else is returned unchanged.
 */
export function translateSqliteError(e: unknown, file: string): Error {
  if (e instanceof StoreError) return e;
  const sqlite = sqliteErrorIn(e);
  const code = sqlite?.code ?? '';
  const message = sqlite?.message ?? (e instanceof Error ? e.message : String(e));
  const is = (base: string) => code === base || code.startsWith(`${base}_`);
  if (is('SQLITE_NOTADB') || /file is not a database/i.test(message)) {
    return new StoreError('not-a-database', `${file} is not an SQLite database.`, { cause: e });
  }
  if (is('SQLITE_CORRUPT')) return new StoreError('not-a-database', `${file} is corrupt (${message}).`, { cause: e });
  if (is('SQLITE_BUSY') || is('SQLITE_LOCKED')) {
    return new StoreError('busy', `${file} is locked by another process; try again when it has finished.`, { cause: e });
  }
  if (is('SQLITE_CANTOPEN')) return new StoreError('io', `Cannot open ${file}: ${message}.`, { cause: e });
  if (is('SQLITE_READONLY')) return new StoreError('io', `Cannot write ${file}: ${code === 'SQLITE_READONLY_DIRECTORY' ? 'its directory' : 'it'} is read-only.`, { cause: e });
  if (is('SQLITE_FULL')) return new StoreError('io', `Cannot write ${file}: the disk is full.`, { cause: e });
  // A full disk reaches SQLite as SQLITE_FULL only for the file's own writes; growing its -shm
  // on a full file system is an I/O error (SQLITE_IOERR_SHMSIZE). Say which it is.
  if (is('SQLITE_IOERR')) return new StoreError('io', fileSystemFull(file) ? `Cannot write ${file}: the disk is full.` : `I/O error on ${file}: ${message} (${code}).`, { cause: e });
  return e instanceof Error ? e : new Error(message);
}

/** Whether the file system holding `file` has (nearly) no room left. */
function fileSystemFull(file: string): boolean {
  try {
    const fs = statfsSync(path.dirname(file));
    return fs.bavail * fs.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

/** Less free space than this, and an I/O error is taken for a full disk: SQLite writes in pages of 4 KiB, a transaction in many. */
const FULL_BELOW_BYTES = 1024 * 1024;

/** The SQLite error (code SQLITE_…) that `e` is or wraps, if any. */
export function sqliteErrorIn(e: unknown): { code: string; message: string } | undefined {
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return { code, message: (cur as Error).message };
  }
  return undefined;
}
