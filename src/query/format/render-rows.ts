import type { SqlValue } from '../sql-value.js';
import { createRowFormatter, type QueryFormat } from './query-format.js';

/**
 * Renders plain rows (not from SQLite) with the query formatters, so that every table, CSV and
 * Markdown vpnsync prints escapes and aligns the same way. Integers print as integers, other
 * numbers as SQLite REALs, booleans as true/false, arrays and objects as compact JSON, and
 * null/undefined as NULL (an empty cell).
 */
export function renderRows(format: QueryFormat, columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const f = createRowFormatter(format);
  return f.begin(columns) + rows.map((r) => f.row(r.map(toSqlValue))).join('') + f.end();
}

function toSqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
