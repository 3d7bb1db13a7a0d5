import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();

describe('queue run: an id that breaks ARM’s grammar is never sent', () => {
  it('a queued action on a link named `..` (a row an older vpnsync wrote) fails before its POST; the others run', async () => {
    const requests: RequestLogEntry[] = [];
    const ctx = await start({ seed: 151, lro: { polls: 1, retryAfterSeconds: 0 }, onRequest: (e) => requests.push(e) });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const link = ctx.emulator.links()[0]!;
    const good = ctx.emulator.links()[1]!;
    // The id an older vpnsync accepted from an import, and the action it queued on it, written
    // directly as that version would have: POSTed, it resolves to …/vpnConnections/<name>/getikesas.
    const bad = link.id.replace(/[^/]+$/, '..');
    const parts = bad.split('/');
    const db = new BetterSqlite3(ctx.db);
    try {
      const insert = db.prepare(
        `INSERT INTO actions (kind, link_key, link_id, subscriptionId, resourceGroupName, gatewayName, connectionName, linkConnectionName, status, requested_by, queued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 'old-vpnsync', '2026-01-01T00:00:00.000Z')`,
      );
      insert.run('ike-sas', bad.toLowerCase(), bad, parts[2], parts[4], parts[8], parts[10], parts[12]);
      insert.run('reset', bad.toLowerCase(), bad, parts[2], parts[4], parts[8], parts[10], parts[12]);
    } finally {
      db.close();
    }
    expect((await ctx.vpnsync(['queue', 'ike-sas', good.id])).code).toBe(EXIT.OK);
    requests.length = 0;

    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code, run.stderr).not.toBe(EXIT.OK);
    const outcomes = (JSON.parse(run.stdout) as { outcomes: { id: number; outcome: string; errorCode?: string; message?: string }[] }).outcomes;
    const why = "not sent: " + bad + " is not a valid ARM resource id (its linkConnectionName is '..', a path step rather than a name)";
    expect(outcomes).toEqual([
      { id: 1, kind: 'ike-sas', link: `${link.gatewayName}/${link.connectionName}/..`, outcome: 'failed', errorCode: 'InvalidResourcePath', message: why },
      { id: 2, kind: 'reset', link: `${link.gatewayName}/${link.connectionName}/..`, outcome: 'failed', errorCode: 'InvalidResourcePath', message: why },
      expect.objectContaining({ id: 3, outcome: 'succeeded' }),
    ]);
    // Nothing went to the VPN connection's path (nor any other but the good link's).
    const posts = requests.filter((r) => r.method === 'POST' && r.url.startsWith('/subscriptions/')).map((r) => r.url.split('?')[0]!.toLowerCase());
    expect(posts).toEqual([`${good.id.toLowerCase()}/getikesas`]);
    expect(ctx.emulator.stats().postsByLink[link.id.toLowerCase()]).toBeUndefined();
    expect(ctx.rows('SELECT status, error_code, posted_at FROM actions WHERE id IN (1, 2) ORDER BY id')).toEqual([
      { status: 'failed', error_code: 'InvalidResourcePath', posted_at: null },
      { status: 'failed', error_code: 'InvalidResourcePath', posted_at: null },
    ]);
  });

  it('queue ike-sas refuses such an id when it is typed', async () => {
    const ctx = await start({ seed: 152 });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const bad = ctx.emulator.links()[0]!.id.replace(/[^/]+$/, '..');
    const r = await ctx.vpnsync(['queue', 'ike-sas', bad, '--allow-unknown']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^vpnsync: Expected a link connection id/);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: 0 }]);
  });

  it('queue --where matching a stored link whose id is `…/..` (an older vpnsync’s import) refuses, queuing nothing', async () => {
    const ctx = await start({ seed: 153 });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const link = ctx.emulator.links()[0]!;
    const bad = link.id.replace(/[^/]+$/, '..');
    const db = new BetterSqlite3(ctx.db);
    try {
      db.prepare('UPDATE vpn_link_connections SET id = ?, _key = lower(?) WHERE _key = ?').run(bad, bad, link.id.toLowerCase());
    } finally {
      db.close();
    }
    const r = await ctx.vpnsync(['queue', 'ike-sas', '--where', `gatewayName = '${link.gatewayName}'`, '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toBe(`vpnsync: --where matched ${bad}, which is not a valid ARM link connection id (the segment after 'vpnLinkConnections' is '..', a path step rather than a name); nothing queued\n`);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: 0 }]);
  });
});
