import { BoundedReadError, readBounded } from '../input/read-bounded.js';
import { UsageError } from './errors.js';

/** Longest SQL text accepted from a file or stdin. */
export const MAX_SQL_BYTES = 4 * 1024 * 1024;

/** Where `vpnsync query` takes its SQL from: the argument, --file, or stdin. */
export interface SqlSource {
  sql?: string | undefined;
  file?: string | undefined;
}

/**
 * The SQL from the argument, -f FILE, or stdin ("-", or nothing given with stdin not a
 * terminal). A file or stdin is read up to MAX_SQL_BYTES and no further (`-f /dev/zero` once
 * grew past 10 GB before the limit was checked). Throws UsageError.
 */
export async function readSql(args: SqlSource, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  // yargs hands a lone "-" to a string positional as '' (and an empty SQL argument means nothing else).
  const sql = args.sql === '' ? '-' : args.sql;
  const file = args.file === '' ? '-' : args.file;
  if (sql !== undefined && file !== undefined) throw new UsageError('Expected the SQL either as an argument or with --file, not both');
  const source = file ?? (sql === '-' ? '-' : undefined);
  if (source === undefined && sql !== undefined) return sql;
  if (source === undefined && stdin.isTTY) {
    throw new UsageError('Expected SQL: vpnsync query "SELECT …", vpnsync query -f FILE, or the SQL on stdin');
  }
  const from = source === undefined || source === '-' ? 'stdin' : source;
  let bytes: Buffer;
  try {
    bytes = await readBounded(from === 'stdin' ? '-' : from, MAX_SQL_BYTES, stdin);
  } catch (e) {
    if (!(e instanceof BoundedReadError)) throw e;
    const f = e.failure;
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    if (f.reason === 'too-large') throw new UsageError(`Expected at most ${MAX_SQL_BYTES / 1024 / 1024} MiB of SQL from ${from}, got ${f.atLeast ? 'more than that' : mib(f.bytes)}`);
    throw new UsageError(`Cannot read the SQL from ${from}: ${f.reason === 'directory' ? 'it is a directory' : f.code === 'ENOENT' ? 'no such file' : f.code}`);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new UsageError(`Expected an SQL statement on ${from}, got ${bytes.length === 0 ? 'nothing' : 'only whitespace'}`);
  return text;
}
