import type BetterSqlite3 from 'better-sqlite3';
import { QueryError } from './query-error.js';
import { OTHER_STATEMENTS } from './read-only-guard.js';
import { prepareQuery } from './run-query.js';
import type { SqlValue } from './sql-value.js';
import { tokenizeSql, type SqlToken } from './sql-tokenizer.js';

/**
 * Words that start a statement or join a compound SELECT: inside a condition only in a subquery.
 * Not END and REPLACE, which are also an expression's words (`CASE … END`, `replace(x, 'a', 'b')`).
 */
const STATEMENT_WORDS: ReadonlySet<string> = new Set([...[...OTHER_STATEMENTS].filter((w) => w !== 'END' && w !== 'REPLACE'), 'SELECT', 'VALUES', 'WITH', 'UNION', 'INTERSECT', 'EXCEPT', 'PRAGMA', 'EXPLAIN']);

/**
 * Checks that `condition` is one SQL expression, to be pasted between the parentheses of
 * `WHERE (…)`: nothing in it may close those parentheses or end the statement early. Refuses
 * (QueryError 'refused') unbalanced parentheses, `;`, a `--` comment or an unterminated
 * comment, string or quoted name (each would swallow the `)` after it), and a statement word or
 * UNION/INTERSECT/EXCEPT outside parentheses (`x IN (SELECT …)` stays allowed).
 */
export function checkWhereCondition(condition: string): void {
  let depth = 0;
  for (const t of tokenizeSql(condition)) {
    const refuse = (what: string): never => {
      throw new QueryError('refused', `Expected one SQL condition, got ${what}`);
    };
    if (t.kind === 'semicolon') refuse("a ';' (one condition, not statements)");
    if (t.kind === 'comment' && t.text.startsWith('--')) refuse('a -- comment, which would hide the rest of the statement');
    if (t.kind === 'comment' && !t.text.endsWith('*/')) refuse('a /* comment that is never closed');
    if ((t.kind === 'string' || t.kind === 'quoted') && !isClosed(t)) refuse(`an unterminated ${t.kind === 'string' ? 'string' : 'quoted name'} ${t.text.slice(0, 20)}`);
    if (t.kind === 'punct' && t.text === '(') depth += 1;
    if (t.kind === 'punct' && t.text === ')' && --depth < 0) refuse("a ')' that closes more than it opened");
    if (t.kind === 'word' && depth === 0 && STATEMENT_WORDS.has(t.text.toUpperCase())) refuse(`${t.text.toUpperCase()} outside parentheses (a subquery goes in parentheses: x IN (SELECT …))`);
  }
  if (depth > 0) throw new QueryError('refused', `Expected one SQL condition, got ${depth} '(' never closed`);
}

/** Whether a string or quoted-name token has its closing quote (the tokenizer runs an unclosed one to the end). */
function isClosed(t: SqlToken): boolean {
  if (t.text[0] === '[') return t.text.length >= 2 && t.text.endsWith(']');
  // After the opening quote, a closed token ends in an odd run of quotes: doubled ones are escapes.
  const quote = t.text[0] as string;
  let run = 0;
  for (let i = t.text.length - 1; i > 0 && t.text[i] === quote; i--) run += 1;
  return run % 2 === 1;
}

/**
 * `SELECT columns FROM table WHERE (condition) ORDER BY orderBy`, after `checkWhereCondition`,
 * through the read-only path of `vpnsync query` (its lexical guard, SQLite's verdict that the
 * statement only reads, and `query_only` on `sqlite`, which must be a read-only connection
 * meant for reading only). Throws QueryError for a refused or bad condition.
 */
export function selectWhere(sqlite: BetterSqlite3.Database, select: { table: string; columns: readonly string[]; condition: string; orderBy: string }): SqlValue[][] {
  checkWhereCondition(select.condition);
  const sql = `SELECT ${select.columns.join(', ')} FROM ${select.table} WHERE (${select.condition}) ORDER BY ${select.orderBy}`;
  return [...prepareQuery(sqlite, { sql }).rows];
}
