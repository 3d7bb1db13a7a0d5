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

/**
 * Why `name` cannot be one segment of an ARM resource id (a type or a resource's name), or
 * undefined if it can. ARM names never hold `%`, a backslash, `?`, `#` or control characters, nor
 * end in a dot; refusing those also refuses every path trick: an empty, `.` or `..` segment
 * (which URL resolution would fold into a neighbour's path: `…/vpnLinkConnections/..` + `/getikesas`
 * POSTs to the VPN connection) and percent-encoded slashes or dots (`%2F`, `%2e%2e`).
 */
export function segmentProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is '${name}', a path step rather than a name`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'holds a control character';
  const bad = /[%\\?#]/.exec(name)?.[0];
  if (bad !== undefined) return `'${name}' holds '${bad}', which ARM names never do${bad === '%' ? ' (no percent-encoding)' : ''}`;
  if (name.endsWith('.')) return `'${name}' ends with a dot, which ARM names never do`;
  return undefined;
}

/**
 * Why `id` is not a resource id by ARM's grammar (`/subscriptions/{id}/resourceGroups/{name}/…`,
 * every segment a name, see segmentProblem), or undefined if it is one. Says which segment, by
 * the one before it (the type whose name it is).
 */
export function resourceIdProblem(id: string): string | undefined {
  if (!id.startsWith('/')) return 'it does not start with /';
  const segments = id.slice(1).split('/');
  for (const [i, segment] of segments.entries()) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return `${i === 0 ? 'its first segment' : `the segment after '${segments[i - 1] ?? ''}'`} ${problem}`;
  }
  return undefined;
}

/** Why the names of a link connection cannot form its ARM path (see segmentProblem), or undefined. */
export function linkPartsProblem(p: LinkIdParts): string | undefined {
  for (const key of ['subscriptionId', 'resourceGroupName', 'gatewayName', 'connectionName', 'linkConnectionName'] as const) {
    const problem = segmentProblem(p[key]);
    if (problem !== undefined) return `its ${key} ${problem}`;
  }
  return undefined;
}

/**
 * Why vpnsync must not send a request to `pathOrUrl` (an ARM path, or a URL ARM gave), or
 * undefined: a path with an empty, `.` or `..` segment, spelt plainly or percent-encoded, or a
 * percent-encoded slash or backslash. URL resolution would fold such a path into another
 * resource's (a POST meant for a link landing on its VPN connection), so it is refused before
 * anything is sent, whatever built it: a row written by an older vpnsync, or a crafted answer.
 */
export function armPathProblem(pathOrUrl: string): string | undefined {
  const path = pathOrUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '');
  if (!path.startsWith('/')) return 'it is not an absolute path';
  if (path.includes('\\')) return "it holds a backslash (read as '/')";
  if (/%(2f|5c)/i.test(path)) return 'it holds a percent-encoded slash or backslash';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'it has an empty segment';
    if (/^(\.|%2e){1,2}$/i.test(segment)) return `it has a '${segment}' segment`;
  }
  return undefined;
}

/** Parses a link connection id (strictly: see resourceIdProblem); undefined if it is not one. */
export function parseLinkId(id: string): LinkIdParts | undefined {
  if (resourceIdProblem(id.trim()) !== undefined) return undefined;
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
