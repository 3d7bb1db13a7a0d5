import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { BIN, outputOf } from '../support/run-cli.js';
import { useE2e, type E2eContext } from '../support/e2e.js';
import { requireTool } from '../support/require-tool.js';

const start = useE2e();
/** util-linux `script`, to run the CLI on a pseudo-terminal. */
const SCRIPT = requireTool('script (util-linux)', ['script'], 'bsdutils');

/** Pulls, then returns links (gateway/connection/link names and ids) grouped by connection. */
async function inventory(ctx: E2eContext) {
  expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
  const rows = ctx.rows<{ id: string; gatewayName: string; connectionName: string; name: string }>(
    `SELECT id, gatewayName, connectionName, name FROM vpn_link_connections WHERE connectionStatus = 'Connected' ORDER BY _key`,
  );
  const target = (r: (typeof rows)[number]) => `${r.gatewayName}/${r.connectionName}/${r.id.split('/').pop()}`;
  return { rows, target };
}

const posts = (ctx: E2eContext, id: string) => ctx.emulator.stats().postsByLink[id.toLowerCase()] ?? { resetconnection: 0, getikesas: 0 };

describe('queued EXEC actions against the emulator', () => {
  it('reset and ike-sas end to end: queued offline, run, IKE SA result stored, trail kept, next pull shows the reset', async () => {
    const ctx = await start({ seed: 21, lro: { polls: 2, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const [a, b] = [rows[0]!, rows[rows.length - 1]!];

    const q1 = await ctx.vpnsync(['queue', 'reset', target(a), '--reason', 'tunnel stuck', '--requested-by', 'alice']);
    expect(q1.code).toBe(EXIT.OK);
    expect(q1.stdout).toMatch(/^queued #1 reset /);
    const q2 = await ctx.vpnsync(['queue', 'ike-sas', b.id]);
    expect(q2.stdout).toMatch(/^queued #2 ike-sas /);
    expect(posts(ctx, a.id).resetconnection).toBe(0); // queuing is offline

    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout);
    expect(result.outcomes.map((o: { id: number; outcome: string }) => [o.id, o.outcome])).toEqual([[1, 'succeeded'], [2, 'succeeded']]);
    expect(posts(ctx, a.id).resetconnection).toBe(1);
    expect(posts(ctx, b.id).getikesas).toBe(1);

    const ike = ctx.rows<{ raw: string; parsed: string }>('SELECT raw, parsed FROM ike_sas WHERE action_id = 2')[0]!;
    expect(JSON.parse(ike.parsed)).toMatchObject({ Status: 'Successful' });
    const show = await ctx.vpnsync(['queue', 'show', '2']);
    expect(show.stdout).toMatch(/IKE security associations/);
    expect(show.stdout).toMatch(/"Status": "Successful"/);

    const trail = ctx.rows<{ event: string }>('SELECT event FROM action_events WHERE action_id = 1 ORDER BY id').map((e) => e.event);
    expect(trail[0]).toBe('queued');
    expect(trail.slice(1, 4)).toEqual(['started', 'posting', 'accepted']);
    expect(trail.filter((e) => e === 'poll').length).toBeGreaterThanOrEqual(2);
    expect(trail[trail.length - 1]).toBe('succeeded');
    expect(ctx.rows('SELECT requested_by, reason, status FROM actions WHERE id = 1')).toEqual([{ requested_by: 'alice', reason: 'tunnel stuck', status: 'succeeded' }]);

    // The reset went through Connecting and back to Connected: the emulator recorded it, and the
    // next pull writes it to history when the state differs from what was stored.
    const resetMutations = ctx.emulator.mutations().filter((m) => m.linkId?.toLowerCase() === a.id.toLowerCase() && m.field === 'connectionStatus');
    expect(resetMutations.map((m) => m.new)).toEqual(['Connecting', 'Connected']);
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    expect(ctx.rows('SELECT connectionStatus FROM vpn_link_connections WHERE id = ?', a.id)).toEqual([{ connectionStatus: 'Connected' }]);
  });

  it('kill -9 of the runner while an operation is polled: the next run resumes it, and ARM saw exactly one POST', async () => {
    const ctx = await start({ seed: 22, lro: { polls: 6, retryAfterSeconds: 1 } });
    const { rows, target } = await inventory(ctx);
    const link = rows[0]!;
    expect((await ctx.vpnsync(['queue', 'reset', target(link)])).code).toBe(EXIT.OK);

    const child = spawn(process.execPath, [BIN, 'queue', 'run', '--db', ctx.db], { env: { ...process.env, ...ctx.emulator.env }, stdio: 'ignore' });
    // Wait until ARM accepted the POST and the poller state is saved, then kill -9 mid-polling.
    for (let i = 0; i < 400; i++) {
      try {
        if (ctx.rows(`SELECT 1 FROM action_events WHERE action_id = 1 AND event = 'poll'`).length > 0) break;
      } catch {
        // busy while the runner writes
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(ctx.rows('SELECT status, poller_state IS NOT NULL AS saved FROM actions WHERE id = 1')).toEqual([{ status: 'running', saved: 1 }]);

    const rerun = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(rerun.code, rerun.stderr).toBe(EXIT.OK);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ resumed: [1], outcomes: [{ id: 1, outcome: 'succeeded' }] });
    expect(rerun.stderr).toMatch(/cleared the lock of queue run #1/);
    expect(posts(ctx, link.id).resetconnection).toBe(1);
    const events = ctx.rows<{ event: string }>('SELECT event FROM action_events WHERE action_id = 1').map((e) => e.event);
    expect(events.filter((e) => e === 'posting')).toHaveLength(1);
    expect(events).toContain('resumed');
  });

  for (const [signal, code] of [['SIGINT', EXIT.INTERRUPTED], ['SIGTERM', EXIT.TERMINATED]] as const) {
    it(`${signal} while an operation is polled: one line, exit ${code}, the run is marked failed at once, and the next run resumes the action without POSTing it again`, async () => {
      const ctx = await start({ seed: 22, lro: { polls: 6, retryAfterSeconds: 1 } });
      const { rows, target } = await inventory(ctx);
      const link = rows[0]!;
      expect((await ctx.vpnsync(['queue', 'reset', target(link)])).code).toBe(EXIT.OK);
      const child = spawn(process.execPath, [BIN, 'queue', 'run', '--db', ctx.db], { env: { ...process.env, ...ctx.emulator.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const ended = outputOf(child);
      for (let i = 0; i < 400; i++) {
        try {
          if (ctx.rows(`SELECT 1 FROM action_events WHERE action_id = 1 AND event = 'poll'`).length > 0) break;
        } catch {
          // busy while the runner writes
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill(signal);
      const r = await ended;
      expect(r.code).toBe(code);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
        `vpnsync: queue run #1 interrupted by ${signal}: marked failed; 1 action in flight: the next queue run resumes it and never sends it again`,
      );
      // Not left `running` for the next run to clear as a dead process's lock.
      expect(ctx.rows('SELECT id, status, error_summary, finished_at IS NOT NULL AS finished FROM queue_runs')).toEqual([{ id: 1, status: 'failed', error_summary: `interrupted by ${signal}`, finished: 1 }]);
      const rerun = await ctx.vpnsync(['queue', 'run', '--json']);
      expect(rerun.code, rerun.stderr).toBe(EXIT.OK);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ resumed: [1], outcomes: [{ id: 1, outcome: 'succeeded' }] });
      expect(rerun.stderr).not.toMatch(/cleared the lock/);
      expect(posts(ctx, link.id).resetconnection).toBe(1);
    });
  }

  it('never resets two links of one VPN connection at the same time', async () => {
    const ctx = await start({ seed: 23, size: { linksPerConnection: 4 }, lro: { polls: 2, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const conn = rows[0]!.connectionName;
    const siblings = rows.filter((r) => r.connectionName === conn && r.gatewayName === rows[0]!.gatewayName);
    expect(siblings.length).toBeGreaterThanOrEqual(2);
    expect((await ctx.vpnsync(['queue', 'reset', ...siblings.map(target)])).code).toBe(EXIT.OK);
    const run = await ctx.vpnsync(['queue', 'run', '--concurrency', '8']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const connKey = siblings[0]!.id.toLowerCase().replace(/\/vpnlinkconnections\/[^/]+$/, '');
    expect(ctx.emulator.stats().maxInFlightActionsPerConnection[connKey]).toBe(1);
    for (const s of siblings) expect(posts(ctx, s.id).resetconnection).toBe(1);
  });

  it('actions on one link run in queue order: the IKE SAs are read after the reset ends, not during it', async () => {
    const ctx = await start({ seed: 31, lro: { polls: 3, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const link = rows[0]!;
    expect((await ctx.vpnsync(['queue', 'reset', target(link)])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'ike-sas', target(link)])).code).toBe(EXIT.OK);
    const run = await ctx.vpnsync(['queue', 'run', '--concurrency', '8', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout).outcomes.map((o: { id: number; outcome: string }) => [o.id, o.outcome])).toEqual([[1, 'succeeded'], [2, 'succeeded']]);
    // The IKE SA fetch started only once the reset had ended, so the link was Connected again.
    const events = ctx.rows<{ action_id: number; event: string }>(`SELECT action_id, event FROM action_events WHERE event IN ('started', 'succeeded') ORDER BY id`);
    expect(events).toEqual([
      { action_id: 1, event: 'started' },
      { action_id: 1, event: 'succeeded' },
      { action_id: 2, event: 'started' },
      { action_id: 2, event: 'succeeded' },
    ]);
    const ike = ctx.rows<{ parsed: string }>('SELECT parsed FROM ike_sas WHERE action_id = 2')[0]!;
    expect(JSON.parse(ike.parsed).Data).not.toBeNull();
  });

  it('an action waits behind an earlier action on its link that is not yet due', async () => {
    const ctx = await start({ seed: 32, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const link = rows[0]!;
    expect((await ctx.vpnsync(['queue', 'reset', target(link), '--not-before', '+2h'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'ike-sas', target(link)])).code).toBe(EXIT.OK);
    const dry = await ctx.vpnsync(['queue', 'run', '--dry-run']);
    expect(dry.stdout).toMatch(/2\s+ike-sas .* wait: after an earlier action on its link \(queue order\)/);
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcomes: [], notDue: [1], deferred: [2] });
    expect(ctx.emulator.stats().postsByLink).toEqual({});
  });

  it('--where without a terminal needs --yes; --dry-run lists what would be queued and writes nothing', async () => {
    const ctx = await start({ seed: 33 });
    const { rows } = await inventory(ctx);
    const gw = rows[0]!.gatewayName;
    const where = `gatewayName = '${gw}' AND connectionStatus = 'Connected'`;
    const matched = rows.filter((r) => r.gatewayName === gw).length;
    expect(matched).toBeGreaterThan(1);

    const refused = await ctx.vpnsync(['queue', 'reset', '--where', where]);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toBe(`vpnsync: Expected --yes to queue ${matched} reset actions selected by --where without a terminal to confirm on (list them with --dry-run); nothing queued\n`);
    expect(refused.stdout).toBe('');

    const dry = await ctx.vpnsync(['queue', 'reset', '--where', where, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(matched);
    for (const l of lines) expect(l).toMatch(new RegExp(`^would queue reset ${gw}/[^/]+/[^/]+$`));
    const dryJson = JSON.parse((await ctx.vpnsync(['queue', 'reset', '--where', where, '--dry-run', '--json'])).stdout);
    expect(dryJson.dryRun).toBe(true);
    expect(dryJson.wouldQueue).toHaveLength(matched);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: 0 }]);

    const yes = await ctx.vpnsync(['queue', 'reset', '--where', where, '--yes']);
    expect(yes.code, yes.stderr).toBe(EXIT.OK);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: matched }]);
    // A dry run sees the duplicates a real run would skip.
    const again = await ctx.vpnsync(['queue', 'reset', '--where', where, '--dry-run']);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^would not queue: .* already has reset action #1 \(queued\)$/m);

    // exec and cancel take --dry-run too, and write nothing.
    const l = rows[0]!;
    const [, , sub, , rg] = l.id.split('/');
    const exec = await ctx.vpnsync(['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_GetIkeSas @connectionName='${l.connectionName}', @gatewayName='${l.gatewayName}', @linkConnectionName='${l.id.split('/').pop()}', @resourceGroupName='${rg}', @subscriptionId='${sub}'`, '--dry-run']);
    expect(exec.code, exec.stderr).toBe(EXIT.OK);
    expect(exec.stdout).toMatch(/^would queue ike-sas /);
    const cancel = await ctx.vpnsync(['queue', 'cancel', '1', '--dry-run']);
    expect(cancel.code, cancel.stderr).toBe(EXIT.OK);
    expect(cancel.stderr).toBe('dry run: action #1 would be cancelled, nothing written\n');
    expect((await ctx.vpnsync(['queue', 'cancel', '999', '--dry-run'])).stderr).toBe('vpnsync: No action #999\n');
    expect(ctx.rows(`SELECT count(*) AS n FROM actions WHERE status = 'queued'`)).toEqual([{ n: matched }]);
  });

  it.skipIf(!SCRIPT)('--where on a terminal lists the matched links and asks; only a yes queues them', async () => {
    const ctx = await start({ seed: 34 });
    const { rows } = await inventory(ctx);
    const gw = rows[0]!.gatewayName;
    const where = `gatewayName = '${gw}' AND connectionStatus = 'Connected'`;
    const matched = rows.filter((r) => r.gatewayName === gw);
    /** Runs the command on a pseudo-terminal (util-linux `script`), answering the prompt once it shows. */
    const onTerminal = (answer: string) => {
      const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      const cmd = [process.execPath, BIN, 'queue', 'ike-sas', '--where', where, '--db', ctx.db].map(q).join(' ');
      const child = spawn(SCRIPT!, ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...ctx.emulator.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let seen = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        seen += d;
        if (seen.includes('[y/N]') && answer !== '') {
          child.stdin.write(`${answer}\r`);
          answer = '';
        }
      });
      return new Promise<{ code: number; output: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output: seen })));
    };

    const no = await onTerminal('n');
    expect(no.output).toContain(`--where "${where}" matched ${matched.length} links:`);
    for (const r of matched) expect(no.output).toContain(`  ${r.gatewayName}/${r.connectionName}/${r.id.split('/').pop()}`);
    expect(no.output).toContain(`Queue ${matched.length} ike-sas actions? [y/N]`);
    expect(no.output).toContain(`vpnsync: Expected 'y' to queue ${matched.length} ike-sas actions, got 'n'; nothing queued`);
    expect(no.code).toBe(EXIT.USAGE);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: 0 }]);

    const yes = await onTerminal('y');
    expect(yes.code, yes.output).toBe(EXIT.OK);
    expect(yes.output).toMatch(/queued #1 ike-sas /);
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: matched.length }]);
  });

  it('queue list, show and run --dry-run print JSON with camelCase keys, ISO 8601 UTC times and no internal state', async () => {
    const ctx = await start({ seed: 35, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    expect((await ctx.vpnsync(['queue', 'ike-sas', target(rows[0]!)])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'run'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'reset', target(rows[1]!), '--not-before', '+1h'])).code).toBe(EXIT.OK);
    const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
    /** Every key of every object, at any depth, except inside ARM's own IKE SA answer. */
    const keysOf = (v: unknown, path = ''): [string, unknown][] =>
      v === null || typeof v !== 'object' || path.endsWith('.parsed')
        ? []
        : Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [...(Array.isArray(v) ? [] : [[k, x] as [string, unknown]]), ...keysOf(x, `${path}.${k}`)]);
    for (const args of [['queue', 'list', '--format', 'json'], ['queue', 'show', '1', '--format', 'json'], ['queue', 'run', '--dry-run', '--json']]) {
      const r = await ctx.vpnsync(args);
      expect(r.code, r.stderr).toBe(EXIT.OK);
      const keys = keysOf(JSON.parse(r.stdout));
      expect(keys.length, args.join(' ')).toBeGreaterThan(0);
      for (const [k, v] of keys) {
        expect(k, args.join(' ')).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        if (/(At|notBefore)$/.test(k) && v !== null) expect(v, `${args.join(' ')}: ${k}`).toMatch(ISO);
      }
      expect(r.stdout).not.toMatch(/poller|linkKey|link_key/i);
    }
    const shown = JSON.parse((await ctx.vpnsync(['queue', 'show', '1', '--format', 'json'])).stdout);
    expect(shown.action).toMatchObject({ id: 1, kind: 'ike-sas', status: 'succeeded', requestedBy: expect.any(String), finishedAt: expect.stringMatching(ISO) });
    expect(shown.ikeSas.parsed).toMatchObject({ Status: 'Successful' });
    const table = await ctx.vpnsync(['queue', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+kind\s+status\s+link\s+requestedBy\s+queuedAt\s+notBefore\s+finishedAt\s+errorCode$/);
  });

  it('--not-before, --max-resets, --dry-run, cancel and duplicate refusal', async () => {
    const ctx = await start({ seed: 24, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const [a, b, c] = [rows[0]!, rows[1]!, rows[2]!];
    expect((await ctx.vpnsync(['queue', 'reset', target(a), '--not-before', '+2h'])).code).toBe(EXIT.OK);
    const dup = await ctx.vpnsync(['queue', 'reset', target(a)]);
    expect(dup.code).toBe(EXIT.OK);
    expect(dup.stderr).toMatch(/not queued: .* already has reset action #1 \(queued\)/);
    expect(dup.stdout).toBe('');
    expect((await ctx.vpnsync(['queue', 'reset', target(b), target(c)])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'ike-sas', target(c)])).code).toBe(EXIT.OK);

    const dry = await ctx.vpnsync(['queue', 'run', '--dry-run', '--max-resets', '1']);
    expect(dry.code).toBe(EXIT.OK);
    expect(dry.stdout).toMatch(/1\s+reset .* wait: not before/);
    expect(dry.stdout).toMatch(/2\s+reset .* POST and poll/);
    expect(dry.stdout).toMatch(/3\s+reset .* wait: --max-resets reached/);
    expect(ctx.emulator.stats().postsByLink).toEqual({});

    const cancel = await ctx.vpnsync(['queue', 'cancel', '4']);
    expect(cancel.code).toBe(EXIT.OK);
    const cancelAgain = await ctx.vpnsync(['queue', 'cancel', '4']);
    expect(cancelAgain.code).toBe(EXIT.USAGE);
    expect(cancelAgain.stderr).toMatch(/^vpnsync: Action #4 is cancelled; only queued actions can be cancelled/);

    const run = await ctx.vpnsync(['queue', 'run', '--max-resets', '1', '--json']);
    expect(run.code).toBe(EXIT.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcomes: [{ id: 2, outcome: 'succeeded' }], deferred: [3], notDue: [1] });
    expect(posts(ctx, a.id).resetconnection).toBe(0);
    const list = await ctx.vpnsync(['queue', 'list', '--status', 'queued', '--format', 'json']);
    expect(JSON.parse(list.stdout).map((r: { id: number }) => r.id)).toEqual([3, 1]);
  });

  it('bad targets are refused with nothing queued', async () => {
    const ctx = await start({ seed: 25 });
    const { rows, target } = await inventory(ctx);
    const sub = rows[0]!.id.split('/')[2]!;
    const evil = `/subscriptions/${sub}/resourceGroups/rg-evil/providers/Microsoft.Network/vpnGateways/gw-evil/vpnConnections/c-evil/vpnLinkConnections/l-evil`;
    const cases: [string[], RegExp][] = [
      [['queue', 'reset', target(rows[0]!), 'gw/conn/nope'], /^vpnsync: No link 'gw\/conn\/nope' in the local inventory/],
      [['queue', 'reset', 'just-a-name'], /^vpnsync: Expected a link id \(\/subscriptions\/…\) or gateway\/connection\/link names, got 'just-a-name'$/],
      [['queue', 'reset', '/subscriptions/x/resourceGroups/y'], /^vpnsync: Expected a link connection id/],
      [['queue', 'reset', '--where', "connectionStatus = 'Exploded'"], /matched no links/],
      [['queue', 'reset', '--where', 'nosuchcolumn = 1'], /^vpnsync: Expected --where to be an SQL condition over vpn_link_connections columns: no such column: nosuchcolumn$/],
      [['queue', 'reset', '--where', '1); DELETE FROM vpn_link_connections; --'], /^vpnsync: Expected --where to be an SQL condition/],
      // The injection of issue 15: a UNION after a ')' that closes the WHERE's own parenthesis.
      [['queue', 'ike-sas', '--yes', '--where', `0) UNION SELECT '${evil}','${sub}','rg-evil' --`], /^vpnsync: Expected --where to be an SQL condition over vpn_link_connections columns: Expected one SQL condition, got a '\)' that closes more than it opened$/],
      // Its variant whose row is no link id at all (once "Cannot read properties of undefined", exit 1).
      [['queue', 'ike-sas', '--yes', '--where', "0) UNION SELECT 'x','y','z' --"], /^vpnsync: Expected --where .*closes more than it opened$/],
      [['queue', 'ike-sas', '--yes', '--where', "0 UNION SELECT id, subscriptionId, resourceGroupName FROM vpn_link_connections"], /got UNION outside parentheses/],
      [['queue', 'ike-sas', '--yes', '--where', `(SELECT '${evil}')`], /matched no links/],
      [['queue', 'ike-sas', '--yes', '--where', "1 -- the rest"], /got a -- comment, which would hide the rest of the statement$/],
      [['queue', 'ike-sas', '--yes', '--where', '1 /* never closed'], /got a \/\* comment that is never closed$/],
      [['queue', 'ike-sas', '--yes', '--where', "name = 'it''"], /got an unterminated string/],
      [['queue', 'ike-sas', '--yes', '--where', '((1)'], /got 1 '\(' never closed$/],
      [['queue', 'ike-sas', '--yes', '--where', '1; SELECT 1'], /got a ';'/],
      [['queue', 'ike-sas', '--yes', '--where', 'id IN (SELECT id FROM pragma_optimize)'], /pragma_optimize runs PRAGMA optimize/],
      [['queue', 'reset', target(rows[0]!), '--not-before', 'tomorrow'], /^vpnsync: Expected --not-before to be an ISO time/],
      [['queue', 'reset'], /Expected at least one target/],
    ];
    for (const [args, message] of cases) {
      const r = await ctx.vpnsync(args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
    }
    expect(ctx.rows('SELECT count(*) AS n FROM actions')).toEqual([{ n: 0 }]);
    expect(ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections')[0]!.n).toBe(ctx.emulator.links().length);
    // A condition with a subquery, a closed comment and quotes still selects links.
    const ok = await ctx.vpnsync(['queue', 'ike-sas', '--yes', '--json', '--where', `id IN (SELECT id FROM vpn_link_connections WHERE connectionStatus = 'Connected') /* ok */ AND name <> 'it''s'`]);
    expect(ok.code, ok.stderr).toBe(EXIT.OK);
    expect(JSON.parse(ok.stdout).queued).toHaveLength(rows.length);
  });

  it('--where queues many; a failing operation records ARM code and request id (exit 1)', async () => {
    const ctx = await start({ seed: 26, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows } = await inventory(ctx);
    const gw = rows[0]!.gatewayName;
    const q = await ctx.vpnsync(['queue', 'ike-sas', '--where', `gatewayName = '${gw}' AND connectionStatus = 'Connected'`, '--yes', '--json']);
    expect(q.code).toBe(EXIT.OK);
    const queued = JSON.parse(q.stdout).queued as { id: number }[];
    expect(queued.length).toBe(rows.filter((r) => r.gatewayName === gw).length);

    ctx.emulator.setFaults([{ match: 'VpnLinkConnections_GetIkeSas', kind: 'lro-failure', status: 400, code: 'VpnLinkConnectionResetFailed', count: 1 }]);
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code).toBe(EXIT.FAILURE);
    const failed = ctx.rows<{ error_code: string; request_id: string; status: string }>(`SELECT status, error_code, request_id FROM actions WHERE status = 'failed'`);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error_code).toBe('VpnLinkConnectionResetFailed');
    expect(failed[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stderr).toMatch(/failed: VpnLinkConnectionResetFailed/);
  });

  it('both StackQL EXEC statements queue the same actions', async () => {
    const ctx = await start({ seed: 27, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows } = await inventory(ctx);
    const l = rows[0]!;
    const [, , sub, , rg] = l.id.split('/');
    const params = `@connectionName='${l.connectionName}', @gatewayName='${l.gatewayName}', @linkConnectionName='${l.id.split('/').pop()}', @resourceGroupName='${rg}', @subscriptionId='${sub}'`;
    const reset = await ctx.vpnsync(['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_ResetConnection ${params}`]);
    expect(reset.code, reset.stderr).toBe(EXIT.OK);
    const ike = await ctx.vpnsync(['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_GetIkeSas ${params};`]);
    expect(ike.code, ike.stderr).toBe(EXIT.OK);
    expect(ctx.rows('SELECT kind, link_key FROM actions ORDER BY id')).toEqual([
      { kind: 'reset', link_key: l.id.toLowerCase() },
      { kind: 'ike-sas', link_key: l.id.toLowerCase() },
    ]);
    const unknown = await ctx.vpnsync(['exec', `EXEC azure.network.vpn_link_connections.VpnLinkConnections_GetIkeSas ${params.replace(l.connectionName, 'ghost')}`]);
    expect(unknown.code).toBe(EXIT.USAGE);
    expect(unknown.stderr).toMatch(/is not in the local inventory/);
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(posts(ctx, l.id)).toEqual({ resetconnection: 1, getikesas: 1 });
  });

  it('a POST that gets a 5xx is never sent again: OutcomeUnknown, and the other resets of that connection wait an hour', async () => {
    const ctx = await start({ seed: 28, size: { linksPerConnection: 3 }, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const first = rows[0]!;
    const sibling = rows.find((r) => r !== first && r.connectionName === first.connectionName && r.gatewayName === first.gatewayName)!;
    expect(sibling).toBeDefined();
    expect((await ctx.vpnsync(['queue', 'reset', target(first), target(sibling)])).code).toBe(EXIT.OK);
    ctx.emulator.setFaults([{ match: 'VpnLinkConnections_ResetConnection', kind: '5xx', status: 500, count: 1 }]);

    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code).toBe(EXIT.FAILURE);
    const result = JSON.parse(run.stdout);
    expect(result.outcomes).toEqual([expect.objectContaining({ id: 1, outcome: 'failed', errorCode: 'OutcomeUnknown' })]);
    expect(result.deferred).toEqual([2]);
    // Exactly one POST reached the emulator (answered 500), and it was not retried.
    const resetPosts = () => ctx.emulator.stats().byOperation.VpnLinkConnections_ResetConnection ?? {};
    expect(resetPosts()).toEqual({ '500': 1 });
    expect(ctx.rows('SELECT status FROM actions ORDER BY id')).toEqual([{ status: 'failed' }, { status: 'queued' }]);

    // The unknown one may still be running at ARM: its sibling waits in the next run too…
    const next = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(next.code, next.stderr).toBe(EXIT.OK);
    expect(JSON.parse(next.stdout)).toMatchObject({ outcomes: [], deferred: [2] });
    expect((await ctx.vpnsync(['queue', 'run', '--dry-run'])).stdout).toMatch(/2\s+reset .* wait: another reset of its VPN connection may be running/);
    // …until an hour after its POST, when vpnsync would have stopped polling it anyway.
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const db = new BetterSqlite3(ctx.db);
    db.prepare(`UPDATE actions SET posted_at = ? WHERE id = 1`).run(new Date(Date.now() - 61 * 60_000).toISOString());
    db.close();
    const later = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(later.code, later.stderr).toBe(EXIT.OK);
    expect(JSON.parse(later.stdout).outcomes).toEqual([expect.objectContaining({ id: 2, outcome: 'succeeded' })]);
    expect(resetPosts()).toEqual({ '500': 1, '202': 1 });
    expect(posts(ctx, first.id).resetconnection).toBe(0);
    expect(posts(ctx, sibling.id).resetconnection).toBe(1);
  });

  it('a reset left posted-but-unanswered by a dead runner blocks its connection and is never re-POSTed', async () => {
    const ctx = await start({ seed: 29, size: { linksPerConnection: 3 }, lro: { polls: 1, retryAfterSeconds: 0 } });
    const { rows, target } = await inventory(ctx);
    const first = rows[0]!;
    const sibling = rows.find((r) => r !== first && r.connectionName === first.connectionName && r.gatewayName === first.gatewayName)!;
    expect((await ctx.vpnsync(['queue', 'reset', target(first)])).code).toBe(EXIT.OK);
    // As a runner killed between committing 'posting' and saving ARM's answer leaves it:
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const db = new BetterSqlite3(ctx.db);
    db.prepare(`UPDATE actions SET status = 'running', started_at = ?, posted_at = ? WHERE id = 1`).run(new Date().toISOString(), new Date().toISOString());
    db.close();
    expect((await ctx.vpnsync(['queue', 'reset', target(sibling)])).code).toBe(EXIT.OK);

    const dry = await ctx.vpnsync(['queue', 'run', '--dry-run', '--id', '2']);
    expect(dry.stdout).toMatch(/2\s+reset .* wait: another reset of its VPN connection may be running/);
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    const result = JSON.parse(run.stdout);
    expect(result.outcomes).toEqual([expect.objectContaining({ id: 1, outcome: 'failed', errorCode: 'OutcomeUnknown' })]);
    expect(result.deferred).toEqual([2]);
    expect(ctx.emulator.stats().postsByLink).toEqual({});
  });
});

