import type BetterSqlite3 from 'better-sqlite3';
import { filterFlags } from '../discovery/discover-connections.js';
import type { LinkVersionTable } from '../store/schema.js';

/** A scope a pull failed to list: everything under it went unseen by that pull. */
export interface FailedScope {
  pullId: number;
  kind: 'subscriptions' | 'gateways' | 'links';
  /** Lower-cased ARM id of the parent ('/' for the subscription list). */
  scopeId: string;
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestId: string | null;
}

/** What one pull could see: its failed scopes and the filters it was run with. */
export interface PullCoverage {
  failed: FailedScope[];
  /** Lower-cased subscription ids when the pull was limited to some (`--subscription`). */
  subscriptions?: string[];
  resourceGroup?: string;
  gateway?: string;
  connection?: string;
}

type Located = Pick<LinkVersionTable, '_key' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>;

/** Coverage of every pull with id in [fromId, toId] that failed a scope or ran with filters. */
export function loadCoverage(sqlite: BetterSqlite3.Database, fromId: number, toId: number): Map<number, PullCoverage> {
  const out = new Map<number, PullCoverage>();
  const scopes = sqlite
    .prepare(
      `SELECT pull_id AS pullId, kind, scope_id AS scopeId, http_status AS httpStatus, error_code AS errorCode, error_message AS errorMessage, request_id AS requestId
       FROM pull_scopes WHERE status = 'failed' AND pull_id BETWEEN ? AND ? ORDER BY pull_id, scope_id`,
    )
    .all(fromId, toId) as FailedScope[];
  for (const s of scopes) {
    const c = out.get(s.pullId) ?? { failed: [] };
    c.failed.push(s);
    out.set(s.pullId, c);
  }
  const pulls = sqlite.prepare(`SELECT id, scope FROM pulls WHERE id BETWEEN ? AND ?`).all(fromId, toId) as { id: number; scope: string }[];
  for (const p of pulls) {
    const filters = parseFilters(p.scope);
    if (!filters) continue;
    out.set(p.id, { ...(out.get(p.id) ?? { failed: [] }), ...filters });
  }
  return out;
}

/** The failed scope that hid `link` from the pull, or `'filter'` when the pull's filters left it out; undefined when the pull saw it. */
export function unseenBecause(coverage: PullCoverage | undefined, link: Located): FailedScope | 'filter' | undefined {
  if (!coverage) return undefined;
  if (!inFilters(coverage, link)) return 'filter';
  if (coverage.failed.length === 0) return undefined;
  // A failed scope's id is the lower-cased id of a parent of the link (subscription, resource
  // group or connection), so it is a path prefix of the link's key; '/' is the subscription list.
  for (const s of coverage.failed) {
    if (s.scopeId === '/' || link._key.startsWith(`${s.scopeId}/`)) return s;
  }
  return undefined;
}

function inFilters(c: PullCoverage, link: Located): boolean {
  const same = (filter: string | undefined, name: string) => filter === undefined || filter.toLowerCase() === name.toLowerCase();
  return (
    (c.subscriptions === undefined || c.subscriptions.includes(link.subscriptionId.toLowerCase())) &&
    same(c.resourceGroup, link.resourceGroupName) &&
    same(c.gateway, link.gatewayName) &&
    same(c.connection, link.connectionName)
  );
}

/** A pull's filters as command-line flags ("--gateway vpngw-eastus-01"), from its `scope` JSON; null for an unfiltered pull. */
export function pullFilterText(scope: string): string | null {
  const filters = parseFilters(scope);
  return filters ? filterFlags(filters) : null;
}

/** The filters in a pull's `scope` JSON (written by `vpnsync pull`); undefined when it had none. */
function parseFilters(scope: string): Omit<PullCoverage, 'failed'> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(scope);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const s = parsed as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const subs = Array.isArray(s.subscriptions) ? s.subscriptions.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()) : undefined;
  const filters: Omit<PullCoverage, 'failed'> = {};
  if (subs && subs.length > 0) filters.subscriptions = subs;
  const rg = text(s.resourceGroup);
  const gw = text(s.gateway);
  const conn = text(s.connection);
  if (rg) filters.resourceGroup = rg;
  if (gw) filters.gateway = gw;
  if (conn) filters.connection = conn;
  return Object.keys(filters).length > 0 ? filters : undefined;
}
