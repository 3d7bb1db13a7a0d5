import type BetterSqlite3 from 'better-sqlite3';
import type { ActionEventTable, ActionStatus, ActionTable, IkeSaTable } from '../store/schema.js';

type ActionRow = Omit<ActionTable, 'id' | 'refusals'> & { id: number; refusals: number };
type EventRow = Omit<ActionEventTable, 'id'> & { id: number };

/** Actions, newest first, optionally only some statuses. */
export function listActions(sqlite: BetterSqlite3.Database, statuses?: readonly ActionStatus[]): ActionRow[] {
  const all = sqlite.prepare(`SELECT * FROM actions ORDER BY id DESC`).all() as ActionRow[];
  return statuses && statuses.length > 0 ? all.filter((a) => statuses.includes(a.status)) : all;
}

/**
 * An action as vpnsync prints it (`queue list`, `queue show`, `queue run --dry-run` as JSON):
 * camelCase keys, ISO 8601 UTC times, and no internal fields (the saved poller state, the
 * lower-cased key).
 */
export interface ActionView {
  id: number;
  kind: ActionRow['kind'];
  status: ActionStatus;
  link: string;
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
  linkConnectionName: string;
  requestedBy: string;
  reason: string | null;
  queuedAt: string;
  notBefore: string | null;
  startedAt: string | null;
  postedAt: string | null;
  finishedAt: string | null;
  runId: number | null;
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestId: string | null;
  postRequestId: string | null;
  correlationId: string | null;
  refusals: number;
}

/** The printed form of an `actions` row (see ActionView). */
export function actionView(row: Omit<ActionRow, 'poller_state'> & { poller_state?: unknown }): ActionView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    link: row.link_id,
    subscriptionId: row.subscriptionId,
    resourceGroupName: row.resourceGroupName,
    gatewayName: row.gatewayName,
    connectionName: row.connectionName,
    linkConnectionName: row.linkConnectionName,
    requestedBy: row.requested_by,
    reason: row.reason,
    queuedAt: row.queued_at,
    notBefore: row.not_before,
    startedAt: row.started_at,
    postedAt: row.posted_at,
    finishedAt: row.finished_at,
    runId: row.run_id,
    httpStatus: row.http_status,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    requestId: row.request_id,
    postRequestId: row.post_request_id,
    correlationId: row.correlation_id,
    refusals: row.refusals,
  };
}

/** An audit-trail event as printed. */
export interface ActionEventView {
  id: number;
  at: string;
  event: EventRow['event'];
  httpStatus: number | null;
  requestId: string | null;
  detail: string | null;
}

/** One action with its audit trail and IKE SA result, as data and as text. */
export interface ActionDetail {
  action: ActionView;
  events: ActionEventView[];
  /** The IKE SA answer: `raw` exactly as received, `parsed` its JSON where it is JSON. */
  ikeSas: { fetchedAt: string; raw: string; parsed: unknown } | null;
  text: string;
}

/** The detail of action `id`, or undefined if there is none. */
export function showAction(sqlite: BetterSqlite3.Database, id: number): ActionDetail | undefined {
  const row = sqlite.prepare(`SELECT * FROM actions WHERE id = ?`).get(id) as ActionRow | undefined;
  if (!row) return undefined;
  const events = sqlite.prepare(`SELECT * FROM action_events WHERE action_id = ? ORDER BY id`).all(id) as EventRow[];
  const ike = sqlite.prepare(`SELECT * FROM ike_sas WHERE action_id = ?`).get(id) as IkeSaTable | undefined;
  const ikeSas = ike ? { fetchedAt: ike.fetched_at, raw: ike.raw, parsed: ike.parsed === null ? null : (JSON.parse(ike.parsed) as unknown) } : null;
  const lines = [
    `action #${row.id}: ${row.kind} — ${row.status}`,
    `link:         ${row.link_id}`,
    `requested by: ${row.requested_by} at ${row.queued_at}${row.reason ? ` — ${row.reason}` : ''}`,
    ...(row.not_before ? [`not before:   ${row.not_before}`] : []),
    ...(row.started_at ? [`started:      ${row.started_at}`] : []),
    ...(row.finished_at ? [`finished:     ${row.finished_at}`] : []),
    ...(row.error_code ? [`error:        ${row.error_code}${row.http_status ? ` (HTTP ${row.http_status})` : ''}: ${row.error_message ?? ''}`] : []),
    ...(row.request_id ? [`request id:   ${row.request_id}`] : []),
    ...(row.correlation_id ? [`correlation:  ${row.correlation_id}`] : []),
    ...(row.refusals > 0 ? [`refused:      ${row.refusals} time(s) by ARM without acting (busy), queued again each time`] : []),
    '',
    'trail:',
    ...events.map((e) => `  ${e.at}  ${e.event.padEnd(9)}${e.http_status ? ` HTTP ${e.http_status}` : ''}${e.request_id ? ` request ${e.request_id}` : ''}${e.detail ? `  ${e.detail}` : ''}`),
  ];
  if (ikeSas) {
    lines.push('', `IKE security associations (fetched ${ikeSas.fetchedAt}):`, ike?.parsed !== null ? JSON.stringify(ikeSas.parsed, null, 2) : ikeSas.raw);
  }
  const eventViews = events.map((e): ActionEventView => ({ id: e.id, at: e.at, event: e.event, httpStatus: e.http_status, requestId: e.request_id, detail: e.detail }));
  return { action: actionView(row), events: eventViews, ikeSas, text: lines.join('\n') };
}
