import type BetterSqlite3 from 'better-sqlite3';
import { HISTORY_START_KEY, historyStart, recordedPullAt, recordedPullsNewestFirst, type RecordedPull } from './pulls.js';

/** How much history to keep: the newest N recorded pulls, or everything since a duration before now. */
export type Retention = { keepPulls: number } | { keepMs: number; now: number };

/** What a prune drops (or would drop, for a dry run). */
export interface PruneResult {
  /** The oldest pull whose state stays answerable; undefined when there was nothing to prune. */
  keepFrom: RecordedPull | undefined;
  versionsDropped: number;
  trafficSamplesDropped: number;
  scopeRowsDropped: number;
  dryRun: boolean;
}

/**
 * The oldest pull to keep: the N-th newest recorded pull, or the last recorded pull at or before
 * now − duration (so the state as of any time in the kept range is still answerable). Undefined
 * when that is not later than where history already starts.
 */
export function pruneBoundary(sqlite: BetterSqlite3.Database, retention: Retention): RecordedPull | undefined {
  const start = historyStart(sqlite);
  const k =
    'keepPulls' in retention
      ? recordedPullsNewestFirst(sqlite, ['complete', 'partial'], 0, retention.keepPulls)[retention.keepPulls - 1]
      : recordedPullAt(sqlite, new Date(retention.now - retention.keepMs).toISOString(), 0);
  return k && k.id > start ? k : undefined;
}

// Versions that no kept pull's state needs: older than K and either a deletion or superseded by a
// later version at or before K. Each link's latest version at or before K stays (unless it is a
// deletion: absent is absent either way), so stateAsOf(N) is unchanged for every N >= K.
const DROPPABLE_VERSIONS = `FROM vpn_link_connection_versions AS v WHERE v._pull_id < @k AND (
  v._kind = 'deleted'
  OR v._pull_id <> (SELECT max(w._pull_id) FROM vpn_link_connection_versions w WHERE w._key = v._key AND w._pull_id <= @k))`;

/**
 * Drops history before pull `keepFrom` in one transaction: superseded versions, traffic samples
 * and scope rows of older pulls. The pulls rows themselves stay (they are small, and versions
 * kept as a link's baseline still point at them); `meta.history_starts_at_pull` records K so
 * that refs and the state-as-of view refuse the older pulls whose state is no longer complete.
 */
export function pruneHistory(sqlite: BetterSqlite3.Database, keepFrom: RecordedPull | undefined, options: { dryRun?: boolean } = {}): PruneResult {
  const dryRun = options.dryRun ?? false;
  if (!keepFrom) return { keepFrom, versionsDropped: 0, trafficSamplesDropped: 0, scopeRowsDropped: 0, dryRun };
  const k = keepFrom.id;
  const tx = sqlite.transaction((): PruneResult => {
    if (dryRun) {
      return {
        keepFrom,
        versionsDropped: sqlite.prepare(`SELECT count(*) ${DROPPABLE_VERSIONS}`).pluck().get({ k }) as number,
        trafficSamplesDropped: sqlite.prepare(`SELECT count(*) FROM vpn_link_connection_traffic_samples WHERE pull_id < ?`).pluck().get(k) as number,
        scopeRowsDropped: sqlite.prepare(`SELECT count(*) FROM pull_scopes WHERE pull_id < ?`).pluck().get(k) as number,
        dryRun,
      };
    }
    const versionsDropped = sqlite.prepare(`DELETE ${DROPPABLE_VERSIONS}`).run({ k }).changes;
    const trafficSamplesDropped = sqlite.prepare(`DELETE FROM vpn_link_connection_traffic_samples WHERE pull_id < ?`).run(k).changes;
    const scopeRowsDropped = sqlite.prepare(`DELETE FROM pull_scopes WHERE pull_id < ?`).run(k).changes;
    sqlite.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(HISTORY_START_KEY, String(k));
    return { keepFrom, versionsDropped, trafficSamplesDropped, scopeRowsDropped, dryRun };
  });
  return tx.immediate();
}
