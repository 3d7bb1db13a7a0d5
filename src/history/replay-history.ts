import type BetterSqlite3 from 'better-sqlite3';
import { loadCoverage, unseenBecause, type FailedScope } from './pull-coverage.js';
import { recordedPullsBetween, type RecordedPull } from './pulls.js';
import { STATE_COLUMNS, stateAsOf, type LinkState } from './state-as-of.js';

/** A version recorded by a pull, with the link's state just before it (undefined if it did not exist). */
export interface ReplayEvent {
  version: LinkState;
  previous: LinkState | undefined;
}

/** One recorded pull during a replay, after its versions were applied. */
export interface ReplayStep {
  pull: RecordedPull;
  /** 0 for the base pull (whose state is the starting point; it has no events). */
  index: number;
  events: readonly ReplayEvent[];
  /** Links existing as of this pull that it did not see, and why (a failed scope, or its filters). */
  unseen: ReadonlyMap<string, FailedScope | 'filter'>;
  /** The scopes this pull failed to list (empty for a complete pull). */
  failedScopes: readonly FailedScope[];
  /** Every link's state as of this pull: equal to stateAsOf(pull) (same keys filter). */
  state: ReadonlyMap<string, LinkState>;
}

/**
 * Walks the recorded pulls from `base` to `end`: starts from stateAsOf(base) and applies each
 * pull's versions in order (a 'deleted' version removes the link), so after each step the state
 * is exactly stateAsOf(that pull) — the same definition, computed incrementally instead of one
 * query per pull. `keys` limits the walk to some links.
 */
export function replayHistory(sqlite: BetterSqlite3.Database, base: RecordedPull, end: RecordedPull, visit: (step: ReplayStep) => void, keys?: readonly string[]): void {
  const pulls = recordedPullsBetween(sqlite, base.id, end.id);
  const state = stateAsOf(sqlite, base.id, keys);
  const coverage = loadCoverage(sqlite, base.id, end.id);
  const only = keys === undefined ? undefined : JSON.stringify(keys);
  const versions = sqlite
    .prepare(
      `SELECT ${STATE_COLUMNS} FROM vpn_link_connection_versions WHERE _pull_id > ? AND _pull_id <= ?${only === undefined ? '' : ' AND _key IN (SELECT value FROM json_each(?))'}
       ORDER BY _pull_id, _key`,
    )
    .all(...(only === undefined ? [base.id, end.id] : [base.id, end.id, only])) as LinkState[];

  let next = 0;
  pulls.forEach((pull, index) => {
    const events: ReplayEvent[] = [];
    if (index > 0) {
      while (next < versions.length && versions[next]!._pull_id <= pull.id) {
        const version = versions[next++]!;
        events.push({ version, previous: state.get(version._key) });
        if (version._kind === 'deleted') state.delete(version._key);
        else state.set(version._key, version);
      }
    }
    const unseen = new Map<string, FailedScope | 'filter'>();
    const cov = coverage.get(pull.id);
    if (cov) {
      for (const link of state.values()) {
        const why = unseenBecause(cov, link);
        if (why !== undefined) unseen.set(link._key, why);
      }
    }
    visit({ pull, index, events, unseen, failedScopes: cov?.failed ?? [], state });
  });
}
