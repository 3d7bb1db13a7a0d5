import type { Argv, CommandModule } from 'yargs';
import { DURATION_FORMS, parseDuration } from '../../history/duration.js';
import { pruneBoundary, pruneHistory, type Retention } from '../../history/prune-history.js';
import { historyStart } from '../../history/pulls.js';
import { formatTime } from '../../history/text-format.js';
import { openStore } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog } from '../output.js';
import { outputOf, printResult, withOutputOption, type OutputArgs } from '../output-option.js';
import { integerIn, NUMERIC } from '../validate.js';
import { asUsageError, coerceWith } from './snapshots.js';

/** Parsed options of `vpnsync prune`. */
export interface PruneArgs extends GlobalArgs, OutputArgs {
  keep?: number | undefined;
  'keep-pulls'?: number | undefined;
  'dry-run': boolean;
  vacuum: boolean;
}

/** `vpnsync prune`: drop history beyond a retention, keeping the state as of every kept pull. */
export const pruneCommand: CommandModule<GlobalArgs, PruneArgs> = {
  command: 'prune',
  describe: 'Drop versions and traffic samples older than a retention; the state as of every kept pull stays exact',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'nothing on stdout, one line on stderr' })
      .option('keep', { type: 'string', describe: `Keep this much history: ${DURATION_FORMS}`, coerce: coerceWith((t) => parseDuration(t, '--keep')) })
      .option('keep-pulls', { ...NUMERIC, describe: 'Keep the newest N complete or partial pulls', coerce: integerIn('--keep-pulls', 1, 1_000_000_000) })
      .conflicts('keep', 'keep-pulls')
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only say what would be dropped' })
      .option('vacuum', { type: 'boolean', default: false, describe: 'Then VACUUM, giving the freed space back to the file system' })
      .check((a) => {
        if (a.keep === undefined && a['keep-pulls'] === undefined) throw new UsageError('Expected --keep <duration> (e.g. 90d) or --keep-pulls <N>, got neither');
        return true;
      })
      .example('$0 prune --keep 90d', 'Keep 90 days of history')
      .example('$0 prune --keep-pulls 1000 --dry-run', 'What keeping the newest 1000 pulls would drop') as unknown as Argv<PruneArgs>,
  handler: async (argv) => {
    const format = outputOf(argv);
    const log = createLog();
    // A dry run rehearses on the database as it is: nothing created, migrated or kept.
    const store = await openStore(resolveDbPath(argv.db), argv['dry-run'] ? { mode: 'rehearse' } : { mode: 'write', mustExist: true });
    try {
      const retention: Retention = argv['keep-pulls'] !== undefined ? { keepPulls: argv['keep-pulls'] } : { keepMs: argv.keep!, now: Date.now() };
      const boundary = pruneBoundary(store.sqlite, retention);
      const r = pruneHistory(store.sqlite, boundary, { dryRun: argv['dry-run'] });
      if (format !== undefined) {
        printResult(format, r, {
          columns: ['keepFromPull', 'dryRun', 'versionsDropped', 'trafficSamplesDropped', 'scopeRowsDropped'],
          rows: [[r.keepFrom?.id ?? null, r.dryRun, r.versionsDropped, r.trafficSamplesDropped, r.scopeRowsDropped]],
        });
      }
      if (!boundary) {
        log.info(`Nothing to prune: history starts at pull #${historyStart(store.sqlite)}, within the retention.`);
        return;
      }
      log.info(
        `${r.dryRun ? 'Would drop' : 'Dropped'} history before pull #${boundary.id} (${formatTime(boundary.finishedAt)}): ` +
          `${r.versionsDropped} versions, ${r.trafficSamplesDropped} traffic samples, ${r.scopeRowsDropped} scope rows. ` +
          `The state as of pull #${boundary.id} and every later pull is unchanged.`,
      );
      if (argv.vacuum && !r.dryRun) store.sqlite.exec('VACUUM');
    } catch (e) {
      throw asUsageError(e, store.file);
    } finally {
      await store.close();
    }
  },
};
