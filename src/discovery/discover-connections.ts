import { subscriptionStatesOf, type SubscriptionState } from '../store/subscription-states.js';
import type { ArmClient, RequestGate } from '../arm/arm-client.js';
import { SUBSCRIPTIONS_API_VERSION } from '../arm/arm-client.js';
import { connectionKey } from '../arm/resource-id.js';
import { failedScope, isCredentialError, okScope, type ScopeResult } from './scope-result.js';

/** What a pull covers. Names match case-insensitively, as ARM's do. */
export interface PullFilters {
  /** Subscription ids; empty or absent = every subscription the credential can list. */
  subscriptions?: readonly string[] | undefined;
  resourceGroup?: string | undefined;
  gateway?: string | undefined;
  connection?: string | undefined;
}

/** The filters as the command line gives them ("--resource-group rg-1 --gateway vpngw-1"); '' when there are none. */
export function filterFlags(filters: PullFilters): string {
  const parts: string[] = [];
  for (const sub of filters.subscriptions ?? []) parts.push(`--subscription ${sub}`);
  if (filters.resourceGroup) parts.push(`--resource-group ${filters.resourceGroup}`);
  if (filters.gateway) parts.push(`--gateway ${filters.gateway}`);
  if (filters.connection) parts.push(`--connection ${filters.connection}`);
  return parts.join(' ');
}

/** A VPN connection found in a gateway listing. */
export interface ConnectionRef {
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
  /** Lower-cased connection id. */
  key: string;
  /**
   * The link connections embedded in the gateway listing (what `--strategy gateways` uses; `[]`
   * means none); undefined when the listing did not carry them (then they are listed with
   * ListByVpnConnection), or discovery was not asked to keep them.
   */
  embeddedLinks: unknown[] | undefined;
}

export interface Discovery {
  /** Subscriptions the pull covers (lower-cased). */
  subscriptions: string[];
  connections: ConnectionRef[];
  /** Lower-cased ids of the subscriptions or resource groups whose gateway listing completed. */
  listedParents: Set<string>;
  scopes: ScopeResult[];
  /** Each listed subscription's state, when the subscription list was read (not with --subscription). */
  subscriptionStates: SubscriptionState[];
}

/** What discovery keeps besides the connections' names. */
export interface DiscoveryOptions {
  /**
   * Keep the link connections embedded in the gateway listing (`--strategy gateways` reads
   * them). Default false: for a 30,000-link tenant they are some 100 MB of parsed JSON that
   * `--strategy links` would hold for the whole pull without using.
   */
  embeddedLinks?: boolean;
}

/**
 * Finds the VPN connections in scope: the subscription list (unless given), then
 * VpnGateways_List per subscription (or ListByResourceGroup with a resource group filter),
 * whose gateways embed their connections, all at once with `gate` capping the requests in
 * flight. A failed listing becomes a failed scope, not an exception; only a failed
 * subscription list (nothing could be seen at all) throws.
 */
export async function discoverConnections(arm: ArmClient, filters: PullFilters, gate: RequestGate, options: DiscoveryOptions = {}): Promise<Discovery> {
  const scopes: ScopeResult[] = [];
  let subscriptions: string[];
  let subscriptionStates: SubscriptionState[] = [];
  if (filters.subscriptions && filters.subscriptions.length > 0) {
    subscriptions = [...new Set(filters.subscriptions.map((s) => s.toLowerCase()))];
  } else {
    const listed = await arm.listAll('/subscriptions', SUBSCRIPTIONS_API_VERSION, { gate });
    subscriptionStates = subscriptionStatesOf(listed.items);
    subscriptions = listed.items
      .filter((s): s is { subscriptionId: string; state?: string } => typeof (s as { subscriptionId?: unknown }).subscriptionId === 'string')
      .filter((s) => s.state !== 'Deleted')
      .map((s) => s.subscriptionId.toLowerCase());
    scopes.push(okScope('subscriptions', '/', subscriptions.length, listed.requestId));
  }

  const listedParents = new Set<string>();
  const connections: ConnectionRef[] = [];
  await Promise.all(
    subscriptions.map(async (sub) => {
      const parent = filters.resourceGroup ? `/subscriptions/${sub}/resourceGroups/${filters.resourceGroup}` : `/subscriptions/${sub}`;
      try {
        const listed = await arm.listAll(`${parent}/providers/Microsoft.Network/vpnGateways`, undefined, { gate });
        let anomalies = 0;
        for (const gw of listed.items) {
          const found = connectionsOf(gw, filters, options.embeddedLinks ?? false);
          connections.push(...found.connections);
          if (!found.complete) anomalies += 1;
        }
        if (anomalies === 0) {
          scopes.push(okScope('gateways', parent, listed.items.length, listed.requestId));
          listedParents.add(parent.toLowerCase());
        } else {
          // Connections were read, but the listing cannot prove that a missing one is gone.
          scopes.push({
            ...failedScope('gateways', parent, new Error(`${anomalies} gateway item(s) without a usable id or connections list`)),
            errorCode: 'UnexpectedBody',
            requestId: listed.requestId,
          });
        }
      } catch (e) {
        if (isCredentialError(e)) throw e;
        scopes.push(failedScope('gateways', parent, e));
      }
    }),
  );
  connections.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { subscriptions, connections, listedParents, scopes, subscriptionStates };
}

/**
 * The connections of one gateway item that pass the filters; `complete` is false when the item
 * lacks a usable id or connections list, so that its parent listing proves nothing by absence.
 */
function connectionsOf(gateway: unknown, filters: PullFilters, keepEmbedded: boolean): { connections: ConnectionRef[]; complete: boolean } {
  const gw = gateway as { id?: unknown; properties?: { connections?: unknown } } | null;
  const gwParts = typeof gw?.id === 'string' ? /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/vpnGateways\/([^/]+)$/i.exec(gw.id) : null;
  if (!gw || !gwParts) return { connections: [], complete: false };
  const [, subscriptionId, resourceGroupName, gatewayName] = gwParts as unknown as [string, string, string, string];
  if (!sameName(filters.resourceGroup, resourceGroupName) || !sameName(filters.gateway, gatewayName)) return { connections: [], complete: true };
  const list = gw.properties?.connections;
  // ARM lists a gateway without connections as `connections: []`; a missing list is not proof of none.
  if (!Array.isArray(list)) return { connections: [], complete: false };
  const out: ConnectionRef[] = [];
  let complete = true;
  for (const c of list as unknown[]) {
    const conn = c as { id?: unknown; properties?: { vpnLinkConnections?: unknown } } | null;
    // The connection's name is the last segment of its id (Microsoft's own example has a
    // connection whose "name" and id disagree; the id is what ARM routes on).
    const connectionName = typeof conn?.id === 'string' ? conn.id.split('/').pop() : undefined;
    if (!connectionName) {
      complete = false;
      continue;
    }
    if (!sameName(filters.connection, connectionName)) continue;
    const ref = { subscriptionId, resourceGroupName, gatewayName, connectionName };
    const embedded = keepEmbedded ? conn?.properties?.vpnLinkConnections : undefined;
    out.push({ ...ref, key: connectionKey(ref), embeddedLinks: Array.isArray(embedded) ? (embedded as unknown[]) : undefined });
  }
  return { connections: out, complete };
}

function sameName(filter: string | undefined, name: string): boolean {
  return filter === undefined || filter.toLowerCase() === name.toLowerCase();
}

/** The lower-cased gateway-listing parent (subscription or resource group) that covers a connection. */
export function listingParentsOf(ref: Pick<ConnectionRef, 'subscriptionId' | 'resourceGroupName'>): string[] {
  const sub = `/subscriptions/${ref.subscriptionId}`.toLowerCase();
  return [sub, `${sub}/resourcegroups/${ref.resourceGroupName}`.toLowerCase()];
}

