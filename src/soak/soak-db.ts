import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/** Runs `f` on a read-only connection to `file` (closed afterwards); undefined when the file does not exist. */
export function readDb<T>(file: string, f: (db: BetterSqlite3.Database) => T): T | undefined {
  if (!existsSync(file)) return undefined;
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` and `foreign_key_check` of the file: 'ok', 'absent', or what they reported. */
export function integrityOf(file: string): string {
  try {
    return (
      readDb(file, (db) => {
        const integrity = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
        if (integrity !== 'ok') return integrity;
        const fk = db.prepare('PRAGMA foreign_key_check').all();
        return fk.length === 0 ? 'ok' : `foreign_key_check: ${JSON.stringify(fk.slice(0, 3))}`;
      }) ?? 'absent'
    );
  } catch (e) {
    return `cannot be read: ${(e as Error).message}`;
  }
}

/** True when the file holds vpnsync's tables (a database killed during its first migration may not). */
export function hasSchema(db: BetterSqlite3.Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pulls'`).get() !== undefined;
}

/** A row of `pulls`. */
export interface PullRow {
  id: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  links_seen: number;
  links_added: number;
  links_changed: number;
  links_removed: number;
  scopes_ok: number;
  scopes_failed: number;
  error_summary: string | null;
  pid: number | null;
}

/** A row of `pull_scopes`. */
export interface ScopeRow {
  pull_id: number;
  kind: 'subscriptions' | 'gateways' | 'links';
  scope_id: string;
  status: 'ok' | 'failed';
  items: number;
  http_status: number | null;
  error_code: string | null;
  error_message: string | null;
  request_id: string | null;
}

/** Every pull, oldest first ([] for a database without vpnsync's tables). */
export function pullsOf(db: BetterSqlite3.Database): PullRow[] {
  return hasSchema(db) ? (db.prepare('SELECT * FROM pulls ORDER BY id').all() as PullRow[]) : [];
}

/** The current table, keyed by `_key`, each row as JSON text (for before/after comparison). */
export function currentRowsOf(db: BetterSqlite3.Database): Map<string, Record<string, unknown>> {
  const rows = hasSchema(db) ? (db.prepare('SELECT * FROM vpn_link_connections').all() as Record<string, unknown>[]) : [];
  return new Map(rows.map((r) => [String(r._key), r]));
}
