import { sqlValueText } from '../sql-value.js';
import { bufferedFormatter } from './buffered-formatter.js';
import type { RowFormatter } from './row-formatter.js';

/** A GitHub-flavoured Markdown table (numbers right-aligned, `|` escaped, line breaks as <br>), for issues and wikis. */
export function markdownFormatter(): RowFormatter {
  return bufferedFormatter((columns, rows, numeric) => {
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |\n`;
    return (
      line(columns.map(markdownCell)) +
      line(numeric.map((n) => (n ? '---:' : '---'))) +
      rows.map((r) => line(r.map((v) => markdownCell(sqlValueText(v))))).join('')
    );
  });
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
