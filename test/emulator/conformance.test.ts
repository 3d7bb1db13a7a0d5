/**
 * Conformance: every body the emulator produces validates against the matching schema of the
 * swagger excerpt in test/fixtures/azure-spec, and Microsoft's example payloads load as fleets and
 * are served back equal.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { API, EXAMPLES_DIR, allPages, arm, expectValid, gatewayPath, getToken, listAll, schemaFor, start } from './helpers.js';

const VWAN = 'definitions_virtualWan.json';
const listGateways = schemaFor(VWAN, 'ListVpnGatewaysResult');
const gatewaySchema = schemaFor(VWAN, 'VpnGateway');
const listConnections = schemaFor(VWAN, 'ListVpnConnectionsResult');
const connectionSchema = schemaFor(VWAN, 'VpnConnection');
const listLinks = schemaFor(VWAN, 'ListVpnSiteLinkConnectionsResult');
const linkSchema = schemaFor(VWAN, 'VpnSiteLinkConnection');
const cloudError = schemaFor('definitions_common.json', 'CloudError');
const actionError = schemaFor('definitions_networkWatcher.json', 'ErrorResponse');
const ikeSasResult = schemaFor('definitions_common.json', 'stringApplicationJson');

/** Subscriptions_List is outside the excerpt: this schema is the shape of Microsoft's GetSubscriptions example. */
const subscriptionList = new Ajv({ strict: false }).compile({
    type: 'object',
    required: ['value'],
    properties: {
      nextLink: { type: 'string' },
      value: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'subscriptionId', 'displayName', 'state', 'tenantId', 'authorizationSource', 'subscriptionPolicies'],
          properties: {
            id: { type: 'string', pattern: '^/subscriptions/[0-9a-f-]{36}$' },
            subscriptionId: { type: 'string' },
            displayName: { type: 'string' },
            state: { enum: ['Enabled', 'Warned', 'PastDue', 'Disabled', 'Deleted'] },
            tenantId: { type: 'string' },
            managedByTenants: { type: 'array' },
            subscriptionPolicies: { type: 'object', required: ['locationPlacementId', 'quotaId', 'spendingLimit'] },
          },
        },
      },
    },
});

/** The 22 fields vpnsync mirrors (outside `properties`, then inside). */
const TOP_FIELDS = ['id', 'name', 'type', 'etag'] as const;
const PROPERTY_FIELDS = [
  'provisioningState', 'vpnLinkConnectionMode', 'ingressBytesTransferred', 'usePolicyBasedTrafficSelectors', 'egressNatRules',
  'egressBytesTransferred', 'ingressNatRules', 'enableBgp', 'routingWeight', 'sharedKey', 'ipsecPolicies', 'connectionBandwidth',
  'enableRateLimiting', 'vpnConnectionProtocolType', 'connectionStatus', 'useLocalAzureIpAddress', 'vpnGatewayCustomBgpAddresses', 'vpnSiteLink',
] as const;

describe('the schema harness', () => {
  it('rejects what the spec forbids (so a pass means something)', () => {
    const good = { id: '/x', name: 'l', properties: { connectionStatus: 'Connected', ipsecPolicies: [] } };
    expect(linkSchema(good)).toBe(true);
    expect(linkSchema({ ...good, properties: { connectionStatus: 'Up' } })).toBe(false);
    expect(linkSchema({ ...good, properties: { routingWeight: 1.5 } })).toBe(false);
    expect(linkSchema({ ...good, properties: { ipsecPolicies: [{ saLifeTimeSeconds: 1 }] } })).toBe(false);
    expect(linkSchema({ ...good, properties: { vpnGatewayCustomBgpAddresses: [{ ipConfigurationId: 'Instance0' }] } })).toBe(false);
    expect(listLinks({ nextLink: 'x' })).toBe(false);
    expect(listLinks({ value: [], nextLink: 'not a uri' })).toBe(false);
    expect(gatewaySchema({ properties: { connections: [{ properties: { vpnLinkConnections: [{ properties: { enableBgp: 'yes' } }] } }] } })).toBe(false);
    expect(cloudError({ error: { code: 1 } })).toBe(false);
    expect(ikeSasResult({ Status: 'Successful' })).toBe(false);
  });
});

describe('generated fleet: every operation validates against the spec', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    // Mutated for a few steps first, so links and connections added by mutations are covered too.
    emu = await start({ seed: 11, returnSharedKeys: true, lro: { polls: 1, retryAfterSeconds: 0 }, mutationRates: { linkAdd: 0.2, connectionAdd: 0.3, configEdit: 0.2 } });
    emu.tick(5);
    token = await getToken(emu);
  });
  afterAll(() => emu.close());

  it('has 22 fields with realistic values on every link (plus dpdTimeoutSeconds)', () => {
    const links = emu.links();
    expect(links.length).toBeGreaterThan(80);
    for (const link of links) {
      for (const f of TOP_FIELDS) expect(link[f], `${link.id} ${f}`).toBeTypeOf('string');
      for (const f of PROPERTY_FIELDS) expect(link.properties[f], `${link.id} ${f}`).toBeDefined();
      expect(link.properties.dpdTimeoutSeconds).toBeGreaterThan(0);
      expect(link.type).toBe('Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections');
      expect(link.id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/vpnGateways\/[^/]+\/vpnConnections\/[^/]+\/vpnLinkConnections\/[^/]+$/);
      expect(link.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
      expect(link.properties.sharedKey).toMatch(/^[A-Za-z0-9]{32}$/);
    }
    // Mixed values, as a real fleet has.
    const distinct = (f: (l: (typeof links)[number]) => unknown) => new Set(links.map((l) => JSON.stringify(f(l)))).size;
    expect(distinct((l) => l.properties.connectionStatus)).toBeGreaterThanOrEqual(3);
    expect(distinct((l) => l.properties.connectionBandwidth)).toBeGreaterThanOrEqual(4);
    expect(distinct((l) => l.properties.enableBgp)).toBe(2);
    expect(distinct((l) => l.properties.vpnConnectionProtocolType)).toBe(2);
    expect(links.some((l) => (l.properties.ipsecPolicies ?? []).length > 0)).toBe(true);
    expect(links.some((l) => (l.properties.ingressNatRules ?? []).length > 0)).toBe(true);
    expect(links.some((l) => (l.properties.egressNatRules ?? []).length > 0)).toBe(true);
    expect(links.some((l) => (l.properties.vpnGatewayCustomBgpAddresses ?? []).length > 0)).toBe(true);
  });

  it('Subscriptions_List (api-version 2022-12-01)', async () => {
    const pages = await allPages(emu, token, '/subscriptions', '2022-12-01');
    for (const page of pages) expect(subscriptionList(page.body), JSON.stringify(subscriptionList.errors)).toBe(true);
    expect(pages.flatMap((p) => (p.body as { value: unknown[] }).value)).toHaveLength(2);
  });

  it('VpnGateways_List, VpnGateways_ListByResourceGroup, VpnGateways_Get', async () => {
    const subs = await listAll<{ subscriptionId: string }>(emu, token, '/subscriptions', '2022-12-01');
    for (const { subscriptionId } of subs) {
      const pages = await allPages(emu, token, `/subscriptions/${subscriptionId}/providers/Microsoft.Network/vpnGateways`);
      for (const page of pages) expectValid(listGateways, page.body, 'VpnGateways_List page');
      const gateways = pages.flatMap((p) => (p.body as { value: { id: string }[] }).value);
      for (const gw of gateways) {
        const rg = gw.id.split('/')[4] ?? '';
        for (const page of await allPages(emu, token, `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/vpnGateways`)) {
          expectValid(listGateways, page.body, 'VpnGateways_ListByResourceGroup page');
        }
        const got = await arm(emu, token, gw.id);
        expect(got.status).toBe(200);
        expectValid(gatewaySchema, got.body, 'VpnGateways_Get');
        expect(got.body).toEqual(gw);
      }
    }
  });

  it('VpnConnections_ListByVpnGateway, VpnConnections_Get, VpnLinkConnections_ListByVpnConnection, VpnSiteLinkConnections_Get', async () => {
    const truth = emu.links();
    const connections = new Set(truth.map((l) => l.id.slice(0, l.id.lastIndexOf('/vpnLinkConnections/'))));
    const gateways = new Set([...connections].map((c) => c.slice(0, c.lastIndexOf('/vpnConnections/'))));
    for (const gw of gateways) {
      for (const page of await allPages(emu, token, `${gw}/vpnConnections`)) expectValid(listConnections, page.body, 'VpnConnections_ListByVpnGateway page');
    }
    const served = [];
    for (const conn of connections) {
      const got = await arm(emu, token, conn);
      expectValid(connectionSchema, got.body, 'VpnConnections_Get');
      for (const page of await allPages(emu, token, `${conn}/vpnLinkConnections`)) {
        expectValid(listLinks, page.body, 'VpnLinkConnections_ListByVpnConnection page');
        served.push(...(page.body as { value: { id: string }[] }).value);
      }
    }
    expect(served.map((l) => l.id).sort()).toEqual(truth.map((l) => l.id).sort());
    for (const link of truth.slice(0, 25)) {
      const got = await arm(emu, token, link.id);
      expectValid(linkSchema, got.body, 'VpnSiteLinkConnections_Get');
      const { subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json } = link;
      expect(got.body).toEqual(json);
    }
  });

  it('VpnLinkConnections_ResetConnection and VpnLinkConnections_GetIkeSas: 202 headers, final bodies', async () => {
    const link = emu.links()[0]!;
    for (const action of ['resetconnection', 'getikesas'] as const) {
      const accepted = await arm(emu, token, `${link.id}/${action}`, { method: 'POST' });
      expect(accepted.status).toBe(202);
      expect(accepted.text).toBe('');
      const location = accepted.headers.get('location') ?? '';
      expect(location).toMatch(new RegExp(`^${emu.url}/subscriptions/${link.subscriptionId}/providers/Microsoft\\.Network/locations/[a-z0-9]+/operationResults/[0-9a-f-]{36}\\?api-version=${API}$`));
      expect(accepted.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await arm(emu, token, location)).status).toBe(202);
      const final = await arm(emu, token, location);
      expect(final.status).toBe(200);
      if (action === 'getikesas') {
        expectValid(ikeSasResult, final.body, 'GetIkeSas final body');
        expect(JSON.parse(final.body as string)).toMatchObject({ Status: 'Successful' });
      } else {
        expect(final.text).toBe('');
      }
    }
  });

  it('error bodies: CloudError on reads, ErrorResponse on actions', async () => {
    const link = emu.links()[0]!;
    const gw = gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName);
    const reads = [
      await arm(emu, token, `${gw}/vpnConnections/nope`),
      await arm(emu, token, `${gw}-missing/vpnConnections`),
      await arm(emu, token, `${gw}/vpnConnections`, { apiVersion: '1999-01-01' }),
      await arm(emu, undefined, `${gw}/vpnConnections`),
      await arm(emu, token, `/subscriptions/00000000-0000-0000-0000-00000000dead/providers/Microsoft.Network/vpnGateways`),
    ];
    for (const r of reads) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expectValid(cloudError, r.body, `error ${r.status}`);
      expect((r.body as { error: { code: string; message: string } }).error.code).toBeTypeOf('string');
    }
    const action = await arm(emu, token, `${link.id.replace(/[^/]+$/, 'missing-link')}/resetconnection`, { method: 'POST' });
    expect(action.status).toBe(404);
    expectValid(actionError, action.body, 'action error');
  });
});

/** Loads one example file, starts an emulator on it. */
async function startOn(file: string): Promise<{ emu: Emulator; example: Record<string, any>; token: string }> {
  const example = JSON.parse(readFileSync(`${EXAMPLES_DIR}${file}`, 'utf8')) as Record<string, any>;
  const emu = await start({ fleetFile: `${EXAMPLES_DIR}${file}`, lro: { polls: 1, retryAfterSeconds: 0 } });
  return { emu, example, token: await getToken(emu) };
}

describe("Microsoft's example payloads load as fleets and are served back equal", () => {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));

  it('covers every example file', () => {
    expect(files.sort()).toEqual([
      'GetSubscriptions.json', 'VpnConnectionList.json', 'VpnGatewayGet.json', 'VpnGatewayList.json', 'VpnGatewayListByResourceGroup.json',
      'VpnSiteLinkConnectionGet.json', 'VpnSiteLinkConnectionGetIkeSas.json', 'VpnSiteLinkConnectionList.json', 'VpnSiteLinkConnectionReset.json',
    ]);
  });

  it.each(files)('%s', async (file) => {
    const { emu, example, token } = await startOn(file);
    try {
      const p = example.parameters as Record<string, string>;
      const body = example.responses['200']?.body;
      const gw = p.gatewayName ? gatewayPath(p.subscriptionId!, p.resourceGroupName!, p.gatewayName) : '';
      const api = p['api-version']!;
      switch (example.operationId as string) {
        case 'Subscriptions_List': {
          const pages = await allPages(emu, token, '/subscriptions', api);
          pages.forEach((page) => expect(subscriptionList(page.body)).toBe(true));
          expect(pages.flatMap((x) => (x.body as { value: unknown[] }).value)).toEqual(body.value);
          break;
        }
        case 'VpnGateways_List': {
          const pages = await allPages(emu, token, `/subscriptions/${p.subscriptionId}/providers/Microsoft.Network/vpnGateways`, api);
          pages.forEach((page) => expectValid(listGateways, page.body, file));
          expect(pages.flatMap((x) => (x.body as { value: unknown[] }).value)).toEqual(body.value);
          break;
        }
        case 'VpnGateways_ListByResourceGroup': {
          // The example lists gateway2 of rg2 under rg1: each gateway is served under the
          // resource group its id names, and the subscription-wide list returns both.
          const all = await listAll(emu, token, `/subscriptions/${p.subscriptionId}/providers/Microsoft.Network/vpnGateways`, api);
          expect(all).toEqual(body.value);
          const byRg = await allPages(emu, token, `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.Network/vpnGateways`, api);
          byRg.forEach((page) => expectValid(listGateways, page.body, file));
          expect(byRg.flatMap((x) => (x.body as { value: unknown[] }).value)).toEqual(body.value.filter((g: { id: string }) => g.id.includes(`/resourceGroups/${p.resourceGroupName}/`)));
          break;
        }
        case 'VpnGateways_Get': {
          const got = await arm(emu, token, gw, { apiVersion: api });
          expectValid(gatewaySchema, got.body, file);
          expect(got.body).toEqual(body);
          break;
        }
        case 'VpnConnections_ListByVpnGateway': {
          const pages = await allPages(emu, token, `${gw}/vpnConnections`, api);
          pages.forEach((page) => expectValid(listConnections, page.body, file));
          expect(pages.flatMap((x) => (x.body as { value: unknown[] }).value)).toEqual(body.value);
          const one = await arm(emu, token, body.value[0].id, { apiVersion: api });
          expect(one.body).toEqual(body.value[0]);
          break;
        }
        case 'VpnLinkConnections_ListByVpnConnection': {
          const pages = await allPages(emu, token, `${gw}/vpnConnections/${p.connectionName}/vpnLinkConnections`, api);
          pages.forEach((page) => expectValid(listLinks, page.body, file));
          expect(pages.flatMap((x) => (x.body as { value: unknown[] }).value)).toEqual(body.value);
          break;
        }
        case 'VpnSiteLinkConnections_Get': {
          const got = await arm(emu, token, `${gw}/vpnConnections/${p.connectionName}/vpnLinkConnections/${p.linkConnectionName}`, { apiVersion: api });
          expectValid(linkSchema, got.body, file);
          expect(got.body).toEqual(body);
          // The id the example gives (…/VpnSiteLinkConnections/…) is accepted as a path too.
          expect((await arm(emu, token, body.id, { apiVersion: api })).body).toEqual(body);
          break;
        }
        case 'VpnLinkConnections_GetIkeSas':
        case 'VpnLinkConnections_ResetConnection': {
          const action = example.operationId === 'VpnLinkConnections_GetIkeSas' ? 'getikesas' : 'resetconnection';
          const accepted = await arm(emu, token, `${gw}/vpnConnections/${p.connectionName}/vpnLinkConnections/${p.linkConnectionName}/${action}`, { method: 'POST', apiVersion: api });
          expect(accepted.status).toBe(202);
          const location = accepted.headers.get('location')!;
          expect(location.replace(/^https:\/\/127\.0\.0\.1:\d+/, '')).toMatch(/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/[^/]+\/operationResults\/[^/?]+\?api-version=/);
          let final = await arm(emu, token, location);
          while (final.status === 202) final = await arm(emu, token, location);
          expect(final.status).toBe(200);
          if (action === 'getikesas') {
            expectValid(ikeSasResult, final.body, file);
            expect(final.body).toEqual(body);
          }
          break;
        }
        default:
          throw new Error(`no check for ${example.operationId}`);
      }
    } finally {
      await emu.close();
    }
  });
});
