import type { Argv } from 'yargs';
import { renderRows } from '../query/format/render-rows.js';
import { QUERY_FORMATS, type QueryFormat } from '../query/format/query-format.js';
import { UsageError } from './errors.js';
import { out } from './output.js';

/**
 * The output formats every command that prints data takes with `-o/--output` (the names of
 * `query`'s formats, so that one word means one layout everywhere). `report` adds `html`.
 */
export const OUTPUT_FORMATS = QUERY_FORMATS;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = QueryFormat;

/** How yargs hands over -o/--output (and its aliases) and --json. */
export interface OutputArgs {
  output?: string | undefined;
  json?: boolean | undefined;
}

/** What a command's -o takes and what it prints without one. */
export interface OutputSpec {
  /** Extra formats beyond OUTPUT_FORMATS (report's html). */
  extra?: readonly string[];
  /** Said in --help: what is printed when -o is not given. */
  defaultText: string;
  /** Accept the older `--format` spelling as an alias (commands that had it). */
  formatAlias?: boolean;
}

/**
 * Adds `-o/--output FORMAT` and `--json` (the same as `-o json`) to a command. Every command
 * that prints data takes the same names; `--json` and `--format` stay as aliases because cron
 * lines and scripts already use them.
 */
export function withOutputOption<T>(y: Argv<T>, spec: OutputSpec): Argv<T & OutputArgs> {
  const choices = [...OUTPUT_FORMATS, ...(spec.extra ?? [])];
  return y
    .option('output', {
      alias: spec.formatAlias ? ['o', 'format'] : ['o'],
      type: 'string',
      choices,
      describe: `Output format: ${choices.join(' | ')} (default: ${spec.defaultText})`,
    })
    .option('json', { type: 'boolean', describe: 'Same as -o json' }) as unknown as Argv<T & OutputArgs>;
}

/**
 * The format asked for: -o/--output, or --json; undefined when neither was given (the command's
 * default). yargs has checked the value against the command's choices: OUTPUT_FORMATS and the
 * `Extra` formats it declared (withOutputOption's `extra`).
 */
export function outputOf<Extra extends string = never>(argv: OutputArgs): OutputFormat | Extra | undefined {
  // A repeated -o hands over an array; the last one wins, as with every other option.
  const output = Array.isArray(argv.output) ? (argv.output as string[])[argv.output.length - 1] : argv.output;
  if (argv.json === true && output !== undefined && output !== 'json') {
    throw new UsageError(`Expected either --json or -o ${output}, not both`);
  }
  return (argv.json === true ? 'json' : output) as OutputFormat | Extra | undefined;
}

/** A list of records: columns and rows for the tabular formats, objects (camelCase keys) for json and ndjson. */
export interface Records {
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
  /** The records as JSON objects; defaults to one object per row keyed by column. */
  objects?: readonly unknown[];
}

/** Prints records on stdout in one of the six formats. */
export function printRecords(format: OutputFormat, records: Records): void {
  const objects = records.objects ?? records.rows.map((r) => Object.fromEntries(records.columns.map((c, i) => [c, r[i] ?? null])));
  switch (format) {
    case 'json':
      out(JSON.stringify(objects, null, 2));
      return;
    case 'ndjson':
      if (objects.length > 0) out(objects.map((o) => JSON.stringify(o)).join('\n'));
      return;
    default:
      out(renderRows(format, records.columns, records.rows));
  }
}

/**
 * Prints a command's result: the whole result as JSON (`json`, pretty; `ndjson`, one line), or
 * its records in a tabular format. Commands with one result (pull, import, prune) pass one record.
 */
export function printResult(format: OutputFormat, result: unknown, records: Records): void {
  if (format === 'json') out(JSON.stringify(result, null, 2));
  else if (format === 'ndjson') out(JSON.stringify(result));
  else printRecords(format, records);
}
