/** Long-running actions: 202 → polls → final body, the link's real change, failures, concurrency. */
import { createHttpPoller, type OperationResponse } from '@azure/core-lro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { arm, fakeClock, getToken, start, type Raw } from './helpers.js';

function statusOf(emu: Emulator, linkId: string): string | undefined {
  return emu.links().find((l) => l.id === linkId)?.properties.connectionStatus;
}

describe('actions finishing after a number of polls', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await start({ seed: 41, lro: { polls: 2, retryAfterSeconds: 0 } });
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  it('resetconnection: 202 + Location + Retry-After, two 202 polls, then 200; the link goes Connecting → Connected and each change is recorded', async () => {
    const link = emu.links().find((l) => l.properties.connectionStatus === 'Connected')!;
    const before = emu.mutations().length;
    const accepted = await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('retry-after')).toBe('0');
    const location = accepted.headers.get('location')!;
    expect(statusOf(emu, link.id)).toBe('Connecting');
    expect(emu.stats().inFlightActions).toBe(1);
    const polls: Raw[] = [];
    for (let i = 0; i < 3; i++) polls.push(await arm(emu, token, location));
    expect(polls.map((p) => p.status)).toEqual([202, 202, 200]);
    expect(polls[0]!.headers.get('location')).toBe(location);
    expect(polls[2]!.text).toBe('');
    expect(statusOf(emu, link.id)).toBe('Connected');
    // Polling a finished operation keeps answering its final response.
    expect((await arm(emu, token, location)).status).toBe(200);
    const recorded = emu.mutations().slice(before);
    expect(recorded.map((m) => [m.kind, m.field, m.old, m.new])).toEqual([
      ['reset-action', 'connectionStatus', 'Connected', 'Connecting'],
      ['reset-action', 'etag', link.etag, expect.stringMatching(/^W\/"/)],
      ['reset-action', 'connectionStatus', 'Connecting', 'Connected'],
      ['reset-action', 'etag', recorded[1]!.new, expect.stringMatching(/^W\/"/)],
    ]);
    expect(recorded.every((m) => m.linkId === link.id)).toBe(true);
    const stats = emu.stats();
    expect(stats.postsByLink[link.id.toLowerCase()]).toEqual({ resetconnection: 1, getikesas: 0 });
    expect(stats.byOperation['OperationResults_Get']).toEqual({ '202': 2, '200': 2 });
    expect(stats.inFlightActions).toBe(0);
  });

  it('getikesas ends with a JSON string holding the IKE SA report', async () => {
    const link = emu.links().find((l) => l.properties.connectionStatus === 'Connected')!;
    const accepted = await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' });
    const location = accepted.headers.get('location')!;
    let final = await arm(emu, token, location);
    while (final.status === 202) final = await arm(emu, token, location);
    expect(final.status).toBe(200);
    expect(final.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof final.body).toBe('string');
    const report = JSON.parse(final.body as string) as { Status: string; Data: { localEndpoint: string; quickModeSa: unknown[] }[] };
    expect(report.Status).toBe('Successful');
    expect(report.Data).toHaveLength(2);
    expect(report.Data[0]!.quickModeSa).toHaveLength(1);
  });

  it('works with @azure/core-lro (final-state-via: location), as vpnsync will drive it', async () => {
    const link = emu.links()[5]!;
    const send = async (url: string, method: string): Promise<OperationResponse<unknown>> => {
      const raw = await arm(emu, token, url, { method });
      const headers: Record<string, string> = {};
      raw.headers.forEach((v, k) => (headers[k] = v));
      return { flatResponse: raw.body, rawResponse: { statusCode: raw.status, headers, body: raw.body, request: { method, url } } };
    };
    const poller = createHttpPoller(
      { sendInitialRequest: () => send(`${link.id}/getikesas`, 'POST'), sendPollRequest: (path) => send(path, 'GET') },
      // core-lro ignores "Retry-After: 0" (a falsy interval) and falls back to intervalInMs,
      // 2000 ms by default: a client that wants immediate polls must pass intervalInMs itself.
      { resourceLocationConfig: 'location', intervalInMs: 0 },
    );
    const result = await poller.pollUntilDone();
    expect(typeof result).toBe('string');
    expect(JSON.parse(result as string)).toHaveProperty('Status', 'Successful');
  });

  it('counts concurrent actions per VPN connection', async () => {
    const connectionLinks = emu.links().filter((l, _, all) => all.filter((o) => o.connectionName === l.connectionName && o.gatewayName === l.gatewayName).length >= 2);
    const [a, b] = connectionLinks.filter((l) => l.connectionName === connectionLinks[0]!.connectionName && l.gatewayName === connectionLinks[0]!.gatewayName);
    const postsBefore = emu.stats().postsByLink[a!.id.toLowerCase()]?.getikesas ?? 0;
    const locations = [];
    for (const link of [a!, b!, a!]) locations.push((await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' })).headers.get('location')!);
    const connectionId = a!.id.slice(0, a!.id.lastIndexOf('/vpnLinkConnections/')).toLowerCase();
    expect(emu.stats().maxInFlightActionsPerConnection[connectionId]).toBe(3);
    expect(emu.stats().postsByLink[a!.id.toLowerCase()]?.getikesas).toBe(postsBefore + 2);
    for (const location of locations) for (let i = 0; i < 3; i++) await arm(emu, token, location);
    expect(emu.stats().inFlightActions).toBe(0);
  });

  it('an unknown operation id is a 404', async () => {
    const sub = emu.links()[0]!.subscriptionId;
    const r = await arm(emu, token, `/subscriptions/${sub}/providers/Microsoft.Network/locations/westeurope/operationResults/00000000-0000-0000-0000-000000000000`);
    expect(r.status).toBe(404);
  });
});

describe('actions finishing after seconds on the injected clock', () => {
  const clock = fakeClock();
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await start({ seed: 42, now: clock.now, lro: { seconds: 30, retryAfterSeconds: 10 } });
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  it('answers 202 until the clock passes the duration, then the result; the link settles even without a poll', async () => {
    const link = emu.links().find((l) => l.properties.connectionStatus === 'Connected')!;
    const accepted = await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' });
    expect(accepted.headers.get('retry-after')).toBe('10');
    const location = accepted.headers.get('location')!;
    for (let i = 0; i < 5; i++) expect((await arm(emu, token, location)).status).toBe(202);
    clock.advance(29_999);
    expect((await arm(emu, token, link.id)).body).toMatchObject({ properties: { connectionStatus: 'Connecting' } });
    clock.advance(1);
    expect((await arm(emu, token, link.id)).body).toMatchObject({ properties: { connectionStatus: 'Connected' } });
    expect((await arm(emu, token, location)).status).toBe(200);
    expect(emu.stats().theoreticalMinimumMs).toBeGreaterThanOrEqual(30_000);
  });
});

describe('failing and conflicting actions', () => {
  it('an lro-failure fault ends the operation with the spec error shape and leaves the link NotConnected', async () => {
    const emu = await start({ seed: 43, lro: { polls: 0, retryAfterSeconds: 0 }, faults: [{ kind: 'lro-failure', match: 'VpnLinkConnections_ResetConnection', count: 1 }] });
    try {
      const token = await getToken(emu);
      const link = emu.links().find((l) => l.properties.connectionStatus === 'Connected')!;
      const location = (await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' })).headers.get('location')!;
      const final = await arm(emu, token, location);
      expect(final.status).toBe(500);
      expect(final.body).toEqual({ error: { code: 'InternalServerError', message: expect.stringContaining(link.name), details: [] } });
      expect(statusOf(emu, link.id)).toBe('NotConnected');
      // count: 1 — the next reset succeeds.
      const again = (await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' })).headers.get('location')!;
      expect((await arm(emu, token, again)).status).toBe(200);
      expect(statusOf(emu, link.id)).toBe('Connected');
      expect(emu.stats().faultsInjected['lro-failure']).toBe(1);
    } finally {
      await emu.close();
    }
  });

  it('conflictOnConcurrent answers 409 AnotherOperationInProgress while the connection is busy', async () => {
    const emu = await start({ seed: 44, lro: { polls: 1, retryAfterSeconds: 0, conflictOnConcurrent: true } });
    try {
      const token = await getToken(emu);
      const link = emu.links()[0]!;
      const location = (await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' })).headers.get('location')!;
      const conflict = await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' });
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ error: { code: 'AnotherOperationInProgress' } });
      await arm(emu, token, location);
      await arm(emu, token, location);
      expect((await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' })).status).toBe(202);
    } finally {
      await emu.close();
    }
  });
});
