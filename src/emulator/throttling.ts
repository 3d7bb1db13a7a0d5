/**
 * ARM's throttling as the emulator applies it, checked against Microsoft's "Understand how Azure
 * Resource Manager throttles requests" (learn.microsoft.com/azure/azure-resource-manager/
 * management/request-limits-and-throttling) and the answers real ARM sends:
 *
 * - every principal has its own token bucket per subscription and operation type (reads 250 +
 *   25/s, writes 200 + 10/s), and each subscription has a global bucket per operation type, 15
 *   times larger and refilling 15 times faster, shared by all principals: a request needs a
 *   token in both, and each answer reports both (`…-subscription-reads` 249 and
 *   `…-subscription-global-reads` 3749 after the first read);
 * - tenant-level requests (GET /subscriptions) draw on a tenant bucket of their own, reported
 *   as `x-ms-ratelimit-remaining-tenant-reads`;
 * - behind ARM, Microsoft.Network counts reads per subscription and region (10,000 per 5
 *   minutes) and reports no remaining count: its 429 is a RetryableError whose detail says when
 *   to retry.
 *
 * The emulator serves one principal of its own (the token service's); other principals are
 * simulated by drawing on the global buckets (`drawForOthers`, `otherReadsPerSecond`). The
 * header names are ARM's, written here rather than shared with src/arm: the emulator models
 * ARM, not our client.
 */
import type { EmulatorResponse } from './arm-errors.js';
import type { ArmRoute } from './arm-router.js';
import type { Fleet } from './fleet-model.js';
import { DEFAULT_READ_BUCKET, DEFAULT_WRITE_BUCKET, TokenBucket, type BucketSettings } from './token-bucket.js';

/** A subscription's global bucket is this many times a principal's, in size and refill. */
export const GLOBAL_BUCKET_FACTOR = 15;
/** Microsoft.Network's read limit per subscription and region: 10,000 per 5 minutes. */
export const NETWORK_READ_LIMIT = { requests: 10_000, windowSeconds: 300 } as const;

/** The remaining-count headers ARM sends, by bucket. */
export const RATE_LIMIT_HEADERS = {
  read: 'x-ms-ratelimit-remaining-subscription-reads',
  globalRead: 'x-ms-ratelimit-remaining-subscription-global-reads',
  write: 'x-ms-ratelimit-remaining-subscription-writes',
  globalWrite: 'x-ms-ratelimit-remaining-subscription-global-writes',
  tenantRead: 'x-ms-ratelimit-remaining-tenant-reads',
  tenantWrite: 'x-ms-ratelimit-remaining-tenant-writes',
} as const;

/** How 429s say when to retry: whole seconds (ARM's usual answer), or an HTTP date (RFC 9110 allows both). */
export type RetryAfterFormat = 'seconds' | 'http-date';

/** The buckets' settings. */
export interface ThrottleSettings {
  /** A principal's read bucket per subscription. */
  read: BucketSettings;
  /** A principal's write (POST action) bucket per subscription. */
  write: BucketSettings;
  /** A principal's tenant-level read bucket (ARM documents the same size and refill as a subscription's). */
  tenantRead: BucketSettings;
  /** Microsoft.Network's reads per subscription and region, as a bucket; false: no such limit. */
  networkRead: BucketSettings | false;
  /** Reads per second that other principals take, steadily, from each subscription's global read bucket. */
  otherReadsPerSecond: number;
}

/** A request as throttling sees it. */
export interface ThrottleRequest {
  kind: 'read' | 'write';
  /** The caller (the token's `oid`). */
  principal: string;
  /** Undefined for a tenant-level request. */
  subscriptionId: string | undefined;
  /** The resource's region when Microsoft.Network serves the request ('' when the request names none); undefined for other providers. */
  networkRegion: string | undefined;
}

/** Which limit answered 429. */
export type ThrottleLimit = 'principal' | 'global' | 'tenant' | 'network';

/** Whether a request may go on, and the rate-limit headers its answer carries either way. */
export type ThrottleVerdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; limit: ThrottleLimit; retryAfterSeconds: number; headers: Record<string, string> };

/** One bucket's state, as GET /_emulator/throttle lists it. */
export interface BucketState {
  kind: 'read' | 'write';
  /** Lower-cased subscription id, or `tenant`. */
  scope: string;
  /** A principal's id, `global`, or `network:<region>`. */
  holder: string;
  remaining: number;
  capacity: number;
}

/** Every bucket of the emulator, created as requests first need them. */
export class Throttle {
  private readonly buckets = new Map<string, { bucket: TokenBucket; state: Omit<BucketState, 'remaining'> }>();
  /** Shared by every global read bucket, so that a change of other principals' rate reaches them all. */
  private readonly globalRead: BucketSettings;
  private others: number;

  /** Throws RangeError when other principals would take more than the global bucket refills. */
  constructor(
    readonly settings: Readonly<ThrottleSettings>,
    private readonly now: () => number,
  ) {
    // Other principals' steady reads come off the global bucket's refill: a bucket refilled at
    // R and drained at r holds what a bucket refilled at R - r would.
    this.globalRead = { capacity: settings.read.capacity * GLOBAL_BUCKET_FACTOR, refillPerSecond: globalReadRefill(settings.read, settings.otherReadsPerSecond) };
    this.others = settings.otherReadsPerSecond;
  }

  /** Takes a token from every bucket the request needs, or from none when one is empty. */
  take(req: ThrottleRequest): ThrottleVerdict {
    if (req.subscriptionId === undefined) {
      const header = req.kind === 'read' ? RATE_LIMIT_HEADERS.tenantRead : RATE_LIMIT_HEADERS.tenantWrite;
      const taken = this.bucket(req.kind, 'tenant', req.principal).take();
      if (!taken.ok) return { ok: false, limit: 'tenant', retryAfterSeconds: taken.retryAfterSeconds, headers: { [header]: '0' } };
      return { ok: true, headers: { [header]: String(taken.remaining) } };
    }
    const own = this.bucket(req.kind, req.subscriptionId, req.principal);
    const global = this.bucket(req.kind, req.subscriptionId, 'global');
    const [ownWait, globalWait] = [own.secondsUntilToken(), global.secondsUntilToken()];
    if (ownWait === 0 && globalWait === 0) {
      own.take();
      global.take();
    }
    const headers = {
      [req.kind === 'read' ? RATE_LIMIT_HEADERS.read : RATE_LIMIT_HEADERS.write]: String(own.remaining()),
      [req.kind === 'read' ? RATE_LIMIT_HEADERS.globalRead : RATE_LIMIT_HEADERS.globalWrite]: String(global.remaining()),
    };
    if (ownWait > 0 || globalWait > 0) {
      return { ok: false, limit: globalWait > ownWait ? 'global' : 'principal', retryAfterSeconds: Math.max(ownWait, globalWait), headers };
    }
    // ARM has counted the request; Microsoft.Network, behind it, counts it again.
    if (req.kind === 'read' && req.networkRegion !== undefined && this.settings.networkRead) {
      const network = this.bucket('read', req.subscriptionId, `network:${req.networkRegion}`).take();
      if (!network.ok) return { ok: false, limit: 'network', retryAfterSeconds: network.retryAfterSeconds, headers };
    }
    return { ok: true, headers };
  }

  /**
   * Other principals read `reads` times from the global read bucket of each subscription given
   * (at most what it holds); returns how many reads each bucket gave.
   */
  drawForOthers(subscriptionIds: readonly string[], reads: number): Record<string, number> {
    return Object.fromEntries(subscriptionIds.map((id) => [id.toLowerCase(), this.bucket('read', id, 'global').draw(reads)]));
  }

  /** Changes other principals' steady read rate from now on (throws RangeError as the constructor does). */
  setOtherReadsPerSecond(readsPerSecond: number): void {
    const refill = globalReadRefill(this.settings.read, readsPerSecond);
    // Settle every global read bucket at the old rate first.
    for (const { bucket, state } of this.buckets.values()) if (state.kind === 'read' && state.holder === 'global') bucket.remaining();
    this.globalRead.refillPerSecond = refill;
    this.others = readsPerSecond;
  }

  /** Other principals' steady reads per second on each global read bucket. */
  get otherReadsPerSecond(): number {
    return this.others;
  }

  /** Every bucket made so far, with what it holds now. */
  state(): BucketState[] {
    return [...this.buckets.values()].map(({ bucket, state }) => ({ ...state, remaining: bucket.remaining() }));
  }

  /** Fills every bucket (used by Emulator.refillBuckets to start a clean measurement). */
  fillAll(): void {
    for (const { bucket } of this.buckets.values()) bucket.fill();
  }

  private bucket(kind: 'read' | 'write', scope: string, holder: string): TokenBucket {
    const key = `${kind}|${scope.toLowerCase()}|${holder.toLowerCase()}`;
    let entry = this.buckets.get(key);
    if (!entry) {
      const settings = this.settingsOf(kind, scope, holder);
      entry = { bucket: new TokenBucket(settings, this.now), state: { kind, scope: scope.toLowerCase(), holder: holder.toLowerCase(), capacity: settings.capacity } };
      this.buckets.set(key, entry);
    }
    return entry.bucket;
  }

  private settingsOf(kind: 'read' | 'write', scope: string, holder: string): BucketSettings {
    const own = kind === 'read' ? (scope === 'tenant' ? this.settings.tenantRead : this.settings.read) : this.settings.write;
    if (holder.startsWith('network:') && this.settings.networkRead) return this.settings.networkRead;
    if (holder !== 'global') return own;
    if (kind === 'read') return this.globalRead;
    return { capacity: own.capacity * GLOBAL_BUCKET_FACTOR, refillPerSecond: own.refillPerSecond * GLOBAL_BUCKET_FACTOR };
  }
}

/**
 * Microsoft.Network's "N per 5 minutes" as a bucket: N tokens, refilled at N per window, so a
 * burst of N is allowed and the long-run rate is N per window, as the documented limit says.
 */
export function networkReadBucket(requests: number = NETWORK_READ_LIMIT.requests, windowSeconds: number = NETWORK_READ_LIMIT.windowSeconds): BucketSettings {
  return { capacity: requests, refillPerSecond: requests / windowSeconds };
}

/**
 * The 429 for a verdict that was not ok, worded as ARM words it. The per-principal message is
 * ARM's (as users report it); ARM's wording for the global and tenant limits is not published,
 * so those follow the same pattern. Microsoft.Network's is the RetryableError real answers carry.
 */
export function throttledResponse(
  verdict: Extract<ThrottleVerdict, { ok: false }>,
  req: ThrottleRequest,
  options: { tenantId: string; retryAfterFormat: RetryAfterFormat; now: number },
): EmulatorResponse {
  const seconds = verdict.retryAfterSeconds;
  const headers = { ...verdict.headers, 'retry-after': retryAfterValue(seconds, options.retryAfterFormat, options.now) };
  const after = `Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`;
  const sub = req.subscriptionId ?? '';
  switch (verdict.limit) {
    case 'principal':
      return { status: 429, headers, body: { error: { code: 'SubscriptionRequestsThrottled', message: `Number of '${req.kind}' requests for subscription '${sub}' actor '${req.principal}' exceeded. ${after}` } } };
    case 'global':
      return { status: 429, headers, body: { error: { code: 'SubscriptionRequestsThrottled', message: `Number of '${req.kind}' requests for subscription '${sub}' by all principals exceeded the subscription's global limit. ${after}` } } };
    case 'tenant':
      return { status: 429, headers, body: { error: { code: 'TenantRequestsThrottled', message: `Number of '${req.kind}' requests for tenant '${options.tenantId}' actor '${req.principal}' exceeded. ${after}` } } };
    case 'network':
      return {
        status: 429,
        headers,
        body: {
          error: {
            code: 'RetryableError',
            message: 'A retryable error occurred.',
            details: [
              {
                code: 'RetryableErrorDueToTooManyCalls',
                message: `Subscription '${sub}' was used to perform too many calls within last 5 minutes. The number of calls exceeds Microsoft.Network throttling limit. The call can be retried in ${seconds} seconds.`,
              },
            ],
          },
        },
      };
  }
}

/**
 * A Retry-After value: `seconds`, or the HTTP date that many seconds from `now`, rounded up to
 * the next whole second (an HTTP date has no fractions; rounding down would ask for a retry
 * before the token is there).
 */
export function retryAfterValue(seconds: number, format: RetryAfterFormat, now: number): string {
  if (format === 'seconds') return String(seconds);
  return new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString();
}

/** The global read bucket's net refill; other principals cannot take all of it (they would be throttled too). */
function globalReadRefill(read: BucketSettings, otherReadsPerSecond: number): number {
  const refill = read.refillPerSecond * GLOBAL_BUCKET_FACTOR;
  if (!Number.isFinite(otherReadsPerSecond) || otherReadsPerSecond < 0 || otherReadsPerSecond >= refill) {
    throw new RangeError(`other principals' reads per second must be at least 0 and less than the global read bucket's refill (${refill}/s), got ${otherReadsPerSecond}`);
  }
  return refill - otherReadsPerSecond;
}

/**
 * The verdict when throttling is off: every request goes on, and its answer reports full
 * buckets, as a quiet subscription's would.
 */
export function unthrottledVerdict(
  req: Pick<ThrottleRequest, 'kind' | 'subscriptionId'>,
  settings: Pick<ThrottleSettings, 'read' | 'write' | 'tenantRead'> = { read: DEFAULT_READ_BUCKET, write: DEFAULT_WRITE_BUCKET, tenantRead: DEFAULT_READ_BUCKET },
): ThrottleVerdict {
  if (req.subscriptionId === undefined) {
    return req.kind === 'read'
      ? { ok: true, headers: { [RATE_LIMIT_HEADERS.tenantRead]: String(settings.tenantRead.capacity) } }
      : { ok: true, headers: { [RATE_LIMIT_HEADERS.tenantWrite]: String(settings.write.capacity) } };
  }
  const own = req.kind === 'read' ? settings.read : settings.write;
  return {
    ok: true,
    headers: {
      [req.kind === 'read' ? RATE_LIMIT_HEADERS.read : RATE_LIMIT_HEADERS.write]: String(own.capacity),
      [req.kind === 'read' ? RATE_LIMIT_HEADERS.globalRead : RATE_LIMIT_HEADERS.globalWrite]: String(own.capacity * GLOBAL_BUCKET_FACTOR),
    },
  };
}

/**
 * The region Microsoft.Network counts a request under: the named gateway's location, an
 * operation status URL's location, or '' for a subscription-wide list; undefined for requests
 * Microsoft.Network does not serve (the subscription calls).
 */
export function networkRegionOf(route: ArmRoute, fleet: Fleet): string | undefined {
  if (route.operationId.startsWith('Subscriptions_')) return undefined;
  if (route.location !== undefined) return route.location.toLowerCase();
  if (route.subscriptionId === undefined || route.resourceGroupName === undefined || route.gatewayName === undefined) return '';
  const gateway = fleet.subscriptions.get(route.subscriptionId)?.resourceGroups.get(route.resourceGroupName)?.gateways.get(route.gatewayName);
  return String(gateway?.json.location ?? '').toLowerCase().replace(/\s+/g, '');
}

/** Other principals' reads, as POST /_emulator/throttle takes them. */
export interface OtherPrincipalsLoad {
  /** Reads taken at once from each global read bucket (at most what it holds). */
  reads?: number;
  /** Reads per second taken steadily from every global read bucket from now on. */
  readsPerSecond?: number;
  /** Only this subscription's bucket (for `reads`); default every subscription of the fleet. */
  subscriptionId?: string;
}

/** Parses a POST /_emulator/throttle body; throws an Error whose message is fit for the caller. */
export function otherPrincipalsLoadFromJson(body: string): OtherPrincipalsLoad {
  const json: unknown = JSON.parse(body || '{}');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected a JSON object such as {"reads": 3700}');
  const obj = json as Record<string, unknown>;
  const load: OtherPrincipalsLoad = {};
  for (const key of ['reads', 'readsPerSecond'] as const) {
    const value = obj[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number ≥ 0`);
    load[key] = value;
  }
  if (obj['subscriptionId'] !== undefined) {
    if (typeof obj['subscriptionId'] !== 'string') throw new Error('subscriptionId must be a string');
    load.subscriptionId = obj['subscriptionId'];
  }
  return load;
}
