/** ARM throttling with a controlled clock (no sleeps), and the theoretical-minimum formula. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { theoreticalMinimumMs } from '../../src/emulator/stats.js';
import { GLOBAL_BUCKET_FACTOR, NETWORK_READ_LIMIT, RATE_LIMIT_HEADERS, type BucketState } from '../../src/emulator/throttling.js';
import { DEFAULT_READ_BUCKET, TokenBucket } from '../../src/emulator/token-bucket.js';
import { arm, fakeClock, gatewayPath, getToken, start } from './helpers.js';

const READS = RATE_LIMIT_HEADERS.read;
const GLOBAL_READS = RATE_LIMIT_HEADERS.globalRead;
const TENANT_READS = RATE_LIMIT_HEADERS.tenantRead;

describe('TokenBucket', () => {
  it('drains, answers with the whole seconds until the next token, refills continuously up to capacity', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, clock.now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
    ]);
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(499);
    expect(bucket.take().ok).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toEqual({ ok: true, remaining: 0 });
    clock.advance(60_000);
    expect(bucket.remaining()).toBe(3);
  });
});

describe('per-subscription buckets over HTTP', () => {
  const clock = fakeClock();
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await start({
      seed: 31,
      now: clock.now,
      throttle: { readCapacity: 5, readRefillPerSecond: 1, writeCapacity: 2, writeRefillPerSecond: 0.5 },
      lro: { retryAfterSeconds: 0 },
    });
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  it('counts reads down in x-ms-ratelimit-remaining-subscription-reads, then 429 + Retry-After until the bucket refills', async () => {
    const [a, b] = [...new Set(emu.links().map((l) => l.subscriptionId))];
    const listA = `/subscriptions/${a}/providers/Microsoft.Network/vpnGateways`;
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await arm(emu, token, listA);
      expect(r.status).toBe(200);
      remaining.push(r.headers.get('x-ms-ratelimit-remaining-subscription-reads'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const throttled = await arm(emu, token, listA);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
    expect(throttled.body).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled', message: expect.stringContaining(`subscription '${a}'`) } });
    // Another subscription has its own bucket.
    expect((await arm(emu, token, `/subscriptions/${b}/providers/Microsoft.Network/vpnGateways`)).status).toBe(200);
    // Still empty until the clock moves; one second gives one token.
    expect((await arm(emu, token, listA)).status).toBe(429);
    clock.advance(1000);
    expect((await arm(emu, token, listA)).status).toBe(200);
    expect((await arm(emu, token, listA)).status).toBe(429);
    clock.advance(60_000);
    expect((await arm(emu, token, listA)).headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('4');
    const stats = emu.stats();
    expect(stats.throttled429).toBe(3);
    expect(stats.byOperation['VpnGateways_List']).toEqual({ '200': 8, '429': 3 });
  });

  it('POST actions draw from a separate, smaller bucket', async () => {
    const link = emu.links().find((l) => l.subscriptionId === emu.links().at(-1)!.subscriptionId)!;
    // Drain this subscription's reads: actions still go through.
    for (let i = 0; i < 10; i++) await arm(emu, token, link.id);
    expect((await arm(emu, token, link.id)).status).toBe(429);
    const first = await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect(first.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toBe('1');
    expect((await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' })).status).toBe(202);
    const third = await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('2');
    clock.advance(2000);
    expect((await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' })).status).toBe(202);
  });

  it('reports the theoretical minimum time for the reads served', async () => {
    emu.resetStats();
    emu.refillBuckets();
    const sub = emu.links()[0]!.subscriptionId;
    const list = `/subscriptions/${sub}/providers/Microsoft.Network/vpnGateways`;
    for (let i = 0; i < 5; i++) await arm(emu, token, list);
    expect((await arm(emu, token, list)).status).toBe(429);
    clock.advance(3000);
    for (let i = 0; i < 3; i++) expect((await arm(emu, token, list)).status).toBe(200);
    const stats = emu.stats();
    // 8 reads served (429s do not count) against a bucket of 5 refilling 1/s: 3 s at least.
    expect(stats.readsByScope[sub.toLowerCase()]).toBe(8);
    expect(stats.theoreticalMinimumMs).toBe(3000);
  });

  it('throttle: false never answers 429', async () => {
    const free = await start({ seed: 31, throttle: false });
    try {
      const t = await getToken(free);
      const path = `/subscriptions/${free.links()[0]!.subscriptionId}/providers/Microsoft.Network/vpnGateways`;
      for (let i = 0; i < 300; i++) expect((await arm(free, t, path)).status).toBe(200);
      expect(free.stats().throttled429).toBe(0);
      expect(free.stats().theoreticalMinimumMs).toBe(0);
    } finally {
      await free.close();
    }
  });
});

describe('theoreticalMinimumMs', () => {
  const throttle = { read: { capacity: 250, refillPerSecond: 25 }, write: { capacity: 200, refillPerSecond: 10 } };
  it('is the max of the latency chain, the slowest bucket plus one latency, and the LRO duration', () => {
    const base = { chainLength: 0, reads: {}, writes: {}, anyAction: false };
    expect(theoreticalMinimumMs({ ...base, timing: { throttle, fixedLatencyMs: 0, lroSeconds: undefined } })).toBe(0);
    expect(theoreticalMinimumMs({ ...base, reads: { a: 500, b: 300 }, timing: { throttle, fixedLatencyMs: 0, lroSeconds: undefined } })).toBe(10_000);
    expect(theoreticalMinimumMs({ ...base, reads: { a: 500 }, writes: { a: 400 }, timing: { throttle, fixedLatencyMs: 20, lroSeconds: undefined } })).toBe(20_020);
    expect(theoreticalMinimumMs({ ...base, chainLength: 12, reads: { a: 10 }, timing: { throttle, fixedLatencyMs: 50, lroSeconds: undefined } })).toBe(600);
    expect(theoreticalMinimumMs({ ...base, reads: { a: 10 }, anyAction: true, timing: { throttle: false, fixedLatencyMs: 0, lroSeconds: 30 } })).toBe(30_000);
  });

  it('counts the chain from what was served: pages per list level plus the longest action', async () => {
    const emu = await start({ seed: 32, pageSize: 2, emptyPageEvery: 0, latency: { fixedMs: 1 }, lro: { polls: 1, retryAfterSeconds: 0 } });
    try {
      const token = await getToken(emu);
      const link = emu.links()[0]!;
      await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
      const conn = link.id.slice(0, link.id.lastIndexOf('/vpnLinkConnections/'));
      await arm(emu, token, `${conn.slice(0, conn.lastIndexOf('/vpnConnections/'))}/vpnConnections`);
      const accepted = await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' });
      await arm(emu, token, accepted.headers.get('location')!);
      await arm(emu, token, accepted.headers.get('location')!);
      const stats = emu.stats();
      expect(stats.maxPagesPerList).toEqual({ subscriptions: 1, gateways: 0, connections: 1, links: 0 });
      expect(stats.maxRequestsPerAction).toBe(3);
      expect(stats.chainLength).toBe(5);
      expect(stats.theoreticalMinimumMs).toBe(5);
    } finally {
      await emu.close();
    }
  });
});

describe("ARM's 2024 buckets: per principal, global per subscription, tenant", () => {
  const clock = fakeClock();
  let emu: Emulator;
  let token: string;
  let subA: string;
  let subB: string;
  beforeAll(async () => {
    emu = await start({ seed: 41, now: clock.now });
    token = await getToken(emu);
    [subA, subB] = [...new Set(emu.links().map((l) => l.subscriptionId))] as [string, string];
  });
  afterAll(() => emu.close());
  const listGateways = (sub: string) => arm(emu, token, `/subscriptions/${sub}/providers/Microsoft.Network/vpnGateways`);

  it('reports what is left of the principal\'s bucket and of the 15 times larger global one, refilling at 25/s and 375/s', async () => {
    const capacity = DEFAULT_READ_BUCKET.capacity;
    const first = await listGateways(subA);
    // As real ARM answers a first read: 249 and 3749.
    expect([first.headers.get(READS), first.headers.get(GLOBAL_READS)]).toEqual([String(capacity - 1), String(capacity * GLOBAL_BUCKET_FACTOR - 1)]);
    expect(capacity * GLOBAL_BUCKET_FACTOR).toBe(3750);
    for (let i = 0; i < 99; i++) await listGateways(subA);
    const hundredth = await listGateways(subA);
    expect([hundredth.headers.get(READS), hundredth.headers.get(GLOBAL_READS)]).toEqual(['149', '3649']);
    // Two seconds: 50 more for the principal (199), 750 more for the global bucket (full again).
    clock.advance(2000);
    const later = await listGateways(subA);
    expect([later.headers.get(READS), later.headers.get(GLOBAL_READS)]).toEqual(['198', '3749']);
    // Another subscription has buckets of its own.
    const other = await listGateways(subB);
    expect([other.headers.get(READS), other.headers.get(GLOBAL_READS)]).toEqual(['249', '3749']);
  });

  it('GET /subscriptions draws on the tenant bucket and reports only x-ms-ratelimit-remaining-tenant-reads', async () => {
    emu.refillBuckets();
    const first = await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
    const second = await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
    expect([first.headers.get(TENANT_READS), second.headers.get(TENANT_READS)]).toEqual(['249', '248']);
    expect(second.headers.get(READS)).toBeNull();
    expect(second.headers.get(GLOBAL_READS)).toBeNull();
    // The subscriptions' buckets are untouched.
    expect((await listGateways(subA)).headers.get(READS)).toBe('249');
  });

  it("throttles on the global bucket when other principals drained it, though the principal's bucket has tokens", async () => {
    emu.refillBuckets();
    // Other principals take all but 5 of subscription A's global reads (the control endpoint).
    const res = await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ reads: 3745, subscriptionId: subA }) });
    expect(await res.json()).toEqual({ drawn: { [subA.toLowerCase()]: 3745 }, otherReadsPerSecond: 0 });
    for (let i = 0; i < 5; i++) expect((await listGateways(subA)).status).toBe(200);
    const throttled = await listGateways(subA);
    expect(throttled.status).toBe(429);
    expect([throttled.headers.get(READS), throttled.headers.get(GLOBAL_READS)]).toEqual(['245', '0']);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.body).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled', message: expect.stringMatching(/global limit/) } });
    // Subscription B's global bucket was not drawn on.
    expect((await listGateways(subB)).status).toBe(200);
    // 1/375 s later the global bucket has a token again.
    clock.advance(3);
    expect((await listGateways(subA)).status).toBe(200);
  });

  it('other principals reading steadily leave the global bucket only what refills beyond their rate', async () => {
    emu.refillBuckets();
    emu.simulateOtherPrincipals({ readsPerSecond: 370, reads: 3750 });
    expect(emu.throttleState()?.otherReadsPerSecond).toBe(370);
    clock.advance(1000);
    // 375/s refill - 370/s taken by others = 5 reads a second for everyone else.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await listGateways(subB)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(() => emu.simulateOtherPrincipals({ readsPerSecond: 375 })).toThrow(RangeError);
    emu.simulateOtherPrincipals({ readsPerSecond: 0 });
    const state = (await (await fetch(`${emu.url}/_emulator/throttle`)).json()) as { otherReadsPerSecond: number; buckets: BucketState[] };
    expect(state.otherReadsPerSecond).toBe(0);
    expect(state.buckets).toContainEqual({ kind: 'read', scope: subB.toLowerCase(), holder: 'global', remaining: 0, capacity: 3750 });
    expect(state.buckets).toContainEqual({ kind: 'read', scope: 'tenant', holder: emu.clientId.toLowerCase(), remaining: expect.any(Number), capacity: 250 });
  });

  it('POST /_emulator/throttle refuses a rate the global bucket cannot sustain, and bodies that are not objects', async () => {
    const tooFast = await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ readsPerSecond: 400 }) });
    expect(tooFast.status).toBe(400);
    expect(((await tooFast.json()) as { error: string }).error).toMatch(/less than the global read bucket's refill \(375\/s\), got 400/);
    expect((await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: '[1]' })).status).toBe(400);
  });
});

describe("Microsoft.Network's own read limit", () => {
  it('counts reads per subscription and region behind ARM, answers 429 RetryableError with no remaining count of its own', async () => {
    const clock = fakeClock();
    const emu = await start({ seed: 42, now: clock.now, throttle: { networkReadsPer5Minutes: 3 } });
    try {
      const token = await getToken(emu);
      const [first, ...rest] = emu.links();
      const inOtherRegion = rest.find((l) => l.subscriptionId === first!.subscriptionId && l.resourceGroupName !== first!.resourceGroupName)!;
      const gateway = gatewayPath(first!.subscriptionId, first!.resourceGroupName, first!.gatewayName);
      for (let i = 0; i < 3; i++) expect((await arm(emu, token, gateway)).status).toBe(200);
      const throttled = await arm(emu, token, `${gateway}/vpnConnections`);
      expect(throttled.status).toBe(429);
      // 3 per 300 s refills one read every 100 s.
      expect(throttled.headers.get('retry-after')).toBe('100');
      expect(throttled.body).toEqual({
        error: {
          code: 'RetryableError',
          message: 'A retryable error occurred.',
          details: [
            {
              code: 'RetryableErrorDueToTooManyCalls',
              message: `Subscription '${first!.subscriptionId}' was used to perform too many calls within last 5 minutes. The number of calls exceeds Microsoft.Network throttling limit. The call can be retried in 100 seconds.`,
            },
          ],
        },
      });
      // ARM counted the request before Microsoft.Network refused it.
      expect(throttled.headers.get(READS)).toBe('246');
      // Another region of the same subscription, and the subscription list, are not limited by it.
      expect((await arm(emu, token, gatewayPath(inOtherRegion.subscriptionId, inOtherRegion.resourceGroupName, inOtherRegion.gatewayName))).status).toBe(200);
      expect((await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
      clock.advance(100_000);
      expect((await arm(emu, token, gateway)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('is on by default at 10,000 reads per 5 minutes', async () => {
    const emu = await start({ seed: 43, throttle: { readCapacity: 20_000, readRefillPerSecond: 1 } });
    try {
      expect(NETWORK_READ_LIMIT).toEqual({ requests: 10_000, windowSeconds: 300 });
      const state = () => emu.throttleState()!.buckets.filter((b) => b.holder.startsWith('network:'));
      const token = await getToken(emu);
      const link = emu.links()[0]!;
      await arm(emu, token, gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName));
      expect(state()).toEqual([{ kind: 'read', scope: link.subscriptionId.toLowerCase(), holder: expect.stringMatching(/^network:[a-z]+$/), remaining: 9_999, capacity: 10_000 }]);
    } finally {
      await emu.close();
    }
  });
});

describe('Retry-After as an HTTP date', () => {
  it("retryAfterFormat 'http-date' makes bucket and injected 429s say when, rounded up to the next whole second", async () => {
    const clock = fakeClock(Date.parse('2026-01-01T00:00:00.250Z'));
    const emu = await start({ seed: 44, now: clock.now, retryAfterFormat: 'http-date', throttle: { readCapacity: 1, readRefillPerSecond: 1 } });
    try {
      const token = await getToken(emu);
      const path = `/subscriptions/${emu.links()[0]!.subscriptionId}/providers/Microsoft.Network/vpnGateways`;
      expect((await arm(emu, token, path)).status).toBe(200);
      const throttled = await arm(emu, token, path);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('Thu, 01 Jan 2026 00:00:02 GMT');
      clock.advance(1000);
      emu.setFaults([{ match: 'VpnGateways_List', kind: '429', count: 1, retryAfterSeconds: 5 }]);
      expect((await arm(emu, token, path)).headers.get('retry-after')).toBe('Thu, 01 Jan 2026 00:00:07 GMT');
    } finally {
      await emu.close();
    }
  });
});
