import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { openStore, planMigrations } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { fingerprintKeyFor, locateFingerprintKey } from '../fingerprint-key-path.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog } from '../output.js';
import { outputOf, printResult, withOutputOption, type OutputArgs } from '../output-option.js';

/** Parsed options of `vpnsync migrate`. */
export interface MigrateArgs extends GlobalArgs, OutputArgs {
  'dry-run': boolean;
}

/** `vpnsync migrate`: create the database or bring its schema up to date. */
export const migrateCommand: CommandModule<GlobalArgs, MigrateArgs> = {
  command: 'migrate',
  describe: 'Create the database, or apply pending schema migrations (every writing command also does this)',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'nothing on stdout, one line on stderr' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Say which migrations would be applied (and whether the file would be created); write nothing' })
      .example('$0 migrate --dry-run', 'Before an upgrade: what the new version would change in the schema') as unknown as Argv<MigrateArgs>,
  handler: async (argv) => {
    const format = outputOf(argv);
    const file = resolveDbPath(argv.db);
    const log = createLog();
    if (argv['dry-run']) {
      const plan = await planMigrations(file);
      const what = plan.pending.length === 0 ? 'up to date, nothing to apply' : `would ${plan.create ? 'be created and get' : 'get'} ${plan.pending.length} migration${plan.pending.length === 1 ? '' : 's'}: ${plan.pending.join(', ')}`;
      log.info(`dry run: ${file}: ${what}; nothing written`);
      if (format !== undefined) printResult(format, { file, dryRun: true, ...plan }, { columns: ['file', 'migration', 'state'], rows: [...plan.applied.map((m) => [file, m, 'applied']), ...plan.pending.map((m) => [file, m, 'pending'])] });
      return;
    }
    const keySource = locateFingerprintKey();
    const create = !existsSync(file);
    const store = await openStore(file, { mode: 'write' });
    try {
      // Also moves the fingerprint key of a database an older vpnsync made out of it.
      fingerprintKeyFor(store, (line) => log.info(line), keySource);
      const applied = store.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[];
      log.info(`${file}: schema at ${applied[applied.length - 1] ?? 'none'} (${applied.length} migrations applied)`);
      if (format !== undefined) printResult(format, { file, dryRun: false, create, applied, pending: [] }, { columns: ['file', 'migration', 'state'], rows: applied.map((m) => [file, m, 'applied']) });
    } finally {
      await store.close();
    }
  },
};
