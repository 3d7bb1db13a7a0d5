/** Every fault kind, rule matching (names, paths, globs, RegExps), rate and count, and the CLI syntax. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, FaultRule } from '../../src/emulator/index.js';
import { faultMatches, parseFaultSpec } from '../../src/emulator/faults.js';
import { API, arm, gatewayPath, getToken, start, tokenRequest } from './helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function withFaults(faults: FaultRule[], seed = 51): Promise<{ emu: Emulator; token: string; link: ReturnType<Emulator['links']>[number] }> {
  emu = await start({ seed, faults, throttle: false });
  const token = await getToken(emu);
  return { emu, token, link: emu.links()[0]! };
}

describe('fault kinds', () => {
  it('5xx: 500 InternalServerError by default, 503 ServiceUnavailable with Retry-After when asked', async () => {
    const { emu, token, link } = await withFaults([
      { kind: '5xx', match: 'VpnSiteLinkConnections_Get', count: 1 },
      { kind: '5xx', match: 'VpnConnections_Get', status: 503, retryAfterSeconds: 7 },
    ]);
    const first = await arm(emu, token, link.id);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ error: { code: 'InternalServerError' } });
    expect((await arm(emu, token, link.id)).status).toBe(200);
    const conn = await arm(emu, token, link.id.slice(0, link.id.lastIndexOf('/vpnLinkConnections/')));
    expect(conn.status).toBe(503);
    expect(conn.headers.get('retry-after')).toBe('7');
    expect(conn.body).toMatchObject({ error: { code: 'ServiceUnavailable' } });
    expect(emu.stats().faultsInjected['5xx']).toBe(2);
  });

  it('429 bursts: count requests throttled with Retry-After, then normal service', async () => {
    const { emu, token, link } = await withFaults([{ kind: '429', match: '*', count: 3, retryAfterSeconds: 2 }]);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await arm(emu, token, link.id);
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get('retry-after')).toBe('2');
    }
    expect(statuses).toEqual([429, 429, 429, 200, 200]);
    expect(emu.stats().throttled429).toBe(3);
  });

  it('403 AuthorizationFailed on chosen subscriptions, gateways and connections only', async () => {
    emu = await start({ seed: 52, throttle: false });
    const token = await getToken(emu);
    const links = emu.links();
    const [x, y] = [links[0]!, links.find((l) => l.gatewayName !== links[0]!.gatewayName || l.resourceGroupName !== links[0]!.resourceGroupName)!];
    emu.setFaults([{ kind: '403', match: x.gatewayName }]);
    const denied = await arm(emu, token, `${gatewayPath(x.subscriptionId, x.resourceGroupName, x.gatewayName)}/vpnConnections`);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: { code: 'AuthorizationFailed', message: expect.stringContaining(`does not have authorization to perform action 'Microsoft.Network/vpnGateways/vpnConnections/read' over scope '/subscriptions/${x.subscriptionId}/resourceGroups/${x.resourceGroupName}/providers/Microsoft.Network/vpnGateways/${x.gatewayName}'`) },
    });
    expect((await arm(emu, token, x.id)).status).toBe(403);
    expect((await arm(emu, token, y.id)).status).toBe(200);
    emu.setFaults([{ kind: '403', match: y.connectionName }]);
    expect((await arm(emu, token, y.id)).status).toBe(403);
    expect((await arm(emu, token, x.id)).status).toBe(x.connectionName === y.connectionName ? 403 : 200);
    const other = links.find((l) => l.subscriptionId !== x.subscriptionId)!;
    emu.setFaults([{ kind: '403', match: other.subscriptionId.toUpperCase() }]);
    expect((await arm(emu, token, `/subscriptions/${other.subscriptionId}/providers/Microsoft.Network/vpnGateways`)).status).toBe(403);
    expect((await arm(emu, token, `/subscriptions/${x.subscriptionId}/providers/Microsoft.Network/vpnGateways`)).status).toBe(200);
  });

  it('404 on a path pattern', async () => {
    const { emu, token, link } = await withFaults([{ kind: '404', match: '/vpnlinkconnections/' }]);
    const r = await arm(emu, token, link.id);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: 'ResourceNotFound' } });
    expect((await arm(emu, token, link.id.slice(0, link.id.lastIndexOf('/vpnLinkConnections/')))).status).toBe(200);
  });

  it('drop: the connection is closed with no response', async () => {
    const { emu, token, link } = await withFaults([{ kind: 'drop', match: '*', count: 1 }]);
    await expect(arm(emu, token, link.id)).rejects.toThrow(/fetch failed/);
    expect((await arm(emu, token, link.id)).status).toBe(200);
    expect(emu.stats().faultsInjected.drop).toBe(1);
  });

  it('hang: no response ever comes (the client must time out); close() still returns', async () => {
    const { emu, token, link } = await withFaults([{ kind: 'hang', match: 'VpnSiteLinkConnections_Get', count: 1 }]);
    const controller = new AbortController();
    const pending = fetch(`${emu.url}${link.id}?api-version=${API}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    // Other requests are still served while one hangs.
    expect((await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
    expect(emu.stats().byOperation['VpnSiteLinkConnections_Get']).toEqual({ '0': 1 });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect((await arm(emu, token, link.id)).status).toBe(200);
    const second = await withFaults([{ kind: 'hang', match: '*' }]);
    const stuck = arm(second.emu, second.token, second.link.id).catch((e: Error) => e);
    await new Promise((resolve) => setImmediate(resolve));
    await second.emu.close();
    expect(await stuck).toBeInstanceOf(Error);
  });

  it('malformed-json: a 200 whose body is cut in half', async () => {
    const { emu, token, link } = await withFaults([{ kind: 'malformed-json', match: 'VpnLinkConnections_ListByVpnConnection' }]);
    const r = await arm(emu, token, link.id.slice(0, link.id.lastIndexOf('/')));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(r.text.startsWith('{"value":[')).toBe(true);
  });

  it('nextlink-loop: a list whose nextLink leads back to the page just served', async () => {
    emu = await start({ seed: 53, pageSize: 2, throttle: false, faults: [{ kind: 'nextlink-loop', match: 'VpnConnections_ListByVpnGateway', count: 2 }] });
    const token = await getToken(emu);
    const link = emu.links()[0]!;
    const list = `${emu.url}${gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName)}/vpnConnections?api-version=${API}`;
    const first = (await arm(emu, token, list)).body as { value: { id: string }[]; nextLink: string };
    const again = (await arm(emu, token, first.nextLink)).body as { value: { id: string }[]; nextLink: string };
    expect(again.value).toEqual(first.value);
    expect(again.nextLink).toBe(first.nextLink);
    // The fault is used up: the list moves on.
    const third = (await arm(emu, token, again.nextLink)).body as { value: unknown[]; nextLink?: string };
    expect(third.nextLink).not.toBe(first.nextLink);
  });

  it('latency: matching responses are delayed, the rest are not touched', async () => {
    const { emu, token, link } = await withFaults([{ kind: 'latency', match: 'VpnSiteLinkConnections_Get', ms: 20, jitterMs: 10 }, { kind: '5xx', match: 'VpnSiteLinkConnections_Get', count: 1 }]);
    // Latency rules add up with one decisive fault.
    expect((await arm(emu, token, link.id)).status).toBe(500);
    expect((await arm(emu, token, link.id)).status).toBe(200);
    expect(emu.stats().faultsInjected).toEqual({ latency: 2, '5xx': 1 });
  });

  it('token-error: the token endpoint fails with Entra\'s error body (503 temporarily_unavailable by default, or the status asked for)', async () => {
    emu = await start({ seed: 54, faults: [{ kind: 'token-error', match: '*', count: 1 }, { kind: 'token-error', match: '*', count: 1, status: 401 }] });
    const unavailable = await tokenRequest(emu);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('1');
    expect(await unavailable.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [50196] });
    const rejected = await tokenRequest(emu);
    expect(rejected.status).toBe(401);
    expect(await rejected.json()).toMatchObject({ error: 'invalid_client' });
    expect((await tokenRequest(emu)).status).toBe(200);
  });

  it('rate draws from the seeded PRNG: the same seed hits the same requests', async () => {
    const run = async () => {
      const { emu: e, token, link } = await withFaults([{ kind: '5xx', match: '*', rate: 0.3 }], 99);
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await arm(e, token, link.id)).status);
      await e.close();
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const hits = a.filter((s) => s === 500).length;
    expect(hits).toBeGreaterThan(3);
    expect(hits).toBeLessThan(25);
  });

  it('rules can be replaced at run time over /_emulator/faults', async () => {
    const { emu, token, link } = await withFaults([]);
    const put = await fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify([{ kind: '5xx', match: 're:/vpnlinkconnections/[^/]+$', status: 502 }]) });
    expect(await put.json()).toEqual([{ kind: '5xx', match: 're:/vpnlinkconnections/[^/]+$', status: 502 }]);
    expect((await arm(emu, token, link.id)).status).toBe(502);
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify([{ kind: 'meteor', match: '*' }]) });
    expect(bad.status).toBe(400);
  });
});

describe('faultMatches', () => {
  const target = { path: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.network/vpngateways/gw-1/vpnconnections', names: ['s1', 'rg', 'gw-1', 'vpnconnections_listbyvpngateway'] };
  it.each([
    ['*', true],
    ['gw-1', true],
    ['GW-1', true],
    ['gw', false],
    ['VpnConnections_ListByVpnGateway', true],
    ['/vpngateways/gw-1/', true],
    ['/vpngateways/*/vpnconnections', true],
    ['/vpnlinkconnections', false],
  ])('%s → %s', (match, expected) => {
    expect(faultMatches({ kind: '5xx', match }, target)).toBe(expected);
  });
  it('RegExps are tested on the lower-cased path', () => {
    expect(faultMatches({ kind: '5xx', match: /vpngateways\/gw-\d$/ }, { ...target, path: target.path.replace('/vpnconnections', '') })).toBe(true);
  });
});

describe('parseFaultSpec (the --fault syntax)', () => {
  it.each([
    ['5xx:*', { kind: '5xx', match: '*' }],
    ['5xx=503:*:0.05', { kind: '5xx', match: '*', rate: 0.05, status: 503 }],
    ['429:VpnGateways_List:1:3', { kind: '429', match: 'VpnGateways_List', rate: 1, count: 3 }],
    ['latency=250:/vpnlinkconnections', { kind: 'latency', match: '/vpnlinkconnections', ms: 250 }],
    ['403:gw-westeurope-01', { kind: '403', match: 'gw-westeurope-01' }],
    ['hang:VpnLinkConnections_ListByVpnConnection:0.01', { kind: 'hang', match: 'VpnLinkConnections_ListByVpnConnection', rate: 0.01 }],
  ])('%s', (spec, rule) => {
    expect(parseFaultSpec(spec)).toEqual(rule);
  });
  it('parses re: matches as case-insensitive RegExps', () => {
    const rule = parseFaultSpec('drop:re:^/subscriptions/[^/]+$:0.5');
    expect(rule.match).toBeInstanceOf(RegExp);
    expect((rule.match as RegExp).test('/subscriptions/abc')).toBe(true);
    expect((rule.match as RegExp).test('/subscriptions/abc/providers')).toBe(false);
    expect(rule.rate).toBe(0.5);
  });
  it.each([
    ['meteor:*', /KIND one of latency, 5xx/],
    ['5xx', /MATCH is empty/],
    ['5xx:*:2', /RATE is a probability/],
    ['5xx=abc:*', /VALUE is a whole number/],
    // Once accepted: a rule that matched the name '*:-1' and never fired, a 5xx that answered 200, an LRO failing with 99.
    ['429:*:-1', /RATE is a probability from 0 to 1/],
    ['429:*:0.5:-2', /COUNT is a whole number from 1/],
    ['429:*:1:0', /COUNT is a whole number from 1/],
    ['5xx:*:0', /RATE 0 would never fire/],
    ['5xx=200:*', /VALUE of 5xx is an HTTP status from 500 to 599/],
    ['lro-failure=99:*', /VALUE of lro-failure is an HTTP status from 400 to 599/],
    ['busy=410:*', /VALUE of busy is 409 or 429/],
    ['drop=5:*', /drop takes no VALUE/],
    ['403=200:*', /403 takes no VALUE/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
    expect(() => parseFaultSpec(spec)).toThrow(new RegExp(`^Expected --fault to look like KIND\\[=VALUE\\]:MATCH\\[:RATE\\[:COUNT\\]\\] .*, got '${spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'$`));
  });
});
