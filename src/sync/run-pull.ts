import { recordSubscriptionStates } from '../store/subscription-states.js';
import { hostname as osHostname } from 'node:os';
import pLimit from 'p-limit';
import type { ArmClient } from '../arm/arm-client.js';
import { ArmError } from '../arm/arm-error.js';
import { systemClock, type Clock } from '../arm/clock.js';
import { connectionKey } from '../arm/resource-id.js';
import { discoverConnections, filterFlags, listingParentsOf, type PullFilters } from '../discovery/discover-connections.js';
import type { ScopeResult } from '../discovery/scope-result.js';
import { recordPull, type LinkLocator, type RecordSummary } from '../history/record-pull.js';
import { heartbeatIntervalFor, LOCK_LEASE_MS, processIsAlive, startHeartbeat, watchHeartbeatsAhead, type IsAlive } from '../store/process-lock.js';
import { beginPull, discardPull, failPull } from '../store/pull-lock.js';
import { rehearsePull } from '../store/rehearse-pull.js';
import type { Store } from '../store/open-store.js';
import type { PullStrategy } from '../store/schema.js';
import { DEFAULT_CONCURRENCY, DEFAULT_STRATEGY, fetchLinks, linkRecords } from './fetch-links.js';
import { fingerprintWith } from './normalise.js';
import { NoMatchError } from './no-match-error.js';

export interface PullDeps {
  arm: ArmClient;
  store: Store;
  /** The HMAC key of sharedKey fingerprints (kept out of the database: see store/fingerprint-key.ts). */
  fingerprintKey: string;
  clock?: Clock;
  /** Progress and diagnostics, one line each (stderr in the CLI). */
  log?: (line: string) => void;
  /** Connections whose links have been listed so far (for a progress display). */
  onProgress?: (done: number, total: number) => void;
  pid?: number;
  hostname?: string;
  isAlive?: IsAlive;
  /** Silence after which another pull's lock is stale (default LOCK_LEASE_MS; VPNSYNC_LOCK_LEASE in the CLI). */
  leaseMs?: number;
}

export interface PullOptions {
  filters?: PullFilters;
  strategy?: PullStrategy;
  concurrency?: number;
  /**
   * List everything as a pull would, then work out what it would record and roll that back:
   * no pull row, no lock, nothing kept (`pull --dry-run`). The database must exist.
   */
  dryRun?: boolean;
}

/** What a pull did: the recorded counts, the failed scopes, and what it cost. */
export interface PullResult extends RecordSummary {
  strategy: PullStrategy;
  failedScopes: ScopeResult[];
  requests: number;
  throttled: number;
  retries: number;
  seconds: number;
  /** Pulls left running by dead processes that this pull cleared. */
  clearedStalePulls: number[];
}

/**
 * One pull: take the lock, discover connections, fetch their link connections concurrently
 * (nothing written meanwhile), then record everything in one transaction. Scopes that fail are
 * returned as data (status `partial`); an exception means nothing was seen (bad credential,
 * subscription list unreadable) and the pull is recorded as `failed`.
 */
export async function runPull(deps: PullDeps, options: PullOptions = {}): Promise<PullResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => undefined);
  const strategy = options.strategy ?? DEFAULT_STRATEGY;
  const filters = options.filters ?? {};
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const gate = pLimit(concurrency);
  const started = clock.now();
  const { sqlite } = deps.store;
  const before = { ...deps.arm.stats };

  const pullInput = { source: 'arm' as const, strategy, scope: { endpoint: deps.arm.endpoint.origin, ...filters }, startedAt: new Date(started).toISOString() };
  const dryRun = options.dryRun === true;
  const hostname = deps.hostname ?? osHostname();
  const leaseMs = deps.leaseMs ?? LOCK_LEASE_MS;
  // A crashed pull from a host whose clock runs ahead left a heartbeat in the future: judged by
  // watching it, not by its timestamps, or it would block every pull until that time. A dry run
  // takes no lock and writes no pull row (id 0 stands for "none"), so it watches nothing.
  const observedStale = dryRun ? new Map<number, string | null>() : await watchHeartbeatsAhead(sqlite, 'pulls', 'pull', { hostname }, { leaseMs, now: () => clock.now(), log });
  const { pullId, cleared } = dryRun
    ? { pullId: 0, cleared: [] }
    : beginPull(sqlite, { ...pullInput, pid: deps.pid ?? process.pid, hostname }, deps.isAlive ?? processIsAlive, { leaseMs, observedStale });
  for (const c of cleared) log(`cleared the lock of pull #${c.id}: process ${c.pid ?? '?'} is no longer running; that pull is marked failed`);

  const stopHeartbeat = dryRun ? () => undefined : startHeartbeat(sqlite, 'pulls', pullId, () => clock.now(), heartbeatIntervalFor(leaseMs));
  const cost = () => ({ requests: deps.arm.stats.requests - before.requests, throttled: deps.arm.stats.throttled - before.throttled });
  try {
    const discovery = await discoverConnections(deps.arm, filters, gate, { embeddedLinks: strategy === 'gateways' });
    const flags = filterFlags(filters);
    // A filter that matches nothing is a typo far more often than an empty gateway: recording it
    // as a complete pull of 0 links would hide the typo in a cron log. With --resource-group, a
    // 404 (no such resource group) counts as no match; any other failure is reported as such.
    if (flags !== '' && discovery.connections.length === 0 && discovery.scopes.every((s) => s.status === 'ok' || (filters.resourceGroup !== undefined && s.httpStatus === 404))) {
      if (!dryRun) discardPull(sqlite, pullId);
      throw new NoMatchError(`no VPN connection matches ${flags} (in ${discovery.subscriptions.length} subscription${discovery.subscriptions.length === 1 ? '' : 's'}); nothing was recorded`);
    }
    log(`found ${discovery.connections.length} VPN connections in ${discovery.subscriptions.length} subscriptions`);
    const unembedded = strategy === 'gateways' ? discovery.connections.filter((c) => c.embeddedLinks === undefined).length : 0;
    if (unembedded > 0) log(`${unembedded} of them listed without their link connections: listing those with ListByVpnConnection`);
    const fetched = await fetchLinks(deps.arm, discovery, strategy, fingerprintWith(deps.fingerprintKey), { concurrency, gate }, deps.onProgress);
    const scopes = [...discovery.scopes, ...fetched.scopes];
    const failedScopes = scopes.filter((s) => s.status === 'failed');
    const first = failedScopes[0];
    if (first && failedScopes.length === scopes.length) {
      // Nothing at all could be listed (wrong --subscription, no access, ARM unreachable):
      // that is a failed pull, not a partial one.
      throw new ArmError({
        message: `nothing could be listed (${summariseFailures(failedScopes)}); first: ${first.errorMessage ?? 'unknown error'}`,
        code: first.errorCode ?? 'Error',
        status: first.httpStatus,
        requestId: first.requestId,
        path: first.scopeId,
      });
    }

    const inFilter = (l: LinkLocator): boolean =>
      discovery.subscriptions.includes(l.subscriptionId.toLowerCase()) &&
      matches(filters.resourceGroup, l.resourceGroupName) &&
      matches(filters.gateway, l.gatewayName) &&
      matches(filters.connection, l.connectionName);
    const present = new Set(discovery.connections.map((c) => c.key));
    const absenceIsProven = (l: LinkLocator): boolean => {
      if (!inFilter(l)) return false;
      const conn = connectionKey(l);
      if (fetched.completeConnections.has(conn)) return true;
      // The connection (or its gateway) is gone: proven only if the listing that would have
      // shown it completed.
      return !present.has(conn) && listingParentsOf(l).some((p) => discovery.listedParents.has(p));
    };

    const finishedAt = new Date(clock.now()).toISOString();
    // One transaction for all the pull learned (recordPull's own becomes a savepoint inside it).
    const record = (id: number): RecordSummary => {
      const recorded = recordPull(sqlite, {
        pullId: id,
        finishedAt,
        links: linkRecords(fetched.links),
        scopes,
        absenceIsProven,
        ...cost(),
        errorSummary: failedScopes.length > 0 ? summariseFailures(failedScopes) : undefined,
      });
      recordSubscriptionStates(sqlite, discovery.subscriptionStates, finishedAt);
      return recorded;
    };
    const summary = dryRun ? { ...rehearsePull(sqlite, pullInput, record), pullId: 0 } : sqlite.transaction(() => record(pullId)).immediate();
    return {
      ...summary,
      strategy,
      failedScopes,
      ...cost(),
      retries: deps.arm.stats.retries - before.retries,
      seconds: (clock.now() - started) / 1000,
      clearedStalePulls: cleared.map((c) => c.id),
    };
  } catch (e) {
    if (e instanceof NoMatchError || dryRun) throw e;
    const message = e instanceof ArmError ? e.describe() : e instanceof Error ? e.message : String(e);
    try {
      failPull(sqlite, pullId, new Date(clock.now()).toISOString(), message, cost());
    } catch {
      // The database itself is failing; the original error is the one to report.
    }
    throw e;
  } finally {
    stopHeartbeat();
  }
}

function matches(filter: string | undefined, name: string): boolean {
  return filter === undefined || filter.toLowerCase() === name.toLowerCase();
}

/** "3 scopes failed: AuthorizationFailed ×2, ETIMEDOUT ×1". */
export function summariseFailures(failed: readonly ScopeResult[]): string {
  const byCode = new Map<string, number>();
  for (const s of failed) byCode.set(s.errorCode ?? 'Error', (byCode.get(s.errorCode ?? 'Error') ?? 0) + 1);
  const parts = [...byCode.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ×${n}`);
  return `${failed.length} scope${failed.length === 1 ? '' : 's'} failed: ${parts.join(', ')}`;
}
