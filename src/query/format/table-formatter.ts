import { isNumeric, sqlValueText, type SqlValue } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * Aligned columns for a terminal: a header, a rule, then the rows (numbers right-aligned, NULL
 * blank, line breaks inside a value shown as spaces). Buffers every row to measure the columns.
 */
export function tableFormatter(): RowFormatter {
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
      const cells = rows.map((r) => r.map((v) => sqlValueText(v).replace(/\s*[\r\n]+\s*/g, ' ')));
      const numeric = columns.map((_, i) => rows.some((r) => r[i] !== null) && rows.every((r) => r[i] === null || isNumeric(r[i] ?? null)));
      // A loop, not Math.max(...cells): spreading 100,000+ rows overflows the call stack.
      const widths = columns.map((c, i) => cells.reduce((w, r) => Math.max(w, (r[i] ?? '').length), c.length));
      const line = (r: readonly string[]) =>
        r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
      return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].map((l) => `${l}\n`).join('');
    },
  };
}
