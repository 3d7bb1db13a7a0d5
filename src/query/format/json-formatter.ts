import { sqlValueJson, type SqlValue } from '../sql-value.js';
import type { RowFormatter } from './row-formatter.js';

/**
 * A JSON array of row objects (`ndjson`: one object per line, no array). Values keep their
 * SQLite type: JSON columns are JSON *text*, as StackQL returns them (use jq's `fromjson`).
 * A repeated column name gets a suffix (`name_2`) so that no value is lost.
 */
export function jsonFormatter(options: { lines: boolean }): RowFormatter {
  let keys: string[] = [];
  let count = 0;
  const object = (values: readonly SqlValue[]) => `{${values.map((v, i) => `${keys[i]}:${sqlValueJson(v)}`).join(',')}}`;
  return {
    begin: (columns) => {
      keys = uniqueNames(columns).map((c) => JSON.stringify(c));
      return options.lines ? '' : '[';
    },
    row: (values) => {
      count += 1;
      if (options.lines) return `${object(values)}\n`;
      return `${count === 1 ? '\n' : ',\n'}  ${object(values)}`;
    },
    end: () => (options.lines ? '' : count === 0 ? ']\n' : '\n]\n'),
  };
}

/** Column names made unique by suffixing repeats: a, a → a, a_2. */
export function uniqueNames(columns: readonly string[]): string[] {
  const seen = new Set<string>();
  return columns.map((c) => {
    let name = c;
    for (let n = 2; seen.has(name); n += 1) name = `${c}_${n}`;
    seen.add(name);
    return name;
  });
}
