/**
 * A client no one here wrote: Microsoft's generated `@azure/arm-network` (its own paging, its
 * own core-lro 2 poller, its own error deserialisation) drives the emulator. Lists must come back
 * equal to the emulator's truth across empty-but-continued pages; the two link actions must run
 * to completion in every polling shape Network RP uses, and a failed action must reach the
 * caller with ARM's error code.
 */
import { NetworkManagementClient, type VpnSiteLinkConnection } from '@azure/arm-network';
import { isRestError } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, RequestLogEntry } from '../../src/emulator/index.js';
import { start } from './helpers.js';

/** The api-version @azure/arm-network 36.0.0 sends for Microsoft.Network (its `Parameters.apiVersion`). */
const CLIENT_API_VERSION = '2025-05-01';

/** The polling shapes of `EmulatorOptions.lro.polling` (Network RP's own answer is `both`). */
type PollingMode = 'location' | 'azure-async-operation' | 'both';

interface GatewayTruth {
  id: string;
  name: string;
  etag?: string;
  location?: string;
  properties: { connections?: { id: string; name: string; etag?: string; properties: { vpnLinkConnections?: { id: string }[] } }[] };
}

/** A client for one subscription, authenticated by the emulator's token service through @azure/identity. */
function clientFor(emu: Emulator, subscriptionId: string): NetworkManagementClient {
  const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  // arm-network 36 (an autorest "HLC" client) builds request URLs from `endpoint`; `$host` is a
  // leftover constant that no operation reads. Its token scope defaults to `${endpoint}/.default`:
  // ask for ARM's own scope instead, as a client pointed at a sovereign cloud would.
  return new NetworkManagementClient(credential, subscriptionId, {
    endpoint: emu.url,
    credentialScopes: ['https://management.azure.com/.default'],
  });
}

/** A resource as the generated models show it: `properties` flattened into the top level. */
function flattened(json: { properties?: Record<string, unknown> } & Record<string, unknown>): Record<string, unknown> {
  const { properties, ...top } = json;
  return { ...top, ...properties };
}

/** The resource group segment of an ARM id. */
function resourceGroupOf(id: string): string {
  const match = /\/resourceGroups\/([^/]+)\//i.exec(id);
  if (!match?.[1]) throw new Error(`no resource group in ${id}`);
  return match[1];
}

/** Every page of a generated client's list, as the client pages it. */
async function pagesOf<T>(iterator: { byPage(): AsyncIterableIterator<T[]> }): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of iterator.byPage()) pages.push(page);
  return pages;
}

describe('@azure/arm-network lists what the emulator holds, across empty-but-continued pages', () => {
  let emu: Emulator;
  const log: RequestLogEntry[] = [];
  beforeAll(async () => {
    emu = await start({
      seed: 91,
      size: { subscriptions: 2, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2, connectionsPerGateway: 3 },
      pageSize: 2,
      emptyPageEvery: 3,
      onRequest: (entry) => log.push(entry),
    });
  });
  afterAll(() => emu.close());

  it('vpnGateways.list, vpnConnections.listByVpnGateway and vpnLinkConnections.listByVpnConnection equal the truth, page by page', async () => {
    const fleet = emu.fleetJson() as { subscriptions: { subscriptionId: string }[]; gateways: GatewayTruth[] };
    const truthLinks = emu.links();
    const seenLinks: VpnSiteLinkConnection[] = [];
    const pageCounts: number[] = [];
    let emptyPagesWithMore = 0;
    const countPages = <T>(pages: T[][]): T[] => {
      pageCounts.push(pages.length);
      emptyPagesWithMore += pages.slice(0, -1).filter((p) => p.length === 0).length;
      return pages.flat();
    };
    expect(fleet.subscriptions.length).toBe(2);
    for (const { subscriptionId } of fleet.subscriptions) {
      const client = clientFor(emu, subscriptionId);
      const truthGateways = fleet.gateways.filter((g) => g.id.toLowerCase().startsWith(`/subscriptions/${subscriptionId}/`));
      expect(truthGateways.length).toBe(4);
      const gateways = countPages(await pagesOf(client.vpnGateways.list()));
      expect(gateways.map((g) => [g.id, g.name, g.etag, g.location])).toEqual(truthGateways.map((g) => [g.id, g.name, g.etag, g.location]));
      // The embedded connections come through the client's mappers too.
      expect(gateways.map((g) => (g.connections ?? []).map((c) => c.id))).toEqual(truthGateways.map((g) => (g.properties.connections ?? []).map((c) => c.id)));

      for (const gateway of truthGateways) {
        const rg = resourceGroupOf(gateway.id);
        const truthConnections = gateway.properties.connections ?? [];
        const connections = countPages(await pagesOf(client.vpnConnections.listByVpnGateway(rg, gateway.name)));
        expect(connections.map((c) => [c.id, c.name, c.etag])).toEqual(truthConnections.map((c) => [c.id, c.name, c.etag]));

        for (const connection of truthConnections) {
          const links = countPages(await pagesOf(client.vpnLinkConnections.listByVpnConnection(rg, gateway.name, connection.name)));
          seenLinks.push(...links);
          // The plain iterator (what most callers use) yields the same items.
          const iterated: VpnSiteLinkConnection[] = [];
          for await (const link of client.vpnLinkConnections.listByVpnConnection(rg, gateway.name, connection.name)) iterated.push(link);
          expect(iterated).toEqual(links);
        }
      }
    }
    // Every field the emulator serves reaches the caller, deserialised by Microsoft's mappers
    // into the same values (properties flattened, nothing dropped, nothing renamed).
    expect(seenLinks.map((l) => ({ ...l }))).toEqual(truthLinks.map(({ subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json }) => flattened(json)));
    // Paging really happened: lists of several pages, empty pages that carried a nextLink.
    expect(Math.max(...pageCounts)).toBeGreaterThanOrEqual(4);
    expect(emptyPagesWithMore).toBeGreaterThan(0);
    // Each page is one request (no retries, no re-reads), all with the client's api-version.
    const armRequests = log.filter((e) => e.url.toLowerCase().includes('/providers/microsoft.network/'));
    expect(armRequests.every((e) => e.status === 200)).toBe(true);
    expect(armRequests.every((e) => new URL(e.url, emu.url).searchParams.get('api-version') === CLIENT_API_VERSION)).toBe(true);
    expect(armRequests.filter((e) => e.url.includes('$skipToken=')).length).toBeGreaterThan(0);
  });
});

/** The requests one action made: its POST and everything polled after it. */
interface ActionTrace {
  posts: RequestLogEntry[];
  statusPolls: RequestLogEntry[];
  resultPolls: RequestLogEntry[];
}

function traceOf(entries: readonly RequestLogEntry[]): ActionTrace {
  const path = (e: RequestLogEntry) => new URL(e.url, 'https://x').pathname.toLowerCase();
  return {
    posts: entries.filter((e) => e.method === 'POST' && /\/(resetconnection|getikesas)$/.test(path(e))),
    statusPolls: entries.filter((e) => e.method === 'GET' && /\/providers\/microsoft\.network\/locations\/[^/]+\/operations\/[^/]+$/.test(path(e))),
    resultPolls: entries.filter((e) => e.method === 'GET' && /\/providers\/microsoft\.network\/locations\/[^/]+\/operationresults\/[^/]+$/.test(path(e))),
  };
}

describe.each<PollingMode>(['location', 'azure-async-operation', 'both'])('@azure/arm-network runs the link actions with lro.polling = %s', (polling) => {
  let emu: Emulator;
  const log: RequestLogEntry[] = [];
  /** Two "running" polls before the end, polled at once (core-lro 2 ignores a 0 Retry-After and falls back to updateIntervalInMs). */
  const lro = { polling, polls: 2, retryAfterSeconds: 0 };
  const fast = { updateIntervalInMs: 0 };
  beforeAll(async () => {
    // `lro` is passed as a variable, not a literal: it compiles before and after `polling`
    // joins EmulatorOptions['lro'].
    emu = await start({ seed: 92, lro, onRequest: (entry) => log.push(entry) });
  });
  afterAll(() => emu.close());

  /** A Connected link (so that GetIkeSas has SAs to report), its coordinates and a client for its subscription. */
  function connectedLink(index: number) {
    const link = emu.links().filter((l) => l.properties.connectionStatus === 'Connected')[index];
    if (!link) throw new Error(`no Connected link #${index}`);
    const args = [link.resourceGroupName, link.gatewayName, link.connectionName, link.name] as const;
    return { link, args, client: clientFor(emu, link.subscriptionId) };
  }

  function statusOf(id: string): string | undefined {
    return emu.links().find((l) => l.id === id)?.properties.connectionStatus;
  }

  /** Runs `action`, returning its outcome and the requests it made. */
  async function traced<T>(action: () => Promise<T>): Promise<{ outcome: { ok: true; value: T } | { ok: false; error: unknown }; trace: ActionTrace }> {
    const from = log.length;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await action() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return { outcome, trace: traceOf(log.slice(from)) };
  }

  /** What the client polled, for the shape under test: the status monitor and/or the Location URL. */
  function expectPolledAsNetworkRpAnswers(trace: ActionTrace, finalStatus: number): void {
    expect(trace.posts.map((p) => p.status)).toEqual([202]);
    if (polling === 'location') {
      // Location only: 202, 202, then the result on the same URL.
      expect(trace.statusPolls).toEqual([]);
      expect(trace.resultPolls.map((p) => p.status)).toEqual([202, 202, finalStatus]);
    } else {
      // Azure-AsyncOperation present: the client follows it (core-lro prefers it to Location).
      expect(trace.statusPolls.length).toBeGreaterThanOrEqual(2);
      expect(trace.statusPolls.every((p) => p.status === 200)).toBe(true);
    }
  }

  it('beginGetIkeSasAndWait ends with the IKE SA report (a string, as in Microsoft\'s example)', async () => {
    const { link, args, client } = connectedLink(0);
    const { outcome, trace } = await traced(() => client.vpnLinkConnections.beginGetIkeSasAndWait(...args, fast));
    if (!outcome.ok) throw outcome.error;
    expectPolledAsNetworkRpAnswers(trace, 200);
    expect(emu.stats().postsByLink[link.id.toLowerCase()]).toEqual({ resetconnection: 0, getikesas: 1 });
    if (polling === 'azure-async-operation') {
      // final-state-via: location, but no Location header: core-lro 2 has nowhere to fetch the
      // result from and hands back the last status-monitor body (not wrapped in `{ body }`, as
      // it is an object) instead of the report.
      expect(trace.resultPolls).toEqual([]);
      expect(outcome.value as unknown).toMatchObject({ status: 'Succeeded' });
      return;
    }
    if (polling === 'both') expect(trace.resultPolls.map((p) => p.status)).toEqual([200]);
    // The generated type says `{ body: string }`: the body's JSON string, unwrapped once.
    expect(Object.keys(outcome.value)).toEqual(['body']);
    expect(typeof outcome.value.body).toBe('string');
    const report = JSON.parse(outcome.value.body) as { Status: string; Data: { quickModeSa: unknown[] }[] };
    expect(report.Status).toBe('Successful');
    expect(report.Data).toHaveLength(2);
  });

  it('beginResetConnection: the link is Connecting after the 202, Connected when the poller is done, after exactly one POST', async () => {
    const { link, args, client } = connectedLink(1);
    const { outcome, trace } = await traced(async () => {
      // beginResetConnection sends the POST and polls once: with two "running" polls to go, the
      // reset is under way and the poller not done.
      const poller = await client.vpnLinkConnections.beginResetConnection(...args, fast);
      expect(poller.isDone()).toBe(false);
      expect(statusOf(link.id)).toBe('Connecting');
      const result: unknown = await poller.pollUntilDone();
      expect(poller.getOperationState().status).toBe('succeeded');
      return result;
    });
    if (!outcome.ok) throw outcome.error;
    expectPolledAsNetworkRpAnswers(trace, 200);
    expect(statusOf(link.id)).toBe('Connected');
    expect(emu.stats().postsByLink[link.id.toLowerCase()]).toEqual({ resetconnection: 1, getikesas: 0 });
    if (polling === 'azure-async-operation') {
      // No Location: the result is the last status-monitor body, wrapped as `{ body }` (typed `void`).
      expect(trace.resultPolls).toEqual([]);
      expect(outcome.value).toMatchObject({ body: { status: 'Succeeded' } });
      return;
    }
    if (polling === 'both') expect(trace.resultPolls.map((p) => p.status)).toEqual([200]);
    // Typed Promise<void>, but the generated client resolves with its flattened final response,
    // `{ body: undefined }`: the Location URL's 200 has no content, as the spec's 200 declares none.
    expect(outcome.value).toStrictEqual({ body: undefined });
  });

  it.each(['beginResetConnectionAndWait', 'beginGetIkeSasAndWait'] as const)('a failed operation: %s throws with ARM\'s error code', async (method) => {
    const code = 'VpnLinkActionFailedForTest';
    const message = 'The gateway could not complete the action on the link connection.';
    emu.setFaults([{ kind: 'lro-failure', match: '*', code, message, status: 400 }]);
    try {
      const { link, args, client } = connectedLink(2);
      const links = client.vpnLinkConnections;
      const { outcome, trace } = await traced<unknown>(() =>
        method === 'beginResetConnectionAndWait' ? links.beginResetConnectionAndWait(...args, fast) : links.beginGetIkeSasAndWait(...args, fast),
      );
      expect(outcome.ok).toBe(false);
      const error = (outcome as { error: unknown }).error;
      if (polling === 'location') {
        // The Location URL answers the failure itself: core-client turns it into a RestError
        // carrying ARM's code, message, status and request id.
        expect(isRestError(error)).toBe(true);
        expect(error).toMatchObject({ code, message, statusCode: 400 });
        expect((error as { response?: { headers: { get(name: string): string | undefined } } }).response?.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expectPolledAsNetworkRpAnswers(trace, 400);
      } else {
        // The status monitor says Failed with `error`: core-lro 2 throws a plain Error whose
        // message carries ARM's code and message (it has no `code` property of its own).
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toBe(`The long-running operation has failed. ${code}. ${message}`);
        expectPolledAsNetworkRpAnswers(trace, 400);
        // A failed status needs no result: the Location URL is never fetched.
        expect(trace.resultPolls).toEqual([]);
      }
      if (method === 'beginResetConnectionAndWait') expect(statusOf(link.id)).toBe('NotConnected');
    } finally {
      emu.setFaults([]);
    }
  });
});
