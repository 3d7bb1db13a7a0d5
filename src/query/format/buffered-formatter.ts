import { isNumeric, type SqlValue } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * A formatter that must see every row before it writes (to align or classify columns): it
 * buffers, then calls `render` once with the columns, the rows and which columns are numeric
 * (every non-NULL value a number, and at least one).
 */
export function bufferedFormatter(render: (columns: readonly string[], rows: readonly SqlValue[][], numeric: readonly boolean[]) => string): RowFormatter {
  let columns: readonly string[] = [];
  const rows: SqlValue[][] = [];
  return {
    begin: (c) => {
      columns = c;
      return '';
    },
    row: (values) => {
      rows.push([...values]);
      return '';
    },
    end: () =>
      render(
        columns,
        rows,
        columns.map((_, i) => rows.some((r) => r[i] !== null) && rows.every((r) => r[i] === null || isNumeric(r[i] ?? null))),
      ),
  };
}
