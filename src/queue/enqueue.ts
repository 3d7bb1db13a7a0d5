import type BetterSqlite3 from 'better-sqlite3';
import type { ActionKind } from '../store/schema.js';
import type { ActionTarget } from './action-target.js';
import { logActionEvent } from './action-log.js';

export interface EnqueueRequest {
  kind: ActionKind;
  targets: readonly ActionTarget[];
  requestedBy: string;
  reason?: string | undefined;
  /** ISO time before which the action must not run (a maintenance window). */
  notBefore?: string | undefined;
  now: string;
}

export interface EnqueueResult {
  queued: { id: number; target: ActionTarget }[];
  /** Targets that already have the same kind of action queued or running. */
  duplicates: { existingId: number; status: string; target: ActionTarget }[];
}

/**
 * Queues one action per target in one transaction (offline: only the local database is
 * written). A target with the same kind of action already queued or running is reported as a
 * duplicate instead of being queued twice.
 */
export function enqueueActions(sqlite: BetterSqlite3.Database, request: EnqueueRequest): EnqueueResult {
  const open = openActionQuery(sqlite);
  const insert = sqlite.prepare(
    `INSERT INTO actions (kind, link_key, link_id, subscriptionId, resourceGroupName, gatewayName, connectionName, linkConnectionName,
                          status, requested_by, reason, queued_at, not_before)
     VALUES (@kind, @linkKey, @linkId, @subscriptionId, @resourceGroupName, @gatewayName, @connectionName, @linkConnectionName,
             'queued', @requestedBy, @reason, @now, @notBefore)`,
  );
  const tx = sqlite.transaction((): EnqueueResult => {
    const result: EnqueueResult = { queued: [], duplicates: [] };
    for (const target of request.targets) {
      const existing = open.get(target.linkKey, request.kind) as { id: number; status: string } | undefined;
      if (existing) {
        result.duplicates.push({ existingId: existing.id, status: existing.status, target });
        continue;
      }
      const info = insert.run({
        kind: request.kind,
        ...target,
        requestedBy: request.requestedBy,
        reason: request.reason ?? null,
        now: request.now,
        notBefore: request.notBefore ?? null,
      });
      const id = Number(info.lastInsertRowid);
      logActionEvent(sqlite, id, request.now, {
        event: 'queued',
        detail: JSON.stringify({ by: request.requestedBy, reason: request.reason ?? null, notBefore: request.notBefore ?? null, known: target.known }),
      });
      result.queued.push({ id, target });
    }
    return result;
  });
  return tx.immediate();
}

/** The same kind of action already queued or running on a link: what makes a new one a duplicate. */
function openActionQuery(sqlite: BetterSqlite3.Database): BetterSqlite3.Statement {
  return sqlite.prepare(`SELECT id, status FROM actions WHERE link_key = ? AND kind = ? AND status IN ('queued', 'running')`);
}

/** What enqueueActions would do, reading only (for --dry-run): the targets it would queue and the duplicates it would skip. */
export function planEnqueue(sqlite: BetterSqlite3.Database, kind: ActionKind, targets: readonly ActionTarget[]): { queue: ActionTarget[]; duplicates: EnqueueResult['duplicates'] } {
  const open = openActionQuery(sqlite);
  const plan: { queue: ActionTarget[]; duplicates: EnqueueResult['duplicates'] } = { queue: [], duplicates: [] };
  for (const target of targets) {
    const existing = open.get(target.linkKey, kind) as { id: number; status: string } | undefined;
    if (existing) plan.duplicates.push({ existingId: existing.id, status: existing.status, target });
    else plan.queue.push(target);
  }
  return plan;
}

/** Why an action could not be cancelled. */
export class CancelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CancelError';
  }
}

/** Cancels a queued action; running and finished actions cannot be cancelled. */
export function cancelAction(sqlite: BetterSqlite3.Database, id: number, by: string, now: string): void {
  const tx = sqlite.transaction(() => {
    checkCancellable(sqlite, id);
    sqlite.prepare(`UPDATE actions SET status = 'cancelled', finished_at = ? WHERE id = ?`).run(now, id);
    logActionEvent(sqlite, id, now, { event: 'cancelled', detail: JSON.stringify({ by }) });
  });
  tx.immediate();
}

/** Throws CancelError unless action `id` exists and is queued (what `queue cancel --dry-run` checks, reading only). */
export function checkCancellable(sqlite: BetterSqlite3.Database, id: number): void {
  const row = sqlite.prepare(`SELECT status FROM actions WHERE id = ?`).get(id) as { status: string } | undefined;
  if (!row) throw new CancelError(`No action #${id}`);
  if (row.status !== 'queued') throw new CancelError(`Action #${id} is ${row.status}; only queued actions can be cancelled`);
}
