/**
 * A small SQLite tokenizer: just enough to find statement boundaries, leading keywords, named
 * parameters and table names *outside* string literals, quoted identifiers and comments. It
 * never rejects input — text SQLite would reject is left for SQLite to report.
 */

/** What a token is; `quoted` is a quoted identifier ("x", `x`, [x]). */
export type SqlTokenKind = 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'param' | 'punct' | 'semicolon';

/** One token: its kind, exact text and offsets in the source (end exclusive). */
export interface SqlToken {
  readonly kind: SqlTokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const SPACE = /[\s]/;
// SQLite treats every non-ASCII character as an identifier character.
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
const TWO_CHAR_OPERATORS = new Set(['||', '<=', '>=', '<>', '!=', '==', '<<', '>>', '->']);

/** Splits SQL into tokens covering the whole input (concatenating their text gives it back). */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const push = (kind: SqlTokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, end });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (SPACE.test(c)) {
      let j = i + 1;
      while (j < sql.length && SPACE.test(sql[j] as string)) j += 1;
      push('space', j);
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      push('comment', nl === -1 ? sql.length : nl);
    } else if (c === '/' && next === '*') {
      // An unterminated block comment runs to the end, as in SQLite.
      const close = sql.indexOf('*/', i + 2);
      push('comment', close === -1 ? sql.length : close + 2);
    } else if (c === "'") {
      push('string', quotedEnd(sql, i, "'"));
    } else if (c === '"' || c === '`') {
      push('quoted', quotedEnd(sql, i, c));
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      push('quoted', close === -1 ? sql.length : close + 1);
    } else if (c === ';') {
      push('semicolon', i + 1);
    } else if (c === '?') {
      let j = i + 1;
      while (j < sql.length && DIGIT.test(sql[j] as string)) j += 1;
      push('param', j);
    } else if ((c === ':' || c === '@' || c === '$') && next !== undefined && IDENT_PART.test(next)) {
      let j = i + 1;
      while (j < sql.length && IDENT_PART.test(sql[j] as string)) j += 1;
      push('param', j);
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      push('number', numberEnd(sql, i));
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && IDENT_PART.test(sql[j] as string)) j += 1;
      push('word', j);
    } else if (c === '-' && next === '>' && sql[i + 2] === '>') {
      push('punct', i + 3);
    } else if (next !== undefined && TWO_CHAR_OPERATORS.has(c + next)) {
      push('punct', i + 2);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

/** End of a quoted run starting at `start`, where a doubled quote is an escaped quote. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let j = start + 1;
  while (j < sql.length) {
    if (sql[j] === quote) {
      if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    } else j += 1;
  }
  return sql.length;
}

function numberEnd(sql: string, start: number): number {
  let j = start;
  if (sql[j] === '0' && (sql[j + 1] === 'x' || sql[j + 1] === 'X')) {
    j += 2;
    while (j < sql.length && /[0-9A-Fa-f_]/.test(sql[j] as string)) j += 1;
    return j;
  }
  while (j < sql.length && /[0-9_]/.test(sql[j] as string)) j += 1;
  if (sql[j] === '.') {
    j += 1;
    while (j < sql.length && /[0-9_]/.test(sql[j] as string)) j += 1;
  }
  if ((sql[j] === 'e' || sql[j] === 'E') && /[0-9+-]/.test(sql[j + 1] ?? '')) {
    j += 2;
    while (j < sql.length && DIGIT.test(sql[j] as string)) j += 1;
  }
  return j;
}

/** Whether a token carries meaning (not whitespace or a comment). */
export function isSignificant(t: SqlToken): boolean {
  return t.kind !== 'space' && t.kind !== 'comment';
}

/** The identifier a word or quoted-identifier token names (quotes removed, escapes undone); undefined for other tokens. */
export function identifierOf(t: SqlToken): string | undefined {
  if (t.kind === 'word') return t.text;
  if (t.kind !== 'quoted') return undefined;
  const open = t.text[0];
  if (open === '[') return t.text.slice(1, t.text.endsWith(']') ? -1 : undefined);
  const q = open as string;
  const body = t.text.length >= 2 && t.text.endsWith(q) ? t.text.slice(1, -1) : t.text.slice(1);
  return body.split(q + q).join(q);
}

/** Whether a token is the keyword `kw` (case-insensitive, unquoted). */
export function isKeyword(t: SqlToken | undefined, kw: string): boolean {
  return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === kw;
}

/** The statements of a script: tokens between top-level semicolons, dropping statements that are only whitespace and comments. */
export function splitStatements(tokens: readonly SqlToken[]): SqlToken[][] {
  const statements: SqlToken[][] = [];
  let current: SqlToken[] = [];
  for (const t of tokens) {
    if (t.kind === 'semicolon') {
      if (current.some(isSignificant)) statements.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.some(isSignificant)) statements.push(current);
  return statements;
}
