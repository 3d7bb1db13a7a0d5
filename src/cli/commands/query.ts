import type { Argv, CommandModule } from 'yargs';
import { openStore } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { out, renderTable } from '../output.js';

export interface QueryArgs extends GlobalArgs {
  sql: string;
  format: 'json' | 'table';
}

/** `vpnsync query "<SQL>"`: a read-only SELECT over the local database. */
export const queryCommand: CommandModule<GlobalArgs, QueryArgs> = {
  command: 'query <sql>',
  describe: 'Run a read-only SQL query over the local database (Azure is not contacted)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('sql', { type: 'string', demandOption: true, describe: 'The SELECT statement' })
      .option('format', { choices: ['json', 'table'] as const, default: 'table' as const, describe: 'json: an array of row objects; table: aligned columns' }) as unknown as Argv<QueryArgs>,
  handler: async (argv) => {
    const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
    try {
      let stmt;
      try {
        stmt = store.sqlite.prepare(argv.sql);
      } catch (e) {
        throw new UsageError(`SQL error: ${(e as Error).message}`);
      }
      // The connection is read-only already; this also refuses statements that return no rows.
      if (!stmt.reader) throw new UsageError('vpnsync query only runs statements that return rows (SELECT, WITH …); the database is opened read-only');
      let rows: Record<string, unknown>[];
      try {
        rows = stmt.all() as Record<string, unknown>[];
      } catch (e) {
        throw new UsageError(`SQL error: ${(e as Error).message}`);
      }
      if (argv.format === 'json') out(JSON.stringify(rows, null, 2));
      else {
        const columns = stmt.columns().map((c) => c.name);
        out(renderTable(columns, rows.map((r) => columns.map((c) => r[c]))));
      }
    } finally {
      await store.close();
    }
  },
};
