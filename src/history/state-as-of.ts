import type BetterSqlite3 from 'better-sqlite3';
import type { LinkVersionTable } from '../store/schema.js';
import { LINK_FIELD_NAMES, PARAMETER_COLUMNS } from '../sync/fields.js';
import { HistoryInputError } from './history-input-error.js';

/**
 * A link's state as of a pull: the version row that holds it (`_pull_id` is when it was
 * recorded), without its raw JSON — no history computation reads it, and on 30,000 links it
 * was 38 MB of strings and most of the time of reading a state.
 */
export type LinkState = Omit<LinkVersionTable, '_raw'>;

/** The columns of a LinkState, for SELECTs of version rows. */
export const STATE_COLUMNS = [...LINK_FIELD_NAMES, ...PARAMETER_COLUMNS, '_key', '_pull_id', '_kind', '_changed_columns', '_hash'].join(', ');

/**
 * The view (migrations/sqlite/0002_history_views.sql) that defines "state as of pull N": each link's
 * latest version at or before N unless it records a deletion. Every history command reads
 * state through it, so SQL users and vpnsync agree.
 */
export const STATE_AS_OF_VIEW = 'vpn_link_connections_as_of';

/** The view listing versions with their pulls' times. */
export const CHANGES_VIEW = 'vpn_link_connection_changes';

/**
 * The state of every link (or only those in `keys`) as of a recorded pull, keyed by `_key`.
 * Links a partial pull could not see keep their last known state; deleted links are absent.
 */
export function stateAsOf(sqlite: BetterSqlite3.Database, pullId: number, keys?: Iterable<string>): Map<string, LinkState> {
  const only = keys === undefined ? undefined : JSON.stringify([...keys]);
  const sql = `SELECT ${STATE_COLUMNS} FROM ${STATE_AS_OF_VIEW} WHERE _as_of_pull = ?${only === undefined ? '' : ' AND _key IN (SELECT value FROM json_each(?))'}`;
  const state = new Map<string, LinkState>();
  for (const row of sqlite.prepare(sql).iterate(...(only === undefined ? [pullId] : [pullId, only])) as IterableIterator<LinkState>) state.set(row._key, row);
  return state;
}

/** How many links exist as of a recorded pull (same definition as stateAsOf, without reading the rows). */
export function countAsOf(sqlite: BetterSqlite3.Database, pullId: number): number {
  return sqlite.prepare(`SELECT count(*) FROM ${STATE_AS_OF_VIEW} WHERE _as_of_pull = ?`).pluck().get(pullId) as number;
}

/** Keys of links with a version recorded by a pull in (afterPull, uptoPull]: the only links whose state can differ between the two. */
export function keysChangedBetween(sqlite: BetterSqlite3.Database, afterPull: number, uptoPull: number): string[] {
  return sqlite.prepare(`SELECT DISTINCT _key FROM vpn_link_connection_versions WHERE _pull_id > ? AND _pull_id <= ? ORDER BY _key`).pluck().all(afterPull, uptoPull) as string[];
}

/**
 * Throws HistoryInputError when the database predates the history views (a read-only open
 * cannot add them; `vpnsync migrate` or the next pull does).
 */
export function requireHistoryViews(sqlite: BetterSqlite3.Database, file: string): void {
  const n = sqlite.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name IN (?, ?)`).pluck().get(STATE_AS_OF_VIEW, CHANGES_VIEW) as number;
  if (n < 2) throw new HistoryInputError(`Expected ${file} to have the history views, but its schema is older than this vpnsync; run vpnsync migrate (or the next pull) first`);
}
