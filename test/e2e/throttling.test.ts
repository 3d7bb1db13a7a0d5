/** The real CLI against the emulator's 2024 throttling: the global bucket, HTTP-date Retry-After, the read budget options. */
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();
/** One subscription, so that every read draws on the same buckets. */
const ONE_SUBSCRIPTION = { subscriptions: 1, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2 };

describe("vpnsync pull paces by ARM's global count", () => {
  it('other principals left the global bucket empty but refill it faster than our share: no 429s', async () => {
    const ctx = await start({ seed: 61, size: { ...ONE_SUBSCRIPTION, connectionsPerGateway: 25 } });
    // They took all 3,750 and go on reading 340 of its 375 per second: 35/s are left, more
    // than the principal's 25/s, but far less than a burst on the principal's 250.
    ctx.emulator.simulateOtherPrincipals({ reads: 3750, readsPerSecond: 340 });
    const r = await ctx.vpnsync(['pull', '--json']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', throttled: 0 });
    expect(ctx.emulator.stats().throttled429).toBe(0);
  });

  it('other principals leave less than our share: few 429s, each waited out for the whole subscription', async () => {
    const ctx = await start({ seed: 62, size: { ...ONE_SUBSCRIPTION, connectionsPerGateway: 12 } });
    // 10 reads a second are left for everyone else.
    ctx.emulator.simulateOtherPrincipals({ reads: 3750, readsPerSecond: 365 });
    const r = await ctx.vpnsync(['pull', '--json']);
    expect(r.code).toBe(EXIT.OK);
    const stats = ctx.emulator.stats();
    const served = stats.byStatus['200'] ?? 0;
    // Pacing by the principal's count alone answered nearly every read 429 first (96 of 102 on
    // a larger fleet); paced by the global count, a 429 is the exception.
    expect(stats.throttled429 * 4).toBeLessThan(served);
  });
});

describe('Retry-After as an HTTP date', () => {
  it('the real client waits until the date and retries', async () => {
    const ctx = await start({ seed: 63, retryAfterFormat: 'http-date', faults: [{ match: 'VpnGateways_List', kind: '429', count: 2, retryAfterSeconds: 1 }] });
    const started = Date.now();
    const r = await ctx.vpnsync(['pull', '--json']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', throttled: 2 });
    // Two waits of at least the rest of a second each (the date is rounded up to a whole second).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});

describe('--read-bucket and --read-refill', () => {
  it('set the pace of reads per subscription', async () => {
    const reads: number[] = [];
    const onRequest = (e: RequestLogEntry) => {
      if (e.status === 200 && /\/subscriptions\/[^/?]+\//.test(e.url)) reads.push(Date.now());
    };
    const ctx = await start({ seed: 64, throttle: false, onRequest, size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 8 } });
    const r = await ctx.vpnsync(['pull', '--read-bucket', '2', '--read-refill', '5']);
    expect(r.code).toBe(EXIT.OK);
    expect(reads.length).toBeGreaterThan(8);
    // Two at once, then one every 200 ms (a little slack for timer granularity).
    expect(reads.at(-1)! - reads[0]!).toBeGreaterThanOrEqual(((reads.length - 2) / 5) * 1000 - 50);
  });

  it('bad values get one clear line and exit 2, on pull and queue run', async () => {
    const ctx = await start({ seed: 65 });
    const cases: [string[], RegExp][] = [
      [['pull', '--read-refill', 'x'], /^vpnsync: Expected --read-refill to be a number greater than 0, got 'x'$/],
      [['pull', '--read-refill', '0'], /^vpnsync: Expected --read-refill to be a number greater than 0, got '0'$/],
      [['pull', '--read-bucket', '0'], /^vpnsync: Expected --read-bucket to be an integer from 1 to 1000000, got '0'$/],
      [['pull', '--read-bucket', '2.5'], /^vpnsync: Expected --read-bucket to be an integer from 1 to 1000000, got '2\.5'$/],
      [['queue', 'run', '--read-refill', '-1'], /^vpnsync: Expected --read-refill to be a number greater than 0, got '-1'$/],
    ];
    for (const [args, message] of cases) {
      const r = await ctx.vpnsync(args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
