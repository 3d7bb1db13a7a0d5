import type { Argv, CommandModule } from 'yargs';
import { HistoryInputError } from '../../history/history-input-error.js';
import { historyStart, listPulls, recordedPullsNewestFirst, type PullInfo } from '../../history/pulls.js';
import { requireHistoryViews } from '../../history/state-as-of.js';
import { formatTime } from '../../history/text-format.js';
import { openStore, translateSqliteError, type Store } from '../../store/open-store.js';
import { resolveDbPath } from '../database-path.js';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { out } from '../output.js';
import { outputOf, printRecords, withOutputOption, type OutputArgs } from '../output-option.js';
import { integerIn, NUMERIC } from '../validate.js';

/**
 * Runs `body` on the database opened read-only, with the history views required. Used by the
 * history commands (snapshots, diff, history, report): HistoryInputError becomes a UsageError
 * (exit 2), SQLite errors get the file name.
 */
export async function withHistoryStore<T>(db: string | undefined, body: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(resolveDbPath(db), { mode: 'read' });
  try {
    requireHistoryViews(store.sqlite, store.file);
    return await body(store);
  } catch (e) {
    throw asUsageError(e, store.file);
  } finally {
    await store.close();
  }
}

/** Maps history's input errors to UsageError and SQLite errors to StoreError; anything else unchanged. */
export function asUsageError(e: unknown, file: string): unknown {
  if (e instanceof HistoryInputError) return new UsageError(e.message, { cause: e });
  if (e instanceof UsageError) return e;
  return translateSqliteError(e, file);
}

/** A yargs `coerce` that runs a history parser and turns its HistoryInputError into UsageError. */
export function coerceWith<T>(parse: (text: string) => T): (value: unknown) => T | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    try {
      return parse(String(last));
    } catch (e) {
      if (e instanceof HistoryInputError) throw new UsageError(e.message, { cause: e });
      throw e;
    }
  };
}

/** Parsed options of `vpnsync snapshots`. */
export interface SnapshotsArgs extends GlobalArgs, OutputArgs {
  limit: number;
}

/** Default number of pulls `vpnsync snapshots` lists. */
export const DEFAULT_SNAPSHOT_LIMIT = 20;

/** A pull as `vpnsync snapshots` shows it: the row, the ref that names it (latest, -N), and a note. */
export interface SnapshotRow extends PullInfo {
  ref: string | null;
  note: string | null;
}

/** `vpnsync snapshots`: the pulls, newest first, with status and counts. */
export const snapshotsCommand: CommandModule<GlobalArgs, SnapshotsArgs> = {
  command: 'snapshots',
  describe: 'List the pulls (snapshots) in the database, newest first: id, time, status and counts',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'table', formatAlias: true })
      .option('limit', { ...NUMERIC, default: DEFAULT_SNAPSHOT_LIMIT, describe: 'Show the newest N pulls (0: all)', coerce: integerIn('--limit', 0, 1_000_000_000) })
      .example('$0 snapshots', 'The newest 20 pulls')
      .example('$0 snapshots --limit 0 -o json | jq \'map(select(.status == "partial"))\'', 'Every partial pull') as unknown as Argv<SnapshotsArgs>,
  handler: async (argv) => {
    await withHistoryStore(argv.db, (store) => {
      const start = historyStart(store.sqlite);
      const complete = recordedPullsNewestFirst(store.sqlite, ['complete'], start, 100).map((p) => p.id);
      const rows: SnapshotRow[] = listPulls(store.sqlite, argv.limit).map((p) => {
        const back = complete.indexOf(p.id);
        const recorded = p.status === 'complete' || p.status === 'partial';
        const note = recorded && p.id < start ? 'pruned' : p.status === 'failed' || p.status === 'partial' ? p.errorSummary : null;
        return { ...p, ref: back === 0 ? 'latest' : back > 0 ? `-${back}` : null, note };
      });
      const format = outputOf(argv) ?? 'table';
      if (rows.length === 0 && format === 'table') {
        out('No pulls yet: run vpnsync pull.');
        return;
      }
      // The table shortens notes to keep a line per pull; every other format carries them whole.
      const note = format === 'table' ? shorten : (s: string | null) => s;
      printRecords(format, {
        columns: ['id', 'ref', 'finished', 'status', 'links', 'added', 'changed', 'removed', 'scopesFailed', 'filter', 'note'],
        rows: rows.map((r) => [r.id, r.ref, formatTime(r.finishedAt), r.status, r.linksSeen, r.linksAdded, r.linksChanged, r.linksRemoved, r.scopesFailed, r.filter, note(r.note)]),
        objects: rows,
      });
    });
  },
};

function shorten(s: string | null): string {
  if (s === null) return '';
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
