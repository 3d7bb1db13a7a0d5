import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
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
