import { csvFormatter } from './csv-formatter.js';
import { jsonFormatter } from './json-formatter.js';
import { lineFormatter } from './line-formatter.js';
import { markdownFormatter } from './markdown-formatter.js';
import type { RowFormatter } from './row-formatter.js';
import { tableFormatter } from './table-formatter.js';

/** The output formats of `vpnsync query`. */
export const QUERY_FORMATS = ['table', 'json', 'ndjson', 'csv', 'md', 'line'] as const;
/** One of QUERY_FORMATS. */
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** `table` for a person at a terminal; `csv` when stdout is a pipe or a file (a header, one line per row, loads anywhere). */
export function defaultQueryFormat(stdoutIsTTY: boolean): QueryFormat {
  return stdoutIsTTY ? 'table' : 'csv';
}

/** The formatter for a format. */
export function createRowFormatter(format: QueryFormat): RowFormatter {
  switch (format) {
    case 'table':
      return tableFormatter();
    case 'json':
      return jsonFormatter({ lines: false });
    case 'ndjson':
      return jsonFormatter({ lines: true });
    case 'csv':
      return csvFormatter();
    case 'md':
      return markdownFormatter();
    case 'line':
      return lineFormatter();
  }
}
