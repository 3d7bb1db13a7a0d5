/** Fleet generation, loading and mutation: sizes, determinism, and a mutation log that replays exactly. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { generateFleet, loadFleet, startEmulator, type LinkConnectionJson, type LinkConnectionTruth, type Mutation } from '../../src/emulator/index.js';
import { API, EXAMPLES_DIR, arm, getToken, listAll, useEmulators } from './helpers.js';

const emulator = useEmulators();

type Link = LinkConnectionJson;
const strip = ({ subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json }: LinkConnectionTruth): Link => json as Link;

/** Applies a mutation log to a snapshot of links: what a perfect sync would end up with. */
function replay(initial: Link[], mutations: readonly Mutation[]): Map<string, Link> {
  const state = new Map(initial.map((l) => [l.id, structuredClone(l)]));
  for (const m of mutations) {
    if (m.kind === 'connection-added' || m.kind === 'connection-removed') continue; // their links have their own entries
    if (m.kind === 'link-added') state.set(m.linkId!, structuredClone(m.new as Link));
    else if (m.kind === 'link-removed') state.delete(m.linkId!);
    else {
      const link = state.get(m.linkId!)!;
      if (m.field === 'etag') link.etag = m.new as string;
      else link.properties[m.field!] = structuredClone(m.new);
    }
  }
  return state;
}

describe('generated fleet', () => {
  it('has the requested sizes and the default demo size', () => {
    const fleet = generateFleet(1, { subscriptions: 3, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2, connectionsPerGateway: 4, linksPerConnection: 3 });
    expect(fleet.subscriptions.size).toBe(3);
    expect(fleet.gateways()).toHaveLength(12);
    expect(fleet.connections()).toHaveLength(48);
    expect(fleet.links()).toHaveLength(144);
    const demo = generateFleet(1);
    expect(demo.subscriptions.size).toBe(2);
    expect(demo.connections()).toHaveLength(40);
    expect(demo.links().length).toBeGreaterThanOrEqual(85);
    expect(demo.links().length).toBeLessThanOrEqual(115);
    for (const c of demo.connections()) expect([2, 3]).toContain(c.links.size);
  });

  it('is deterministic: the same seed gives the same fleet, another seed another', async () => {
    const a = await emulator({ seed: 7 });
    const b = await emulator({ seed: 7 });
    const c = await emulator({ seed: 8 });
    expect(b.links()).toEqual(a.links());
    expect(c.links()).not.toEqual(a.links());
    expect(b.fleetJson()).toEqual(a.fleetJson());
  });

  it('serves ~30,000 links across 10,000 connections', async () => {
    const big = await emulator({ seed: 5, size: { subscriptions: 2, resourceGroupsPerSubscription: 5, gatewaysPerResourceGroup: 2, connectionsPerGateway: 500, linksPerConnection: 3 }, throttle: false, pageSize: 50 });
    const links = big.links();
    expect(links).toHaveLength(30_000);
    expect(new Set(links.map((l) => l.id.toLowerCase())).size).toBe(30_000);
    const token = await getToken(big);
    const last = links.at(-1)!;
    const connections = await listAll(big, token, last.id.slice(0, last.id.lastIndexOf('/vpnConnections/') + '/vpnConnections'.length));
    expect(connections).toHaveLength(500);
    expect(await listAll(big, token, last.id.slice(0, last.id.lastIndexOf('/')))).toHaveLength(3);
  });
});

describe('mutations', () => {
  it('same seed → same mutations; the log replays onto the start state to give exactly the current truth', async () => {
    const rates = { statusFlap: 0.05, configEdit: 0.05, counterReset: 0.02, linkRemove: 0.02, linkAdd: 0.05, connectionRemove: 0.03, connectionAdd: 0.1 };
    const a = await emulator({ seed: 17, mutationRates: rates });
    const b = await emulator({ seed: 17, mutationRates: rates });
    const initial = a.links().map(strip);
    const mutations = a.tick(25);
    expect(b.tick(25)).toEqual(mutations);
    expect(b.links()).toEqual(a.links());
    expect(a.mutations()).toEqual(mutations);
    const kinds = new Set(mutations.map((m) => m.kind));
    for (const kind of ['status', 'config', 'link-added', 'link-removed', 'connection-added', 'connection-removed', 'counters', 'counter-reset']) expect(kinds, kind).toContain(kind);
    const expected = replay(initial, mutations);
    const actual = new Map(a.links().map((l) => [l.id, strip(l)]));
    expect(actual).toEqual(expected);
    // Connections keep 1–4 links.
    const perConnection = new Map<string, number>();
    for (const l of a.links()) perConnection.set(l.connectionName, (perConnection.get(l.connectionName) ?? 0) + 1);
    for (const n of perConnection.values()) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of perConnection.values()) expect(n).toBeLessThanOrEqual(4);
  });

  it('changes the etag exactly when a link changes other than its byte counters', async () => {
    const e = await emulator({ seed: 18, mutationRates: { statusFlap: 0.1, configEdit: 0.1, linkAdd: 0, linkRemove: 0, connectionAdd: 0, connectionRemove: 0 } });
    const before = new Map(e.links().map((l) => [l.id, l]));
    const mutations = e.tick(3);
    const changed = new Set(mutations.filter((m) => m.kind === 'status' || m.kind === 'config').map((m) => m.linkId));
    expect(changed.size).toBeGreaterThan(3);
    for (const link of e.links()) {
      const old = before.get(link.id)!;
      if (changed.has(link.id)) expect(link.etag).not.toBe(old.etag);
      else expect(link.etag).toBe(old.etag);
    }
    // One etag entry per changed link per step.
    const etags = mutations.filter((m) => m.field === 'etag');
    const perStep = new Set(mutations.filter((m) => m.kind === 'status' || m.kind === 'config').map((m) => `${m.step} ${m.linkId}`));
    expect(etags).toHaveLength(perStep.size);
  });

  it('grows byte counters of connected links on every step and sometimes resets them', async () => {
    const e = await emulator({ seed: 19, mutationRates: { statusFlap: 0, counterReset: 0.1 } });
    const connected = e.links().filter((l) => l.properties.connectionStatus === 'Connected');
    const before = new Map(connected.map((l) => [l.id, l.properties.ingressBytesTransferred!]));
    const mutations = e.tick(1);
    const resets = new Set(mutations.filter((m) => m.kind === 'counter-reset').map((m) => m.linkId));
    expect(resets.size).toBeGreaterThan(0);
    for (const link of e.links().filter((l) => before.has(l.id))) {
      if (resets.has(link.id)) expect(link.properties.ingressBytesTransferred).toBe(0);
      else expect(link.properties.ingressBytesTransferred).toBeGreaterThan(before.get(link.id)!);
    }
    const notConnected = e.links().filter((l) => l.properties.connectionStatus !== 'Connected').map((l) => l.id);
    expect(mutations.some((m) => m.kind === 'counters' && notConnected.includes(m.linkId!))).toBe(false);
  });

  it('what ARM serves follows the truth after ticks (also via /_emulator/tick)', async () => {
    const e = await emulator({ seed: 20, pageSize: 3 });
    const token = await getToken(e);
    const res = await fetch(`${e.url}/_emulator/tick?steps=4`, { method: 'POST' });
    const viaHttp = (await res.json()) as Mutation[];
    expect(viaHttp.length).toBeGreaterThan(0);
    expect(e.mutations()).toEqual(viaHttp);
    for (const link of e.links().slice(0, 10)) expect((await arm(e, token, link.id)).body).toEqual(strip(link));
    const sinceStep = (await (await fetch(`${e.url}/_emulator/mutations?sinceStep=4`)).json()) as Mutation[];
    expect(sinceStep.every((m) => m.step >= 4)).toBe(true);
  });

  it('mutateEveryMs ticks on a timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const e = await emulator({ protocol: 'http', seed: 21, mutateEveryMs: 1000 });
      expect(e.mutations()).toHaveLength(0);
      vi.advanceTimersByTime(3000);
      expect(new Set(e.mutations().map((m) => m.step))).toEqual(new Set([1, 2, 3]));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('fleet files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpnsync-fleet-'));

  it('round-trips the fleet-file format (GET /_emulator/fleet) with every field', async () => {
    const source = await emulator({ seed: 30, returnSharedKeys: true });
    source.tick(3);
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify(await (await fetch(`${source.url}/_emulator/fleet`)).json()));
    const copy = await emulator({ fleetFile: file, returnSharedKeys: true });
    expect(copy.links()).toEqual(source.links());
  });

  it('loads bare lists and single resources, inventing the parents they imply', () => {
    const link = JSON.parse(JSON.stringify((generateFleet(3).links()[0]!).json)) as { id: string; properties: Record<string, unknown> };
    for (const shape of [{ value: [link] }, [link], link]) {
      const fleet = loadFleet(shape);
      expect(fleet.links().map((l) => l.json)).toEqual([link]);
      expect(fleet.connections()).toHaveLength(1);
      expect(fleet.subscriptions.size).toBe(1);
    }
  });

  it('moves a sharedKey out of loaded JSON and serves it only when asked', async () => {
    const file = `${EXAMPLES_DIR}VpnSiteLinkConnectionGet.json`;
    const plain = await emulator({ fleetFile: file });
    expect(plain.links()[0]!.properties).not.toHaveProperty('sharedKey');
    const token = await getToken(plain);
    expect((await arm(plain, token, plain.links()[0]!.id, { apiVersion: API })).status).toBe(200);
  });

  it('rejects files it cannot read with a message naming the file', async () => {
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ nope');
    await expect(startEmulator({ fleetFile: notJson })).rejects.toThrow(`Fleet file '${notJson}' is not valid JSON`);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ value: [{ id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm' }] }));
    await expect(startEmulator({ fleetFile: wrong })).rejects.toThrow(/is not a subscription, VPN gateway, VPN connection or link connection/);
    await expect(startEmulator({ fleetFile: join(dir, 'missing.json') })).rejects.toThrow(/Cannot read fleet file/);
    await expect(startEmulator({ pageSize: 0 })).rejects.toThrow(RangeError);
  });
});
