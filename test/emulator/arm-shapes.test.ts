/**
 * Shapes real ARM answers in that a client built against the happy path never sees: gateway
 * listings that show a connection without its `vpnLinkConnections` (Microsoft's VpnGatewayList
 * example), error bodies with `details`, and ARM's tracing headers on every answer.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorOptionsFromArgs, type EmulatorArgs } from '../../src/cli/commands/emulator.js';
import { UsageError } from '../../src/cli/errors.js';
import { numberIn } from '../../src/cli/validate.js';
import { DEFAULT_WITHOUT_EMBEDDED_LINKS, generateFleet, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { API, EXAMPLES_DIR, arm, expectValid, fakeClock, gatewayPath, getToken, listAll, schemaFor, tokenRequest, useEmulators } from './helpers.js';

const emulator = useEmulators();

interface ConnectionJson {
  id: string;
  properties: { vpnLinkConnections?: { id: string }[] };
}
interface GatewayJson {
  id: string;
  properties: { connections: ConnectionJson[] };
}

/** Every connection as the subscription's gateway listings embed it. */
async function listedConnections(emu: Emulator, token: string): Promise<ConnectionJson[]> {
  const subs = await listAll<{ subscriptionId: string }>(emu, token, '/subscriptions', '2022-12-01');
  const out: ConnectionJson[] = [];
  for (const { subscriptionId } of subs) {
    const gateways = await listAll<GatewayJson>(emu, token, `/subscriptions/${subscriptionId}/providers/Microsoft.Network/vpnGateways`);
    out.push(...gateways.flatMap((g) => g.properties.connections));
  }
  return out;
}

const hiddenIn = (connections: readonly ConnectionJson[]) => connections.filter((c) => !('vpnLinkConnections' in c.properties)).map((c) => c.id);

describe('gateway listings that show connections without their link connections', () => {
  it(`generated fleets have them: ${DEFAULT_WITHOUT_EMBEDDED_LINKS * 100}% of connections by default (at least one), seeded, and nothing else changes`, () => {
    const size = { subscriptions: 2, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 5, connectionsPerGateway: 10 };
    const hidden = (fleet: ReturnType<typeof generateFleet>) => fleet.connections().filter((c) => !c.linksInGatewayListing).map((c) => c.json.id);
    const fleet = generateFleet(3, size);
    expect(hidden(fleet)).toHaveLength(10);
    expect(hidden(generateFleet(3, size))).toEqual(hidden(fleet));
    expect(hidden(generateFleet(4, size))).not.toEqual(hidden(fleet));
    expect(hidden(generateFleet(3, size, { withoutEmbeddedLinks: 0.25 }))).toHaveLength(50);
    expect(hidden(generateFleet(3, size, { withoutEmbeddedLinks: 0 }))).toEqual([]);
    expect(hidden(generateFleet(3, size, { withoutEmbeddedLinks: 1 }))).toHaveLength(200);
    expect(hidden(generateFleet(1))).toHaveLength(2);
    expect(hidden(generateFleet(1, { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 2 }))).toHaveLength(1);
    // Drawn from their own stream: every id and value is what the same seed gave without them.
    const plain = generateFleet(3, size, { withoutEmbeddedLinks: 0 });
    expect(fleet.links().map((l) => l.json)).toEqual(plain.links().map((l) => l.json));
    expect(() => generateFleet(3, size, { withoutEmbeddedLinks: 1.5 })).toThrow(RangeError);
  });

  it('VpnGateways_List/_ListByResourceGroup/_Get omit them; VpnConnections_Get/_ListByVpnGateway embed them; ListByVpnConnection lists them', async () => {
    const emu = await emulator({ seed: 31, withoutEmbeddedLinks: 0.2, size: { connectionsPerGateway: 4 } });
    const token = await getToken(emu);
    const listed = await listedConnections(emu, token);
    const hidden = hiddenIn(listed);
    expect(hidden).toHaveLength(Math.round(0.2 * 32));
    const truth = emu.links();
    for (const id of hidden) {
      const links = truth.filter((l) => l.id.startsWith(`${id}/`)).map(({ subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json }) => json);
      expect(links.length).toBeGreaterThan(0);
      expect(await listAll(emu, token, `${id}/vpnLinkConnections`)).toEqual(links);
      const own = (await arm(emu, token, id)).body as ConnectionJson;
      expect(own.properties.vpnLinkConnections).toEqual(links);
      const gw = id.slice(0, id.lastIndexOf('/vpnConnections/'));
      const siblings = await listAll<ConnectionJson>(emu, token, `${gw}/vpnConnections`);
      expect(siblings.find((c) => c.id === id)).toEqual(own);
      const { vpnLinkConnections: _embedded, ...withoutLinks } = own.properties;
      const inGateway = ((await arm(emu, token, gw)).body as GatewayJson).properties.connections.find((c) => c.id === id);
      expect(inGateway).toEqual({ ...own, properties: withoutLinks });
      const rg = gw.split('/')[4]!;
      const byRg = await listAll<GatewayJson>(emu, token, `${gw.slice(0, gw.indexOf('/resourceGroups/'))}/resourceGroups/${rg}/providers/Microsoft.Network/vpnGateways`);
      expect(byRg.flatMap((g) => g.properties.connections).find((c) => c.id === id)).toEqual(inGateway);
    }
    // The others embed exactly their links.
    for (const c of listed.filter((x) => !hidden.includes(x.id))) expect(c.properties.vpnLinkConnections).toEqual(await listAll(emu, token, `${c.id}/vpnLinkConnections`));
  });

  it('the fleet file keeps the shape: a copy lists the same connections without their links, and holds those links', async () => {
    const source = await emulator({ seed: 32, withoutEmbeddedLinks: 0.2 });
    source.tick(2);
    const exported = (await (await fetch(`${source.url}/_emulator/fleet`)).json()) as { links?: { id: string }[] };
    expect(exported.links?.length).toBeGreaterThan(0);
    const file = join(mkdtempSync(join(tmpdir(), 'vpnsync-shapes-')), 'fleet.json');
    writeFileSync(file, JSON.stringify(exported));
    const copy = await emulator({ fleetFile: file });
    expect(copy.links()).toEqual(source.links());
    const [a, b] = await Promise.all([getToken(source), getToken(copy)]);
    expect(hiddenIn(await listedConnections(copy, b))).toEqual(hiddenIn(await listedConnections(source, a)));
    expect(copy.fleetJson()).toEqual(source.fleetJson());
  });

  it("Microsoft's VpnGatewayList example keeps gateway2/vpnConnection2 without vpnLinkConnections, everywhere", async () => {
    const emu = await emulator({ fleetFile: `${EXAMPLES_DIR}VpnGatewayList.json` });
    const token = await getToken(emu);
    const id = `${gatewayPath('00000000-0000-0000-0000-000000000000', 'rg2', 'gateway2')}/vpnConnections/vpnConnection2`;
    expect(hiddenIn(await listedConnections(emu, token))).toEqual([id]);
    expect(await listAll(emu, token, `${id}/vpnLinkConnections`)).toEqual([]);
    expect((await arm(emu, token, id)).body).not.toHaveProperty('properties.vpnLinkConnections');
  });

  it('the share is checked, and not accepted for a loaded fleet (startEmulator and vpnsync emulator --without-embedded-links)', async () => {
    await expect(startEmulator({ withoutEmbeddedLinks: -0.1 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ withoutEmbeddedLinks: 0.1, fleetFile: `${EXAMPLES_DIR}VpnGatewayList.json` })).rejects.toThrow(/keeps the shape of its file/);
    expect(emulatorOptionsFromArgs({ withoutEmbeddedLinks: 0 } as EmulatorArgs)).toEqual({ withoutEmbeddedLinks: 0, mutationLogLimit: 100_000 });
    expect(() => emulatorOptionsFromArgs({ withoutEmbeddedLinks: 0.1, fleetFile: 'f.json' } as EmulatorArgs)).toThrow(
      new UsageError('Expected either --fleet-file or --without-embedded-links (a loaded fleet keeps the shape of its file), got both'),
    );
    expect(() => numberIn('--without-embedded-links', 0, 1)('2')).toThrow("Expected --without-embedded-links to be a number from 0 to 1, got '2'");
  });
});

describe('error bodies', () => {
  const cloudError = schemaFor('definitions_common.json', 'CloudError');
  const actionError = schemaFor('definitions_networkWatcher.json', 'ErrorResponse');

  it("errors the resource provider writes carry details (InternalServerError, AnotherOperationInProgress); ARM's own carry code and message only", async () => {
    const emu = await emulator({ seed: 33, lro: { polls: 5, retryAfterSeconds: 0, conflictOnConcurrent: true }, faults: [{ kind: '5xx', match: 'VpnSiteLinkConnections_Get', count: 1 }] });
    const token = await getToken(emu);
    const link = emu.links()[0]!;

    const internal = await arm(emu, token, link.id);
    expect(internal.status).toBe(500);
    expect(internal.body).toEqual({ error: { code: 'InternalServerError', message: expect.any(String), details: [] } });
    expectValid(cloudError, internal.body, 'InternalServerError');

    expect((await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' })).status).toBe(202);
    const busy = await arm(emu, token, `${link.id}/resetconnection`, { method: 'POST' });
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: { code: 'AnotherOperationInProgress', message: expect.any(String), details: [] } });
    expectValid(actionError, busy.body, 'AnotherOperationInProgress');

    const gw = gatewayPath(link.subscriptionId, link.resourceGroupName, link.gatewayName);
    const armOwn = [
      await arm(emu, token, `${gw}-missing`),
      await arm(emu, token, link.id, { apiVersion: '1999-01-01' }),
      await arm(emu, token, link.id, { apiVersion: null }),
      await arm(emu, undefined, link.id),
      await arm(emu, token, `/subscriptions/${link.subscriptionId}/resourceGroups/nope/providers/Microsoft.Network/vpnGateways`),
    ];
    for (const r of armOwn) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys((r.body as { error: object }).error).sort(), JSON.stringify(r.body)).toEqual(['code', 'message']);
      expectValid(cloudError, r.body, `error ${r.status}`);
    }
  });
});

describe('tracing headers', () => {
  const ROUTING = /^([A-Z0-9]+):(\d{8}T\d{6}Z):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

  it('every answer has x-ms-request-id, x-ms-correlation-request-id and x-ms-routing-request-id (REGION:TIMESTAMP:correlation id)', async () => {
    const clock = fakeClock(Date.parse('2026-03-04T05:06:07.891Z'));
    const emu = await emulator({ seed: 34, now: clock.now, faults: [{ kind: '429', match: 'VpnConnections_Get', count: 1 }] });
    const token = await getToken(emu);
    const link = emu.links()[0]!;
    const answers = [
      await arm(emu, token, link.id),
      await arm(emu, token, link.id.slice(0, link.id.lastIndexOf('/vpnLinkConnections/'))),
      await arm(emu, token, `${link.id}-missing`),
      await arm(emu, undefined, link.id),
      await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' }),
      await arm(emu, token, `${link.id}/getikesas`, { method: 'POST' }),
    ];
    const token2 = await tokenRequest(emu);
    const all = [...answers.map((a) => a.headers), token2.headers];
    expect(answers.map((a) => a.status)).toEqual([200, 429, 404, 401, 200, 202]);
    const seen = new Set<string>();
    for (const h of all) {
      const requestId = h.get('x-ms-request-id') ?? '';
      const correlationId = h.get('x-ms-correlation-request-id') ?? '';
      const routing = ROUTING.exec(h.get('x-ms-routing-request-id') ?? '');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(routing, h.get('x-ms-routing-request-id') ?? 'none').not.toBeNull();
      expect(routing![2]).toBe('20260304T050607Z');
      // ARM generates the correlation id when the caller sends none: its own, not the request id.
      expect(routing![3]).toBe(correlationId);
      expect(correlationId).not.toBe(requestId);
      seen.add(correlationId);
    }
    expect(seen.size).toBe(all.length);

    const echoed = await fetch(`${emu.url}${link.id}?api-version=${API}`, { headers: { authorization: `Bearer ${token}`, 'x-ms-correlation-request-id': '0f8fad5b-d9cb-469f-a165-70867728950e' } });
    expect(echoed.headers.get('x-ms-correlation-request-id')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(echoed.headers.get('x-ms-routing-request-id')).toMatch(/^[A-Z0-9]+:20260304T050607Z:0f8fad5b-d9cb-469f-a165-70867728950e$/);
  });
});
