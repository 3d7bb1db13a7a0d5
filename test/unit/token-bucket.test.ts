import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/arm/clock.js';
import { ARM_READ_BUCKET, remainingReads, SOVEREIGN_READ_BUCKET, TokenBucket } from '../../src/arm/token-bucket.js';
import { readBudget } from '../../src/cli/arm-options.js';

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

  it("compares ARM's count with its own as the request left, and corrects a shortfall once", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 10 }, clock);
    await bucket.acquire();
    const first = bucket.mark(); // 9 left as the first request leaves
    await bucket.acquire();
    const second = bucket.mark(); // 8
    // Both answers arrive later, after refills: ARM saw the requests as they were sent.
    clock.now = ((t) => () => t)(clock.now() + 500);
    // ARM agrees (it rounds down): no correction, however much has refilled since.
    bucket.observeRemaining(8, second);
    expect(bucket.available()).toBe(10);
    // Someone else took 5 of this subscription's reads before ours arrived: ARM's count is
    // believed as it is (rounded down, it may cost a fraction of a token, never a 429).
    bucket.observeRemaining(4, first);
    expect(bucket.available()).toBe(5);
    // The second answer shows the same shortfall: it is not taken off twice.
    bucket.observeRemaining(3, second);
    expect(bucket.available()).toBe(5);
  });

  it('compares as ARM counts: tokens of requests still waiting for a concurrency slot are not yet spent there', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 10 }, clock);
    for (let i = 0; i < 4; i++) await bucket.acquire(); // four requests queued, tokens taken
    const first = bucket.mark(); // the first leaves; ARM will have seen only it
    expect(first.tokens).toBe(9);
    // ARM agrees: the three waiting requests are not mistaken for a shortfall.
    bucket.observeRemaining(9, first);
    expect(bucket.available()).toBe(6);
    // ARM had fewer (it began refilling later than we did): we come down to its count.
    const second = bucket.mark();
    expect(second.tokens).toBe(8);
    bucket.observeRemaining(7, second);
    expect(bucket.available()).toBe(5);
  });
});


describe('the read budget per cloud', () => {
  it('defaults to the cloud the endpoint belongs to; --read-bucket and --read-refill override either part', () => {
    expect(readBudget({}, 'https://management.azure.com')).toEqual({ capacity: 250, refillPerSecond: 25 });
    // The emulator (or any other host) behaves as the public cloud does.
    expect(readBudget({}, 'https://127.0.0.1:8443')).toEqual(ARM_READ_BUCKET);
    // 12,000 reads an hour: the hour's budget at once, back at 10/3 per second.
    expect(readBudget({}, 'https://management.usgovcloudapi.net')).toEqual({ capacity: 12_000, refillPerSecond: 12_000 / 3600 });
    expect(readBudget({}, 'https://MANAGEMENT.chinacloudapi.cn.')).toEqual(SOVEREIGN_READ_BUCKET);
    expect(readBudget({ 'read-refill': 2 }, 'https://management.usgovcloudapi.net')).toEqual({ capacity: 12_000, refillPerSecond: 2 });
    expect(readBudget({ 'read-bucket': 40, 'read-refill': 4 }, 'https://management.azure.com')).toEqual({ capacity: 40, refillPerSecond: 4 });
  });
});

describe("ARM's counts of reads left", () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it("is the lower of the principal's and the global count for a subscription, the tenant count for the subscription list", () => {
    const both = { 'x-ms-ratelimit-remaining-subscription-reads': '249', 'x-ms-ratelimit-remaining-subscription-global-reads': '12', 'x-ms-ratelimit-remaining-tenant-reads': '3' };
    expect(remainingReads(headers(both), false)).toBe(12);
    expect(remainingReads(headers(both), true)).toBe(3);
    expect(remainingReads(headers({ 'x-ms-ratelimit-remaining-subscription-reads': '11999' }), false)).toBe(11_999);
    expect(remainingReads(headers({ 'x-ms-ratelimit-remaining-subscription-reads': '249' }), true)).toBeUndefined();
    expect(remainingReads(headers({ 'x-ms-ratelimit-remaining-subscription-reads': 'lots' }), false)).toBeUndefined();
  });
});
