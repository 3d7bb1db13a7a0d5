/** ARM throttling with a controlled clock (no sleeps), and the theoretical-minimum formula. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { theoreticalMinimumMs } from '../../src/emulator/stats.js';
import { TokenBucket } from '../../src/emulator/token-bucket.js';
import { arm, fakeClock, getToken, start } from './helpers.js';

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
