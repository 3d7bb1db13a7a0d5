import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/arm/clock.js';
import { ARM_READ_BUCKET, TokenBucket } from '../../src/arm/token-bucket.js';

/** A clock that only moves when something sleeps on it: no real time passes. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a full bucket of requests through at once, then paces at the refill rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(ARM_READ_BUCKET, clock);
    for (let i = 0; i < ARM_READ_BUCKET.capacity; i++) await bucket.acquire();
    expect(clock.now()).toBe(0);
    for (let i = 0; i < 50; i++) await bucket.acquire();
    // 50 more tokens at 25/s take 2 s.
    expect(clock.now()).toBe(2000);
  });

  it('never believes it has more tokens than ARM reports', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 5 }, clock);
    bucket.observeRemaining(1);
    await bucket.acquire();
    expect(clock.now()).toBe(0);
    await bucket.acquire();
    expect(clock.now()).toBe(200);
  });

  it('after a 429 waits for a refill before the next request', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 10 }, clock);
    bucket.observeThrottled();
    await bucket.acquire();
    expect(clock.now()).toBe(100);
  });
});
