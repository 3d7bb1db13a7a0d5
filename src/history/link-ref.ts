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

/**
 * The LinkRef of a stored link. Its key and id are enough: the subscription, resource group,
 * gateway and connection columns are themselves read from the id when a link is stored
 * (normaliseLink), so refs can be loaded from an index that holds only `_key` and `id`.
 */
export function linkRefOf(row: Pick<LinkVersionTable, '_key' | 'id'>): LinkRef {
  const parts = parseLinkId(row.id);
  const linkName = parts?.linkConnectionName ?? row._key.split('/').pop() ?? row._key;
  return {
    key: row._key,
    id: row.id,
    subscriptionId: parts?.subscriptionId ?? '',
    resourceGroupName: parts?.resourceGroupName ?? '',
    gatewayName: parts?.gatewayName ?? '',
    connectionName: parts?.connectionName ?? '',
    linkName,
    label: `${parts?.gatewayName ?? ''}/${parts?.connectionName ?? ''}/${linkName}`,
  };
}

/** Sorts by label, then key (labels can repeat across subscriptions). */
export function byLabel(a: { label: string; key: string }, b: { label: string; key: string }): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * LinkRefs of the given keys, from their newest version row (a key's id never changes but for
 * casing). Reads only the index on (_key, _pull_id, _kind, id) (migrations/sqlite/0005), not the rows:
 * naming 30,000 links took half a second when every lookup read a whole version row.
 */
export function loadLinkRefs(sqlite: BetterSqlite3.Database, keys: Iterable<string>): Map<string, LinkRef> {
  const rows = sqlite
    .prepare(
      `SELECT _key, id, max(_pull_id) FROM vpn_link_connection_versions
       WHERE _key IN (SELECT value FROM json_each(?)) GROUP BY _key`,
    )
    .raw()
    .all(JSON.stringify([...keys])) as [string, string, number][];
  return new Map(rows.map(([_key, id]) => [_key, linkRefOf({ _key, id })]));
}
