import type BetterSqlite3 from 'better-sqlite3';
import type { ActionEventKind } from '../store/schema.js';

/** One audit event of an action. */
export interface ActionEvent {
  event: ActionEventKind;
  httpStatus?: number | undefined;
  requestId?: string | undefined;
  detail?: string | undefined;
}

/** Appends an event to an action's trail (call inside the transaction that changes the action). */
export function logActionEvent(sqlite: BetterSqlite3.Database, actionId: number, at: string, e: ActionEvent): void {
  sqlite
    .prepare(`INSERT INTO action_events (action_id, at, event, http_status, request_id, detail) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(actionId, at, e.event, e.httpStatus ?? null, e.requestId ?? null, e.detail ?? null);
}
