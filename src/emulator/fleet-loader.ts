/**
 * Builds a fleet from JSON: Microsoft's example files (`responses["200"].body`, with the
 * example's `parameters` filling in parents the body does not carry), bare `{ value: [...] }`
 * lists or arrays of gateways / connections / link connections / subscriptions, a single
 * resource, or the emulator's own `{ subscriptions, gateways, links }` export. Shapes are kept:
 * a connection a gateway lists without `vpnLinkConnections` is served that way again.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionJson, GatewayJson, LinkConnectionJson, SubscriptionJson } from './arm-types.js';
import { LINK_CONNECTION_TYPE, VPN_GATEWAY_TYPE } from './arm-types.js';
import { Fleet, defaultSubscriptionJson, parseArmId, type ConnectionNode, type GatewayNode } from './fleet-model.js';

/** Placeholder etag for resources the loader has to invent (parents the file only implies). */
const PLACEHOLDER_ETAG = 'W/"00000000-0000-0000-0000-000000000000"';

/** Reads and loads a fleet file; errors name the file. */
export function loadFleetFile(path: string, options: { tenantId?: string } = {}): Fleet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read fleet file '${path}': ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Fleet file '${path}' is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return loadFleet(json, options);
  } catch (error) {
    throw new Error(`Fleet file '${path}': ${(error as Error).message}`, { cause: error });
  }
}

/** Loads a fleet from already-parsed JSON (see the module comment for the accepted shapes). */
export function loadFleet(json: unknown, options: { tenantId?: string } = {}): Fleet {
  const fleet = new Fleet();
  const loader = new Loader(fleet, options.tenantId);
  if (isObject(json) && isObject(json['responses'])) loader.loadExample(json);
  else loader.loadBody(json);
  return fleet;
}

class Loader {
  constructor(
    private readonly fleet: Fleet,
    private readonly tenantId: string | undefined,
  ) {}

  loadExample(example: Record<string, unknown>): void {
    const responses = example['responses'] as Record<string, unknown>;
    const ok = responses['200'];
    const body = isObject(ok) ? ok['body'] : undefined;
    const params = isObject(example['parameters']) ? (example['parameters'] as Record<string, unknown>) : {};
    const operationId = String(example['operationId'] ?? '');
    // The action examples (GetIkeSas, ResetConnection) carry no resource: the link they act on
    // comes from the example's parameters, and GetIkeSas' string body becomes that link's answer.
    if (/getikesas|resetconnection/i.test(operationId) || (body === undefined && params['linkConnectionName'])) {
      const id = linkIdFromParameters(params);
      const link = this.fleet.linkById(id) ?? this.addLink(minimalLink(id));
      if (typeof body === 'string') link.ikeSas = body;
      return;
    }
    if (body === undefined) throw new Error(`example '${operationId}' has no responses["200"].body to load`);
    this.loadBody(body);
  }

  loadBody(body: unknown): void {
    if (Array.isArray(body)) return body.forEach((item, i) => this.loadItem(item, i));
    if (!isObject(body)) throw new Error('expected a JSON object or array');
    if (Array.isArray(body['gateways']) || Array.isArray(body['subscriptions'])) {
      for (const [i, s] of ((body['subscriptions'] as unknown[]) ?? []).entries()) this.loadItem(s, i);
      for (const [i, g] of ((body['gateways'] as unknown[]) ?? []).entries()) this.loadItem(g, i);
      // The links of connections the gateways list without them (see serializeFleet).
      for (const [i, l] of ((body['links'] as unknown[]) ?? []).entries()) this.loadItem(l, i);
      return;
    }
    if (Array.isArray(body['value'])) return body['value'].forEach((item, i) => this.loadItem(item, i));
    this.loadItem(body, 0);
  }

  private loadItem(item: unknown, index: number): void {
    if (!isObject(item) || typeof item['id'] !== 'string') {
      throw new Error(`item ${index} has no string 'id': expected a subscription, VPN gateway, VPN connection or link connection`);
    }
    const id = item['id'];
    if (/^\/subscriptions\/[^/]+\/?$/i.test(id)) {
      const sub = item as unknown as SubscriptionJson;
      this.fleet.ensureSubscription(sub.subscriptionId ?? id.split('/')[2] ?? id, sub);
      return;
    }
    const parsed = parseArmId(id);
    if (parsed?.linkName) this.addLink(item as unknown as LinkConnectionJson);
    else if (parsed?.connectionName) this.addConnection(item as unknown as ConnectionJson);
    else if (parsed?.gatewayName) this.addGateway(item as unknown as GatewayJson);
    else throw new Error(`item ${index} (id '${id}') is not a subscription, VPN gateway, VPN connection or link connection`);
  }

  private ensureSubscription(subscriptionId: string): void {
    if (!this.fleet.subscriptions.get(subscriptionId)) {
      this.fleet.ensureSubscription(subscriptionId, defaultSubscriptionJson(subscriptionId, this.tenantId));
    }
  }

  private addGateway(json: GatewayJson): GatewayNode {
    const parsed = parseArmId(json.id);
    if (!parsed?.gatewayName) throw new Error(`not a VPN gateway id: ${json.id}`);
    this.ensureSubscription(parsed.subscriptionId);
    const existing = this.fleet.subscriptions
      .get(parsed.subscriptionId)
      ?.resourceGroups.get(parsed.resourceGroupName)
      ?.gateways.get(parsed.gatewayName);
    const properties = json.properties ?? {};
    const gateway = existing ?? this.fleet.addGateway({ ...json, properties }, Array.isArray(properties.connections));
    for (const connection of properties.connections ?? []) this.addConnectionTo(gateway, connection, true);
    return gateway;
  }

  private addConnection(json: ConnectionJson): ConnectionNode {
    const parsed = parseArmId(json.id);
    if (!parsed?.gatewayName) throw new Error(`not a VPN connection id: ${json.id}`);
    const gatewayId = json.id.slice(0, json.id.toLowerCase().lastIndexOf('/vpnconnections/'));
    const gateway = this.findGateway(gatewayId) ?? this.addGateway(minimalGateway(gatewayId, parsed.gatewayName));
    return this.addConnectionTo(gateway, json);
  }

  /** `inGatewayListing`: the JSON is a gateway's embedded copy, whose lack of `vpnLinkConnections` is kept as such. */
  private addConnectionTo(gateway: GatewayNode, json: ConnectionJson, inGatewayListing = false): ConnectionNode {
    const properties = json.properties ?? {};
    const embedded = Array.isArray(properties.vpnLinkConnections);
    const connection =
      this.fleet.connectionById(json.id) ?? this.fleet.addConnection(gateway, { ...json, properties }, embedded, embedded || !inGatewayListing);
    for (const link of properties.vpnLinkConnections ?? []) {
      if (!this.fleet.linkById(link.id)) this.fleet.addLink(connection, link);
    }
    return connection;
  }

  private addLink(json: LinkConnectionJson) {
    const lower = json.id.toLowerCase();
    const cut = Math.max(lower.lastIndexOf('/vpnlinkconnections/'), lower.lastIndexOf('/vpnsitelinkconnections/'));
    const connectionId = json.id.slice(0, cut);
    const connection =
      this.fleet.connectionById(connectionId) ?? this.addConnection({ name: connectionId.split('/').pop() ?? '', id: connectionId, etag: PLACEHOLDER_ETAG, properties: { provisioningState: 'Succeeded' } });
    return this.fleet.addLink(connection, { ...json, properties: json.properties ?? {} });
  }

  private findGateway(gatewayId: string): GatewayNode | undefined {
    const parsed = parseArmId(gatewayId);
    if (!parsed?.gatewayName) return undefined;
    return this.fleet.subscriptions.get(parsed.subscriptionId)?.resourceGroups.get(parsed.resourceGroupName)?.gateways.get(parsed.gatewayName);
  }
}

function minimalGateway(id: string, name: string): GatewayJson {
  return { name, id, type: VPN_GATEWAY_TYPE, etag: PLACEHOLDER_ETAG, location: 'westus', properties: { provisioningState: 'Succeeded', connections: [] } };
}

function minimalLink(id: string): LinkConnectionJson {
  return {
    name: id.split('/').pop() ?? '',
    id,
    type: LINK_CONNECTION_TYPE,
    etag: PLACEHOLDER_ETAG,
    properties: { provisioningState: 'Succeeded', connectionStatus: 'Connected' },
  };
}

function linkIdFromParameters(params: Record<string, unknown>): string {
  const need = ['subscriptionId', 'resourceGroupName', 'gatewayName', 'connectionName', 'linkConnectionName'];
  const missing = need.filter((k) => typeof params[k] !== 'string');
  if (missing.length > 0) throw new Error(`example parameters lack ${missing.join(', ')}`);
  const p = params as Record<string, string>;
  return `/subscriptions/${p['subscriptionId']}/resourceGroups/${p['resourceGroupName']}/providers/Microsoft.Network/vpnGateways/${p['gatewayName']}/vpnConnections/${p['connectionName']}/vpnLinkConnections/${p['linkConnectionName']}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
