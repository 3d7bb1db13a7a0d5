import type { Argv, CommandModule } from 'yargs';
import { HistoryInputError } from '../../history/history-input-error.js';
import { asOfState } from '../../query/as-of-view.js';
import { createRowFormatter, defaultQueryFormat } from '../../query/format/query-format.js';
import type { RowFormatter } from '../../query/format/row-formatter.js';
import { openQueryDb } from '../../query/open-query-db.js';
import { QueryError } from '../../query/query-error.js';
import { parseQueryParams } from '../../query/query-params.js';
import { prepareQuery, type PreparedQuery } from '../../query/run-query.js';
import { translateSqliteError } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { readerGone } from '../output.js';
import { outputOf, withOutputOption, type OutputArgs } from '../output-option.js';
import { DEFAULT_QUERY_TIMEOUT_SECONDS, isWatchedQuery, runUnderTimeout } from '../query-timeout.js';
import { readSql } from '../read-sql.js';
import { NUMERIC, numberIn } from '../validate.js';

/** The options of `vpnsync query`, as yargs parses them. */
export interface QueryArgs extends GlobalArgs, OutputArgs {
  sql?: string | undefined;
  file?: string | undefined;
  param?: string | string[] | undefined;
  at?: string | undefined;
  timeout: number;
}

/** `vpnsync query "<SQL>"`: one read-only statement over the local database, printed in a chosen format. */
export const queryCommand: CommandModule<GlobalArgs, QueryArgs> = {
  command: 'query [sql]',
  describe: 'Run a read-only SQL query over the local database (Azure is not contacted)',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'table on a terminal, csv otherwise', formatAlias: true })
      .positional('sql', { type: 'string', describe: 'One SELECT (or WITH, VALUES, EXPLAIN, reporting PRAGMA); "-" reads it from stdin' })
      .option('file', { alias: 'f', type: 'string', describe: 'Read the SQL from FILE ("-" for stdin)' })
      // Not `array: true`: an array option would swallow the SQL argument after it.
      .option('param', { type: 'string', describe: 'Bind a named parameter: --param site=branch-0042 for :site (repeatable)' })
      .option('at', { type: 'string', describe: 'Query the state as of a pull: its id, latest, -N (N complete pulls back) or an ISO time' })
      .option('timeout', { ...NUMERIC, default: DEFAULT_QUERY_TIMEOUT_SECONDS, describe: 'Stop the query after SECONDS (exit 124); 0 = no limit', coerce: numberIn('--timeout', 0, 86400) })
      .example('$0 query "SELECT gatewayName, count(*) FROM vpn_link_connections GROUP BY 1"', 'Links per gateway')
      .example('$0 query -f examples/queries/links-down.sql -o json | jq .', 'SQL from a file (shipped in examples/queries), JSON out')
      .example("$0 query --param gw=vpngw-weu-01 \"SELECT name FROM vpn_link_connections WHERE gatewayName = :gw\"", 'A named parameter') as unknown as Argv<QueryArgs>,
  handler: async (argv) => {
    // Under a time limit the query runs in a child process that can be stopped (see query-timeout.ts).
    if (argv.timeout > 0 && !isWatchedQuery()) {
      process.exitCode = await runUnderTimeout(argv.timeout);
      return;
    }
    const sql = await readSql(argv);
    const params = parseOrUsage(() => parseQueryParams(argv.param === undefined ? [] : [argv.param].flat()));
    const format = outputOf(argv) ?? defaultQueryFormat(Boolean(process.stdout.isTTY));
    const db = await openQueryDb(resolveDbPath(argv.db));
    try {
      const asOf = argv.at === undefined ? undefined : asOfState(db.sqlite, db.file, argv.at);
      if (asOf && process.stderr.isTTY) process.stderr.write(`as of pull #${asOf.pull.id} (${asOf.pull.status}, finished ${asOf.pull.finishedAt})\n`);
      const prepared = prepareQuery(db.sqlite, { sql, params, views: { linkConnectionsAs: asOf?.selectSql } });
      await writeRows(prepared, createRowFormatter(format), process.stdout);
    } catch (e) {
      if (e instanceof QueryError || e instanceof HistoryInputError) throw new UsageError(e.message, { cause: e });
      throw translateSqliteError(e, db.file);
    } finally {
      await db.close();
    }
  },
};

function parseOrUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof QueryError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/**
 * Streams the rows through the formatter to `stream` in chunks, waiting for the stream to drain
 * (a 40,000-row result never sits in memory twice). A reader that goes away (`| head`) ends the
 * query quietly, as other command-line tools do.
 */
async function writeRows(prepared: PreparedQuery, formatter: RowFormatter, stream: NodeJS.WritableStream): Promise<void> {
  // main() made EPIPE on stdout quiet (endQuietlyOnEpipe); here it also stops the reading of rows.
  const closed = () => readerGone(stream);
  let buffer = formatter.begin(prepared.columns);
  const flush = async (): Promise<void> => {
    if (buffer === '' || closed()) return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('error', done);
    });
  };
  for (const row of prepared.rows) {
    buffer += formatter.row(row);
    if (buffer.length >= 64 * 1024) await flush();
    if (closed()) break;
  }
  buffer += formatter.end();
  await flush();
}
