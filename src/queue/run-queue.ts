import { hostname as osHostname } from 'node:os';
import { createHttpPoller, type OperationResponse, type OperationState, type PollerLike, type RunningOperation } from '@azure/core-lro';
import type BetterSqlite3 from 'better-sqlite3';
import pLimit from 'p-limit';
import { INVALID_PATH, pathOf, SUBSCRIPTIONS_API_VERSION, type ArmClient, type ArmResponse } from '../arm/arm-client.js';
import { ArmError, armErrorDetailOf, armErrorFromDetail, armErrorFromResponse } from '../arm/arm-error.js';
import { parseRetryAfterMs } from '../arm/retry-after.js';
import { systemClock, type Clock } from '../arm/clock.js';
import { connectionKey, linkPartsProblem, linkPath } from '../arm/resource-id.js';
import { clearStaleLocks, heartbeatIntervalFor, LOCK_LEASE_MS, processIsAlive, startHeartbeat, watchHeartbeatsAhead, type IsAlive } from '../store/process-lock.js';
import type { Store } from '../store/open-store.js';
import { recordSubscriptionStates, subscriptionStatesOf } from '../store/subscription-states.js';
import type { ActionKind, ActionTable } from '../store/schema.js';
import { logActionEvent, type ActionEvent } from './action-log.js';
import { decodeIkeSaPayload } from './ike-sa-payload.js';
import { DEFAULT_MAX_RESETS, DEFAULT_OPERATION_DEADLINE_MS, DEFAULT_QUEUE_CONCURRENCY } from './queue-defaults.js';

/** Polling interval when ARM sends no Retry-After: the ARM RPC's documented default (60 s). */
export const DEFAULT_POLL_INTERVAL_MS = 60_000;
/** How long an action waits after ARM refused it as busy and gave no Retry-After. */
export const DEFAULT_BUSY_WAIT_MS = 60_000;
/** Refusals (busy gateway, subscription not writable) after which an action is failed instead of queued again. */
export const MAX_REFUSALS = 20;
/**
 * Subscription states in which ARM refuses actions (409) while reads still work: Warned and
 * Disabled (ARM RPC, subscription lifecycle: PUT/PATCH/POST must not function), and Deleted.
 * PastDue is not one of them: Microsoft's "Azure subscription states" says all operations are
 * available while a payment is past due.
 */
export const NOT_WRITABLE_STATES: readonly string[] = ['Warned', 'Disabled', 'Deleted'];
/** Consecutive failed polls (after the pipeline's own retries) before a run gives up on an operation for now. */
const MAX_POLL_FAILURES = 3;
/** An operation not ended this long after its POST ends with an unknown outcome (OutcomeUnknown), never re-POSTed. */
export const OPERATION_DEADLINE_MS = DEFAULT_OPERATION_DEADLINE_MS;

/** The ARM action each kind POSTs. */
export const ACTION_PATH: Record<ActionKind, string> = { reset: 'resetconnection', 'ike-sas': 'getikesas' };

export interface QueueRunDeps {
  arm: ArmClient;
  store: Store;
  clock?: Clock;
  log?: (line: string) => void;
  pid?: number;
  hostname?: string;
  isAlive?: IsAlive;
  /** Silence after which another runner's lock is stale (default LOCK_LEASE_MS; VPNSYNC_LOCK_LEASE in the CLI). */
  leaseMs?: number;
}

export interface QueueRunOptions {
  concurrency?: number;
  maxResets?: number;
  /** Lift the --max-resets cap. */
  force?: boolean;
  /** Only these action ids (still only if due). */
  ids?: readonly number[];
  /** How long after its POST an operation is followed (default OPERATION_DEADLINE_MS); also how long an unknown outcome holds its link. */
  operationDeadlineMs?: number;
}

type ActionRow = Omit<ActionTable, 'id' | 'refusals'> & { id: number; refusals: number };

/** What happened to one action in this run. */
export interface ActionOutcome {
  id: number;
  kind: ActionKind;
  link: string;
  outcome: 'succeeded' | 'failed' | 'pending';
  errorCode?: string | undefined;
  message?: string | undefined;
  requestId?: string | undefined;
  correlationId?: string | undefined;
}

export interface QueueRunResult {
  runId: number;
  outcomes: ActionOutcome[];
  /** Actions whose polling resumed after an earlier runner stopped. */
  resumed: number[];
  /** Due actions left queued: --max-resets reached, or another reset of the same VPN connection, or an earlier action on the same link, may be in flight. */
  deferred: number[];
  /** Actions cancelled after the run started (not sent). */
  skipped: number[];
  /** Queued actions not yet due (--not-before in the future). */
  notDue: number[];
  /** ARM refused the POST without acting (busy gateway, subscription not writable): queued again with a not-before time. */
  requeued: { id: number; kind: ActionKind; link: string; reason: string; notBefore: string }[];
  /** Left queued, not sent: their subscription is not Enabled (ARM refuses actions there). */
  held: { id: number; kind: ActionKind; link: string; reason: string }[];
}

/** The plan of a run, as --dry-run shows it: nothing is sent or written. */
export interface QueuePlan {
  resume: ActionRow[];
  unknownOutcome: ActionRow[];
  run: ActionRow[];
  /** Resets capped by --max-resets. */
  deferred: ActionRow[];
  /** Resets whose VPN connection has another reset in flight (or of unknown outcome) that this run does not resume. */
  blocked: ActionRow[];
  /** Actions queued behind an earlier action on their link that may still be running at ARM (in flight, or of unknown outcome) or that waits itself. */
  behind: ActionRow[];
  notDue: ActionRow[];
  /** Due actions left queued because ARM refuses actions in their subscription (its stored state), with the reason. */
  held: { row: ActionRow; reason: string }[];
}

/**
 * Works out what a run would do, reading only: actions an earlier runner left running (resume
 * polling if their POST was accepted; never re-POST one whose answer was lost), and the queued
 * actions that are due, in id order, resets capped at maxResets unless forced and held back
 * while another reset of their connection may be running at ARM (one left running that this run
 * does not follow, or one whose outcome is unknown, for an hour after its POST). Any action is
 * held back likewise while an earlier action on its link may be running, or waits in the queue.
 */
export function planQueueRun(sqlite: BetterSqlite3.Database, now: string, options: QueueRunOptions = {}): QueuePlan {
  const only = options.ids && options.ids.length > 0 ? new Set(options.ids) : undefined;
  const open = sqlite.prepare(`SELECT * FROM actions WHERE status IN ('queued', 'running') ORDER BY id`).all() as ActionRow[];
  const plan: QueuePlan = { resume: [], unknownOutcome: [], run: [], deferred: [], blocked: [], behind: [], notDue: [], held: [] };
  // What ARM last said of each subscription (a pull's listing, or the check before a run).
  const states = new Map(
    (sqlite.prepare(`SELECT subscription_key, state, checked_at FROM subscriptions`).all() as { subscription_key: string; state: string; checked_at: string }[]).map((r) => [r.subscription_key, r]),
  );
  // A reset that may be running at ARM and that this run will not follow to its end keeps its
  // connection busy: another reset there could take the whole site down.
  const busy = new Set<string>();
  // Likewise any action that may be running at ARM keeps its link busy: actions on one link run
  // in queue order, each after the one before it has ended (an IKE SA fetch during a reset
  // answers "Data": null).
  const busyLinks = new Set<string>();
  for (const r of open) {
    if (r.status !== 'running') continue;
    const followed = r.poller_state !== null && (!only || only.has(r.id));
    if (followed || r.posted_at === null) continue;
    busyLinks.add(r.link_key);
    if (r.kind === 'reset') busy.add(connectionKey(r));
  }
  // So does an action whose outcome is unknown (its POST may have reached ARM), until the
  // deadline after which vpnsync would have stopped polling it anyway: nothing says it has ended.
  const since = new Date(Date.parse(now) - (options.operationDeadlineMs ?? OPERATION_DEADLINE_MS)).toISOString();
  const unknown = sqlite.prepare(`SELECT * FROM actions WHERE status = 'failed' AND error_code = 'OutcomeUnknown' AND posted_at > ?`).all(since) as ActionRow[];
  for (const r of unknown) {
    busyLinks.add(r.link_key);
    if (r.kind === 'reset') busy.add(connectionKey(r));
  }
  const cap = options.force ? Number.POSITIVE_INFINITY : (options.maxResets ?? DEFAULT_MAX_RESETS);
  let resets = 0;
  // Queue order on a link: once an action of a link is left waiting (not yet due, capped,
  // blocked), the later actions of that link wait behind it instead of overtaking it.
  const waiting = new Set<string>();
  const wait = (list: ActionRow[], r: ActionRow) => {
    list.push(r);
    waiting.add(r.link_key);
  };
  for (const r of open) {
    if (only && !only.has(r.id)) continue;
    if (r.status === 'running') {
      if (r.poller_state) plan.resume.push(r);
      else if (r.posted_at) plan.unknownOutcome.push(r);
      else plan.run.push(r); // claimed but never posted: safe to run
      continue;
    }
    if (busyLinks.has(r.link_key) || waiting.has(r.link_key)) {
      wait(plan.behind, r);
      continue;
    }
    if (r.not_before && r.not_before > now) {
      wait(plan.notDue, r);
      continue;
    }
    // Before the reset cap: an action ARM would refuse must not take a slot from one it would not.
    const sub = states.get(r.subscriptionId.toLowerCase());
    if (sub && NOT_WRITABLE_STATES.includes(sub.state)) {
      plan.held.push({ row: r, reason: `subscription ${r.subscriptionId.toLowerCase()} is ${sub.state} (as ARM reported at ${sub.checked_at}): reads work, but ARM refuses actions in it` });
      waiting.add(r.link_key);
      continue;
    }
    if (r.kind === 'reset') {
      if (busy.has(connectionKey(r))) {
        wait(plan.blocked, r);
        continue;
      }
      if (resets >= cap) {
        wait(plan.deferred, r);
        continue;
      }
      resets += 1;
    }
    plan.run.push(r);
  }
  return plan;
}

/**
 * Runs the queue: takes the runner lock, resumes operations an earlier runner left in flight,
 * then POSTs due actions with bounded concurrency and polls them through @azure/core-lro until
 * done. The poller state is committed as soon as ARM accepts a POST, so a killed runner's
 * operations are resumed by the next run and never POSTed twice. Actions on one link run in
 * queue order, never at once; resets of links of the same VPN connection never overlap. Failures are returned per action; only a lost lock or database, or a
 * credential that yields no token (the actions it would have sent stay queued), throws.
 */
export async function runQueue(deps: QueueRunDeps, options: QueueRunOptions = {}): Promise<QueueRunResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => undefined);
  const { sqlite } = deps.store;
  const iso = () => new Date(clock.now()).toISOString();
  const deadlineMs = options.operationDeadlineMs ?? OPERATION_DEADLINE_MS;

  const hostname = deps.hostname ?? osHostname();
  const leaseMs = deps.leaseMs ?? LOCK_LEASE_MS;
  // A runner that crashed on a host whose clock runs ahead is judged by watching its heartbeat.
  const observedStale = await watchHeartbeatsAhead(sqlite, 'queue_runs', 'queue run', { hostname }, { leaseMs, now: () => clock.now(), log });
  const runId = sqlite
    .transaction(() => {
      const me = { pid: deps.pid ?? process.pid, hostname, at: iso() };
      for (const c of clearStaleLocks(sqlite, 'queue_runs', 'queue run', me, deps.isAlive ?? processIsAlive, { leaseMs, observedStale })) {
        log(`cleared the lock of queue run #${c.id}: process ${c.pid ?? '?'} is no longer running`);
      }
      return Number(sqlite.prepare(`INSERT INTO queue_runs (started_at, status, pid, hostname, heartbeat_at) VALUES (?, 'running', ?, ?, ?)`).run(me.at, me.pid, me.hostname, me.at).lastInsertRowid);
    })
    .immediate();
  const stopHeartbeat = startHeartbeat(sqlite, 'queue_runs', runId, () => clock.now(), heartbeatIntervalFor(leaseMs));
  const failRun = (e: unknown): void => {
    try {
      sqlite.prepare(`UPDATE queue_runs SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`).run(iso(), e instanceof ArmError ? e.describe() : e instanceof Error ? e.message : String(e), runId);
    } catch {
      // The original error is the one to report.
    }
  };

  // Ask ARM for the state of each subscription with due actions (a read), so that the plan holds
  // back actions ARM would refuse. A credential that yields no token ends the run here: nothing
  // was sent.
  let plan: QueuePlan;
  try {
    await refreshSubscriptionStates(deps.arm, sqlite, iso(), log);
    plan = planQueueRun(sqlite, iso(), options);
  } catch (e) {
    failRun(e);
    stopHeartbeat();
    throw e;
  }
  const outcomes: ActionOutcome[] = [];
  const event = (id: number, e: ActionEvent) => logActionEvent(sqlite, id, iso(), e);
  const finish = (row: ActionRow, o: Omit<ActionOutcome, 'id' | 'kind' | 'link'> & { httpStatus?: number | undefined }) => {
    const outcome: ActionOutcome = { id: row.id, kind: row.kind, link: linkLabel(row), ...o };
    if (o.outcome !== 'pending') {
      sqlite.transaction(() => {
        sqlite
          .prepare(`UPDATE actions SET status = ?, finished_at = ?, http_status = ?, error_code = ?, error_message = ?, request_id = coalesce(?, request_id), correlation_id = coalesce(?, correlation_id) WHERE id = ?`)
          .run(o.outcome, iso(), o.httpStatus ?? null, o.errorCode ?? null, o.message ?? null, o.requestId ?? null, o.correlationId ?? null, row.id);
        event(row.id, { event: o.outcome as 'succeeded' | 'failed', httpStatus: o.httpStatus, requestId: o.requestId, detail: o.message });
      })();
    }
    outcomes.push(outcome);
    log(`#${row.id} ${row.kind} ${outcome.link}: ${o.outcome}${o.errorCode ? ` (${o.errorCode}${o.requestId ? `, request id ${o.requestId}` : ''})` : ''}`);
    return outcome;
  };
  /** An action that may have reached ARM and whose verdict is not known: ended, never sent again. */
  const unknownOutcome = (row: ActionRow, why: string, f: Partial<ReturnType<typeof failureOf>> = {}) =>
    finish(row, { ...f, outcome: 'failed', errorCode: 'OutcomeUnknown', message: `${why}; it is not sent again — check the link, and queue the action again if needed` });


  const requeued: QueueRunResult['requeued'] = [];
  /**
   * ARM refused the POST without acting on it (409, or 429 while another operation holds the
   * gateway): the action goes back to the queue, due again after Retry-After; the trail says why.
   * After MAX_REFUSALS it is failed with ARM's code instead.
   */
  const requeue = (row: ActionRow, e: ArmError): ActionOutcome | undefined => {
    const refusals = (sqlite.prepare(`SELECT refusals FROM actions WHERE id = ?`).pluck().get(row.id) as number) + 1;
    if (refusals > MAX_REFUSALS) {
      return finish(row, { ...failureOf(e), message: `${e.message}; ARM refused it ${MAX_REFUSALS} times, so it was not queued again` });
    }
    const notBefore = new Date(clock.now() + Math.max(e.retryAfterMs ?? DEFAULT_BUSY_WAIT_MS, 1_000)).toISOString();
    const reason = `ARM refused the POST without acting (${e.code}${e.detailCodes[0] && e.detailCodes[0] !== e.code ? `/${e.detailCodes[0]}` : ''}, HTTP ${e.status ?? '?'}): ${e.message}`;
    sqlite.transaction(() => {
      sqlite
        .prepare(`UPDATE actions SET status = 'queued', started_at = ?, run_id = NULL, posted_at = NULL, not_before = ?, refusals = ?, request_id = ?, correlation_id = ? WHERE id = ?`)
        .run(row.started_at, notBefore, refusals, e.requestId ?? null, e.correlationId ?? null, row.id);
      event(row.id, { event: 'retry', httpStatus: e.status, requestId: e.requestId, detail: `${reason}; queued again, not before ${notBefore}` });
    })();
    // Reported in the result (the CLI warns once per action), not logged here as well.
    requeued.push({ id: row.id, kind: row.kind, link: linkLabel(row), reason, notBefore });
    return undefined;
  };

  const limit = pLimit(options.concurrency ?? DEFAULT_QUEUE_CONCURRENCY);
  // Resets of one VPN connection run one after another: resetting two of a site's links at
  // once would take every tunnel of the site down together. A reset this run stops following
  // while it may still be running at ARM (pending, outcome unknown) blocks its connection.
  const resetChains = new Map<string, Promise<void>>();
  const blocked = new Set<string>(plan.unknownOutcome.filter((r) => r.kind === 'reset').map((r) => connectionKey(r)));
  // Every action on one link runs in queue order, after the one before it has ended: `queue
  // reset X` then `queue ike-sas X` must read the IKE SAs after the reset, not during it. An
  // action that this run stops following while it may still be running at ARM (pending, outcome
  // unknown) — of either kind, since nothing says it has ended — leaves the later actions on its
  // link queued for a later run rather than sent alongside it.
  const linkChains = new Map<string, Promise<void>>();
  const blockedLinks = new Set<string>(plan.unknownOutcome.map((r) => r.link_key));
  const deferred = [...plan.deferred, ...plan.blocked, ...plan.behind].map((r) => r.id);
  const skipped: number[] = [];
  // Set when the credential yields no token: every other action would fail alike, so none is
  // claimed after it, and the run ends with that error (nothing was sent for want of a token).
  let credentialFailure: ArmError | undefined;

  const held: QueueRunResult['held'] = plan.held.map(({ row, reason }) => {
    holdBack(sqlite, row, reason, iso());
    return { id: row.id, kind: row.kind, link: linkLabel(row), reason };
  });

  const execute = (row: ActionRow, resume: boolean): Promise<void> => {
    const work = () =>
      limit(async () => {
        if (credentialFailure) return;
        if (!resume && blockedLinks.has(row.link_key)) {
          deferred.push(row.id);
          log(`#${row.id} ${row.kind} ${linkLabel(row)}: deferred, an earlier action on this link may still be running`);
          return;
        }
        if (row.kind === 'reset' && !resume && blocked.has(connectionKey(row))) {
          deferred.push(row.id);
          log(`#${row.id} reset ${linkLabel(row)}: deferred, another reset of its VPN connection may still be running`);
          return;
        }
        const outcome = await runAction(row, resume);
        // No outcome (not claimed, requeued, no token) means nothing is running at ARM for it.
        if (outcome?.outcome === 'pending' || outcome?.errorCode === 'OutcomeUnknown') {
          blockedLinks.add(row.link_key);
          if (row.kind === 'reset') blocked.add(connectionKey(row));
        }
      });
    // Wait for the previous action on the same link and, for a reset, the previous reset of the
    // same VPN connection. Chains only ever wait on actions scheduled before, so none can deadlock.
    const before: Promise<void>[] = [linkChains.get(row.link_key) ?? Promise.resolve()];
    if (row.kind === 'reset') before.push(resetChains.get(connectionKey(row)) ?? Promise.resolve());
    const next = Promise.all(before).then(work);
    linkChains.set(row.link_key, next);
    if (row.kind === 'reset') resetChains.set(connectionKey(row), next);
    return next;
  };

  const runAction = async (row: ActionRow, resume: boolean): Promise<ActionOutcome | undefined> => {
    // A link name that is no ARM name (`..`, say, queued by an older vpnsync) would send the POST
    // to another resource's path: refused before anything is sent (the ARM client refuses such
    // a path too; this says which name is wrong).
    const invalid = resume ? undefined : linkPartsProblem(row);
    if (invalid !== undefined) return finish(row, { outcome: 'failed', errorCode: INVALID_PATH, message: `not sent: ${row.link_id} is not a valid ARM resource id (${invalid})` });
    const path = `${linkPath(row)}/${ACTION_PATH[row.kind]}`;
    let lastResponse: ArmResponse | undefined;
    const toOperation = (res: ArmResponse, method: string, url: string): OperationResponse => {
      lastResponse = res;
      return { flatResponse: res.body, rawResponse: { statusCode: res.status, headers: res.headers.toJSON(), request: { method, url }, body: res.body } };
    };
    const lro: RunningOperation = {
      sendInitialRequest: async () => {
        if (resume) throw new Error('internal: a resumed action must never be POSTed again');
        return toOperation(await deps.arm.post(path), 'POST', path);
      },
      sendPollRequest: async (url) => {
        const res = await deps.arm.poll(url);
        lastResponse = res;
        const unclear = (why?: string): ArmError =>
          why
            ? new ArmError({ message: why, status: res.status, code: 'UnexpectedBody', requestId: res.requestId, correlationId: res.correlationId, path: pathOf(url) })
            : armErrorFromResponse(res.status, res.text, res.requestId, pathOf(url), { correlationId: res.correlationId });
        // Which URL this is, as core-lro polls it now (it may follow a new header): the status
        // URL (OperationLocation mode, any URL but the result's), or a Location URL.
        const config = configOf(poller);
        const isStatusUrl = config.mode === 'OperationLocation' && (config.resourceLocation === undefined || !sameResource(url, config.resourceLocation));
        const isFinalGet = config.mode === 'OperationLocation' && !isStatusUrl;
        // Throttled or busy for now (the GET retries are spent): the operation goes on; retry later.
        if (res.status === 429 || res.status === 408 || (res.status >= 500 && (res.headers.has('retry-after') || !armErrorDetailOf(res.body)))) throw unclear();
        if (isStatusUrl) {
          // The status resource answers 200 with a status; anything else says nothing of the
          // operation (ARM RPC: a 4xx or 5xx there is a failure to read the status).
          if (res.status !== 200) throw unclear();
          if (typeof (res.body as { status?: unknown } | undefined)?.status !== 'string') throw unclear(`the status URL answered 200 without an operation status`);
          return toOperation(res, 'GET', url);
        }
        if (isFinalGet) {
          // The operation Succeeded; its result must be a success too, or it is not the result yet.
          if (res.status === 200 || res.status === 204) return toOperation(res, 'GET', url);
          throw unclear(`the result URL answered HTTP ${res.status} after the operation succeeded`);
        }
        if (res.status >= 200 && res.status < 300) return toOperation(res, 'GET', url);
        // A Location URL answering 401, 403 or 404 cannot tell; any other answer is the action's
        // own status and error: ARM's verdict.
        if ([401, 403, 404].includes(res.status)) throw unclear();
        return toOperation(res, 'GET', url);
      },
    };

    let poller: PollerLike<OperationState<unknown>, unknown>;
    try {
      if (resume) {
        event(row.id, { event: 'resumed', detail: 'polling resumed from the saved state; not POSTed again' });
        poller = createHttpPoller(lro, { restoreFrom: row.poller_state as string, resourceLocationConfig: 'location' });
      } else {
        // Claim it only if it is still queued (or claimed but never posted): a `queue cancel`
        // that landed while it waited its turn must win.
        const claimed = sqlite.transaction(() => {
          const changed = sqlite
            .prepare(`UPDATE actions SET status = 'running', started_at = coalesce(started_at, ?), run_id = ?, posted_at = ? WHERE id = ? AND posted_at IS NULL AND status IN ('queued', 'running')`)
            .run(iso(), runId, iso(), row.id).changes;
          if (changed === 0) return false;
          event(row.id, { event: 'started', detail: JSON.stringify({ run: runId }) });
          event(row.id, { event: 'posting', detail: `POST ${path}` });
          return true;
        })();
        if (!claimed) {
          skipped.push(row.id);
          return undefined;
        }
        poller = createHttpPoller(lro, { resourceLocationConfig: 'location' });
        try {
          await poller.submitted();
        } catch (e) {
          if (isCredentialError(e)) {
            // The bearer policy got no token, so this POST never left (an earlier attempt can only
            // have been a 429, which ARM refuses without acting): back in the queue, not failed.
            sqlite.transaction(() => {
              sqlite.prepare(`UPDATE actions SET status = 'queued', started_at = ?, run_id = NULL, posted_at = NULL WHERE id = ?`).run(row.started_at, row.id);
              event(row.id, { event: 'retry', detail: `not sent: no token (${e.message}); queued again` });
            })();
            credentialFailure ??= e;
            return undefined;
          }
          // A refusal: ARM answered without acting (409 Conflict, or 429 once the throttling
          // retries are spent or because another operation holds the gateway).
          if (e instanceof ArmError && (e.status === 409 || e.status === 429)) return requeue(row, e);
          // Refused by the ARM client itself: nothing was sent.
          if (e instanceof ArmError && e.code === INVALID_PATH) return finish(row, failureOf(e));
          // No answer, a 5xx, or a 2xx that could not be read: ARM may have acted on it. Never send it again.
          if (!(e instanceof ArmError) || e.status === undefined || e.status >= 500 || e.status < 300) {
            const f = failureOf(e);
            return unknownOutcome(row, `the POST got no clear answer (${f.errorCode}: ${f.message})`, f);
          }
          throw e;
        }
        const res = lastResponse as ArmResponse | undefined;
        const pollingHeader = res?.headers.get('azure-asyncoperation') ?? res?.headers.get('operation-location');
        // core-lro reads a 202 with no URL to poll as done; ARM accepted the action and gave no
        // way to learn its outcome.
        if (res?.status === 202 && pollingHeader === undefined && !res.headers.has('location')) {
          sqlite.transaction(() => {
            sqlite.prepare(`UPDATE actions SET post_request_id = ?, request_id = ?, correlation_id = ? WHERE id = ?`).run(res.requestId ?? null, res.requestId ?? null, res.correlationId ?? null, row.id);
            event(row.id, { event: 'accepted', httpStatus: res.status, requestId: res.requestId, detail: 'no Azure-AsyncOperation or Location header' });
          })();
          return unknownOutcome(row, 'ARM accepted the POST (202) but gave no URL to follow it', { httpStatus: 202, requestId: res.requestId, correlationId: res.correlationId });
        }
        const state = await poller.serialize();
        sqlite.transaction(() => {
          sqlite.prepare(`UPDATE actions SET poller_state = ?, post_request_id = ?, request_id = ?, correlation_id = ? WHERE id = ?`).run(state, res?.requestId ?? null, res?.requestId ?? null, res?.correlationId ?? null, row.id);
          event(row.id, { event: 'accepted', httpStatus: res?.status, requestId: res?.requestId });
        })();
      }
    } catch (e) {
      return finish(row, failureOf(e));
    }

    let failures = 0;
    const postedAt = Date.parse((sqlite.prepare(`SELECT posted_at FROM actions WHERE id = ?`).pluck().get(row.id) as string | null) ?? iso());
    while (!poller.isDone) {
      // Past the deadline the action is over for vpnsync, whatever the polls said: a status URL
      // that keeps answering 5xx (or an operation ARM keeps reporting running) must not keep it
      // `running`, and its connection's other resets held back, run after run. What ARM did is
      // unknown, so it ends as OutcomeUnknown — never POSTed again — and the trail says why.
      if (clock.now() - postedAt > deadlineMs) return unknownOutcome(row, pastDeadline(sqlite, row.id, postedAt, clock.now(), row.kind));
      // A resumed operation has no answer in hand yet: the runner that stopped waited already.
      if (lastResponse) await clock.sleep(pollIntervalMs(lastResponse, clock.now()));
      try {
        const state = await poller.poll();
        failures = 0;
        const saved = await poller.serialize();
        sqlite.transaction(() => {
          sqlite.prepare(`UPDATE actions SET poller_state = ? WHERE id = ?`).run(saved, row.id);
          event(row.id, { event: 'poll', httpStatus: lastResponse?.status, requestId: lastResponse?.requestId, detail: state.status });
        })();
      } catch (e) {
        // The operation reported its own failure: core-lro set the state, then threw.
        const status = poller.operationState?.status;
        if (status === 'failed' || status === 'canceled') break;
        if (isCredentialError(e)) {
          // No token to poll with: the operation stays running for the next run to resume.
          credentialFailure ??= e;
          return undefined;
        }
        const f = failureOf(e);
        // A polling URL that answers 4xx tells nothing of the operation, which ARM accepted and
        // may have carried out: its outcome is unknown. A transport failure, a 5xx, a throttled
        // poll or an answer that is not the status or result yet (a 2xx of the wrong shape)
        // leaves it running for the next `queue run` to resume.
        if (e instanceof ArmError && e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 408) {
          return unknownOutcome(row, `ARM accepted the action, then its polling URL answered HTTP ${e.status} (${e.code}: ${e.message})`, f);
        }
        failures += 1;
        event(row.id, { event: 'retry', httpStatus: f.httpStatus, requestId: f.requestId, detail: f.message });
        if (clock.now() - postedAt > deadlineMs) return unknownOutcome(row, pastDeadline(sqlite, row.id, postedAt, clock.now(), row.kind), f);
        if (failures >= MAX_POLL_FAILURES) return finish(row, { ...f, outcome: 'pending', message: `${f.message ?? ''}; still running, the next queue run resumes polling` });
      }
    }
    const state = poller.operationState;
    if (state?.status !== 'succeeded') {
      return finish(row, verdictOf(lastResponse, state?.status ?? 'unknown', pathOf(path)));
    }
    const done = lastResponse;
    if (row.kind === 'ike-sas' && configOf(poller).mode === 'OperationLocation' && configOf(poller).resourceLocation === undefined) {
      // Only a status URL was given: it says the query succeeded, but the report is served at
      // the Location URL, which ARM did not give.
      return finish(row, { outcome: 'failed', errorCode: 'ResultUnavailable', message: 'ARM reported the IKE SA query Succeeded but gave no Location URL to read its result from', httpStatus: done?.status, requestId: done?.requestId, correlationId: done?.correlationId });
    }
    if (row.kind === 'ike-sas') {
      // The body exactly as received: Microsoft's own example is a quoted string that is not JSON.
      // A runner that stopped after saving the final poll left no answer in hand: the saved
      // state's result (the body as parsed) is all there is.
      const payload = decodeIkeSaPayload(done ? done.text : typeof poller.result === 'string' ? poller.result : JSON.stringify(poller.result ?? null));
      sqlite.prepare(`INSERT OR REPLACE INTO ike_sas (action_id, link_key, fetched_at, raw, parsed) VALUES (?, ?, ?, ?, ?)`).run(row.id, row.link_key, iso(), payload.raw, payload.parsed);
    }
    return finish(row, { outcome: 'succeeded', httpStatus: done?.status, requestId: done?.requestId, correlationId: done?.correlationId });
  };

  try {
    for (const row of plan.unknownOutcome) {
      unknownOutcome(row, 'an earlier runner stopped after sending the POST and before ARM’s answer was saved');
    }
    await Promise.all([...plan.resume.map((r) => execute(r, true)), ...plan.run.map((r) => execute(r, false))]);
  } catch (e) {
    // Only the database failing gets here (action failures are outcomes): release the lock.
    failRun(e);
    throw e;
  } finally {
    stopHeartbeat();
  }
  if (credentialFailure) {
    failRun(credentialFailure);
    throw credentialFailure;
  }

  const failed = outcomes.filter((o) => o.outcome !== 'succeeded').length;
  sqlite
    .prepare(`UPDATE queue_runs SET status = ?, finished_at = ?, succeeded = ?, failed = ? WHERE id = ?`)
    .run(failed > 0 ? 'partial' : 'complete', iso(), outcomes.length - failed, failed, runId);
  outcomes.sort((a, b) => a.id - b.id);
  return { runId, outcomes, resumed: plan.resume.map((r) => r.id), deferred: deferred.sort((a, b) => a - b), skipped, notDue: plan.notDue.map((r) => r.id), requeued, held };
}

/**
 * Why an operation past its deadline has an unknown outcome, from its trail: how many polls
 * failed since the POST and with which HTTP statuses (or that ARM kept reporting it running).
 */
function pastDeadline(sqlite: BetterSqlite3.Database, actionId: number, postedAt: number, now: number, kind: ActionKind): string {
  const failed = sqlite
    .prepare(`SELECT coalesce(http_status, 0) AS status, count(*) AS n FROM action_events WHERE action_id = ? AND event = 'retry' AND at >= ? GROUP BY 1 ORDER BY n DESC, status`)
    .all(actionId, new Date(postedAt).toISOString()) as { status: number; n: number }[];
  const polls = (sqlite.prepare(`SELECT count(*) FROM action_events WHERE action_id = ? AND event = 'poll' AND at >= ?`).pluck().get(actionId, new Date(postedAt).toISOString()) as number) + failed.reduce((a, f) => a + f.n, 0);
  const seconds = Math.round((now - postedAt) / 1000);
  const span = seconds < 120 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`;
  const what = kind === 'reset' ? 'the reset' : 'the IKE SA query';
  const answered = failed.map((f) => (f.status === 0 ? `no answer ${f.n} time${f.n === 1 ? '' : 's'}` : `HTTP ${f.status} ${f.n} time${f.n === 1 ? '' : 's'}`)).join(', ');
  const seen = failed.length > 0 ? `its status URL answered ${answered} in ${polls} poll${polls === 1 ? '' : 's'} over ${span}` : `ARM still reported it running after ${polls} poll${polls === 1 ? '' : 's'} over ${span}`;
  return `ARM accepted the action, then ${seen}, past the operation deadline; ${what} may or may not have happened`;
}

/** The credential yielded no token (the ARM client's CredentialError): nothing was sent. */
function isCredentialError(e: unknown): e is ArmError {
  return e instanceof ArmError && e.code === 'CredentialError';
}

/** How long to wait before the next poll: the last answer's Retry-After (seconds or HTTP date), else ARM's documented default. */
export function pollIntervalMs(res: Pick<ArmResponse, 'headers'> | undefined, now: number): number {
  return parseRetryAfterMs(res?.headers.get('retry-after'), now) ?? DEFAULT_POLL_INTERVAL_MS;
}

/** "gateway/connection/link" of an action, for log lines. */
function linkLabel(row: ActionRow): string {
  return `${row.gatewayName}/${row.connectionName}/${row.linkConnectionName}`;
}

/** Same scheme, host and path (query strings, such as api-version, may differ in case or order). */
function sameResource(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.toLowerCase() === y.pathname.toLowerCase();
  } catch {
    return a === b;
  }
}


/** How core-lro polls this operation now: its mode, and the result's URL in OperationLocation mode. */
function configOf(poller: PollerLike<OperationState<unknown>, unknown> | undefined): { mode: string | undefined; resourceLocation: string | undefined } {
  const config = (poller?.operationState as { config?: { metadata?: { mode?: unknown }; resourceLocation?: unknown } } | undefined)?.config;
  const mode = config?.metadata?.mode;
  return { mode: typeof mode === 'string' ? mode : undefined, resourceLocation: typeof config?.resourceLocation === 'string' ? config.resourceLocation : undefined };
}

/**
 * ARM's own verdict on an operation that ended Failed or Canceled: the error from the status
 * resource (`200 {"status":"Failed","error":{…}}`) or from the Location URL's answer (the
 * failure's own status and body), with the status of the answer that carried it and its ids.
 */
function verdictOf(res: ArmResponse | undefined, status: string, path: string): ReturnType<typeof failureOf> & { correlationId?: string | undefined } {
  if (!res) return { outcome: 'failed', errorCode: 'OperationFailed', message: `operation ended ${status}` };
  const detail = armErrorDetailOf(res.body);
  const err = armErrorFromDetail(detail ?? { code: status === 'canceled' ? 'Canceled' : 'OperationFailed', message: `ARM reported the operation ${status} without an error` }, res.status, path, {
    requestId: res.requestId,
    correlationId: res.correlationId,
  });
  return { ...failureOf(err), correlationId: err.correlationId };
}

/**
 * Asks ARM for the state of each subscription that has due queued actions (Subscriptions_Get, a
 * read) and stores it. When ARM cannot be asked (no read permission on the subscription, say),
 * the state stored last (by a pull or an earlier run) stands; with none, the actions are sent
 * and ARM decides. Throws only a credential error (no token: nothing can be sent either).
 */
async function refreshSubscriptionStates(arm: ArmClient, sqlite: BetterSqlite3.Database, now: string, log: (line: string) => void): Promise<void> {
  const ids = sqlite
    .prepare(`SELECT DISTINCT lower(subscriptionId) FROM actions WHERE status = 'queued' AND (not_before IS NULL OR not_before <= ?) ORDER BY 1`)
    .pluck()
    .all(now) as string[];
  for (const key of ids) {
    try {
      const res = await arm.get(`/subscriptions/${key}`, SUBSCRIPTIONS_API_VERSION);
      recordSubscriptionStates(sqlite, subscriptionStatesOf([res.body]), now);
    } catch (e) {
      if (isCredentialError(e)) throw e;
      log(`could not read the state of subscription ${key} (${e instanceof ArmError ? e.describe() : String(e)}); using the state stored last, if any`);
    }
  }
}

/** Leaves an action queued and says why in its trail, once per reason (not on every cron run). */
function holdBack(sqlite: BetterSqlite3.Database, row: ActionRow, reason: string, at: string): void {
  const detail = `held back: ${reason.replace(/ \(as ARM reported at [^)]*\)/, '')}`;
  const last = sqlite.prepare(`SELECT detail FROM action_events WHERE action_id = ? ORDER BY id DESC LIMIT 1`).pluck().get(row.id) as string | null | undefined;
  if (last !== detail) logActionEvent(sqlite, row.id, at, { event: 'retry', detail });
}

function failureOf(e: unknown): { outcome: 'failed'; errorCode: string; message: string; requestId?: string | undefined; httpStatus?: number | undefined; correlationId?: string | undefined } {
  if (e instanceof ArmError) return { outcome: 'failed', errorCode: e.code, message: e.message, requestId: e.requestId, httpStatus: e.status, correlationId: e.correlationId };
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  // core-lro reports an operation's own failure as "<code>: <message>" or with a code property.
  const code = typeof err?.code === 'string' ? err.code : (/^([A-Za-z][A-Za-z0-9]+):\s/.exec(message)?.[1] ?? 'OperationFailed');
  return { outcome: 'failed', errorCode: code, message };
}
