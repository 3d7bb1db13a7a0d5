import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import pLimit from 'p-limit';
import { describe, expect, it, vi } from 'vitest';
import { ArmClient } from '../../src/arm/arm-client.js';
import type { Clock } from '../../src/arm/clock.js';
import { connectionKey } from '../../src/arm/resource-id.js';
import type { ConnectionRef, Discovery } from '../../src/discovery/discover-connections.js';
import { fetchLinks } from '../../src/sync/fetch-links.js';
import { fingerprintWith } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';

/** Virtual time: sleeps wait until `advance` moves the clock past them; no real time passes. */
function virtualClock(): Clock & { settle(done: () => boolean): Promise<void> } {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  const flush = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + Math.max(0, ms), wake })),
    async settle(done) {
      for (let steps = 0; steps < 10_000; steps++) {
        await flush();
        if (done()) return;
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift();
        if (!next) throw new Error('nothing is running and nothing sleeps');
        now = Math.max(now, next.at);
        next.wake();
      }
      throw new Error('did not settle');
    },
  };
}

const SUB_A = '00000000-0000-0000-0000-00000000000a';
const SUB_B = '00000000-0000-0000-0000-00000000000b';

function connection(sub: string, n: number): ConnectionRef {
  const ref = { subscriptionId: sub, resourceGroupName: 'rg', gatewayName: 'gw', connectionName: `site-${n}` };
  return { ...ref, key: connectionKey(ref), embeddedLinks: undefined };
}

describe('pull pacing across subscriptions', () => {
  it('a subscription whose read budget is spent does not hold back the others', async () => {
    const clock = virtualClock();
    const sentAt: Record<string, number[]> = { [SUB_A]: [], [SUB_B]: [] };
    const httpClient: HttpClient = {
      sendRequest: async (request: PipelineRequest) => {
        const [, sub, conn] = /subscriptions\/([^/]+)\/.*vpnConnections\/([^/]+)\//.exec(request.url) ?? [];
        sentAt[sub!]!.push(clock.now());
        const body = { value: [armLink({ sub, rg: 'rg', gw: 'gw', conn })] };
        return { status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), request, bodyAsText: JSON.stringify(body) };
      },
    };
    const arm = new ArmClient({
      endpoint: 'https://arm.test',
      credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
      apiVersion: '2026-07-01',
      clock,
      httpClient,
      // One read at once per subscription, then one a second.
      pacing: { capacity: 1, refillPerSecond: 1 },
    });
    const discovery: Discovery = {
      subscriptions: [SUB_A, SUB_B],
      // Sorted by key, as discovery returns them: all of A's connections before B's.
      connections: [...[1, 2, 3, 4, 5, 6].map((n) => connection(SUB_A, n)), connection(SUB_B, 7), connection(SUB_B, 8)],
      listedParents: new Set(),
      subscriptionStates: [],
      scopes: [],
    };
    let done = false;
    const fetched = fetchLinks(arm, discovery, 'links', fingerprintWith('salt'), { concurrency: 1, gate: pLimit(1) }).finally(() => (done = true));
    await clock.settle(() => done);
    const result = await fetched;

    expect(result.links).toHaveLength(8);
    expect(result.scopes.every((s) => s.status === 'ok')).toBe(true);
    // A is paced at one a second; B's two reads go out at B's own pace, not after A's six.
    expect(sentAt[SUB_A]).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(sentAt[SUB_B]).toEqual([0, 1000]);
  });
});

/** An ArmClient on a fake ARM that answers every GET with `headers(url)`, recording when each request left. */
function clientOn(endpoint: string, headers: (url: string) => Record<string, string>, clock = virtualClock()) {
  const sent: { url: string; at: number }[] = [];
  const httpClient: HttpClient = {
    sendRequest: async (request: PipelineRequest) => {
      sent.push({ url: request.url, at: clock.now() });
      return { status: 200, headers: createHttpHeaders({ 'content-type': 'application/json', ...headers(request.url) }), request, bodyAsText: '{"value":[]}' };
    },
  };
  const arm = new ArmClient({
    endpoint,
    credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    apiVersion: '2026-07-01',
    clock,
    httpClient,
  });
  return { arm, sent, run: runOn(clock), clock };
}

/** Runs work to the end on virtual time (its failure is the caller's to await). */
function runOn(clock: ReturnType<typeof virtualClock>) {
  return async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    const settled = work.finally(() => (done = true));
    settled.catch(() => undefined);
    await clock.settle(() => done);
    return settled;
  };
}

const gateways = (sub: string) => `/subscriptions/${sub}/providers/Microsoft.Network/vpnGateways`;
const isTenant = (url: string) => !/\/subscriptions\/[^/?]+/.test(url);

describe("pacing by ARM's 2024 headers", () => {
  it('follows the lower of the principal\'s and the global count: a global bucket drained by other principals paces reads', async () => {
    // The principal's bucket is nearly full, but other principals have left the global one empty.
    const { arm, sent, run } = clientOn('https://management.azure.com', () => ({
      'x-ms-ratelimit-remaining-subscription-reads': '249',
      'x-ms-ratelimit-remaining-subscription-global-reads': '0',
    }));
    await run((async () => {
      for (let i = 0; i < 3; i++) await arm.get(gateways(SUB_A));
    })());
    // One token at a time, at the refill rate (25/s), instead of a burst ARM would answer 429.
    expect(sent.map((s) => s.at)).toEqual([0, 40, 80]);
  });

  it('paces the subscription list by its tenant count, which does not hold back any subscription', async () => {
    const { arm, sent, run } = clientOn('https://management.azure.com', (url): Record<string, string> =>
      isTenant(url)
        ? { 'x-ms-ratelimit-remaining-tenant-reads': '0' }
        : { 'x-ms-ratelimit-remaining-subscription-reads': '249', 'x-ms-ratelimit-remaining-subscription-global-reads': '3749' },
    );
    await run(arm.get('/subscriptions', '2022-12-01'));
    await run(Promise.all([arm.get('/subscriptions', '2022-12-01'), arm.get(gateways(SUB_A)), arm.get(gateways(SUB_A)), arm.get(gateways(SUB_B))]));
    expect(sent.filter((s) => isTenant(s.url)).map((s) => s.at)).toEqual([0, 40]);
    expect(sent.filter((s) => !isTenant(s.url)).map((s) => s.at)).toEqual([0, 0, 0]);
  });

  it.each([
    ['https://management.azure.com', 250, 40],
    ['https://management.usgovcloudapi.net', 12_000, 300],
    ['https://management.chinacloudapi.cn', 12_000, 300],
  ])("on %s uses that cloud's documented budget: a bucket of %i, one read back every %i ms", async (endpoint, capacity, gapMs) => {
    // The public cloud's token bucket (250 + 25/s); the sovereign clouds' 12,000 reads an hour.
    const burst = clientOn(endpoint, () => ({}));
    await burst.run(Promise.all(Array.from({ length: 252 }, () => burst.arm.get(gateways(SUB_A)))));
    const times = burst.sent.map((s) => s.at);
    expect(times.filter((t) => t === 0)).toHaveLength(Math.min(capacity, 252));
    // Once ARM says the budget is spent, reads come back at the cloud's rate.
    const spent = clientOn(endpoint, () => ({ 'x-ms-ratelimit-remaining-subscription-reads': '0' }));
    await spent.run((async () => {
      for (let i = 0; i < 3; i++) await spent.arm.get(gateways(SUB_A));
    })());
    expect(spent.sent.map((s) => s.at)).toEqual([0, gapMs, 2 * gapMs]);
  });
});

describe('a 429 from ARM\'s own bucket', () => {
  it.each([
    ['seconds', '3'],
    ['an HTTP date', new Date(3000).toUTCString()],
  ])('holds back the subscription until Retry-After (%s); a 429 with budget left (a resource provider\'s) holds back only that request', async (_, retryAfter) => {
    const clock = virtualClock();
    let answers = 0;
    const sent: { url: string; at: number }[] = [];
    const httpClient: HttpClient = {
      sendRequest: async (request: PipelineRequest) => {
        sent.push({ url: request.url, at: clock.now() });
        answers += 1;
        const ok = { status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), request, bodyAsText: '{"value":[]}' };
        if (answers === 1) return { ...ok, status: 429, headers: createHttpHeaders({ 'retry-after': retryAfter, 'x-ms-ratelimit-remaining-subscription-reads': '100', 'x-ms-ratelimit-remaining-subscription-global-reads': '0' }), bodyAsText: '{"error":{"code":"SubscriptionRequestsThrottled","message":"x"}}' };
        if (answers === 4) return { ...ok, status: 429, headers: createHttpHeaders({ 'retry-after': '60', 'x-ms-ratelimit-remaining-subscription-reads': '100', 'x-ms-ratelimit-remaining-subscription-global-reads': '3000' }), bodyAsText: '{"error":{"code":"RetryableError","message":"A retryable error occurred."}}' };
        return ok;
      },
    };
    // No retries: what is measured is when the next requests leave, on virtual time.
    const arm = new ArmClient({ endpoint: 'https://management.azure.com', credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) }, apiVersion: '2026-07-01', clock, httpClient, maxRetries: 0 });
    const run = runOn(clock);
    await expect(run(arm.get(gateways(SUB_A)))).rejects.toMatchObject({ status: 429 });
    await run(Promise.all([arm.get(gateways(SUB_A)), arm.get(gateways(SUB_B))]));
    // A waits out Retry-After; B, another subscription, does not.
    expect(sent.map((s) => [s.url.includes(SUB_A) ? 'A' : 'B', s.at])).toEqual([['A', 0], ['B', 0], ['A', 3000]]);
    // Microsoft.Network's 429 (ARM's counts say there is budget): the next read is not held for its minute.
    await expect(run(arm.get(gateways(SUB_B)))).rejects.toMatchObject({ status: 429 });
    const before = clock.now();
    await run(arm.get(gateways(SUB_B)));
    expect(sent.at(-1)!.at - before).toBeLessThan(1000);
  });
});

describe('Retry-After as an HTTP date', () => {
  it("a 429 saying when, as an HTTP date, is retried at that moment (the Azure SDK's throttling strategy parses dates)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const sentAt: number[] = [];
      const httpClient: HttpClient = {
        sendRequest: async (request: PipelineRequest) => {
          sentAt.push(Date.now());
          return sentAt.length === 1
            ? { status: 429, headers: createHttpHeaders({ 'retry-after': new Date(Date.now() + 3000).toUTCString(), 'content-type': 'application/json' }), request, bodyAsText: '{"error":{"code":"SubscriptionRequestsThrottled","message":"x"}}' }
            : { status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), request, bodyAsText: '{"value":[]}' };
        },
      };
      const arm = new ArmClient({
        endpoint: 'https://management.azure.com',
        credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
        apiVersion: '2026-07-01',
        httpClient,
        pacing: false,
      });
      const answer = arm.get(gateways(SUB_A));
      await vi.advanceTimersByTimeAsync(2900);
      expect(sentAt).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(200);
      await expect(answer).resolves.toMatchObject({ status: 200 });
      expect(sentAt.map((t) => t - sentAt[0]!)).toEqual([0, 3000]);
      expect(arm.stats).toMatchObject({ throttled: 1, retries: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});
