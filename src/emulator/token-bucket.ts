/**
 * One token bucket, the unit of ARM's throttling model (since 2024): each request takes a token;
 * tokens refill continuously up to the bucket's size; an empty bucket answers 429 with
 * Retry-After. Time comes from an injected clock so tests can drain and refill a bucket without
 * sleeping. throttling.ts puts the buckets together as ARM does.
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
    const wait = this.secondsUntilToken();
    if (wait > 0) return { ok: false, retryAfterSeconds: wait };
    this.tokens -= 1;
    return { ok: true, remaining: Math.floor(this.tokens) };
  }

  /** 0 if a token is there now; otherwise the whole seconds (at least 1) until one will be. */
  secondsUntilToken(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    const seconds = this.settings.refillPerSecond > 0 ? Math.ceil((1 - this.tokens) / this.settings.refillPerSecond) : 3600;
    return Math.max(1, seconds);
  }

  /** Takes up to `count` whole tokens at once (requests of other principals); returns how many it took. */
  draw(count: number): number {
    this.refill();
    const taken = Math.max(0, Math.min(Math.floor(count), Math.floor(this.tokens)));
    this.tokens -= taken;
    return taken;
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
