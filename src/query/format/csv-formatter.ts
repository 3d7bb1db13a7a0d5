import { sqlValueText, type SqlValue } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * RFC 4180 CSV with a header row and LF line endings: fields with a comma, quote, CR/LF or
 * surrounding space are quoted; NULL is an empty field and '' is `""`, so the two stay distinct.
 */
export function csvFormatter(): RowFormatter {
  const line = (cells: readonly string[]) => `${cells.join(',')}\n`;
  return {
    begin: (columns) => line(columns.map(csvQuote)),
    row: (values) => line(values.map(csvCell)),
    end: () => '',
  };
}

function csvCell(v: SqlValue): string {
  if (v === null) return '';
  const text = sqlValueText(v);
  return text === '' ? '""' : csvQuote(text);
}

function csvQuote(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
