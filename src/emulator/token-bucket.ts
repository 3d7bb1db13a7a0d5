/**
 * ARM's throttling model (since 2024): a token bucket per subscription and principal, one for
 * reads and a smaller one for writes/actions. Each request takes a token; tokens refill
 * continuously; an empty bucket answers 429 with Retry-After. Time comes from an injected
 * clock so tests can drain and refill a bucket without sleeping.
 */

/** Bucket settings. */
export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

/** ARM's read bucket: 250 tokens, 25 per second. */
export const DEFAULT_READ_BUCKET: BucketSettings = { capacity: 250, refillPerSecond: 25 };
/** ARM's write bucket (used for POST actions): 200 tokens, 10 per second. */
export const DEFAULT_WRITE_BUCKET: BucketSettings = { capacity: 200, refillPerSecond: 10 };

/** The result of trying to take a token. */
export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** One token bucket on an injected millisecond clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly settings: BucketSettings,
    private readonly now: () => number,
  ) {
    this.tokens = settings.capacity;
    this.last = now();
  }

  /** Takes one token if there is one; otherwise says how many whole seconds until there will be. */
  take(): TakeResult {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    const seconds = this.settings.refillPerSecond > 0 ? Math.ceil((1 - this.tokens) / this.settings.refillPerSecond) : 3600;
    return { ok: false, retryAfterSeconds: Math.max(1, seconds) };
  }

  /** Whole tokens available now. */
  remaining(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** Fills the bucket to capacity (a fresh measurement window). */
  fill(): void {
    this.tokens = this.settings.capacity;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.settings.capacity, this.tokens + elapsed * this.settings.refillPerSecond);
  }
}

/** Buckets keyed by scope (lower-cased subscription id, or the tenant for tenant-level reads). */
export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly read: BucketSettings,
    readonly write: BucketSettings,
    private readonly now: () => number,
  ) {}

  /** Takes a token from the read or write bucket of `scope`. */
  take(kind: 'read' | 'write', scope: string): TakeResult {
    return this.bucket(kind, scope).take();
  }

  /** Fills every bucket (used by Emulator.refillBuckets to start a clean measurement). */
  fillAll(): void {
    for (const bucket of this.buckets.values()) bucket.fill();
  }

  private bucket(kind: 'read' | 'write', scope: string): TokenBucket {
    const key = `${kind}:${scope.toLowerCase()}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(kind === 'read' ? this.read : this.write, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
