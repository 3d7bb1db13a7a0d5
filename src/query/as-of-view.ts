import type BetterSqlite3 from 'better-sqlite3';
import { parsePullRef, resolvePullRef } from '../history/pull-ref.js';
import type { RecordedPull } from '../history/pulls.js';
import { requireHistoryViews, STATE_AS_OF_VIEW } from '../history/state-as-of.js';
import { LOCAL_TABLE } from './run-query.js';

/** The pull `--at` resolved to, and the SELECT that gives `vpn_link_connections` as of it. */
export interface AsOfState {
  pull: RecordedPull;
  selectSql: string;
}

/**
 * Resolves `--at` (a pull id, `latest`, `-N` or an ISO time) and builds the SELECT of the state
 * as of that pull from the history's one definition (the vpn_link_connections_as_of view), with
 * the current table's columns first, in its order. Columns the past state does not have
 * (`_first_seen_pull`, `_last_seen_pull`) are left out; the version's own (`_pull_id`, `_kind`,
 * `_changed_columns`) and `_as_of_pull`/`_as_of_time` follow. Throws HistoryInputError.
 */
export function asOfState(sqlite: BetterSqlite3.Database, file: string, at: string): AsOfState {
  requireHistoryViews(sqlite, file);
  const pull = resolvePullRef(sqlite, parsePullRef(at, '--at'), '--at');
  const columnsOf = (name: string) => sqlite.prepare(`SELECT name FROM pragma_table_info(?, 'main')`).pluck().all(name) as string[];
  const viewColumns = columnsOf(STATE_AS_OF_VIEW);
  const available = new Set(viewColumns);
  const tableColumns = columnsOf(LOCAL_TABLE).filter((c) => available.has(c));
  const rest = viewColumns.filter((c) => !tableColumns.includes(c));
  const list = [...tableColumns, ...rest].map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
  // The id is an integer resolved from the database, so it can be part of the view's text
  // (a view cannot have bound parameters).
  return { pull, selectSql: `SELECT ${list} FROM main.${STATE_AS_OF_VIEW} WHERE _as_of_pull = ${Math.trunc(pull.id)}` };
}
