import type BetterSqlite3 from 'better-sqlite3';
import { linkKey, parseLinkId, resourceIdProblem, type LinkIdParts } from '../arm/resource-id.js';
import { QueryError } from '../query/query-error.js';
import { selectWhere } from '../query/where-condition.js';

/** A link an EXEC action is aimed at: its id and the EXEC method's five parameters. */
export interface ActionTarget extends LinkIdParts {
  linkId: string;
  linkKey: string;
  /** Whether the link is in the local inventory (vpn_link_connections). */
  known: boolean;
}

/** A target that cannot be resolved; the message says what was expected. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface TargetRequest {
  /** Link ids or `gateway/connection/link` names. */
  targets: readonly string[];
  /** An SQL condition over vpn_link_connections selecting many links. */
  where?: string | undefined;
  subscription?: string | undefined;
  resourceGroup?: string | undefined;
  /** Accept links that are not in the local inventory (ids, or names with --subscription and --resource-group). */
  allowUnknown?: boolean | undefined;
}

/** Builds a target from the five EXEC parameters (a StackQL EXEC statement, or --allow-unknown names). */
export function targetFromParts(parts: LinkIdParts, known: boolean): ActionTarget {
  const linkId = `/subscriptions/${parts.subscriptionId}/resourceGroups/${parts.resourceGroupName}/providers/Microsoft.Network/vpnGateways/${parts.gatewayName}/vpnConnections/${parts.connectionName}/vpnLinkConnections/${parts.linkConnectionName}`;
  return { ...parts, linkId, linkKey: linkKey(linkId), known };
}

interface InventoryRow {
  id: string;
  subscriptionId: string;
  resourceGroupName: string;
}

/**
 * Resolves targets against the local inventory, read through `readonly` (a read-only connection,
 * so a --where condition cannot write). Every target must resolve to exactly one link, or the
 * whole request fails with TargetError and nothing is queued. Duplicates are collapsed.
 */
export function resolveTargets(readonly: BetterSqlite3.Database, request: TargetRequest): ActionTarget[] {
  const out = new Map<string, ActionTarget>();
  const add = (t: ActionTarget) => out.set(t.linkKey, t);
  const byKey = readonly.prepare(`SELECT id, subscriptionId, resourceGroupName FROM vpn_link_connections WHERE _key = ?`);

  for (const raw of request.targets) {
    const target = raw.trim();
    if (target.startsWith('/')) {
      const parts = parseLinkId(target);
      if (!parts) throw new TargetError(`Expected a link connection id (/subscriptions/…/vpnGateways/…/vpnConnections/…/vpnLinkConnections/…), got '${target}'`);
      const row = byKey.get(linkKey(target)) as InventoryRow | undefined;
      if (!row && !request.allowUnknown) throw new TargetError(`Link ${target} is not in the local inventory (run \`vpnsync pull\`, or pass --allow-unknown)`);
      add(row ? targetFromParts(parseLinkId(row.id) ?? parts, true) : targetFromParts(parts, false));
      continue;
    }
    const names = target.split('/');
    if (names.length !== 3 || names.some((n) => n.trim() === '')) {
      throw new TargetError(`Expected a link id (/subscriptions/…) or gateway/connection/link names, got '${target}'`);
    }
    const [gatewayName, connectionName, linkConnectionName] = names as [string, string, string];
    const rows = matchByNames(readonly, gatewayName, connectionName, linkConnectionName, request);
    if (rows.length > 1) {
      const where = rows.map((r) => `${r.subscriptionId}/${r.resourceGroupName}`).join(', ');
      throw new TargetError(`'${target}' matches ${rows.length} links (in ${where}); pass --subscription and/or --resource-group`);
    }
    const row = rows[0];
    if (row) {
      add(targetFromParts(parseLinkId(row.id) as LinkIdParts, true));
    } else if (request.allowUnknown && request.subscription && request.resourceGroup) {
      add(targetFromParts({ subscriptionId: request.subscription, resourceGroupName: request.resourceGroup, gatewayName, connectionName, linkConnectionName }, false));
    } else if (request.allowUnknown) {
      throw new TargetError(`'${target}' is not in the local inventory; with --allow-unknown, also pass --subscription and --resource-group so its id can be built`);
    } else {
      throw new TargetError(`No link '${target}' in the local inventory (run \`vpnsync pull\`, or pass --allow-unknown with --subscription and --resource-group)`);
    }
  }

  if (request.where !== undefined) {
    for (const r of selectLinksWhere(readonly, request.where)) {
      // A second check behind the read-only one: whatever the condition yields must be a link
      // of the inventory, as it stands there (a crafted row is never queued as `known`).
      // A row an older vpnsync stored from an imported id that is not an ARM id (`…/..`) is
      // refused by name: its POST would go to another resource's path.
      if (!parseLinkId(r.id) && byKey.get(linkKey(r.id)) !== undefined) {
        throw new TargetError(`--where matched ${r.id}, which is not a valid ARM link connection id (${resourceIdProblem(r.id.trim()) ?? 'not a link connection'}); nothing queued`);
      }
      const row = parseLinkId(r.id) ? (byKey.get(linkKey(r.id)) as InventoryRow | undefined) : undefined;
      const parts = row ? parseLinkId(row.id) : undefined;
      if (!row || !parts) throw new TargetError(`--where "${request.where}" yielded '${r.id}', which is not a link in the local inventory; nothing queued`);
      if (matchesScope(row, request)) add(targetFromParts(parts, true));
    }
    if (out.size === 0) throw new TargetError(`--where "${request.where}" matched no links in the local inventory`);
  }
  if (out.size === 0) throw new TargetError('Expected at least one target: a link id, gateway/connection/link, or --where "<condition>"');
  return [...out.values()];
}

/** The rows a --where condition selects, read through the read-only query path (see selectWhere). */
function selectLinksWhere(readonly: BetterSqlite3.Database, where: string): InventoryRow[] {
  try {
    const rows = selectWhere(readonly, { table: 'vpn_link_connections', columns: ['id', 'subscriptionId', 'resourceGroupName'], condition: where, orderBy: '_key' });
    return rows.map(([id, subscriptionId, resourceGroupName]) => ({ id: String(id), subscriptionId: String(subscriptionId), resourceGroupName: String(resourceGroupName) }));
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    // SQLite's own words ("no such column: x") without the query command's "SQL error:" prefix.
    const message = e.reason === 'sql' && e.cause instanceof Error ? e.cause.message : e.message;
    throw new TargetError(`Expected --where to be an SQL condition over vpn_link_connections columns: ${message}`);
  }
}

function matchByNames(db: BetterSqlite3.Database, gw: string, conn: string, link: string, request: TargetRequest): InventoryRow[] {
  const rows = db
    .prepare(
      `SELECT id, subscriptionId, resourceGroupName FROM vpn_link_connections
       WHERE lower(gatewayName) = lower(?) AND lower(connectionName) = lower(?) AND lower(substr(id, length(id) - length(?) + 1)) = lower(?)
       ORDER BY _key`,
    )
    .all(gw, conn, link, link) as InventoryRow[];
  // The last id segment is the link's name as ARM routes it; make sure the match is a whole segment.
  return rows.filter((r) => (parseLinkId(r.id)?.linkConnectionName ?? '').toLowerCase() === link.toLowerCase()).filter((r) => matchesScope(r, request));
}

function matchesScope(r: InventoryRow, request: TargetRequest): boolean {
  return (
    (request.subscription === undefined || r.subscriptionId.toLowerCase() === request.subscription.toLowerCase()) &&
    (request.resourceGroup === undefined || r.resourceGroupName.toLowerCase() === request.resourceGroup.toLowerCase())
  );
}
