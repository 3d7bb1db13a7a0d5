import { isNumeric, sqlValueText, type SqlValue } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/** A GitHub-flavoured Markdown table (numbers right-aligned, `|` escaped, line breaks as <br>), for issues and wikis. */
export function markdownFormatter(): RowFormatter {
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
    end: () => {
      const numeric = columns.map((_, i) => rows.some((r) => r[i] !== null) && rows.every((r) => r[i] === null || isNumeric(r[i] ?? null)));
      const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |\n`;
      return (
        line(columns.map(markdownCell)) +
        line(numeric.map((n) => (n ? '---:' : '---'))) +
        rows.map((r) => line(r.map((v) => markdownCell(sqlValueText(v))))).join('')
      );
    },
  };
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
