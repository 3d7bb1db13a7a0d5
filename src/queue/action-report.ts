import type BetterSqlite3 from 'better-sqlite3';
import type { ActionEventTable, ActionStatus, ActionTable, IkeSaTable } from '../store/schema.js';

type ActionRow = Omit<ActionTable, 'id' | 'refusals'> & { id: number; refusals: number };
type EventRow = Omit<ActionEventTable, 'id'> & { id: number };

/** Actions, newest first, optionally only some statuses. */
export function listActions(sqlite: BetterSqlite3.Database, statuses?: readonly ActionStatus[]): ActionRow[] {
  const all = sqlite.prepare(`SELECT * FROM actions ORDER BY id DESC`).all() as ActionRow[];
  return statuses && statuses.length > 0 ? all.filter((a) => statuses.includes(a.status)) : all;
}

/** One action with its audit trail and IKE SA result, as data and as text. */
export interface ActionDetail {
  action: Omit<ActionRow, 'poller_state'>;
  events: EventRow[];
  ikeSas: (IkeSaTable & { parsedValue: unknown }) | null;
  text: string;
}

/** The detail of action `id`, or undefined if there is none. */
export function showAction(sqlite: BetterSqlite3.Database, id: number): ActionDetail | undefined {
  const row = sqlite.prepare(`SELECT * FROM actions WHERE id = ?`).get(id) as ActionRow | undefined;
  if (!row) return undefined;
  const { poller_state: _state, ...action } = row;
  const events = sqlite.prepare(`SELECT * FROM action_events WHERE action_id = ? ORDER BY id`).all(id) as EventRow[];
  const ike = sqlite.prepare(`SELECT * FROM ike_sas WHERE action_id = ?`).get(id) as IkeSaTable | undefined;
  const ikeSas = ike ? { ...ike, parsedValue: ike.parsed === null ? null : (JSON.parse(ike.parsed) as unknown) } : null;
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
    lines.push('', `IKE security associations (fetched ${ikeSas.fetched_at}):`, ikeSas.parsed !== null ? JSON.stringify(ikeSas.parsedValue, null, 2) : ikeSas.raw);
  }
  return { action, events, ikeSas, text: lines.join('\n') };
}
