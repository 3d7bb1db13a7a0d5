import { hostname as osHostname } from 'node:os';
import { systemClock, type Clock } from '../arm/clock.js';
import { connectionKey, gatewayKey } from '../arm/resource-id.js';
import { okScope } from '../discovery/scope-result.js';
import { recordPull, type LinkLocator, type RecordSummary } from '../history/record-pull.js';
import type { Store } from '../store/open-store.js';
import { beginPull, failPull } from '../store/pull-lock.js';
import { rehearsePull } from '../store/rehearse-pull.js';
import { processIsAlive, type IsAlive, type StaleLockOptions } from '../store/process-lock.js';
import { fingerprintWith, normaliseLink } from '../sync/normalise.js';
import type { ImportPlan, ImportShape } from './classify-arm-json.js';

/** What an import needs: the open store, and for tests a clock and the lock holder's identity. */
export interface ImportDeps {
  store: Store;
  /** The HMAC key of sharedKey fingerprints (kept out of the database: see store/fingerprint-key.ts). */
  fingerprintKey: string;
  clock?: Clock;
  pid?: number;
  hostname?: string;
  isAlive?: IsAlive;
  /** How stale locks are judged (the lease, and heartbeats the caller watched stand still: watchHeartbeatsAhead). */
  locks?: StaleLockOptions;
}

/** What an import recorded: the pull's counts, and what the file proved. */
export interface ImportResult extends RecordSummary {
  source: string;
  shape: ImportShape;
  description: string;
  paged: boolean;
  /** Connections whose complete set of link connections the file held. */
  completeConnections: number;
  /** Connections shown without their link connections; their stored links were left as they were. */
  connectionsWithoutLinks: number;
  /** Pulls left running by dead processes that this import cleared. */
  clearedStalePulls: number[];
}

/**
 * Records a classified import as a pull with source `import`: takes the pull lock, normalises
 * the links with the fingerprint key, and writes them with the same recorder and transaction
 * as `vpnsync pull`. A stored link counts as deleted only when the file proves it (see
 * ImportPlan): its connection's complete link list lacks it, or its gateway's complete
 * connection list lacks its connection.
 */
export function importArmJson(deps: ImportDeps, plan: ImportPlan, source: string, options: { dryRun?: boolean } = {}): ImportResult {
  const clock = deps.clock ?? systemClock;
  const { sqlite } = deps.store;
  const pullInput = {
    source: 'import' as const,
    strategy: null,
    scope: { import: source, shape: plan.shape, ...(plan.operationId ? { operationId: plan.operationId } : {}), paged: plan.paged },
    startedAt: new Date(clock.now()).toISOString(),
  };
  // A dry run (`import --dry-run`) takes no lock and keeps nothing: see rehearsePull.
  const dryRun = options.dryRun === true;
  const { pullId, cleared } = dryRun
    ? { pullId: 0, cleared: [] }
    : beginPull(sqlite, { ...pullInput, pid: deps.pid ?? process.pid, hostname: deps.hostname ?? osHostname() }, deps.isAlive ?? processIsAlive, deps.locks);
  try {
    const fingerprint = fingerprintWith(deps.fingerprintKey);
    const links = plan.links.map((l) => normaliseLink(l, fingerprint));
    const absenceIsProven = (l: LinkLocator): boolean => {
      const conn = connectionKey(l);
      if (plan.completeConnections.has(conn)) return true;
      return plan.completeGateways.has(gatewayKey(l)) && !plan.presentConnections.has(conn);
    };
    const record = (id: number): RecordSummary => recordPull(sqlite, {
      pullId: id,
      finishedAt: new Date(clock.now()).toISOString(),
      links,
      scopes: [...plan.completeConnections].map(([conn, items]) => okScope('links', conn, items)),
      absenceIsProven,
      requests: 0,
      throttled: 0,
    });
    const summary = dryRun ? { ...rehearsePull(sqlite, pullInput, record), pullId: 0 } : record(pullId);
    return {
      ...summary,
      source,
      shape: plan.shape,
      description: plan.description,
      paged: plan.paged,
      completeConnections: plan.completeConnections.size,
      connectionsWithoutLinks: plan.connectionsWithoutLinks.length,
      clearedStalePulls: cleared.map((c) => c.id),
    };
  } catch (e) {
    if (dryRun) throw e;
    try {
      failPull(sqlite, pullId, new Date(clock.now()).toISOString(), `import of ${source} failed: ${e instanceof Error ? e.message : String(e)}`);
    } catch {
      // The database itself is failing; the original error is the one to report.
    }
    throw e;
  }
}
