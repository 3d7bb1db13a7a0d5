import type { Argv, CommandModule } from 'yargs';
import { openStore } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { fingerprintKeyFor, locateFingerprintKey } from '../fingerprint-key-path.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog } from '../output.js';

/** `vpnsync migrate`: create the database or bring its schema up to date. */
export const migrateCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'migrate',
  describe: 'Create the database, or apply pending schema migrations (every writing command also does this)',
  builder: (y: Argv<GlobalArgs>) => y,
  handler: async (argv) => {
    const file = resolveDbPath(argv.db);
    const keySource = locateFingerprintKey();
    const store = await openStore(file, { mode: 'write' });
    try {
      // Also moves the fingerprint key of a database an older vpnsync made out of it.
      fingerprintKeyFor(store, (line) => createLog().info(line), keySource);
      const applied = store.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[];
      createLog().info(`${file}: schema at ${applied[applied.length - 1] ?? 'none'} (${applied.length} migrations applied)`);
    } finally {
      await store.close();
    }
  },
};
