import { sqlValueText } from '../sql-value.js';
import { bufferedFormatter } from './buffered-formatter.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * Aligned columns for a terminal: a header, a rule, then the rows (numbers right-aligned, NULL
 * blank, line breaks inside a value shown as spaces). Buffers every row to measure the columns.
 */
export function tableFormatter(): RowFormatter {
  return bufferedFormatter((columns, rows, numeric) => {
    const cells = rows.map((r) => r.map((v) => sqlValueText(v).replace(/\s*[\r\n]+\s*/g, ' ')));
    // A loop, not Math.max(...cells): spreading 100,000+ rows overflows the call stack.
    const widths = columns.map((c, i) => cells.reduce((w, r) => Math.max(w, (r[i] ?? '').length), c.length));
    const line = (r: readonly string[]) =>
      r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
    return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].map((l) => `${l}\n`).join('');
  });
}
