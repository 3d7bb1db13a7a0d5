import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';
import { expectedRow, storedRow } from '../support/expected-row.js';

const start = useE2e();
const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());

describe('vpnsync pull against the emulator (real @azure/identity, HTTPS)', () => {
  it("fills vpn_link_connections with exactly the emulator's link connections, every field equal", async () => {
    const ctx = await start({ seed: 11, size: { subscriptions: 2, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2, connectionsPerGateway: 4 } });
    const r = await ctx.vpnsync(['pull']);
    expect(r.stderr).toMatch(/pull #1 complete: \d+ links/);
    expect(r.code).toBe(EXIT.OK);
    const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
    const stored = ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey);
    expect(truth.length).toBeGreaterThan(50);
    expect(stored).toEqual(truth);
    // Properties outside the 22 fields survive in _raw.
    const raw = ctx.rows<{ _raw: string }>('SELECT _raw FROM vpn_link_connections LIMIT 1')[0]!;
    expect(JSON.parse(raw._raw).properties).toHaveProperty('dpdTimeoutSeconds');
    const pull = ctx.rows<Record<string, unknown>>('SELECT status, links_seen, links_added, scopes_failed FROM pulls')[0];
    expect(pull).toEqual({ status: 'complete', links_seen: truth.length, links_added: truth.length, scopes_failed: 0 });
  });

  it('pages (with empty pages), and rides out 429 + Retry-After and transient 5xx', async () => {
    const ctx = await start({
      seed: 12,
      pageSize: 2,
      emptyPageEvery: 2,
      faults: [
        { match: 'VpnLinkConnections_ListByVpnConnection', kind: '5xx', rate: 0.2, status: 503 },
        { match: 'VpnGateways_List', kind: '429', count: 2, retryAfterSeconds: 1 },
      ],
    });
    const r = await ctx.vpnsync(['pull', '--json']);
    expect(r.code).toBe(EXIT.OK);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ status: 'complete', scopesFailed: 0 });
    expect(result.throttled).toBeGreaterThanOrEqual(2);
    expect(result.retries).toBeGreaterThan(0);
    const stats = ctx.emulator.stats();
    expect(stats.maxPagesPerList.links ?? stats.maxPagesPerList.gateways).toBeGreaterThan(1);
    const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
    expect(ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey)).toEqual(truth);
  });

  it("403 on one gateway: exit 3, pull partial, that gateway's known links untouched, the rest updated", async () => {
    const ctx = await start({ seed: 13 });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const gateway = ctx.emulator.links()[0]!.gatewayName;
    const before = ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections WHERE gatewayName = ? ORDER BY _key', gateway);
    expect(before.length).toBeGreaterThan(0);

    // The fleet changes everywhere, including links removed; then the gateway's links are forbidden.
    for (let i = 0; i < 5; i++) ctx.emulator.tick();
    ctx.emulator.setFaults([{ match: gateway, kind: '403' }]);
    const r = await ctx.vpnsync(['pull']);
    expect(r.code).toBe(EXIT.PARTIAL);
    expect(r.stderr).toMatch(new RegExp(`failed: AuthorizationFailed ×\\d+ under ${gateway} in resource group \\S+ \\(HTTP 403, request id [0-9a-f-]{36}\\)`));

    const after = ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections WHERE gatewayName = ? ORDER BY _key', gateway);
    expect(after.map((row) => ({ ...row, _last_seen_pull: 0 }))).toEqual(before.map((row) => ({ ...row, _last_seen_pull: 0 })));
    const others = ctx.emulator.links().filter((l) => l.gatewayName !== gateway).map(expectedRow).sort(byKey);
    expect(ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections WHERE gatewayName <> ?', gateway).map(storedRow).sort(byKey)).toEqual(others);
    expect(ctx.rows('SELECT status FROM pulls WHERE id = 2')).toEqual([{ status: 'partial' }]);
    const failed = ctx.rows<{ http_status: number; error_code: string; request_id: string }>(`SELECT http_status, error_code, request_id FROM pull_scopes WHERE pull_id = 2 AND status = 'failed'`);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f).toMatchObject({ http_status: 403, error_code: 'AuthorizationFailed' });
    // No deletion of the forbidden gateway's links was recorded.
    expect(ctx.rows(`SELECT count(*) AS n FROM vpn_link_connection_versions WHERE _kind = 'deleted' AND gatewayName = ?`, gateway)).toEqual([{ n: 0 }]);
  });

  it('a second, concurrent pull exits 75 with a clear message; the first completes', async () => {
    const ctx = await start({ seed: 14, faults: [{ match: 'VpnLinkConnections_ListByVpnConnection', kind: 'latency', ms: 3000, count: 16 }] });
    const first = ctx.vpnsync(['pull']);
    // Wait until the first pull holds the lock (its running row exists).
    for (let i = 0; i < 200; i++) {
      try {
        if (ctx.rows(`SELECT 1 FROM pulls WHERE status = 'running'`).length > 0) break;
      } catch {
        // the database is not created yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await ctx.vpnsync(['pull']);
    expect(second.code).toBe(EXIT.LOCKED);
    expect(second.stderr.trim()).toMatch(/^vpnsync: Another pull \(#1, pid \d+ on .+, started .+\) is running on this database; try again when it has finished\.$/);
    const done = await first;
    expect(done.code).toBe(EXIT.OK);
    expect(ctx.rows('SELECT id, status FROM pulls')).toEqual([{ id: 1, status: 'complete' }]);
  });

  it('--strategy gateways and --strategy links give the same rows', async () => {
    const ctx = await start({ seed: 15 });
    const viaGateways = `${ctx.dir}/gateways.db`;
    expect((await ctx.vpnsync(['pull', '--strategy', 'links'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['pull', '--strategy', 'gateways'], { db: viaGateways })).code).toBe(EXIT.OK);
    const links = ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey);
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const conn = new BetterSqlite3(viaGateways, { readonly: true });
    const other = (conn.prepare('SELECT * FROM vpn_link_connections').all() as Record<string, unknown>[]).map(storedRow).sort(byKey);
    conn.close();
    expect(other).toEqual(links);
    expect(links.length).toBe(ctx.emulator.links().length);
  });

  it('filters: only the named gateway is pulled, and links outside the filter are never deleted', async () => {
    const ctx = await start({ seed: 16 });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const all = ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections')[0]!.n;
    const gateway = ctx.emulator.links()[0]!.gatewayName;
    const r = await ctx.vpnsync(['pull', '--gateway', gateway.toUpperCase(), '--json']);
    expect(r.code).toBe(EXIT.OK);
    const result = JSON.parse(r.stdout);
    expect(result.seen).toBe(ctx.emulator.links().filter((l) => l.gatewayName === gateway).length);
    expect(result.removed).toBe(0);
    expect(ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections')[0]!.n).toBe(all);
  });

  it('files are 0600 and no output or database byte holds the client secret, a bearer token or a plain sharedKey', async () => {
    const ctx = await start({ seed: 17, returnSharedKeys: true });
    const r = await ctx.vpnsync(['pull', '--json']);
    expect(r.code).toBe(EXIT.OK);
    const keys = ctx.emulator.links().map((l) => (l as unknown as { properties: { sharedKey?: string } }).properties.sharedKey).filter((k): k is string => typeof k === 'string');
    expect(keys.length).toBeGreaterThan(0);
    const stored = ctx.rows<{ sharedKey: string }>('SELECT sharedKey FROM vpn_link_connections');
    expect(stored.every((s) => /^hmac-sha256:[0-9a-f]{32}$/.test(s.sharedKey))).toBe(true);

    const files = [ctx.db, `${ctx.db}-wal`].filter((f) => { try { statSync(f); return true; } catch { return false; } });
    const haystacks = [r.stdout, r.stderr, ...files.map((f) => readFileSync(f).toString('latin1'))];
    const needles = [ctx.emulator.clientSecret, ...keys];
    for (const h of haystacks) for (const n of needles) expect(h.includes(n)).toBe(false);
    for (const h of haystacks) expect(h).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT-shaped token
    for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('a wrong client secret fails with one line, exit 1, and never echoes the secret', async () => {
    const ctx = await start({ seed: 18 });
    const secret = 'definitely-wrong-secret-value';
    const r = await ctx.vpnsync(['pull'], { env: { AZURE_CLIENT_SECRET: secret } });
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vpnsync: Entra ID refused the credential of client [0-9a-f-]{36}: AADSTS7000215: Invalid client secret provided\. Check AZURE_CLIENT_SECRET/);
    expect(r.stderr).not.toContain(secret);
    expect(ctx.rows('SELECT status FROM pulls')).toEqual([{ status: 'failed' }]);
  });

  it('a pull that can list nothing at all fails (exit 1), it is not partial', async () => {
    const ctx = await start({ seed: 20 });
    const r = await ctx.vpnsync(['pull', '--subscription', '99999999-9999-4999-8999-999999999999']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^vpnsync: Azure Resource Manager call failed: SubscriptionNotFound \(HTTP 404\): nothing could be listed \(1 scope failed: SubscriptionNotFound ×1\)/);
    expect(ctx.rows('SELECT status FROM pulls')).toEqual([{ status: 'failed' }]);
  });

  it('bad flag values get one clear line and exit 2, with nothing written', async () => {
    const ctx = await start({ seed: 19 });
    const cases: [string[], RegExp][] = [
      [['pull', '--concurrency', 'x'], /^vpnsync: Expected --concurrency to be an integer from 1 to 256, got 'x'$/],
      [['pull', '--concurrency', '0'], /^vpnsync: Expected --concurrency to be an integer from 1 to 256, got '0'$/],
      [['pull', '--strategy', 'fast'], /^vpnsync: Invalid values:.*strategy.*fast/],
      [['pull', '--arm-endpoint', 'http://example.com'], /^vpnsync: Expected --arm-endpoint to be an https URL/],
      [['pull', '--api-version', 'latest'], /^vpnsync: Expected --api-version to be a date-like api-version/],
      [['pull', '--subscription', 'nope'], /^vpnsync: Expected --subscription to be a subscription id/],
      [['pul'], /^vpnsync: Unknown command 'pul'\. Did you mean pull\?$/],
    ];
    for (const [args, message] of cases) {
      const r = await ctx.vpnsync(args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(() => statSync(ctx.db)).toThrow();
  });
});

describe('vpnsync pull after a kill -9', () => {
  it('leaves the database consistent; the next pull clears the dead lock and records the same state', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../support/run-cli.js');
    const ctx = await start({ seed: 31, faults: [{ match: 'VpnLinkConnections_ListByVpnConnection', kind: 'latency', ms: 2000, count: 16 }] });
    const child = spawn(process.execPath, [BIN, 'pull', '--db', ctx.db], { env: { ...process.env, ...ctx.emulator.env }, stdio: 'ignore' });
    for (let i = 0; i < 400; i++) {
      try {
        if (ctx.rows(`SELECT 1 FROM pulls WHERE status = 'running'`).length > 0) break;
      } catch {
        // not created yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(ctx.rows('SELECT integrity_check FROM pragma_integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(ctx.rows('SELECT count(*) AS n FROM vpn_link_connections')).toEqual([{ n: 0 }]);

    ctx.emulator.setFaults([]);
    const r = await ctx.vpnsync(['pull']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/cleared the lock of pull #1: process \d+ is no longer running; that pull is marked failed/);
    expect(ctx.rows('SELECT id, status FROM pulls ORDER BY id')).toEqual([{ id: 1, status: 'failed' }, { id: 2, status: 'complete' }]);
    const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
    expect(ctx.rows<Record<string, unknown>>('SELECT * FROM vpn_link_connections').map(storedRow).sort(byKey)).toEqual(truth);
  });
});
