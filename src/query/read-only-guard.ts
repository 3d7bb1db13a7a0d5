import type BetterSqlite3 from 'better-sqlite3';
import { QueryError } from './query-error.js';
import { identifierOf, isKeyword, isSignificant, splitStatements, tokenizeSql, type SqlToken } from './sql-tokenizer.js';

/**
 * The read-only guard, in three layers, because better-sqlite3 has no authorizer hook:
 *  1. this lexical check (one statement; it starts with SELECT, WITH, VALUES, EXPLAIN or a
 *     reading PRAGMA) — it refuses ATTACH and VACUUM INTO, which SQLite would run even on a
 *     read-only connection (VACUUM INTO writes a new file; ATTACH opens another one);
 *  2. SQLite's own verdict on the prepared statement (`assertReadingStatement`);
 *  3. the connection: opened read-only, with `PRAGMA query_only` on (see openQueryDb).
 */

/** Statements a query may start with. */
const READING_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN', 'PRAGMA']);

/** Every other statement SQLite has: refused by name. Any other first word is a syntax error for SQLite to name. */
export const OTHER_STATEMENTS: ReadonlySet<string> = new Set([
  'ALTER', 'ANALYZE', 'ATTACH', 'BEGIN', 'COMMIT', 'CREATE', 'DELETE', 'DETACH', 'DROP', 'END', 'INSERT', 'REINDEX', 'RELEASE', 'REPLACE', 'ROLLBACK', 'SAVEPOINT', 'UPDATE', 'VACUUM',
]);

/** PRAGMAs that only report, with no argument. `PRAGMA name = …` is refused for every pragma. */
const READING_PRAGMAS = new Set([
  'application_id', 'collation_list', 'compile_options', 'data_version', 'database_list', 'encoding', 'foreign_key_check',
  'freelist_count', 'function_list', 'integrity_check', 'module_list', 'page_count', 'page_size',
  'pragma_list', 'quick_check', 'schema_version', 'table_list', 'user_version',
]);

/** PRAGMAs that take a table, index or limit in parentheses and still only report. */
const READING_PRAGMAS_WITH_ARGUMENT = new Set([
  'foreign_key_check', 'foreign_key_list', 'index_info', 'index_list', 'index_xinfo', 'integrity_check', 'quick_check', 'table_info', 'table_list', 'table_xinfo',
]);

const ALLOWED = 'only SELECT, WITH … SELECT, VALUES, EXPLAIN and PRAGMAs that report';

/** The lexical verdict on a statement: its tokens, and whether it starts like a statement SQLite knows. */
export interface LexicalCheck {
  tokens: SqlToken[];
  /**
   * False when the first word is no SQL statement at all (a typo such as SELEC): the caller
   * lets SQLite prepare it — preparing never runs anything — so that SQLite names the syntax
   * error, and refuses it should it prepare.
   */
  knownStatement: boolean;
}

/**
 * Checks a script lexically and returns its one statement's tokens (a trailing `;` and comments
 * are fine). Throws QueryError('refused') for anything that could write, and QueryError('sql')
 * for an empty script or more than one statement.
 */
export function checkReadOnlySql(sql: string): LexicalCheck {
  const statements = splitStatements(tokenizeSql(sql));
  if (statements.length === 0) throw new QueryError('sql', 'Expected an SQL statement, got only whitespace and comments');
  // Every statement is checked before they are counted, so that `SELECT 1; DROP TABLE x` is
  // refused for the DROP, and a CREATE TRIGGER (whose body holds semicolons) for the CREATE.
  const known = statements.map((s) => checkStatement(s.filter(isSignificant)));
  for (const s of statements) checkPragmaFunctions(s);
  if (statements.length > 1) {
    throw new QueryError('sql', `Expected one SQL statement, got ${statements.length}; vpnsync query runs one statement at a time (run it once per statement)`);
  }
  return { tokens: statements[0] as SqlToken[], knownStatement: known[0] as boolean };
}

function checkStatement(sig: readonly SqlToken[]): boolean {
  const first = sig[0];
  const keyword = first?.kind === 'word' ? first.text.toUpperCase() : (first?.text ?? '');
  if (!READING_KEYWORDS.has(keyword)) {
    if (!OTHER_STATEMENTS.has(keyword)) return false;
    throw new QueryError('refused', `vpnsync query is read-only: ${keyword} statements are not allowed (${ALLOWED}); the database was not touched`);
  }
  if (keyword === 'EXPLAIN') {
    // EXPLAIN does not run its statement, but a refusal is simpler to reason about than an exception.
    let rest = sig.slice(1);
    if (isKeyword(rest[0], 'QUERY') && isKeyword(rest[1], 'PLAN')) rest = rest.slice(2);
    return checkStatement(rest);
  }
  if (keyword === 'PRAGMA') checkPragma(sig.slice(1));
  return true;
}

/**
 * Table-valued PRAGMA functions (`SELECT * FROM pragma_optimize`) run their PRAGMA inside any
 * statement, and SQLite still calls such a statement read-only: `pragma_optimize`,
 * `pragma_wal_checkpoint` or `pragma_incremental_vacuum` would try to write and fail with "attempt
 * to write a readonly database". So a name starting `pragma_` must be one of the reporting PRAGMAs,
 * wherever it stands (quoted or schema-qualified too).
 */
function checkPragmaFunctions(tokens: readonly SqlToken[]): void {
  for (const t of tokens) {
    const name = identifierOf(t)?.toLowerCase();
    if (name === undefined || !name.startsWith('pragma_')) continue;
    const pragma = name.slice('pragma_'.length);
    if (READING_PRAGMAS.has(pragma) || READING_PRAGMAS_WITH_ARGUMENT.has(pragma)) continue;
    throw new QueryError(
      'refused',
      `vpnsync query is read-only: ${name} runs PRAGMA ${pragma}, which is not one of the reporting PRAGMAs it allows (${[...READING_PRAGMAS_WITH_ARGUMENT].sort().join(', ')}, …); the database was not touched`,
    );
  }
}

/** The refusal for a statement that prepared although its first word is no statement SQLite has. */
export function unknownStatementRefusal(): QueryError {
  return new QueryError('refused', `vpnsync query is read-only: it runs ${ALLOWED}; the database was not touched`);
}

function checkPragma(rest: readonly SqlToken[]): void {
  // PRAGMA [schema.]name [= value | (argument)]
  let nameAt = 0;
  if (rest[1]?.kind === 'punct' && rest[1].text === '.') nameAt = 2;
  const nameToken = rest[nameAt];
  const name = (nameToken ? identifierOf(nameToken) : undefined)?.toLowerCase() ?? '';
  const after = rest[nameAt + 1];
  const display = `PRAGMA ${name}`;
  if (after?.kind === 'punct' && after.text === '=') {
    throw new QueryError('refused', `vpnsync query is read-only: ${display} = … changes a setting and is not allowed (${ALLOWED}); the database was not touched`);
  }
  const withArgument = after?.kind === 'punct' && after.text === '(';
  const allowed = withArgument ? READING_PRAGMAS_WITH_ARGUMENT.has(name) : READING_PRAGMAS.has(name);
  if (!allowed) {
    throw new QueryError(
      'refused',
      `vpnsync query is read-only: ${display}${withArgument ? '(…)' : ''} is not one of the reporting PRAGMAs it allows (${[...READING_PRAGMAS_WITH_ARGUMENT].sort().join(', ')}, …); the database was not touched`,
    );
  }
}

/**
 * SQLite's own verdict on a prepared statement: it must return rows (`reader`) and make no
 * direct change to any database file (`readonly`, i.e. sqlite3_stmt_readonly). This catches
 * what the lexical check lets through, such as `WITH … INSERT … RETURNING`.
 */
export function assertReadingStatement(stmt: BetterSqlite3.Statement): void {
  if (!stmt.readonly) throw new QueryError('refused', 'vpnsync query is read-only: this statement would change the database (SQLite reports it as writing); the database was not touched');
  if (!stmt.reader) throw new QueryError('refused', 'vpnsync query runs only statements that return rows; the database was not touched');
}
