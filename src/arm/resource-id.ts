/** The names a link connection's ARM id encodes: the ListByVpnConnection parameters plus the link's own name. */
export interface LinkIdParts {
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
  linkConnectionName: string;
}

// ARM ids are case-insensitive, and Microsoft's own examples spell the child type both as
// `vpnLinkConnections` and `VpnSiteLinkConnections`: accept either, in any casing.
const LINK_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/vpnGateways\/([^/]+)\/vpnConnections\/([^/]+)\/(?:vpnLinkConnections|vpnSiteLinkConnections)\/([^/]+)$/i;

/** Parses a link connection id; undefined if it is not one. */
export function parseLinkId(id: string): LinkIdParts | undefined {
  const m = LINK_ID.exec(id.trim());
  if (!m) return undefined;
  const [, subscriptionId, resourceGroupName, gatewayName, connectionName, linkConnectionName] = m as unknown as [string, string, string, string, string, string];
  return { subscriptionId, resourceGroupName, gatewayName, connectionName, linkConnectionName };
}

/**
 * The row key of a link: its id lower-cased (ARM ids are case-insensitive), with the child type
 * spelled one way — Microsoft's examples and portal captures write `VpnSiteLinkConnections` where
 * the list calls return `vpnLinkConnections`, and both name the same resource.
 */
export function linkKey(id: string): string {
  // ASCII-only folding, as SQLite's lower() does: the schema checks _key against lower(id).
  return asciiLower(id.trim()).replace('/vpnsitelinkconnections/', '/vpnlinkconnections/');
}

/** Lower-cases A–Z only (SQLite's lower() leaves other letters alone). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The lower-cased id of a VPN connection, the parent whose listing proves a link's absence. */
export function connectionKey(p: Pick<LinkIdParts, 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>): string {
  return `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroupName}/providers/microsoft.network/vpngateways/${p.gatewayName}/vpnconnections/${p.connectionName}`.toLowerCase();
}

/** The lower-cased id of a VPN gateway. */
export function gatewayKey(p: Pick<LinkIdParts, 'subscriptionId' | 'resourceGroupName' | 'gatewayName'>): string {
  return `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroupName}/providers/microsoft.network/vpngateways/${p.gatewayName}`.toLowerCase();
}

/** ARM path of a connection's link connection list (VpnLinkConnections_ListByVpnConnection). */
export function linkListPath(p: Pick<LinkIdParts, 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>): string {
  return `/subscriptions/${enc(p.subscriptionId)}/resourceGroups/${enc(p.resourceGroupName)}/providers/Microsoft.Network/vpnGateways/${enc(p.gatewayName)}/vpnConnections/${enc(p.connectionName)}/vpnLinkConnections`;
}

/** ARM path of one link connection. */
export function linkPath(p: LinkIdParts): string {
  return `${linkListPath(p)}/${enc(p.linkConnectionName)}`;
}

/** The subscription an ARM path or URL belongs to, lower-cased; undefined for tenant-level calls. */
export function subscriptionOf(pathOrUrl: string): string | undefined {
  const m = /\/subscriptions\/([^/?#]+)/i.exec(pathOrUrl);
  return m?.[1]?.toLowerCase();
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
