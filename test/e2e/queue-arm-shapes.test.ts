/**
 * `vpnsync queue run` against ARM's real answer shapes (the emulator modelling them): actions
 * carried out and then answered badly are sent once and end as unknown outcomes; ARM's own
 * verdict is recorded from whichever URL carried it; busy refusals go back to the queue; actions
 * in subscriptions that are not Enabled are held; GetIkeSas is stored as received.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { useE2e, type E2eContext } from '../support/e2e.js';

const start = useE2e();

interface ActionRow {
  status: string;
  error_code: string | null;
  error_message: string | null;
  http_status: number | null;
  request_id: string | null;
  correlation_id: string | null;
  not_before: string | null;
  refusals: number;
}

/** An emulator, a pulled inventory, and one reset (or ike-sas) queued for its first Connected link. */
async function queued(options: EmulatorOptions, kind: 'reset' | 'ike-sas' = 'reset'): Promise<{ ctx: E2eContext; linkId: string; subscriptionId: string }> {
  const ctx = await start({ seed: 71, size: { subscriptions: 1 }, lro: { polls: 1, retryAfterSeconds: 0 }, ...options });
  expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
  const link = ctx.rows<{ id: string; subscriptionId: string }>(`SELECT id, subscriptionId FROM vpn_link_connections WHERE connectionStatus = 'Connected' ORDER BY _key LIMIT 1`)[0]!;
  expect((await ctx.vpnsync(['queue', kind, link.id])).code).toBe(EXIT.OK);
  return { ctx, linkId: link.id, subscriptionId: link.subscriptionId };
}

const action = (ctx: E2eContext): ActionRow => ctx.rows<ActionRow>('SELECT * FROM actions WHERE id = 1')[0]!;
const counts = (ctx: E2eContext, id: string) => {
  const s = ctx.emulator.stats();
  const zero = { resetconnection: 0, getikesas: 0 };
  return { posts: s.postsByLink[id.toLowerCase()] ?? zero, carriedOut: s.actionsByLink[id.toLowerCase()] ?? zero };
};

describe('at most once: an action ARM carried out and then answered badly is never sent again', () => {
  it.each([
    ['503 with Retry-After', { kind: 'acted-5xx', match: '/resetconnection', retryAfterSeconds: 1 }, [], /the POST got no clear answer \(ServiceUnavailable/],
    ['a dropped connection', { kind: 'acted-drop', match: '/resetconnection' }, [], /the POST got no clear answer/],
    ['a hung answer (--request-timeout 2)', { kind: 'acted-hang', match: '/resetconnection' }, ['--request-timeout', '2'], /the POST got no clear answer/],
    ['a 202 with no URL to poll', { kind: 'bare-202', match: '/resetconnection' }, [], /ARM accepted the POST \(202\) but gave no URL to follow it/],
  ] as const)('%s: POSTed once, carried out once, recorded as OutcomeUnknown', async (_name, fault, extra, message) => {
    const { ctx, linkId } = await queued({ faults: [{ ...fault }] });
    const run = await ctx.vpnsync(['queue', 'run', ...extra]);
    expect(run.code).toBe(EXIT.FAILURE);
    expect(counts(ctx, linkId)).toEqual({ posts: { resetconnection: 1, getikesas: 0 }, carriedOut: { resetconnection: 1, getikesas: 0 } });
    const row = action(ctx);
    expect(row.status).toBe('failed');
    expect(row.error_code).toBe('OutcomeUnknown');
    expect(row.error_message).toMatch(message);
    expect(row.error_message).toMatch(/it is not sent again/);
    // ARM did act: nothing may tell the operator the request never arrived.
    expect(row.error_message).not.toMatch(/cannot reach/);
    expect(run.stderr).toMatch(/#1 reset .*: failed: OutcomeUnknown/);
    // A second run sends nothing: the action has ended, and its connection is held for an hour.
    const again = await ctx.vpnsync(['queue', 'run']);
    expect(again.code).toBe(EXIT.OK);
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);
  });

  it('a plain 429 (throttled, ARM did not act) is retried after Retry-After and the action succeeds, carried out once', async () => {
    const { ctx, linkId } = await queued({ faults: [{ kind: '429', match: '/resetconnection', count: 2, retryAfterSeconds: 1 }] });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(action(ctx).status).toBe('succeeded');
    expect(counts(ctx, linkId).carriedOut.resetconnection).toBe(1);
    expect(ctx.emulator.stats().byOperation['VpnLinkConnections_ResetConnection']).toEqual({ '429': 2, '202': 1 });
  });

  it('a status URL that answers 404 after ARM accepted the action: outcome unknown, not failed, not re-sent', async () => {
    const { ctx, linkId } = await queued({ faults: [{ kind: '404', match: '/operations/' }] });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code).toBe(EXIT.FAILURE);
    const row = action(ctx);
    expect(row.error_code).toBe('OutcomeUnknown');
    expect(row.error_message).toMatch(/ARM accepted the action, then its polling URL answered HTTP 404 \(ResourceNotFound/);
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);
  });

  it('a status URL that answers 403: outcome unknown too', async () => {
    const { ctx } = await queued({ faults: [{ kind: '403', match: '/operations/' }] });
    await ctx.vpnsync(['queue', 'run']);
    expect(action(ctx)).toMatchObject({ status: 'failed', error_code: 'OutcomeUnknown' });
    expect(action(ctx).error_message).toMatch(/HTTP 403 \(AuthorizationFailed/);
  });
});

describe("ARM's own verdict on a failed operation", () => {
  const failure = { kind: 'lro-failure', match: '*', status: 409, code: 'VpnLinkConnectionResetFailed', message: 'The gateway could not reset the link connection.' } as const;

  it('from the status URL (both headers, as Network RP): ARM\'s code and message, HTTP 200 of the status answer, request and correlation ids', async () => {
    const { ctx } = await queued({ faults: [{ ...failure }] });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code).toBe(EXIT.FAILURE);
    const row = action(ctx);
    expect(row).toMatchObject({ status: 'failed', error_code: 'VpnLinkConnectionResetFailed', error_message: 'The gateway could not reset the link connection.', http_status: 200 });
    expect(row.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stderr).toMatch(/failed: VpnLinkConnectionResetFailed The gateway could not reset/);
  });

  it('from the Location URL (Location only): ARM\'s code, and the HTTP status of the failure\'s own answer', async () => {
    const { ctx } = await queued({ lro: { polls: 1, retryAfterSeconds: 0, polling: 'location' }, faults: [{ ...failure }] });
    await ctx.vpnsync(['queue', 'run']);
    expect(action(ctx)).toMatchObject({ status: 'failed', error_code: 'VpnLinkConnectionResetFailed', http_status: 409 });
    expect(action(ctx).correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a Canceled operation is failed with ARM\'s Canceled code', async () => {
    const { ctx } = await queued({ faults: [{ kind: 'lro-failure', match: '*', code: 'Canceled', message: 'Operation was canceled.' }] });
    await ctx.vpnsync(['queue', 'run']);
    expect(action(ctx)).toMatchObject({ status: 'failed', error_code: 'Canceled', http_status: 200 });
  });

  it.each(['both', 'location', 'azure-async-operation'] as const)('polling %s: a successful reset succeeds', async (polling) => {
    const { ctx, linkId } = await queued({ lro: { polls: 2, retryAfterSeconds: 0, polling } });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(action(ctx).status).toBe('succeeded');
    expect(counts(ctx, linkId).carriedOut.resetconnection).toBe(1);
  });
});

describe('busy is not failed', () => {
  it.each([
    ['409 AnotherOperationInProgress', { kind: 'busy', match: '/resetconnection', count: 1, retryAfterSeconds: 30 }, /AnotherOperationInProgress, HTTP 409/],
    ['429 RetryableErrorDueToAnotherOperation', { kind: 'busy', status: 429, match: '/resetconnection', count: 1, retryAfterSeconds: 30 }, /RetryableError\/RetryableErrorDueToAnotherOperation, HTTP 429/],
  ] as const)('%s: queued again with a not-before from Retry-After, the trail says why, and it runs once ARM is free', async (_name, fault, why) => {
    const { ctx, linkId } = await queued({ faults: [{ ...fault }] });
    const before = Date.now();
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout) as { requeued: { id: number; reason: string; notBefore: string }[]; outcomes: unknown[] };
    expect(result.outcomes).toEqual([]);
    expect(result.requeued).toHaveLength(1);
    expect(result.requeued[0]!.reason).toMatch(why);
    expect(run.stderr).toMatch(/^#1 reset \S+: queued again, not before /m);
    expect(run.stderr.match(/queued again, not before/g)).toHaveLength(1);
    const row = action(ctx);
    expect(row).toMatchObject({ status: 'queued', refusals: 1 });
    const wait = Date.parse(row.not_before!) - before;
    expect(wait).toBeGreaterThanOrEqual(30_000);
    expect(wait).toBeLessThan(60_000);
    const trail = ctx.rows<{ event: string; detail: string }>(`SELECT event, detail FROM action_events WHERE action_id = 1 AND event = 'retry'`);
    expect(trail[0]!.detail).toMatch(why);
    expect(counts(ctx, linkId).carriedOut.resetconnection).toBe(0);
    // ARM never acted, and the POST was not retried by the pipeline.
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);

    // Not yet due: nothing is sent.
    const early = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(JSON.parse(early.stdout)).toMatchObject({ notDue: [1] });
    // Thirty seconds pass (moved in the database rather than waited for).
    const db = new BetterSqlite3(ctx.db);
    db.prepare('UPDATE actions SET not_before = ? WHERE id = 1').run(new Date(Date.now() - 1000).toISOString());
    db.close();
    const later = await ctx.vpnsync(['queue', 'run']);
    expect(later.code, later.stderr).toBe(EXIT.OK);
    expect(action(ctx).status).toBe('succeeded');
    expect(counts(ctx, linkId).carriedOut.resetconnection).toBe(1);
  });
});

describe('subscriptions that are not Enabled', () => {
  it('a Disabled subscription: the action is held (not sent), the state is stored, and it runs once the subscription is Enabled', async () => {
    const probe = await start({ seed: 71, size: { subscriptions: 1 } });
    const sub = probe.emulator.links()[0]!.subscriptionId;
    const { ctx, linkId } = await queued({ subscriptionStates: { [sub]: 'Disabled' } });
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout) as { held: { id: number; reason: string }[] };
    expect(result.held).toEqual([{ id: 1, kind: 'reset', link: expect.stringMatching(/^[^/]+\/[^/]+\/[^/]+$/), reason: expect.stringMatching(new RegExp(`^subscription ${sub} is Disabled \\(as ARM reported at .*\\): reads work, but ARM refuses actions in it$`)) }]);
    expect(run.stderr).toMatch(/^#1 reset \S+: held back, subscription .* is Disabled/m);
    expect(run.stderr.match(/held back/g)).toHaveLength(1);
    expect(action(ctx).status).toBe('queued');
    expect(counts(ctx, linkId).posts.resetconnection).toBe(0);
    expect(ctx.rows('SELECT subscriptionId, state FROM subscriptions')).toEqual([{ subscriptionId: sub, state: 'Disabled' }]);
    // A second run holds it again without a second trail entry.
    await ctx.vpnsync(['queue', 'run']);
    expect(ctx.rows(`SELECT count(*) AS n FROM action_events WHERE action_id = 1 AND detail LIKE 'held back:%'`)).toEqual([{ n: 1 }]);

    // A pull stores every listed subscription's state too (reads work in a Disabled subscription).
    ctx.emulator.setSubscriptionState(sub, 'Enabled');
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    expect(ctx.rows('SELECT state FROM subscriptions')).toEqual([{ state: 'Enabled' }]);
    const later = await ctx.vpnsync(['queue', 'run']);
    expect(later.code, later.stderr).toBe(EXIT.OK);
    expect(action(ctx).status).toBe('succeeded');
    expect(ctx.rows('SELECT state FROM subscriptions')).toEqual([{ state: 'Enabled' }]);
  });

  it('a subscription that turns Warned between the check and the POST: ARM\'s 409 puts the action back in the queue', async () => {
    const { ctx, subscriptionId } = await queued({ faults: [{ kind: 'latency', match: '/resetconnection', ms: 0 }] });
    // The check reads Enabled; the POST then meets ARM's refusal.
    ctx.emulator.setFaults([{ kind: 'busy', match: '/resetconnection', status: 409, code: 'SubscriptionNotEnabled', message: `The subscription '${subscriptionId}' is in state 'Warned'.`, count: 1, retryAfterSeconds: 1 }]);
    const run = await ctx.vpnsync(['queue', 'run', '--json']);
    expect(JSON.parse(run.stdout).requeued[0].reason).toMatch(/SubscriptionNotEnabled, HTTP 409/);
    expect(action(ctx).status).toBe('queued');
  });
});

describe('answers that are not what they seem (from a review)', () => {
  it('a status URL answering 200 with a cut-short body is a failed read, not success: the action ends succeeded only once ARM says so', async () => {
    const { ctx } = await queued({ lro: { polls: 3, retryAfterSeconds: 0 }, faults: [{ kind: 'malformed-json', match: '/operations/', count: 1 }] });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(action(ctx)).toMatchObject({ status: 'succeeded', http_status: 200 });
    const events = ctx.rows<{ event: string }>(`SELECT event FROM action_events WHERE action_id = 1`).map((e) => e.event);
    expect(events).toContain('retry');
  });

  it('Location only: a throttled poll (429) is not ARM\'s verdict; the reset succeeds', async () => {
    const { ctx } = await queued({ lro: { polls: 2, retryAfterSeconds: 0, polling: 'location' }, faults: [{ kind: '429', match: '/operationresults/', count: 7, retryAfterSeconds: 0 }] });
    await ctx.vpnsync(['queue', 'run']);
    const row = action(ctx);
    expect(row.error_code).not.toBe('TooManyRequests');
    // Still running at ARM after the retries (pending), or succeeded: never failed as throttled.
    if (row.status !== 'succeeded') {
      expect(row.status).toBe('running');
      const later = await ctx.vpnsync(['queue', 'run']);
      expect(later.code, later.stderr).toBe(EXIT.OK);
      expect(action(ctx).status).toBe('succeeded');
    }
  });

  it('a POST answered 202 with a body cut short: ARM accepted it; sent once, never as a plain failure', async () => {
    const { ctx, linkId } = await queued({ faults: [{ kind: 'malformed-json', match: '/resetconnection', count: 1 }] });
    await ctx.vpnsync(['queue', 'run']);
    expect(action(ctx).error_code).not.toBe('MalformedJson');
    expect(['succeeded', 'failed']).toContain(action(ctx).status);
    if (action(ctx).status === 'failed') expect(action(ctx).error_code).toBe('OutcomeUnknown');
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);
  });

  it('GetIkeSas with only a status URL (no Location): failed as ResultUnavailable, not the status body stored as IKE SAs', async () => {
    const { ctx } = await queued({ lro: { polls: 1, retryAfterSeconds: 0, polling: 'azure-async-operation' } }, 'ike-sas');
    await ctx.vpnsync(['queue', 'run']);
    expect(action(ctx)).toMatchObject({ status: 'failed', error_code: 'ResultUnavailable' });
    expect(ctx.rows('SELECT * FROM ike_sas')).toEqual([]);
  });

  it('held actions take no --max-resets slot: a reset in an Enabled subscription still runs', async () => {
    const ctx = await start({ seed: 72, size: { subscriptions: 2 }, lro: { polls: 1, retryAfterSeconds: 0 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const subs = ctx.rows<{ subscriptionId: string }>('SELECT DISTINCT subscriptionId FROM vpn_link_connections ORDER BY 1');
    const pick = (sub: string) => ctx.rows<{ id: string }>(`SELECT id FROM vpn_link_connections WHERE subscriptionId = ? AND connectionStatus = 'Connected' ORDER BY _key LIMIT 1`, sub)[0]!.id;
    const [disabled, enabled] = [subs[0]!.subscriptionId, subs[1]!.subscriptionId];
    expect((await ctx.vpnsync(['queue', 'reset', pick(disabled)])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['queue', 'reset', pick(enabled)])).code).toBe(EXIT.OK);
    ctx.emulator.setSubscriptionState(disabled, 'Disabled');
    const run = await ctx.vpnsync(['queue', 'run', '--max-resets', '1', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout) as { held: { id: number }[]; deferred: number[]; outcomes: { id: number; outcome: string }[] };
    expect(result.held.map((h) => h.id)).toEqual([1]);
    expect(result.deferred).toEqual([]);
    expect(result.outcomes).toEqual([expect.objectContaining({ id: 2, outcome: 'succeeded' })]);
    const dry = await ctx.vpnsync(['queue', 'run', '--dry-run']);
    expect(dry.stdout).toMatch(/^ *1 +reset .*hold: subscription .* is Disabled/m);
  });

  it('a PastDue subscription is still active: its actions are sent', async () => {
    const probe = await start({ seed: 71, size: { subscriptions: 1 } });
    const sub = probe.emulator.links()[0]!.subscriptionId;
    const { ctx } = await queued({ subscriptionStates: { [sub]: 'PastDue' } });
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(action(ctx).status).toBe('succeeded');
    expect(ctx.rows('SELECT state FROM subscriptions')).toEqual([{ state: 'PastDue' }]);
  });
});

describe('GetIkeSas as received', () => {
  it("Microsoft's example shape (a quoted string that is not valid JSON) is stored exactly, and parsed", async () => {
    const { ctx } = await queued({ lro: { polls: 1, retryAfterSeconds: 0, ikeSasBody: 'bare' } }, 'ike-sas');
    const run = await ctx.vpnsync(['queue', 'run']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const ike = ctx.rows<{ raw: string; parsed: string }>('SELECT raw, parsed FROM ike_sas WHERE action_id = 1')[0]!;
    expect(ike.raw.startsWith('"{"Status":"Successful"')).toBe(true);
    expect(() => JSON.parse(ike.raw)).toThrow();
    expect(JSON.parse(ike.parsed)).toMatchObject({ Status: 'Successful' });
  });

  it('the usual JSON string is stored as the exact body text', async () => {
    const { ctx } = await queued({}, 'ike-sas');
    await ctx.vpnsync(['queue', 'run']);
    const ike = ctx.rows<{ raw: string; parsed: string }>('SELECT raw, parsed FROM ike_sas WHERE action_id = 1')[0]!;
    expect(typeof JSON.parse(ike.raw)).toBe('string');
    expect(JSON.parse(ike.parsed)).toMatchObject({ Status: 'Successful' });
  });
});

describe('a status URL that keeps answering 5xx: bounded by the operation deadline', () => {
  it('ends OutcomeUnknown past --operation-deadline, POSTed once, with the failed polls in the trail; a later run neither re-POSTs nor resumes it', async () => {
    // Retry-After 1 s on every 503: the first failed poll ends well after the 1 s deadline.
    const { ctx, linkId } = await queued({ faults: [{ kind: '5xx', status: 503, match: '/operations/', retryAfterSeconds: 1 }] });
    const run = await ctx.vpnsync(['queue', 'run', '--operation-deadline', '1s']);
    expect(run.code).toBe(EXIT.FAILURE);
    const row = action(ctx);
    expect(row).toMatchObject({ status: 'failed', error_code: 'OutcomeUnknown' });
    expect(row.error_message).toMatch(/^ARM accepted the action, then its status URL answered HTTP 503 1 time in 1 poll over \d+ seconds, past the operation deadline; the reset may or may not have happened; it is not sent again/);
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);
    const trail = ctx.rows<{ event: string; http_status: number | null }>('SELECT event, http_status FROM action_events WHERE action_id = 1 ORDER BY id');
    expect(trail.map((e) => e.event)).toEqual(['queued', 'started', 'posting', 'accepted', 'retry', 'failed']);
    expect(trail[4]!.http_status).toBe(503);

    const again = await ctx.vpnsync(['queue', 'run', '--operation-deadline', '1s']);
    expect(again.code, again.stderr).toBe(EXIT.OK);
    expect(again.stderr).not.toMatch(/resumed/);
    expect(counts(ctx, linkId).posts.resetconnection).toBe(1);
    expect(action(ctx)).toMatchObject({ status: 'failed', error_code: 'OutcomeUnknown' });
  });

  it('rejects a deadline that is not a duration', async () => {
    const { ctx } = await queued({});
    const run = await ctx.vpnsync(['queue', 'run', '--operation-deadline', 'soon']);
    expect(run.code).toBe(EXIT.USAGE);
    expect(run.stderr).toMatch(/Expected --operation-deadline to be a duration such as 90d/);
  });
});
