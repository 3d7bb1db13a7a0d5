/**
 * Turns fleet nodes back into the ARM JSON the endpoints serve: a gateway embeds its
 * connections, a connection embeds its link connections, as Microsoft's examples show — except
 * that a gateway may embed a connection without its link connections, as Microsoft's
 * VpnGatewayList example does for gateway2/vpnConnection2.
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

/**
 * The connection as its gateway embeds it: with its link connections, unless the gateway lists
 * it without them (ConnectionNode.linksInGatewayListing). Such a connection's own GET and
 * VpnConnections_ListByVpnGateway still embed them: every Microsoft example of those two
 * operations (VpnConnectionGet, VpnConnectionList) does.
 */
export function serializeConnectionInGateway(connection: ConnectionNode, options: SerializeOptions): ConnectionJson {
  return connection.linksInGatewayListing ? serializeConnection(connection, options) : connection.json;
}

/** The gateway with its connections (and their links, where it shows them) embedded. */
export function serializeGateway(gateway: GatewayNode, options: SerializeOptions): GatewayJson {
  if (!gateway.embedsConnections && gateway.connections.size === 0) return gateway.json;
  return {
    ...gateway.json,
    properties: {
      ...gateway.json.properties,
      connections: gateway.connections.values().map((c) => serializeConnectionInGateway(c, options)),
    },
  };
}

/** The emulator's own fleet-file format, which loadFleet reads back. */
export interface FleetFile {
  subscriptions: unknown[];
  /** As VpnGateways_List serves them. */
  gateways: GatewayJson[];
  /** The link connections the gateways do not show (those of connections listed without them); absent when there are none. */
  links?: LinkConnectionJson[];
}

/** The whole fleet in the emulator's own fleet-file format. */
export function serializeFleet(fleet: Fleet, options: SerializeOptions): FleetFile {
  const hidden = fleet
    .connections()
    .filter((c) => !c.linksInGatewayListing)
    .flatMap((c) => c.links.values().map((l) => serializeLink(l, options)));
  return {
    subscriptions: fleet.subscriptions.values().map((s) => s.json),
    gateways: fleet.gateways().map((g) => serializeGateway(g, options)),
    ...(hidden.length > 0 ? { links: hidden } : {}),
  };
}
