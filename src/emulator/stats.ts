/**
 * What the emulator served, for tests and benchmarks: counts by operation and status, 429s,
 * POSTs per link, concurrent actions per VPN connection, and the theoretical minimum time a
 * perfect client would have needed for the same requests (formula in docs/emulator.md, "Test hooks and statistics").
 */
import type { FaultKind } from './faults.js';
import type { BucketSettings } from './token-bucket.js';

/** The levels of the discovery chain, in dependency order. */
export const CHAIN_LEVELS = ['subscriptions', 'gateways', 'connections', 'links'] as const;
/** One level of the discovery chain. */
export type ChainLevel = (typeof CHAIN_LEVELS)[number];

/** A snapshot of the counters. Ids are lower-cased. */
export interface EmulatorStats {
  /** Every request answered (ARM, token service; not /_emulator). */
  total: number;
  /** operationId → HTTP status → count (e.g. `{ VpnLinkConnections_ListByVpnConnection: { '200': 40, '429': 3 } }`). */
  byOperation: Record<string, Record<string, number>>;
  /** HTTP status → count. */
  byStatus: Record<string, number>;
  /** 429s served (bucket empty or injected). */
  throttled429: number;
  /** Lower-cased link id → POSTs that reached the action (not those refused by authentication, throttling or an injected fault). */
  postsByLink: Record<string, { resetconnection: number; getikesas: number }>;
  /**
   * Lower-cased link id → actions ARM carried out (operations started), whatever the client was
   * then told: an action that was answered with a 503, a dropped connection or a hang still ran.
   * A count above 1 for one queued action means the client sent it again.
   */
  actionsByLink: Record<string, { resetconnection: number; getikesas: number }>;
  /** Lower-cased VPN connection id → the most long-running actions that were running on it at once. */
  maxInFlightActionsPerConnection: Record<string, number>;
  /** Long-running actions running now. */
  inFlightActions: number;
  /** Lower-cased subscription id (or `tenant`) → read requests that took a bucket token. */
  readsByScope: Record<string, number>;
  /** Lower-cased subscription id → POST actions that took a write token. */
  writesByScope: Record<string, number>;
  /** Fault kind → times injected. */
  faultsInjected: Partial<Record<FaultKind, number>>;
  /** Chain level → most pages served of one list at that level (1 for a single GET). */
  maxPagesPerList: Record<ChainLevel, number>;
  /** Most requests one action needed (POST + polls). */
  maxRequestsPerAction: number;
  /** Requests on the longest dependency chain: Σ maxPagesPerList + maxRequestsPerAction. */
  chainLength: number;
  /** Lower bound on the wall time a perfect client needed for these requests (see docs/emulator.md, "Test hooks and statistics"). */
  theoreticalMinimumMs: number;
}

/** What the minimum-time formula needs to know about the emulator's settings. */
export interface TimingSettings {
  throttle: false | { read: BucketSettings; write: BucketSettings };
  fixedLatencyMs: number;
  lroSeconds: number | undefined;
}

/** Mutable counters behind EmulatorStats. */
export class StatsCollector {
  private total = 0;
  private byOperation: Record<string, Record<string, number>> = {};
  private byStatus: Record<string, number> = {};
  private throttled = 0;
  private postsByLink: Record<string, { resetconnection: number; getikesas: number }> = {};
  private actionsByLink: Record<string, { resetconnection: number; getikesas: number }> = {};
  private maxInFlight: Record<string, number> = {};
  private reads: Record<string, number> = {};
  private writes: Record<string, number> = {};
  private pages: Record<ChainLevel, number> = emptyPages();
  private actionRequests = 0;
  private actionsStarted = 0;

  /** Counts one answered request. */
  request(operationId: string, status: number): void {
    this.total += 1;
    const key = String(status);
    const byStatus = (this.byOperation[operationId] ??= {});
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    if (status === 429) this.throttled += 1;
  }

  /** Counts a request that took a token from a bucket. */
  tokenTaken(kind: 'read' | 'write', scope: string): void {
    const map = kind === 'read' ? this.reads : this.writes;
    map[scope] = (map[scope] ?? 0) + 1;
  }

  /** Records that page `pageIndex` of a list at `level` was served. */
  page(level: ChainLevel, pageIndex: number): void {
    this.pages[level] = Math.max(this.pages[level], pageIndex + 1);
  }

  /** Counts a POST for a link. */
  post(linkId: string, action: 'resetconnection' | 'getikesas'): void {
    const entry = (this.postsByLink[linkId.toLowerCase()] ??= { resetconnection: 0, getikesas: 0 });
    entry[action] += 1;
  }

  /** Records an action ARM carried out on a link, its connection now running `inFlight` of them. */
  actionStarted(linkId: string, action: 'resetconnection' | 'getikesas', connectionKey: string, inFlight: number): void {
    this.actionsStarted += 1;
    const entry = (this.actionsByLink[linkId.toLowerCase()] ??= { resetconnection: 0, getikesas: 0 });
    entry[action] += 1;
    this.maxInFlight[connectionKey] = Math.max(this.maxInFlight[connectionKey] ?? 0, inFlight);
  }

  /** Records how many requests (POST + polls) an action took so far. */
  actionRequestsSeen(requests: number): void {
    this.actionRequests = Math.max(this.actionRequests, requests);
  }

  /** Zeroes everything. */
  reset(): void {
    Object.assign(this, new StatsCollector());
  }

  /** A snapshot, with the theoretical minimum for `timing`. */
  snapshot(timing: TimingSettings, inFlightActions: number, faultsInjected: Partial<Record<FaultKind, number>>): EmulatorStats {
    const chainLength = CHAIN_LEVELS.reduce((sum, level) => sum + this.pages[level], 0) + this.actionRequests;
    return {
      total: this.total,
      byOperation: structuredClone(this.byOperation),
      byStatus: { ...this.byStatus },
      throttled429: this.throttled,
      postsByLink: structuredClone(this.postsByLink),
      actionsByLink: structuredClone(this.actionsByLink),
      maxInFlightActionsPerConnection: { ...this.maxInFlight },
      inFlightActions,
      readsByScope: { ...this.reads },
      writesByScope: { ...this.writes },
      faultsInjected: { ...faultsInjected },
      maxPagesPerList: { ...this.pages },
      maxRequestsPerAction: this.actionRequests,
      chainLength,
      theoreticalMinimumMs: theoreticalMinimumMs({
        timing,
        chainLength,
        reads: this.reads,
        writes: this.writes,
        anyAction: this.actionsStarted > 0,
      }),
    };
  }
}

/**
 * The lower bound on wall time for the requests served:
 * max( chainLength × fixedLatency,
 *      max over scopes of max(0, (reads − readCapacity)/readRefill, (writes − writeCapacity)/writeRefill) seconds + fixedLatency,
 *      lroSeconds if any action ran ).
 * Buckets are assumed full at the start of the window (call refillBuckets() with resetStats()).
 */
export function theoreticalMinimumMs(input: {
  timing: TimingSettings;
  chainLength: number;
  reads: Record<string, number>;
  writes: Record<string, number>;
  anyAction: boolean;
}): number {
  const { timing } = input;
  const chainMs = input.chainLength * timing.fixedLatencyMs;
  let bucketMs = 0;
  if (timing.throttle) {
    const wait = (count: number, bucket: BucketSettings): number =>
      bucket.refillPerSecond > 0 ? Math.max(0, (count - bucket.capacity) / bucket.refillPerSecond) * 1000 : 0;
    const scopes = new Set([...Object.keys(input.reads), ...Object.keys(input.writes)]);
    for (const scope of scopes) {
      bucketMs = Math.max(bucketMs, wait(input.reads[scope] ?? 0, timing.throttle.read), wait(input.writes[scope] ?? 0, timing.throttle.write));
    }
  }
  const anyRequest = Object.keys(input.reads).length + Object.keys(input.writes).length > 0;
  const throttledMs = anyRequest ? bucketMs + timing.fixedLatencyMs : 0;
  const lroMs = input.anyAction && timing.lroSeconds !== undefined ? timing.lroSeconds * 1000 : 0;
  return Math.round(Math.max(chainMs, throttledMs, lroMs));
}

function emptyPages(): Record<ChainLevel, number> {
  return { subscriptions: 0, gateways: 0, connections: 0, links: 0 };
}
