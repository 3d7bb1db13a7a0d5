import type BetterSqlite3 from 'better-sqlite3';
import { PARAMETER_COLUMNS } from '../sync/fields.js';
import { QueryError } from './query-error.js';
import { bindQueryParams, type QueryParams } from './query-params.js';
import { assertReadingStatement, checkReadOnlySql, unknownStatementRefusal } from './read-only-guard.js';
import type { SqlValue } from './sql-value.js';
import { rewriteStackqlNames, STACKQL_RESOURCE, STACKQL_VIEW_IDENTIFIER } from './stackql-names.js';

/** The local table the StackQL resource maps to. */
export const LOCAL_TABLE = 'vpn_link_connections';

/**
 * Temporary objects a query runs against, created before `query_only` is switched on. They
 * live in the connection's TEMP schema (in memory), so the database file is not touched.
 */
export interface QueryViews {
  /**
   * SQL of a SELECT returning rows shaped like `vpn_link_connections` (for `--at`): a TEMP view
   * of that name is created from it, and unqualified references then resolve to it.
   */
  linkConnectionsAs?: string | undefined;
}

/** One query: its SQL, named parameter values, and the views it runs against. */
export interface QueryRequest {
  sql: string;
  params?: QueryParams | undefined;
  views?: QueryViews | undefined;
}

/** A checked, prepared statement: its column names and its rows (read lazily). */
export interface PreparedQuery {
  columns: string[];
  rows: IterableIterator<SqlValue[]>;
}

/**
 * Checks and prepares one read-only statement on a read-only connection: the lexical guard,
 * the StackQL rewrite, the TEMP views, then `PRAGMA query_only` and SQLite's own verdict.
 * Throws QueryError for refused or bad SQL and for parameters that do not match.
 * The connection is meant for this one query: it is left with query_only on.
 */
export function prepareQuery(sqlite: BetterSqlite3.Database, request: QueryRequest): PreparedQuery {
  const { tokens, knownStatement } = checkReadOnlySql(request.sql);
  const statementSql = tokens.map((t) => t.text).join('');
  const bound = bindQueryParams(tokens, request.params ?? {});
  const { sql, usesStackqlName } = rewriteStackqlNames(statementSql, tokens);

  if (request.views?.linkConnectionsAs !== undefined) {
    sqlite.exec(`CREATE TEMP VIEW ${LOCAL_TABLE} AS ${request.views.linkConnectionsAs}`);
  }
  if (usesStackqlName) sqlite.exec(stackqlViewSql(sqlite));
  // Belt and braces on top of the read-only open: SQLite itself now refuses any change to a
  // database file, VACUUM INTO included.
  sqlite.pragma('query_only = ON');

  let stmt: BetterSqlite3.Statement;
  try {
    stmt = sqlite.prepare(sql);
  } catch (e) {
    throw sqlError(e, sqlite, request.views);
  }
  if (!knownStatement) throw unknownStatementRefusal();
  assertReadingStatement(stmt);
  stmt.raw(true).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  const iterator = (Object.keys(bound).length > 0 ? stmt.iterate(bound) : stmt.iterate()) as IterableIterator<SqlValue[]>;
  return { columns, rows: translateErrors(iterator, sqlite, request.views) };
}

/**
 * The StackQL name as a TEMP view over the local table with the same columns, except that the
 * four SELECT parameters compare without regard to case — as ARM matches names, and as a
 * StackQL WHERE clause on them behaves. The table's NOCASE index still serves those filters.
 */
function stackqlViewSql(sqlite: BetterSqlite3.Database): string {
  const columns = sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(LOCAL_TABLE) as string[];
  const nocase = new Set<string>(PARAMETER_COLUMNS);
  const list = columns.map((c) => (nocase.has(c) ? `${quoteIdent(c)} COLLATE NOCASE AS ${quoteIdent(c)}` : quoteIdent(c)));
  return `CREATE TEMP VIEW ${STACKQL_VIEW_IDENTIFIER} AS SELECT ${list.join(', ')} FROM ${LOCAL_TABLE}`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite error codes that mean the SQL (or its data, e.g. malformed JSON) is at fault, not the database. */
const SQL_FAULTS = new Set(['SQLITE_ERROR', 'SQLITE_MISMATCH', 'SQLITE_RANGE', 'SQLITE_TOOBIG', 'SQLITE_CONSTRAINT', 'SQLITE_AUTH']);

function* translateErrors(rows: IterableIterator<SqlValue[]>, sqlite: BetterSqlite3.Database, views: QueryViews | undefined): IterableIterator<SqlValue[]> {
  try {
    yield* rows;
  } catch (e) {
    throw sqlError(e, sqlite, views);
  }
}

/** A QueryError for faults of the SQL, with a hint where one helps; other errors pass through. */
function sqlError(e: unknown, sqlite: BetterSqlite3.Database, views: QueryViews | undefined): unknown {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' ? !SQL_FAULTS.has(code) : !(e instanceof RangeError || e instanceof TypeError)) return e;
  return new QueryError('sql', `SQL error: ${message}${hintFor(message, sqlite, views)}`, { cause: e });
}

function hintFor(message: string, sqlite: BetterSqlite3.Database, views: QueryViews | undefined): string {
  const table = /^no such table: (.+)$/.exec(message);
  if (table) {
    const names = sqlite.prepare(`SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name`).pluck().all() as string[];
    return ` (tables: ${names.join(', ')}; StackQL's ${STACKQL_RESOURCE} is vpn_link_connections)`;
  }
  const column = /^no such column: (.+)$/.exec(message);
  if (column && views?.linkConnectionsAs !== undefined && /_seen_pull$/.test(column[1] ?? '')) {
    return ' (with --at, vpn_link_connections is a past state: it has _pull_id, _kind and _changed_columns of the version holding it, and _as_of_pull, _as_of_time, but no _first_seen_pull or _last_seen_pull)';
  }
  return '';
}
