/**
 * `vpnsync pull --strategy gateways` against gateway listings in the shapes real ARM uses: a
 * connection listed without `vpnLinkConnections` (Microsoft's VpnGatewayList example,
 * gateway2/vpnConnection2) has its links listed with ListByVpnConnection in the same pull; an
 * embedded `vpnLinkConnections: []` means no links.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { connectionKey } from '../../src/arm/resource-id.js';
import type { LinkConnectionTruth, RequestLogEntry } from '../../src/emulator/index.js';
import { removedLinks } from '../../src/soak/fault-trials.js';
import { checkPull } from '../../src/soak/pull-invariants.js';
import { currentRowsOf, pullsOf, readDb } from '../../src/soak/soak-db.js';
import { runVpnsync } from '../../src/soak/vpnsync-process.js';
import { EXAMPLES_DIR } from '../emulator/helpers.js';
import { useE2e, type E2eContext } from '../support/e2e.js';
import { expectedRow, storedRow } from '../support/expected-row.js';

const start = useE2e();
const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());
const LIST_LINKS = 'VpnLinkConnections_ListByVpnConnection';

interface GatewayListing {
  subscriptions: unknown[];
  gateways: { properties: { connections?: { id: string; properties: { vpnLinkConnections?: unknown[] } }[] } }[];
  links?: unknown[];
}

/** Keys (lower-cased connection ids) of the connections the emulator's gateway listing shows without link connections. */
function unembeddedConnections(ctx: E2eContext): string[] {
  const fleet = ctx.emulator.fleetJson() as GatewayListing;
  return fleet.gateways
    .flatMap((g) => g.properties.connections ?? [])
    .filter((c) => !Array.isArray(c.properties.vpnLinkConnections))
    .map((c) => c.id.toLowerCase())
    .sort();
}

function rowsOf(db: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    return conn.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    conn.close();
  }
}

/** Requests the CLI made per ARM operation, from the emulator's counters (token service left out). */
function armRequests(ctx: E2eContext): { total: number; byOperation: Record<string, number> } {
  const byOperation: Record<string, number> = {};
  for (const [op, statuses] of Object.entries(ctx.emulator.stats().byOperation)) {
    if (op.startsWith('Entra_')) continue;
    byOperation[op] = Object.values(statuses).reduce((a, b) => a + b, 0);
  }
  return { total: Object.values(byOperation).reduce((a, b) => a + b, 0), byOperation };
}

describe('pull --strategy gateways over connections listed without their link connections', () => {
  it('lists their links with ListByVpnConnection: complete, exit 0, the same rows as --strategy links, every request counted', async () => {
    // pageSize 10: every link list is one page, so one request per listed connection.
    const ctx = await start({ seed: 41, withoutEmbeddedLinks: 0.2, pageSize: 10, size: { subscriptions: 2, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 5 } });
    const hidden = unembeddedConnections(ctx);
    expect(hidden).toHaveLength(4);

    ctx.emulator.resetStats();
    const r = await ctx.vpnsync(['pull', '--strategy', 'gateways', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ status: 'complete', scopesFailed: 0, strategy: 'gateways' });
    expect(r.stderr).toMatch(/4 of them listed without their link connections: listing those with ListByVpnConnection/);

    // One ListByVpnConnection per connection listed without its links, and the summary counts them.
    const requests = armRequests(ctx);
    expect(requests.byOperation[LIST_LINKS]).toBe(4);
    expect(result.requests).toBe(requests.total);
    expect(r.stderr).toMatch(new RegExp(`^pull #1 complete: .*, ${requests.total} requests, `, 'm'));

    // Exactly the emulator's links, and the same rows as a links pull.
    const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
    const viaGateways = ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey);
    expect(viaGateways).toEqual(truth);
    const viaLinks = `${ctx.dir}/links.db`;
    expect((await ctx.vpnsync(['pull', '--strategy', 'links'], { db: viaLinks })).code).toBe(EXIT.OK);
    expect(rowsOf(viaLinks, 'SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey)).toEqual(viaGateways);

    // pull_scopes: a links row for exactly the connections listed, with their item counts.
    const scopes = ctx.rows<{ scope_id: string; status: string; items: number; request_id: string | null }>(`SELECT scope_id, status, items, request_id FROM pull_scopes WHERE pull_id = 1 AND kind = 'links' ORDER BY scope_id`);
    expect(scopes.map((s) => s.scope_id)).toEqual(hidden);
    const linksOf = (key: string) => ctx.emulator.links().filter((l) => connectionKey(l) === key).length;
    for (const s of scopes) expect(s).toMatchObject({ status: 'ok', items: linksOf(s.scope_id), request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('an embedded empty list means no links: the connection is not listed again, and its stored links are recorded deleted', async () => {
    const before = await start({ seed: 42, withoutEmbeddedLinks: 0.1, pageSize: 10 });
    const fleet = before.emulator.fleetJson() as GatewayListing;
    // The same fleet, but one connection now embeds an empty list (its site links were removed).
    const emptied = fleet.gateways[0]!.properties.connections!.find((c) => Array.isArray(c.properties.vpnLinkConnections))!;
    const removed = emptied.properties.vpnLinkConnections!.length;
    expect(removed).toBeGreaterThan(0);
    emptied.properties.vpnLinkConnections = [];
    const after = await start({ fleetJson: fleet, pageSize: 10 });

    expect((await after.vpnsync(['pull', '--strategy', 'gateways'], { env: before.emulator.env })).code).toBe(EXIT.OK);
    after.emulator.resetStats();
    const r = await after.vpnsync(['pull', '--strategy', 'gateways', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', removed });
    const listed = new Set(unembeddedConnections(after));
    expect(listed.has(emptied.id.toLowerCase())).toBe(false);
    expect(armRequests(after).byOperation[LIST_LINKS]).toBe(listed.size);
    expect(after.rows(`SELECT count(*) AS n FROM vpn_link_connections WHERE lower(id) LIKE ?`, `${emptied.id.toLowerCase()}/%`)).toEqual([{ n: 0 }]);
    expect(after.rows(`SELECT count(*) AS n FROM pull_scopes WHERE pull_id = 2 AND scope_id = ?`, emptied.id.toLowerCase())).toEqual([{ n: 0 }]);
    expect(after.rows(`SELECT count(*) AS n FROM vpn_link_connection_versions WHERE _pull_id = 2 AND _kind = 'deleted'`)).toEqual([{ n: removed }]);
    const truth = after.emulator.links().map(expectedRow).sort(byKey);
    expect(after.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey)).toEqual(truth);
  });

  it('when that listing fails, that connection is a failed scope (ARM code, status, request id) and its stored links stay as they were', async () => {
    const ctx = await start({ seed: 43, withoutEmbeddedLinks: 0.1, pageSize: 10 });
    expect((await ctx.vpnsync(['pull', '--strategy', 'gateways'])).code).toBe(EXIT.OK);
    const [target] = unembeddedConnections(ctx);
    const name = target!.split('/').pop()!;
    const ofTarget = (l: LinkConnectionTruth) => connectionKey(l) === target;
    const stored = () => ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections WHERE lower(connectionName) = ? ORDER BY _key', name);
    const before = stored();
    expect(before.length).toBeGreaterThan(0);

    // Every link changes (byte counters grow each step), then that connection's listing is forbidden.
    ctx.emulator.tick(3);
    ctx.emulator.setFaults([{ match: name, kind: '403' }]);
    const r = await ctx.vpnsync(['pull', '--strategy', 'gateways', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.PARTIAL);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'partial', scopesFailed: 1 });
    expect(r.stderr).toMatch(/^failed: AuthorizationFailed ×1 under \S+ in resource group \S+ \(HTTP 403, request id [0-9a-f-]{36}\)$/m);
    expect(ctx.rows(`SELECT kind, scope_id, status, http_status, error_code FROM pull_scopes WHERE pull_id = 2 AND status = 'failed'`)).toEqual([
      { kind: 'links', scope_id: target, status: 'failed', http_status: 403, error_code: 'AuthorizationFailed' },
    ]);
    expect(ctx.rows(`SELECT error_summary FROM pulls WHERE id = 2`)).toEqual([{ error_summary: '1 scope failed: AuthorizationFailed ×1' }]);

    // Its links: exactly as before (never read as deleted); everything else: the emulator's truth.
    expect(stored().map((row) => ({ ...row, _last_seen_pull: 0 }))).toEqual(before.map((row) => ({ ...row, _last_seen_pull: 0 })));
    expect(ctx.rows(`SELECT count(*) AS n FROM vpn_link_connection_versions WHERE _pull_id = 2 AND lower(connectionName) = ?`, name)).toEqual([{ n: 0 }]);
    const others = ctx.emulator.links().filter((l) => !ofTarget(l)).map(expectedRow).sort(byKey);
    expect(ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections WHERE lower(connectionName) <> ?', name).map(storedRow).sort(byKey)).toEqual(others);
    expect(ctx.emulator.links().filter(ofTarget).map(expectedRow).sort(byKey)).not.toEqual(before.map(storedRow).sort(byKey));
  });

  it("the soak's pull invariants accept such pulls, complete and partial, and catch listings and scope rows that disagree", async () => {
    const requests: RequestLogEntry[] = [];
    const ctx = await start({ seed: 44, withoutEmbeddedLinks: 0.15, onRequest: (e) => requests.push(e) });
    const [target] = unembeddedConnections(ctx);
    const pull = async () => {
      const before = readDb(ctx.db, (d) => ({ pulls: pullsOf(d), rows: currentRowsOf(d) })) ?? { pulls: [], rows: new Map() };
      requests.length = 0;
      const run = await runVpnsync(['pull', '--db', ctx.db, '--json', '--strategy', 'gateways'], ctx.emulator.env);
      return { run, input: { run, dbFile: ctx.db, before, truth: ctx.emulator.links(), requests: [...requests], removedEver: removedLinks(ctx.emulator), strategy: 'gateways' as const } };
    };
    const first = await pull();
    expect(first.run.code).toBe(EXIT.OK);
    expect(checkPull(first.input)).toEqual([]);
    ctx.emulator.tick(2);
    ctx.emulator.setFaults([{ match: target!.split('/').pop()!, kind: '5xx', status: 503, retryAfterSeconds: 0 }]);
    const second = await pull();
    expect(second.run.code).toBe(EXIT.PARTIAL);
    expect(checkPull(second.input)).toEqual([]);
    // And they would see a listing without its scope row, or a scope row without its listing.
    const embedded = (ctx.emulator.fleetJson() as GatewayListing).gateways.flatMap((g) => g.properties.connections ?? []).find((c) => Array.isArray(c.properties.vpnLinkConnections))!.id.toLowerCase();
    const listing: RequestLogEntry = { method: 'GET', url: `${embedded}/vpnLinkConnections?api-version=${'2026-07-01'}`, status: 200 };
    expect(checkPull({ ...second.input, requests: [...second.input.requests, listing] })).toContain(`no scope row for the links of ${embedded}`);
    const other = unembeddedConnections(ctx).find((c) => c !== target)!;
    const withoutOther = second.input.requests.filter((r) => !decodeURIComponent(r.url).toLowerCase().startsWith(`${other}/`));
    expect(checkPull({ ...second.input, requests: withoutOther })).toContain(`links ${other}: a scope row (ok) for links the pull read from the gateway listing`);
  }, 120_000);

  it("Microsoft's VpnGatewayList example (gateway2/vpnConnection2 without vpnLinkConnections) pulls complete", async () => {
    const ctx = await start({ fleetFile: `${EXAMPLES_DIR}VpnGatewayList.json` });
    const r = await ctx.vpnsync(['pull', '--strategy', 'gateways', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', seen: 2, scopesFailed: 0 });
    expect(ctx.rows(`SELECT kind, scope_id, status, items FROM pull_scopes WHERE kind = 'links'`)).toEqual([
      {
        kind: 'links',
        scope_id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg2/providers/microsoft.network/vpngateways/gateway2/vpnconnections/vpnconnection2',
        status: 'ok',
        items: 0,
      },
    ]);
    const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
    expect(ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey)).toEqual(truth);
  });
});
