import type { SqlValue } from '../sql-value.js';

/** Turns a result set into text: `begin` once, `row` per row, `end` once; the caller writes what they return, in order. */
export interface RowFormatter {
  begin(columns: readonly string[]): string;
  row(values: readonly SqlValue[]): string;
  end(): string;
}
