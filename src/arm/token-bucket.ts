import type { Clock } from './clock.js';

/**
 * ARM's read limit per subscription and principal (token bucket, since 2024): 250 requests,
 * refilled at 25 per second. https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
 */
export const ARM_READ_BUCKET = { capacity: 250, refillPerSecond: 25 } as const;

export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
}

/**
 * A client-side mirror of ARM's bucket: requests wait for a token instead of being answered 429.
 * Waiters are served in arrival order. `observeRemaining` lowers the local count to what ARM
 * reports, so a bucket shared with other clients of the same principal is not overdrawn.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
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

  /** ARM's `x-ms-ratelimit-remaining-subscription-reads`: never believe we have more than ARM says. */
  observeRemaining(remaining: number): void {
    this.refill();
    if (Number.isFinite(remaining) && remaining >= 0) this.tokens = Math.min(this.tokens, remaining);
  }

  /** ARM answered 429: its bucket is empty whatever we thought. */
  observeThrottled(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
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
