/**
 * Turns fleet nodes back into the ARM JSON the endpoints serve: a gateway embeds its
 * connections, a connection embeds its link connections, as Microsoft's examples show.
 */
import type { ConnectionJson, GatewayJson, LinkConnectionJson } from './arm-types.js';
import type { ConnectionNode, Fleet, GatewayNode, LinkNode } from './fleet-model.js';

/** How resources are rendered. */
export interface SerializeOptions {
  /** Include each link's plain `sharedKey`, as older api-versions did. */
  sharedKeys: boolean;
}

/** The link connection as VpnSiteLinkConnections_Get and the list endpoint return it. */
export function serializeLink(link: LinkNode, options: SerializeOptions): LinkConnectionJson {
  if (!options.sharedKeys || link.sharedKey === undefined) return link.json;
  return { ...link.json, properties: { ...link.json.properties, sharedKey: link.sharedKey } };
}

/** The connection with its link connections embedded. */
export function serializeConnection(connection: ConnectionNode, options: SerializeOptions): ConnectionJson {
  if (!connection.embedsLinks && connection.links.size === 0) return connection.json;
  return {
    ...connection.json,
    properties: {
      ...connection.json.properties,
      vpnLinkConnections: connection.links.values().map((l) => serializeLink(l, options)),
    },
  };
}

/** The gateway with its connections (and their links) embedded. */
export function serializeGateway(gateway: GatewayNode, options: SerializeOptions): GatewayJson {
  if (!gateway.embedsConnections && gateway.connections.size === 0) return gateway.json;
  return {
    ...gateway.json,
    properties: {
      ...gateway.json.properties,
      connections: gateway.connections.values().map((c) => serializeConnection(c, options)),
    },
  };
}

/** The whole fleet in the emulator's own fleet-file format (`{ subscriptions, gateways }`), which loadFleet reads back. */
export function serializeFleet(fleet: Fleet, options: SerializeOptions): { subscriptions: unknown[]; gateways: GatewayJson[] } {
  return {
    subscriptions: fleet.subscriptions.values().map((s) => s.json),
    gateways: fleet.gateways().map((g) => serializeGateway(g, options)),
  };
}
