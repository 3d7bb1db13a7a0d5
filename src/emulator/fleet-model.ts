/**
 * The emulator's in-memory fleet: subscriptions → resource groups → VPN gateways → VPN
 * connections → link connections. Each node keeps the resource's own ARM JSON (without its
 * embedded children, which the nodes hold) so that the list, get and embed endpoints all serve
 * one truth. Look-ups are case-insensitive, as ARM's are.
 */
import type {
  ConnectionJson,
  GatewayJson,
  LinkConnectionJson,
  SubscriptionJson,
} from './arm-types.js';

/** A case-insensitive, insertion-ordered map of child nodes, with optional alias keys. */
export class ChildMap<T> {
  private readonly items = new Map<string, T>();
  private readonly aliases = new Map<string, string>();

  /** Adds (or replaces) a child under `key`; `alias` is a second name it answers to (e.g. its `name` when that differs from the id). */
  set(key: string, value: T, alias?: string): void {
    this.items.set(key.toLowerCase(), value);
    if (alias !== undefined && alias.toLowerCase() !== key.toLowerCase()) {
      this.aliases.set(alias.toLowerCase(), key.toLowerCase());
    }
  }

  /** The child whose key or alias equals `key`, ignoring case. */
  get(key: string): T | undefined {
    const lower = key.toLowerCase();
    const direct = this.items.get(lower);
    if (direct !== undefined) return direct;
    const aliased = this.aliases.get(lower);
    return aliased === undefined ? undefined : this.items.get(aliased);
  }

  /** Removes the child stored under `key` (not an alias) and any alias pointing at it. */
  delete(key: string): boolean {
    const lower = key.toLowerCase();
    for (const [alias, target] of this.aliases) if (target === lower) this.aliases.delete(alias);
    return this.items.delete(lower);
  }

  /** Children in insertion order. */
  values(): T[] {
    return [...this.items.values()];
  }

  /** Number of children. */
  get size(): number {
    return this.items.size;
  }
}

/** A link connection: its ARM JSON plus what ARM no longer returns (the shared key) and its IKE SA report. */
export interface LinkNode {
  /** ARM JSON without `properties.sharedKey` (served only when the emulator is asked to). */
  json: LinkConnectionJson;
  /** The pre-shared key, if known. */
  sharedKey: string | undefined;
  /** GetIkeSas' final body for this link when loaded from a file; otherwise generated on demand. */
  ikeSas: string | undefined;
  connection: ConnectionNode;
}

/** A VPN connection and its link connections. */
export interface ConnectionNode {
  /** ARM JSON without `properties.vpnLinkConnections`. */
  json: ConnectionJson;
  /** The path segment the connection is addressed by (last segment of its id). */
  name: string;
  /** Whether `properties.vpnLinkConnections` is served even when empty (loaded files that omitted it keep omitting it). */
  embedsLinks: boolean;
  /**
   * Whether the gateway's embedded copy of this connection (VpnGateways_List, _ListByResourceGroup,
   * _Get) carries `vpnLinkConnections`. Real ARM lists some connections without it even when they
   * have links (Microsoft's VpnGatewayList example, gateway2/vpnConnection2); their links are
   * still served by ListByVpnConnection and in the connection's own GET and list.
   */
  linksInGatewayListing: boolean;
  links: ChildMap<LinkNode>;
  gateway: GatewayNode;
}

/** A VPN gateway and its connections. */
export interface GatewayNode {
  /** ARM JSON without `properties.connections`. */
  json: GatewayJson;
  name: string;
  embedsConnections: boolean;
  connections: ChildMap<ConnectionNode>;
  resourceGroup: ResourceGroupNode;
}

/** A resource group (only a container here: ARM's resource group resource is not served). */
export interface ResourceGroupNode {
  name: string;
  gateways: ChildMap<GatewayNode>;
  subscription: SubscriptionNode;
}

/** A subscription and its resource groups. */
export interface SubscriptionNode {
  json: SubscriptionJson;
  subscriptionId: string;
  resourceGroups: ChildMap<ResourceGroupNode>;
}

/** The parts of an ARM id under a VPN gateway. */
export interface ParsedArmId {
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName?: string;
  connectionName?: string;
  linkName?: string;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/vpnGateways/{gw}[/vpnConnections/{c}[/(vpnLinkConnections|VpnSiteLinkConnections)/{l}]]`, ignoring case. */
export function parseArmId(id: string): ParsedArmId | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  const lower = parts.map((p) => p.toLowerCase());
  if (lower[0] !== 'subscriptions' || lower[2] !== 'resourcegroups' || !parts[1] || !parts[3]) return undefined;
  const parsed: ParsedArmId = { subscriptionId: parts[1], resourceGroupName: parts[3] };
  if (lower[4] === 'providers' && lower[5] === 'microsoft.network' && lower[6] === 'vpngateways' && parts[7]) {
    parsed.gatewayName = parts[7];
    if (lower[8] === 'vpnconnections' && parts[9]) {
      parsed.connectionName = parts[9];
      if ((lower[10] === 'vpnlinkconnections' || lower[10] === 'vpnsitelinkconnections') && parts[11]) {
        parsed.linkName = parts[11];
      }
    }
  }
  return parsed;
}

/** The whole fleet, with case-insensitive indexes by ARM id for the hot paths (stats, LROs, truth). */
export class Fleet {
  readonly subscriptions = new ChildMap<SubscriptionNode>();
  /** Counter for generated branch names, so connections added later never reuse a name. */
  sequence = 0;
  private readonly linksById = new Map<string, LinkNode>();
  private readonly connectionsById = new Map<string, ConnectionNode>();

  /** Adds a subscription, or returns the existing one with that id. */
  ensureSubscription(subscriptionId: string, json?: SubscriptionJson): SubscriptionNode {
    const existing = this.subscriptions.get(subscriptionId);
    if (existing) {
      if (json) existing.json = json;
      return existing;
    }
    const node: SubscriptionNode = {
      subscriptionId,
      json: json ?? defaultSubscriptionJson(subscriptionId),
      resourceGroups: new ChildMap(),
    };
    this.subscriptions.set(subscriptionId, node);
    return node;
  }

  /** Adds a resource group, or returns the existing one. */
  ensureResourceGroup(subscriptionId: string, name: string): ResourceGroupNode {
    const sub = this.ensureSubscription(subscriptionId);
    const existing = sub.resourceGroups.get(name);
    if (existing) return existing;
    const node: ResourceGroupNode = { name, gateways: new ChildMap(), subscription: sub };
    sub.resourceGroups.set(name, node);
    return node;
  }

  /** Adds a gateway from its ARM JSON (embedded connections are ignored: add them with addConnection). */
  addGateway(json: GatewayJson, embedsConnections = true): GatewayNode {
    const parsed = parseArmId(json.id);
    if (!parsed?.gatewayName) throw new Error(`Not a VPN gateway id: ${json.id}`);
    const rg = this.ensureResourceGroup(parsed.subscriptionId, parsed.resourceGroupName);
    const { connections: _ignored, ...properties } = json.properties ?? {};
    const node: GatewayNode = {
      json: { ...json, properties },
      name: parsed.gatewayName,
      embedsConnections,
      connections: new ChildMap(),
      resourceGroup: rg,
    };
    rg.gateways.set(parsed.gatewayName, node, json.name);
    return node;
  }

  /** Adds a connection under a gateway (embedded links are ignored: add them with addLink). */
  addConnection(gateway: GatewayNode, json: ConnectionJson, embedsLinks = true, linksInGatewayListing = true): ConnectionNode {
    const name = lastSegment(json.id);
    const { vpnLinkConnections: _ignored, ...properties } = json.properties ?? {};
    const node: ConnectionNode = {
      json: { ...json, properties },
      name,
      embedsLinks,
      linksInGatewayListing,
      links: new ChildMap(),
      gateway,
    };
    gateway.connections.set(name, node, json.name);
    this.connectionsById.set(json.id.toLowerCase(), node);
    return node;
  }

  /** Adds a link connection under a connection; a `sharedKey` in the JSON is moved out of it. */
  addLink(connection: ConnectionNode, json: LinkConnectionJson, ikeSas?: string): LinkNode {
    const { sharedKey, ...properties } = json.properties ?? {};
    const node: LinkNode = {
      json: { ...json, properties },
      sharedKey: typeof sharedKey === 'string' ? sharedKey : undefined,
      ikeSas,
      connection,
    };
    connection.links.set(lastSegment(json.id), node, json.name);
    this.linksById.set(json.id.toLowerCase(), node);
    return node;
  }

  /** Removes a link connection. */
  removeLink(link: LinkNode): void {
    link.connection.links.delete(lastSegment(link.json.id));
    this.linksById.delete(link.json.id.toLowerCase());
  }

  /** Removes a connection and its links. */
  removeConnection(connection: ConnectionNode): void {
    for (const link of connection.links.values()) this.linksById.delete(link.json.id.toLowerCase());
    connection.gateway.connections.delete(connection.name);
    this.connectionsById.delete(connection.json.id.toLowerCase());
  }

  /** The link with this ARM id (any casing), if present. */
  linkById(id: string): LinkNode | undefined {
    return this.linksById.get(id.toLowerCase());
  }

  /** The connection with this ARM id (any casing), if present. */
  connectionById(id: string): ConnectionNode | undefined {
    return this.connectionsById.get(id.toLowerCase());
  }

  /** Every gateway, in fleet order. */
  gateways(): GatewayNode[] {
    const out: GatewayNode[] = [];
    for (const sub of this.subscriptions.values())
      for (const rg of sub.resourceGroups.values()) out.push(...rg.gateways.values());
    return out;
  }

  /** Every connection, in fleet order. */
  connections(): ConnectionNode[] {
    const out: ConnectionNode[] = [];
    for (const gw of this.gateways()) out.push(...gw.connections.values());
    return out;
  }

  /** Every link connection, in fleet order. */
  links(): LinkNode[] {
    const out: LinkNode[] = [];
    for (const conn of this.connections()) out.push(...conn.links.values());
    return out;
  }

  /** Gateways of one subscription, in fleet order. */
  gatewaysOf(sub: SubscriptionNode): GatewayNode[] {
    const out: GatewayNode[] = [];
    for (const rg of sub.resourceGroups.values()) out.push(...rg.gateways.values());
    return out;
  }
}

/** The last path segment of an ARM id. */
export function lastSegment(id: string): string {
  const parts = id.split('/').filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? id;
}

/** A Subscriptions_List entry for a subscription known only by its id (as when a fleet file lists gateways only). */
export function defaultSubscriptionJson(subscriptionId: string, tenantId?: string, displayName?: string): SubscriptionJson {
  return {
    id: `/subscriptions/${subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId,
    ...(tenantId ? { tenantId } : {}),
    displayName: displayName ?? `Subscription ${subscriptionId.slice(0, 8)}`,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'PayAsYouGo_2014-09-01',
      spendingLimit: 'Off',
    },
  };
}
