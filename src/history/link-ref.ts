import type BetterSqlite3 from 'better-sqlite3';
import { parseLinkId } from '../arm/resource-id.js';
import type { LinkVersionTable } from '../store/schema.js';

/** How history output names a link: its key and id, and the names in its id. */
export interface LinkRef {
  key: string;
  id: string;
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
  /** The link connection's name: the last segment of its id. */
  linkName: string;
  /** `gateway/connection/link`, what `vpnsync history` accepts and what tables show. */
  label: string;
}

/** The LinkRef of a stored row. */
export function linkRefOf(row: Pick<LinkVersionTable, '_key' | 'id' | 'name' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>): LinkRef {
  const linkName = parseLinkId(row.id)?.linkConnectionName ?? (typeof row.name === 'string' ? row.name : row._key.split('/').pop() ?? row._key);
  return {
    key: row._key,
    id: row.id,
    subscriptionId: row.subscriptionId,
    resourceGroupName: row.resourceGroupName,
    gatewayName: row.gatewayName,
    connectionName: row.connectionName,
    linkName,
    label: `${row.gatewayName}/${row.connectionName}/${linkName}`,
  };
}

/** Sorts by label, then key (labels can repeat across subscriptions). */
export function byLabel(a: { label: string; key: string }, b: { label: string; key: string }): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** LinkRefs of the given keys, from their newest version row (a key's id and names never change but for casing). */
export function loadLinkRefs(sqlite: BetterSqlite3.Database, keys: Iterable<string>): Map<string, LinkRef> {
  const rows = sqlite
    .prepare(
      `SELECT _key, id, name, subscriptionId, resourceGroupName, gatewayName, connectionName, max(_pull_id) AS _newest
       FROM vpn_link_connection_versions WHERE _key IN (SELECT value FROM json_each(?)) GROUP BY _key`,
    )
    .all(JSON.stringify([...keys])) as Parameters<typeof linkRefOf>[0][];
  return new Map(rows.map((r) => [r._key, linkRefOf(r)]));
}
