/** ARM behaviour: paging, case-insensitive routing, 404s, api-version checks, headers, embedding. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { decodeSkipToken, encodeSkipToken, paginate, type Page } from '../../src/emulator/paging.js';
import { API, allPages, arm, gatewayPath, getToken, listAll, start } from './helpers.js';

describe('paginate', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);
  const walk = (n: number, size: number, emptyEvery: number) => {
    const pages: number[][] = [];
    let token: string | null = null;
    for (;;) {
      const page: Page<number> | undefined = paginate(items.slice(0, n), token, { pageSize: size, emptyPageEvery: emptyEvery });
      if (!page) throw new Error('bad token');
      pages.push(page.value);
      if (page.nextSkipToken === undefined) return pages;
      token = page.nextSkipToken;
    }
  };

  it('cuts lists into pages, with empty pages that carry a nextLink and a final empty page on a boundary', () => {
    expect(walk(7, 3, 0)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(walk(6, 3, 0)).toEqual([[0, 1, 2], [3, 4, 5], []]);
    expect(walk(7, 2, 3)).toEqual([[0, 1], [], [2, 3], [4, 5], [], [6]]);
    expect(walk(0, 3, 3)).toEqual([[]]);
    expect(walk(2, 5, 3)).toEqual([[0, 1]]);
  });

  it('skip tokens are opaque and validated', () => {
    expect(decodeSkipToken(encodeSkipToken(12, 4))).toEqual({ offset: 12, pageIndex: 4 });
    expect(decodeSkipToken('garbage')).toBeUndefined();
    expect(paginate(items, 'garbage', { pageSize: 2, emptyPageEvery: 0 })).toBeUndefined();
  });
});

describe('ARM endpoints', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await start({ seed: 21, pageSize: 2, size: { connectionsPerGateway: 7 } });
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  it('every list spans several pages via nextLink ($skipToken, api-version kept), including empty pages that still carry a nextLink', async () => {
    const link = emu.links()[0]!;
    const gw = gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName);
    const pages = await allPages(emu, token, `${gw}/vpnConnections`);
    const values = pages.map((p) => (p.body as { value: unknown[] }).value.length);
    expect(values).toEqual([2, 0, 2, 2, 0, 1]);
    const first = pages[0]!.body as { nextLink: string };
    expect(first.nextLink).toMatch(new RegExp(`^${emu.url}${gw}/vpnConnections\\?api-version=${API}&\\$skipToken=[A-Za-z0-9_-]+$`));
    const empty = pages[1]!.body as { value: unknown[]; nextLink?: string };
    expect(empty.value).toEqual([]);
    expect(empty.nextLink).toBeDefined();
    expect((pages.at(-1)!.body as { nextLink?: string }).nextLink).toBeUndefined();
    expect(new Set(pages.flatMap((p) => (p.body as { value: { id: string }[] }).value.map((c) => c.id))).size).toBe(7);
    const gatewayPages = await allPages(emu, token, `/subscriptions/${link.subscriptionId}/providers/Microsoft.Network/vpnGateways`);
    expect(gatewayPages.length).toBeGreaterThan(1);
    expect((await arm(emu, token, `${gw}/vpnConnections?$skipToken=bogus`)).body).toMatchObject({ error: { code: 'InvalidSkipToken' } });
  });

  it('matches paths case-insensitively, as ARM does, and serves the same JSON', async () => {
    const link = emu.links()[3]!;
    const exact = await arm(emu, token, link.id);
    const shouted = await arm(emu, token, link.id.toUpperCase());
    const lowered = await arm(emu, token, link.id.toLowerCase());
    expect(exact.status).toBe(200);
    expect(shouted.body).toEqual(exact.body);
    expect(lowered.body).toEqual(exact.body);
    expect((await arm(emu, token, link.id.replace('/vpnLinkConnections/', '/VpnSiteLinkConnections/'))).body).toEqual(exact.body);
  });

  it('answers missing things with ARM 404 bodies', async () => {
    const link = emu.links()[0]!;
    const sub = `/subscriptions/${link.subscriptionId}`;
    const gw = gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName);
    const conn = `${gw}/vpnConnections/${link.connectionName}`;
    const cases: [string, string, RegExp][] = [
      ['/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/vpnGateways', 'SubscriptionNotFound', /could not be found/],
      [`${sub}/resourceGroups/nope/providers/Microsoft.Network/vpnGateways`, 'ResourceGroupNotFound', /Resource group 'nope' could not be found/],
      [gatewayPath(link.subscriptionId, link.resourceGroupName, 'nope'), 'ResourceNotFound', /Microsoft\.Network\/vpnGateways\/nope' under resource group/],
      [`${gatewayPath(link.subscriptionId, link.resourceGroupName, 'nope')}/vpnConnections`, 'ParentResourceNotFound', /Parent resource 'nope' not found/],
      [`${gw}/vpnConnections/nope`, 'ResourceNotFound', /vpnConnections\/nope/],
      [`${gw}/vpnConnections/nope/vpnLinkConnections`, 'ParentResourceNotFound', /Parent resource 'nope' not found/],
      [`${conn}/vpnLinkConnections/nope`, 'ResourceNotFound', /vpnLinkConnections\/nope/],
      [`${sub}/providers/Microsoft.Network/nothing`, 'InvalidResourceType', /could not be found/],
    ];
    for (const [path, code, message] of cases) {
      const r = await arm(emu, token, path);
      expect(r.status, path).toBe(404);
      expect(r.body).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
    }
    expect((await arm(emu, token, link.id, { method: 'DELETE' })).status).toBe(405);
  });

  it('rejects missing and unknown api-versions with 400, accepts older stable ones', async () => {
    const link = emu.links()[0]!;
    const missing = await arm(emu, token, link.id, { apiVersion: null });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const unknown = await arm(emu, token, link.id, { apiVersion: '2099-01-01' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'InvalidApiVersionParameter', message: expect.stringContaining("'2099-01-01' is invalid") } });
    for (const version of ['2026-07-01', '2026-01-01', '2025-09-01', '2024-05-01', '2023-09-01', '2022-07-01', '2021-05-01']) {
      expect((await arm(emu, token, link.id, { apiVersion: version })).status, version).toBe(200);
    }
    expect((await arm(emu, token, '/subscriptions', { apiVersion: API })).status).toBe(400);
    expect((await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
  });

  it('puts x-ms-request-id, x-ms-correlation-request-id and the rate-limit header on every ARM response', async () => {
    const link = emu.links()[0]!;
    for (const path of [link.id, `${link.id}-missing`]) {
      const r = await arm(emu, token, path);
      expect(r.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.headers.get('x-ms-correlation-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(r.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).toBeGreaterThan(0);
    }
    const echoed = await fetch(`${emu.url}${link.id}?api-version=${API}`, { headers: { authorization: `Bearer ${token}`, 'x-ms-correlation-request-id': 'abc-123', 'x-ms-client-request-id': 'c-1' } });
    expect(echoed.headers.get('x-ms-correlation-request-id')).toBe('abc-123');
    expect(echoed.headers.get('x-ms-client-request-id')).toBe('c-1');
    const tenantLevel = await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
    expect(tenantLevel.headers.get('x-ms-ratelimit-remaining-tenant-reads')).toMatch(/^\d+$/);
  });

  it('gateways embed their connections and those their link connections, equal to what the child endpoints list', async () => {
    const link = emu.links()[0]!;
    const gw = gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName);
    const gateway = (await arm(emu, token, gw)).body as { properties: { connections: { id: string; properties: { vpnLinkConnections: unknown[] } }[] } };
    const connections = await listAll<{ id: string; properties: { vpnLinkConnections: unknown[] } }>(emu, token, `${gw}/vpnConnections`);
    expect(gateway.properties.connections).toEqual(connections);
    for (const c of connections) expect(c.properties.vpnLinkConnections).toEqual(await listAll(emu, token, `${c.id}/vpnLinkConnections`));
  });

  it('never serves sharedKey unless asked to', async () => {
    const all = await listAll<{ properties: Record<string, unknown> }>(emu, token, `${emu.links()[0]!.id.replace(/\/[^/]+$/, '')}`);
    for (const l of all) expect(l.properties).not.toHaveProperty('sharedKey');
    expect(JSON.stringify(emu.links())).not.toContain('sharedKey');
    const withKeys = await start({ seed: 21, returnSharedKeys: true });
    try {
      const keys = withKeys.links().map((l) => l.properties.sharedKey);
      expect(keys.every((k) => typeof k === 'string' && k.length === 32)).toBe(true);
      // Deterministic: the same seed gives the same keys.
      const again = await start({ seed: 21, returnSharedKeys: true });
      expect(again.links().map((l) => l.properties.sharedKey)).toEqual(keys);
      await again.close();
    } finally {
      await withKeys.close();
    }
  });

  it('serves plain HTTP only when asked', async () => {
    const plain = await start({ protocol: 'http', seed: 2 });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.caCertPath).toBe('');
      expect(plain.env).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
      const t = await getToken(plain);
      expect((await arm(plain, t, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
    } finally {
      await plain.close();
    }
  });
});
