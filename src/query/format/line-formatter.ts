import { sqlValueText } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * One row at a time, vertically, as sqlite3's `.mode line`: a `column = value` line per column
 * (names right-aligned), a blank line between rows. For rows too wide for a terminal, such as
 * `select *` over the 22 fields. Streams: only the column names are measured.
 */
export function lineFormatter(): RowFormatter {
  let names: string[] = [];
  let first = true;
  return {
    begin: (columns) => {
      const width = columns.reduce((w, c) => Math.max(w, c.length), 0);
      names = columns.map((c) => c.padStart(width));
      return '';
    },
    row: (values) => {
      const text = (first ? '' : '\n') + values.map((v, i) => `${names[i] ?? ''} = ${sqlValueText(v)}`.trimEnd() + '\n').join('');
      first = false;
      return text;
    },
    end: () => '',
  };
}
