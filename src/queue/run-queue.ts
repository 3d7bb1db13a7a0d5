import { hostname as osHostname } from 'node:os';
import { createHttpPoller, type OperationResponse, type OperationState, type PollerLike, type RunningOperation } from '@azure/core-lro';
import type BetterSqlite3 from 'better-sqlite3';
import pLimit from 'p-limit';
import type { ArmClient, ArmResponse } from '../arm/arm-client.js';
import { ArmError } from '../arm/arm-error.js';
import { systemClock, type Clock } from '../arm/clock.js';
import { connectionKey, linkPath } from '../arm/resource-id.js';
import { clearStaleLocks, processIsAlive, startHeartbeat, type IsAlive } from '../store/process-lock.js';
import type { Store } from '../store/open-store.js';
import type { ActionKind, ActionTable } from '../store/schema.js';
import { logActionEvent, type ActionEvent } from './action-log.js';
import { decodeIkeSaPayload } from './ike-sa-payload.js';
import { DEFAULT_MAX_RESETS, DEFAULT_QUEUE_CONCURRENCY } from './queue-defaults.js';

/** Polling interval when ARM sends no Retry-After. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** Consecutive failed polls (after the pipeline's own retries) before a run gives up on an operation for now. */
const MAX_POLL_FAILURES = 3;
/** An operation still running this long after its POST is failed (OperationTimedOut); resets take minutes. */
export const OPERATION_DEADLINE_MS = 60 * 60_000;

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
}

export interface QueueRunOptions {
  concurrency?: number;
  maxResets?: number;
  /** Lift the --max-resets cap. */
  force?: boolean;
  /** Only these action ids (still only if due). */
  ids?: readonly number[];
}

type ActionRow = Omit<ActionTable, 'id'> & { id: number };

/** What happened to one action in this run. */
export interface ActionOutcome {
  id: number;
  kind: ActionKind;
  link: string;
  outcome: 'succeeded' | 'failed' | 'pending';
  errorCode?: string | undefined;
  message?: string | undefined;
  requestId?: string | undefined;
}

export interface QueueRunResult {
  runId: number;
  outcomes: ActionOutcome[];
  /** Actions whose polling resumed after an earlier runner stopped. */
  resumed: number[];
  /** Due actions left queued: --max-resets reached, or another reset of the same VPN connection is in flight. */
  deferred: number[];
  /** Actions cancelled after the run started (not sent). */
  skipped: number[];
  /** Queued actions not yet due (--not-before in the future). */
  notDue: number[];
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
  notDue: ActionRow[];
}

/**
 * Works out what a run would do, reading only: actions an earlier runner left running (resume
 * polling if their POST was accepted; never re-POST one whose answer was lost), and the queued
 * actions that are due, in id order, resets capped at maxResets unless forced and held back
 * while another reset of their connection may be running at ARM (one left running that this run
 * does not follow, or one whose outcome is unknown, for an hour after its POST).
 */
export function planQueueRun(sqlite: BetterSqlite3.Database, now: string, options: QueueRunOptions = {}): QueuePlan {
  const only = options.ids && options.ids.length > 0 ? new Set(options.ids) : undefined;
  const open = sqlite.prepare(`SELECT * FROM actions WHERE status IN ('queued', 'running') ORDER BY id`).all() as ActionRow[];
  const plan: QueuePlan = { resume: [], unknownOutcome: [], run: [], deferred: [], blocked: [], notDue: [] };
  // A reset that may be running at ARM and that this run will not follow to its end keeps its
  // connection busy: another reset there could take the whole site down.
  const busy = new Set<string>();
  for (const r of open) {
    if (r.status !== 'running' || r.kind !== 'reset') continue;
    const followed = r.poller_state !== null && (!only || only.has(r.id));
    if (!followed && r.posted_at !== null) busy.add(connectionKey(r));
  }
  // So does a reset whose outcome is unknown (its POST may have reached ARM), until the deadline
  // after which vpnsync would have stopped polling it anyway: nothing says it has ended.
  const since = new Date(Date.parse(now) - OPERATION_DEADLINE_MS).toISOString();
  const unknown = sqlite.prepare(`SELECT * FROM actions WHERE kind = 'reset' AND status = 'failed' AND error_code = 'OutcomeUnknown' AND posted_at > ?`).all(since) as ActionRow[];
  for (const r of unknown) busy.add(connectionKey(r));
  const cap = options.force ? Number.POSITIVE_INFINITY : (options.maxResets ?? DEFAULT_MAX_RESETS);
  let resets = 0;
  for (const r of open) {
    if (only && !only.has(r.id)) continue;
    if (r.status === 'running') {
      if (r.poller_state) plan.resume.push(r);
      else if (r.posted_at) plan.unknownOutcome.push(r);
      else plan.run.push(r); // claimed but never posted: safe to run
      continue;
    }
    if (r.not_before && r.not_before > now) {
      plan.notDue.push(r);
      continue;
    }
    if (r.kind === 'reset') {
      if (busy.has(connectionKey(r))) {
        plan.blocked.push(r);
        continue;
      }
      if (resets >= cap) {
        plan.deferred.push(r);
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
 * operations are resumed by the next run and never POSTed twice. Resets of links of the same VPN
 * connection never overlap. Failures are returned per action; only a lost lock or database, or a
 * credential that yields no token (the actions it would have sent stay queued), throws.
 */
export async function runQueue(deps: QueueRunDeps, options: QueueRunOptions = {}): Promise<QueueRunResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => undefined);
  const { sqlite } = deps.store;
  const iso = () => new Date(clock.now()).toISOString();

  const runId = sqlite
    .transaction(() => {
      const me = { pid: deps.pid ?? process.pid, hostname: deps.hostname ?? osHostname(), at: iso() };
      for (const c of clearStaleLocks(sqlite, 'queue_runs', 'queue run', me, deps.isAlive ?? processIsAlive)) {
        log(`cleared the lock of queue run #${c.id}: process ${c.pid ?? '?'} is no longer running`);
      }
      return Number(sqlite.prepare(`INSERT INTO queue_runs (started_at, status, pid, hostname, heartbeat_at) VALUES (?, 'running', ?, ?, ?)`).run(me.at, me.pid, me.hostname, me.at).lastInsertRowid);
    })
    .immediate();
  const stopHeartbeat = startHeartbeat(sqlite, 'queue_runs', runId, () => clock.now());

  const plan = planQueueRun(sqlite, iso(), options);
  const outcomes: ActionOutcome[] = [];
  const event = (id: number, e: ActionEvent) => logActionEvent(sqlite, id, iso(), e);
  const finish = (row: ActionRow, o: Omit<ActionOutcome, 'id' | 'kind' | 'link'> & { httpStatus?: number | undefined }) => {
    const outcome: ActionOutcome = { id: row.id, kind: row.kind, link: `${row.gatewayName}/${row.connectionName}/${row.linkConnectionName}`, ...o };
    if (o.outcome !== 'pending') {
      sqlite.transaction(() => {
        sqlite
          .prepare(`UPDATE actions SET status = ?, finished_at = ?, http_status = ?, error_code = ?, error_message = ?, request_id = coalesce(?, request_id) WHERE id = ?`)
          .run(o.outcome, iso(), o.httpStatus ?? null, o.errorCode ?? null, o.message ?? null, o.requestId ?? null, row.id);
        event(row.id, { event: o.outcome as 'succeeded' | 'failed', httpStatus: o.httpStatus, requestId: o.requestId, detail: o.message });
      })();
    }
    outcomes.push(outcome);
    log(`#${row.id} ${row.kind} ${outcome.link}: ${o.outcome}${o.errorCode ? ` (${o.errorCode}${o.requestId ? `, request id ${o.requestId}` : ''})` : ''}`);
    return outcome;
  };

  for (const row of plan.unknownOutcome) {
    finish(row, {
      outcome: 'failed',
      errorCode: 'OutcomeUnknown',
      message: 'an earlier runner stopped after sending the POST and before ARM’s answer was saved; it is not sent again — check the link, and queue the action again if needed',
    });
  }

  const limit = pLimit(options.concurrency ?? DEFAULT_QUEUE_CONCURRENCY);
  // Resets of one VPN connection run one after another: resetting two of a site's links at
  // once would take every tunnel of the site down together. A reset this run stops following
  // while it may still be running at ARM (pending, outcome unknown) blocks its connection.
  const resetChains = new Map<string, Promise<void>>();
  const blocked = new Set<string>(plan.unknownOutcome.filter((r) => r.kind === 'reset').map((r) => connectionKey(r)));
  const deferred = [...plan.deferred, ...plan.blocked].map((r) => r.id);
  const skipped: number[] = [];
  // Set when the credential yields no token: every other action would fail alike, so none is
  // claimed after it, and the run ends with that error (nothing was sent for want of a token).
  let credentialFailure: ArmError | undefined;
  const execute = (row: ActionRow, resume: boolean): Promise<void> => {
    const work = () =>
      limit(async () => {
        if (credentialFailure) return;
        if (row.kind === 'reset' && !resume && blocked.has(connectionKey(row))) {
          deferred.push(row.id);
          log(`#${row.id} reset ${row.gatewayName}/${row.connectionName}/${row.linkConnectionName}: deferred, another reset of its VPN connection may still be running`);
          return;
        }
        const outcome = await runAction(row, resume);
        if (row.kind === 'reset' && (outcome?.outcome === 'pending' || outcome?.errorCode === 'OutcomeUnknown')) blocked.add(connectionKey(row));
      });
    if (row.kind !== 'reset') return work();
    const key = connectionKey(row);
    const next = (resetChains.get(key) ?? Promise.resolve()).then(work);
    resetChains.set(key, next);
    return next;
  };

  const runAction = async (row: ActionRow, resume: boolean): Promise<ActionOutcome | undefined> => {
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
      sendPollRequest: async (url) => toOperation(await deps.arm.get(url), 'GET', url),
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
          // No answer, or a 5xx: ARM may have acted on it. Never send it again.
          if (!(e instanceof ArmError) || e.status === undefined || e.status >= 500) {
            const f = failureOf(e);
            return finish(row, { ...f, errorCode: 'OutcomeUnknown', message: `the POST got no clear answer (${f.errorCode}: ${f.message}); it is not sent again — check the link, and queue the action again if needed` });
          }
          throw e;
        }
        const state = await poller.serialize();
        const res = lastResponse as ArmResponse | undefined;
        sqlite.transaction(() => {
          sqlite.prepare(`UPDATE actions SET poller_state = ?, post_request_id = ?, request_id = ? WHERE id = ?`).run(state, res?.requestId ?? null, res?.requestId ?? null, row.id);
          event(row.id, { event: 'accepted', httpStatus: res?.status, requestId: res?.requestId });
        })();
      }
    } catch (e) {
      return finish(row, failureOf(e));
    }

    let failures = 0;
    const postedAt = Date.parse((sqlite.prepare(`SELECT posted_at FROM actions WHERE id = ?`).pluck().get(row.id) as string | null) ?? iso());
    while (!poller.isDone) {
      if (clock.now() - postedAt > OPERATION_DEADLINE_MS) {
        return finish(row, { outcome: 'failed', errorCode: 'OperationTimedOut', message: `ARM still reported the operation running ${Math.round(OPERATION_DEADLINE_MS / 60_000)} minutes after the POST; stopped polling` });
      }
      await clock.sleep(retryAfterMs(lastResponse));
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
        // An answer from ARM (4xx) ends the action; a transport failure or 5xx leaves it
        // running for the next `queue run` to resume.
        if (e instanceof ArmError && e.status !== undefined && e.status < 500 && e.status !== 429) return finish(row, f);
        failures += 1;
        event(row.id, { event: 'retry', httpStatus: f.httpStatus, requestId: f.requestId, detail: f.message });
        if (failures >= MAX_POLL_FAILURES) return finish(row, { ...f, outcome: 'pending', message: `${f.message ?? ''}; still running, the next queue run resumes polling` });
      }
    }
    const state = poller.operationState;
    if (state?.status !== 'succeeded') {
      return finish(row, { ...failureOf(state?.error ?? new Error(`operation ended ${state?.status ?? 'unknown'}`)), httpStatus: lastResponse?.status, requestId: lastResponse?.requestId });
    }
    if (row.kind === 'ike-sas') {
      const payload = decodeIkeSaPayload(poller.result);
      sqlite.prepare(`INSERT OR REPLACE INTO ike_sas (action_id, link_key, fetched_at, raw, parsed) VALUES (?, ?, ?, ?, ?)`).run(row.id, row.link_key, iso(), payload.raw, payload.parsed);
    }
    return finish(row, { outcome: 'succeeded', httpStatus: lastResponse?.status, requestId: lastResponse?.requestId });
  };

  try {
    await Promise.all([...plan.resume.map((r) => execute(r, true)), ...plan.run.map((r) => execute(r, false))]);
  } catch (e) {
    // Only the database failing gets here (action failures are outcomes): release the lock.
    try {
      sqlite.prepare(`UPDATE queue_runs SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`).run(iso(), e instanceof Error ? e.message : String(e), runId);
    } catch {
      // The original error is the one to report.
    }
    throw e;
  } finally {
    stopHeartbeat();
  }
  if (credentialFailure) {
    sqlite.prepare(`UPDATE queue_runs SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`).run(iso(), credentialFailure.describe(), runId);
    throw credentialFailure;
  }

  const failed = outcomes.filter((o) => o.outcome !== 'succeeded').length;
  sqlite
    .prepare(`UPDATE queue_runs SET status = ?, finished_at = ?, succeeded = ?, failed = ? WHERE id = ?`)
    .run(failed > 0 ? 'partial' : 'complete', iso(), outcomes.length - failed, failed, runId);
  outcomes.sort((a, b) => a.id - b.id);
  return { runId, outcomes, resumed: plan.resume.map((r) => r.id), deferred: deferred.sort((a, b) => a - b), skipped, notDue: plan.notDue.map((r) => r.id) };
}

/** The credential yielded no token (the ARM client's CredentialError): nothing was sent. */
function isCredentialError(e: unknown): e is ArmError {
  return e instanceof ArmError && e.code === 'CredentialError';
}

/** Retry-After of the last answer (seconds or HTTP date), else the default interval. */
function retryAfterMs(res: ArmResponse | undefined): number {
  const header = res?.headers.get('retry-after');
  if (header === undefined) return DEFAULT_POLL_INTERVAL_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : DEFAULT_POLL_INTERVAL_MS;
}

function failureOf(e: unknown): { outcome: 'failed'; errorCode: string; message: string; requestId?: string | undefined; httpStatus?: number | undefined } {
  if (e instanceof ArmError) return { outcome: 'failed', errorCode: e.code, message: e.message, requestId: e.requestId, httpStatus: e.status };
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  // core-lro reports an operation's own failure as "<code>: <message>" or with a code property.
  const code = typeof err?.code === 'string' ? err.code : (/^([A-Za-z][A-Za-z0-9]+):\s/.exec(message)?.[1] ?? 'OperationFailed');
  return { outcome: 'failed', errorCode: code, message };
}
