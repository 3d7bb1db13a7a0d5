import type { Clock } from './clock.js';

/**
 * ARM's read limit per subscription and principal on the public cloud (token bucket, since
 * 2024): 250 requests, refilled at 25 per second. https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
 */
export const ARM_READ_BUCKET = { capacity: 250, refillPerSecond: 25 } as const;

/**
 * The sovereign clouds (US Government, China) still document the hourly model: 12,000 reads
 * per hour per principal and subscription. As a bucket: the hour's whole budget may go at once
 * (as the hourly count allows), and it comes back at 12,000 per hour, the documented long-run
 * rate. What ARM has already counted this hour, from earlier runs or other tools, arrives in
 * x-ms-ratelimit-remaining-subscription-reads and lowers the bucket (observeRemaining).
 */
export const SOVEREIGN_READ_BUCKET = { capacity: 12_000, refillPerSecond: 12_000 / 3600 } as const;

/** ARM hosts of the clouds that still throttle by the hour. */
export const SOVEREIGN_ARM_HOSTS: readonly string[] = ['management.usgovcloudapi.net', 'management.chinacloudapi.cn'];

export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
}

/** The read budget ARM documents for the cloud an endpoint belongs to (the public cloud's for any other host, the emulator's included). */
export function readBudgetFor(endpoint: string | URL): TokenBucketOptions {
  const host = new URL(endpoint).hostname.toLowerCase().replace(/\.$/, '');
  return SOVEREIGN_ARM_HOSTS.includes(host) ? { ...SOVEREIGN_READ_BUCKET } : { ...ARM_READ_BUCKET };
}

/** The headers in which ARM says how many reads are left. */
export const READ_LIMIT_HEADERS = {
  /** The principal's bucket for the subscription. */
  subscription: 'x-ms-ratelimit-remaining-subscription-reads',
  /** The subscription's global bucket, shared by all principals (since 2024). */
  global: 'x-ms-ratelimit-remaining-subscription-global-reads',
  /** The principal's tenant-level bucket (the subscription list). */
  tenant: 'x-ms-ratelimit-remaining-tenant-reads',
} as const;

/**
 * What is left of the read budget a response's request drew on: for a tenant-level request its
 * tenant header; for a subscription's, the lower of the principal's and the global header (a
 * request needs a token from both, and other principals may have drained the global one).
 * Undefined when the answer says nothing.
 */
export function remainingReads(header: (name: string) => string | undefined, tenantLevel: boolean): number | undefined {
  const names = tenantLevel ? [READ_LIMIT_HEADERS.tenant] : [READ_LIMIT_HEADERS.subscription, READ_LIMIT_HEADERS.global];
  const counts = names.map((name) => header(name)?.trim()).filter((v): v is string => v !== undefined && /^\d+$/.test(v)).map(Number);
  return counts.length > 0 ? Math.min(...counts) : undefined;
}

/** A bucket's count as one request left (TokenBucket.mark). */
export interface BudgetMark {
  tokens: number;
  corrected: number;
}

/**
 * A client-side mirror of ARM's bucket: requests wait for a token instead of being answered 429.
 * Waiters are served in arrival order. `observeRemaining` lowers the local count to what ARM
 * reports, so a bucket shared with other clients of the same principal is not overdrawn.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Tokens taken off the count so far because ARM said it had fewer. */
  private corrected = 0;
  /**
   * Tokens taken by requests that have not left yet (they wait for a concurrency slot). ARM
   * has not counted them, so they are added back when comparing with ARM's count.
   */
  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {
    this.tokens = options.capacity;
    this.updatedAt = clock.now();
  }

  /** Resolves when a token has been taken. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    // A failed (aborted) waiter must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * What this bucket holds, as ARM would count it, as a request leaves (its own token taken
   * but not those of requests still waiting to leave), for observeRemaining. Call once per
   * request that acquired a token, as it is sent.
   */
  mark(): BudgetMark {
    this.refill();
    this.waiting = Math.max(0, this.waiting - 1);
    return { tokens: this.tokens + this.waiting, corrected: this.corrected };
  }

  /**
   * What ARM says is left (remainingReads: the lower of the principal's and the global count):
   * never believe we have more than ARM says. With the request's `mark` the two counts are compared at the same moment — ARM
   * counted the request as it arrived — so tokens refilled, or taken by other requests, while
   * the answer travelled back are not mistaken for a difference, and a shortfall already
   * corrected on another answer is not corrected twice. ARM's count is whole tokens, rounded
   * down, and is believed as it is: the fraction lost costs at most one token's wait (40 ms),
   * where believing a token more than ARM holds led to a 429 and a whole second's Retry-After.
   * ARM's count runs behind ours from the start: it begins refilling only when our first
   * request arrives, after the connection is set up; this is where that is caught up.
   */
  observeRemaining(remaining: number, mark?: BudgetMark): void {
    this.refill();
    if (!Number.isFinite(remaining) || remaining < 0) return;
    if (mark === undefined) {
      this.lower(remaining);
      return;
    }
    const believed = mark.tokens - (this.corrected - mark.corrected);
    const overestimate = believed - remaining;
    if (overestimate > 0) this.lower(this.tokens - overestimate);
  }

  /**
   * ARM answered 429: its bucket is empty whatever we thought. With `retryAfterMs` (ARM's own
   * count said 0, so the 429 is the subscription's budget, not one request's), nothing more is
   * sent to the subscription before then: ARM does not process requests sent before Retry-After
   * has elapsed, and answers them with a new one.
   */
  observeThrottled(retryAfterMs?: number): void {
    this.refill();
    this.lower(retryAfterMs !== undefined && retryAfterMs > 0 ? 1 - (retryAfterMs / 1000) * this.options.refillPerSecond : 0);
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      const waitMs = Math.ceil(((1 - this.tokens) / this.options.refillPerSecond) * 1000);
      await this.clock.sleep(waitMs, signal);
      this.refill();
    }
    this.tokens -= 1;
    this.waiting += 1;
  }

  /** Lowers the count to `to` (never raises it), remembering by how much. */
  private lower(to: number): void {
    if (to >= this.tokens) return;
    this.corrected += this.tokens - to;
    this.tokens = to;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsed * this.options.refillPerSecond);
    this.updatedAt = now;
  }
}

/** One bucket per subscription (and one for tenant-level calls such as the subscription list). */
export class SubscriptionPacer {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {}

  /** The bucket for a lower-cased subscription id, or `tenant` for tenant-level calls. */
  bucket(subscription: string | undefined): TokenBucket {
    const key = subscription ?? 'tenant';
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.options, this.clock);
      this.buckets.set(key, b);
    }
    return b;
  }
}
