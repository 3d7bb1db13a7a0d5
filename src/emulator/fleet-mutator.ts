/**
 * Time steps for the fleet: each step changes a realistic fraction of it (status flaps, config
 * edits, links and connections coming and going, counters growing and sometimes resetting) and
 * returns one Mutation per field changed, so a test can compute exactly what a sync should see.
 * Step n of seed s always makes the same changes to the same fleet.
 */
import { serializeConnection, serializeLink, type SerializeOptions } from './arm-serializer.js';
import { addGeneratedConnection, addGeneratedLink, LINK_VALUE_CHOICES, MAX_LINKS_PER_CONNECTION, newEtag } from './fleet-generator.js';
import type { ConnectionNode, Fleet, LinkNode } from './fleet-model.js';
import { createRng, deriveSeed, type Rng } from './prng.js';

/** What kind of change a Mutation records. */
export type MutationKind =
  | 'status'
  | 'config'
  | 'link-added'
  | 'link-removed'
  | 'connection-added'
  | 'connection-removed'
  | 'counters'
  | 'counter-reset'
  | 'reset-action';

/**
 * One recorded change. Field changes carry `field` (a name under `properties`, or `etag`),
 * `old` and `new`; additions carry the new resource's JSON in `new`, removals the last JSON in
 * `old`. Adding or removing a connection also records link-added / link-removed for each link.
 */
export interface Mutation {
  /** The tick step it happened in (actions between ticks carry the number of the last step). */
  step: number;
  kind: MutationKind;
  linkId?: string;
  connectionId?: string;
  field?: string;
  old?: unknown;
  new?: unknown;
}

/** Per-step probabilities. */
export interface MutationRates {
  /** Per link: connectionStatus changes. */
  statusFlap: number;
  /** Per link: one config field changes (bandwidth, routingWeight, ipsecPolicies, NAT rules, DPD timeout, rate limiting). */
  configEdit: number;
  /** Per connected link: byte counters reset to 0 (tunnel re-established on a new gateway instance). */
  counterReset: number;
  /** Per link: the link is removed (never the last link of a connection). */
  linkRemove: number;
  /** Per connection with fewer than 4 links: a link is added. */
  linkAdd: number;
  /** Per connection: the connection is removed (never the last of a gateway). */
  connectionRemove: number;
  /** Per gateway: a connection (with 1–4 links) is added. */
  connectionAdd: number;
}

/** Default rates: a 100-link fleet sees a few status flaps and about one config edit per step. */
export const DEFAULT_MUTATION_RATES: MutationRates = {
  statusFlap: 0.03,
  configEdit: 0.01,
  counterReset: 0.005,
  linkRemove: 0.005,
  linkAdd: 0.01,
  connectionRemove: 0.005,
  connectionAdd: 0.02,
};

/** Seconds of traffic one step stands for when growing counters. */
const STEP_SECONDS = 60;

/** Applies step `step` to the fleet and returns what changed. */
export function applyMutationStep(
  fleet: Fleet,
  step: number,
  seed: number,
  options: { rates?: Partial<MutationRates>; serialize: SerializeOptions },
): Mutation[] {
  const rates = { ...DEFAULT_MUTATION_RATES, ...options.rates };
  const rng = createRng(deriveSeed(seed, 'tick', step));
  const out: Mutation[] = [];
  const touchedConnections = new Set<ConnectionNode>();

  for (const link of fleet.links()) {
    const p = link.json.properties;
    const kinds: MutationKind[] = [];
    if (p.connectionStatus === 'Connected') {
      touchedConnections.add(link.connection);
      if (rng.chance(rates.counterReset)) {
        out.push(...setCounters(link, step, 'counter-reset', 0, 0));
      } else {
        const bytesPerSecond = ((p.connectionBandwidth ?? 100) * 1_000_000) / 8;
        const inbound = Math.floor(bytesPerSecond * STEP_SECONDS * (0.01 + rng.next() * 0.3));
        const outbound = Math.floor(bytesPerSecond * STEP_SECONDS * (0.005 + rng.next() * 0.2));
        out.push(...setCounters(link, step, 'counters', (p.ingressBytesTransferred ?? 0) + inbound, (p.egressBytesTransferred ?? 0) + outbound));
      }
    }
    if (rng.chance(rates.statusFlap)) {
      out.push(...setLinkProperty(link, 'connectionStatus', nextStatus(rng, p.connectionStatus), 'status', step));
      kinds.push('status');
    }
    if (rng.chance(rates.configEdit)) {
      const edit = configEdit(rng, link);
      out.push(...setLinkProperty(link, edit.field, edit.value, 'config', step));
      kinds.push('config');
    }
    const first = kinds[0];
    if (first) out.push(touchEtag(link, first, step, newEtag(rng)));
  }

  for (const link of fleet.links()) {
    if (link.connection.links.size > 1 && rng.chance(rates.linkRemove)) {
      const old = clone(serializeLink(link, options.serialize));
      fleet.removeLink(link);
      out.push({ step, kind: 'link-removed', linkId: link.json.id, connectionId: link.connection.json.id, old });
    }
  }
  for (const connection of fleet.connections()) {
    if (connection.links.size < MAX_LINKS_PER_CONNECTION && rng.chance(rates.linkAdd)) {
      const link = addGeneratedLink(fleet, connection, rng);
      out.push({ step, kind: 'link-added', linkId: link.json.id, connectionId: connection.json.id, new: clone(serializeLink(link, options.serialize)) });
    }
  }
  for (const connection of fleet.connections()) {
    if (connection.gateway.connections.size > 1 && rng.chance(rates.connectionRemove)) {
      const old = clone(serializeConnection(connection, options.serialize));
      const links = connection.links.values();
      fleet.removeConnection(connection);
      touchedConnections.delete(connection);
      out.push({ step, kind: 'connection-removed', connectionId: connection.json.id, old });
      for (const link of links) {
        out.push({ step, kind: 'link-removed', linkId: link.json.id, connectionId: connection.json.id, old: clone(serializeLink(link, options.serialize)) });
      }
    }
  }
  for (const gateway of fleet.gateways()) {
    if (rng.chance(rates.connectionAdd)) {
      const connection = addGeneratedConnection(fleet, gateway, rng, rng.int(1, MAX_LINKS_PER_CONNECTION));
      out.push({ step, kind: 'connection-added', connectionId: connection.json.id, new: clone(serializeConnection(connection, options.serialize)) });
      for (const link of connection.links.values()) {
        out.push({ step, kind: 'link-added', linkId: link.json.id, connectionId: connection.json.id, new: clone(serializeLink(link, options.serialize)) });
      }
    }
  }
  // A connection's own counters are the sum of its links' (only where the connection reports them).
  for (const connection of touchedConnections) {
    const props = connection.json.properties;
    if (typeof props['ingressBytesTransferred'] !== 'number') continue;
    let ingress = 0;
    let egress = 0;
    for (const link of connection.links.values()) {
      ingress += link.json.properties.ingressBytesTransferred ?? 0;
      egress += link.json.properties.egressBytesTransferred ?? 0;
    }
    props['ingressBytesTransferred'] = ingress;
    props['egressBytesTransferred'] = egress;
  }
  return out;
}

/**
 * Sets one property of a link and returns its Mutation (no etag change: callers add one
 * touchEtag per link per step, because ARM gives a resource one new etag per update).
 */
export function setLinkProperty(link: LinkNode, field: string, value: unknown, kind: MutationKind, step: number): Mutation[] {
  const properties = link.json.properties;
  const old = properties[field];
  properties[field] = value;
  return [{ step, kind, linkId: link.json.id, connectionId: link.connection.json.id, field, old: clone(old), new: clone(value) }];
}

/** Gives a link a new etag and returns the Mutation recording it. */
export function touchEtag(link: LinkNode, kind: MutationKind, step: number, etag: string): Mutation {
  const old = link.json.etag;
  link.json.etag = etag;
  return { step, kind, linkId: link.json.id, connectionId: link.connection.json.id, field: 'etag', old, new: etag };
}

// Byte counters are volatile: they change on every step without a new etag (see docs/emulator.md, "Time steps").
function setCounters(link: LinkNode, step: number, kind: MutationKind, ingress: number, egress: number): Mutation[] {
  return [
    ...setLinkProperty(link, 'ingressBytesTransferred', ingress, kind, step),
    ...setLinkProperty(link, 'egressBytesTransferred', egress, kind, step),
  ];
}

function nextStatus(rng: Rng, current: string | undefined): string {
  switch (current) {
    case 'Connected':
      return rng.chance(0.6) ? 'NotConnected' : 'Connecting';
    case 'NotConnected':
      return rng.chance(0.6) ? 'Connected' : 'Connecting';
    case 'Connecting':
      return rng.chance(0.8) ? 'Connected' : 'NotConnected';
    default:
      return 'Connected';
  }
}

function configEdit(rng: Rng, link: LinkNode): { field: string; value: unknown } {
  const p = link.json.properties;
  const natRules = ((link.connection.gateway.json.properties['natRules'] ?? []) as { id?: string; properties?: { mode?: string } }[]).filter(
    (r) => typeof r.id === 'string',
  );
  const field = rng.pick(['connectionBandwidth', 'routingWeight', 'ipsecPolicies', 'natRules', 'dpdTimeoutSeconds', 'enableRateLimiting'] as const);
  switch (field) {
    case 'connectionBandwidth':
    case 'routingWeight':
    case 'dpdTimeoutSeconds': {
      const choices = LINK_VALUE_CHOICES[field].filter((v) => v !== p[field]);
      return { field, value: rng.pick(choices.length > 0 ? choices : [1]) };
    }
    case 'ipsecPolicies': {
      const current = JSON.stringify(p.ipsecPolicies ?? []);
      if (current !== '[]' && rng.chance(0.4)) return { field, value: [] };
      const choices = LINK_VALUE_CHOICES.ipsecPolicies.filter((policy) => JSON.stringify([policy]) !== current);
      return { field, value: [{ ...rng.pick(choices) }] };
    }
    case 'natRules': {
      const direction = rng.chance(0.5) ? 'ingress' : 'egress';
      const rules = natRules.filter((r) => r.properties?.mode === (direction === 'ingress' ? 'IngressSnat' : 'EgressSnat'));
      const key = `${direction}NatRules`;
      const current = (p[key] ?? []) as { id?: string }[];
      if (current.length > 0) return { field: key, value: [] };
      if (rules.length === 0) return { field: 'enableRateLimiting', value: !p.enableRateLimiting };
      return { field: key, value: [{ id: rng.pick(rules).id }] };
    }
    case 'enableRateLimiting':
      return { field, value: !p.enableRateLimiting };
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}
