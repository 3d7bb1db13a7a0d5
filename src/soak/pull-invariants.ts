import { groupFailures } from '../sync/failure-groups.js';
import type { FaultKind, LinkConnectionTruth, RequestLogEntry } from '../emulator/index.js';
import { connectionKey, linkKey } from '../arm/resource-id.js';
import { LINK_FIELD_NAMES, PARAMETER_COLUMNS } from '../sync/fields.js';
import { fingerprintWith, normaliseLink } from '../sync/normalise.js';
import { locateFingerprintKey } from '../cli/fingerprint-key-path.js';
import { readFingerprintKey } from '../store/fingerprint-key.js';
import { currentRowsOf, pullsOf, readDb, type PullRow, type ScopeRow } from './soak-db.js';
import type { VpnsyncRun } from './vpnsync-process.js';

/** What the database held before the pull under test. */
export interface DbBefore {
  pulls: PullRow[];
  rows: Map<string, Record<string, unknown>>;
}

/** Everything needed to judge one pull. */
export interface PullCheckInput {
  run: VpnsyncRun;
  dbFile: string;
  before: DbBefore;
  /** The emulator's links after the pull (the fleet does not move during a pull). */
  truth: readonly LinkConnectionTruth[];
  /** What the emulator answered during the pull, with the fault that decided each answer. */
  requests: readonly RequestLogEntry[];
  /** Lower-cased ids of every link the emulator has ever removed (its mutation log). */
  removedEver: ReadonlySet<string>;
  strategy: 'links' | 'gateways';
}

/** Which listing (a row of pull_scopes) an emulator request belongs to; 'token' for the token service. */
export function scopeOfRequest(url: string): { kind: ScopeRow['kind'] | 'token'; id: string } | undefined {
  const path = decodeURIComponent(url.split('?')[0] ?? '').toLowerCase();
  if (path.includes('/oauth2/') || path.includes('/.well-known/') || path.includes('/discovery/')) return { kind: 'token', id: 'token' };
  if (path === '/subscriptions') return { kind: 'subscriptions', id: '/' };
  let m = /^(\/subscriptions\/[^/]+(?:\/resourcegroups\/[^/]+)?)\/providers\/microsoft\.network\/vpngateways$/.exec(path);
  if (m) return { kind: 'gateways', id: m[1] as string };
  m = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.network\/vpngateways\/[^/]+\/vpnconnections\/[^/]+)\/(?:vpnlinkconnections|vpnsitelinkconnections)$/.exec(path);
  if (m) return { kind: 'links', id: m[1] as string };
  return undefined;
}

/** The fault kinds that can explain a failed scope row, from its error code and HTTP status. */
export function faultsExplaining(row: Pick<ScopeRow, 'error_code' | 'http_status'>): FaultKind[] {
  if (row.error_code === 'NextLinkLoop') return ['nextlink-loop'];
  if (row.error_code === 'MalformedJson') return ['malformed-json'];
  const s = row.http_status;
  if (s === 403) return ['403'];
  if (s === 404) return ['404'];
  if (s === 429) return ['429'];
  if (s !== null && s >= 500 && s <= 599) return ['5xx'];
  if (s === null) return ['drop', 'hang'];
  return [];
}

const EXIT_STATUS: Record<number, string> = { 0: 'complete', 3: 'partial', 1: 'failed' };
const DATA_COLUMNS = [...LINK_FIELD_NAMES, ...PARAMETER_COLUMNS] as const;

/**
 * Checks one pull against the emulator's truth and the faults it injected. Returns the
 * violations (empty when the pull did exactly what it should):
 * - every link the emulator holds is in the database, field for field, unless its scope failed
 *   (then its stored row is exactly as before);
 * - no link is removed unless the emulator really removed it, and none the emulator removed under
 *   a completely listed parent is kept;
 * - the pull's status, counters, error summary and scope rows say exactly what failed: each failed
 *   scope had a fault of a kind that explains its error (the very response, by request id, when
 *   ARM answered), each scope without a fault is ok with the right item count;
 * - exit code, JSON result and stderr agree with the database; one line per error, no stack trace.
 */
export function checkPull(input: PullCheckInput): string[] {
  const v: string[] = [];
  const { run, truth, requests, before } = input;
  if (run.timedOut) return ['the pull did not finish within its time limit'];
  if (run.code === undefined || !(run.code in EXIT_STATUS)) v.push(`exit code ${String(run.code)} (expected 0, 3 or 1)`);
  if (/^\s+at /m.test(run.stderr)) v.push('a stack trace on stderr');

  const after = readDb(input.dbFile, (db) => {
    const pulls = pullsOf(db);
    const latest = pulls[pulls.length - 1];
    return {
      pulls,
      rows: currentRowsOf(db),
      scopes: latest ? (db.prepare('SELECT * FROM pull_scopes WHERE pull_id = ?').all(latest.id) as ScopeRow[]) : [],
      versions: latest ? (db.prepare('SELECT _key, _kind FROM vpn_link_connection_versions WHERE _pull_id = ?').all(latest.id) as { _key: string; _kind: string }[]) : [],
      fingerprintKey: readFingerprintKey(db, locateFingerprintKey(process.env)),
    };
  });
  if (!after) return [...v, 'the database does not exist after the pull'];

  const newPulls = after.pulls.filter((p) => !before.pulls.some((b) => b.id === p.id));
  if (newPulls.length !== 1) return [...v, `${newPulls.length} new pull rows (expected 1)`];
  const pull = newPulls[0] as PullRow;
  if (after.pulls.some((p) => p.status === 'running')) v.push('a pull is still running after the process exited');
  const expectedStatus = run.code === undefined ? undefined : EXIT_STATUS[run.code];
  if (expectedStatus && pull.status !== expectedStatus) v.push(`exit ${run.code} but the pull is ${pull.status}`);

  const fired = new Set(requests.map((r) => r.fault).filter((f): f is FaultKind => f !== undefined));
  const faultedScopes = new Map<string, Set<FaultKind>>();
  const byRequestId = new Map<string, { scope: string; fault: FaultKind | undefined }>();
  for (const r of requests) {
    const s = scopeOfRequest(r.url);
    if (!s) continue;
    const key = `${s.kind} ${s.id}`;
    if (r.requestId) byRequestId.set(r.requestId, { scope: key, fault: r.fault });
    if (r.fault) {
      const set = faultedScopes.get(key) ?? new Set<FaultKind>();
      set.add(r.fault);
      faultedScopes.set(key, set);
    }
  }

  if (pull.status === 'failed') {
    if (!/^vpnsync: /m.test(run.stderr) || run.stderr.split('\n').filter((l) => l.startsWith('vpnsync: ')).length !== 1) v.push('a failed pull without exactly one error line');
    const explained = fired.has('token-error') || faultedScopes.has('subscriptions /');
    if (!explained) v.push(`the pull failed (${pull.error_summary ?? ''}) with neither a token failure nor a failed subscription list`);
    if (after.scopes.length > 0) v.push('a failed pull recorded scope rows');
    if (after.versions.length > 0) v.push('a failed pull recorded versions');
    if (!sameRows(before.rows, after.rows)) v.push('a failed pull changed vpn_link_connections');
    return v;
  }

  // Status and counters.
  const failed = after.scopes.filter((s) => s.status === 'failed');
  const ok = after.scopes.filter((s) => s.status === 'ok');
  if (pull.scopes_failed !== failed.length || pull.scopes_ok !== ok.length) v.push(`pull counts ${pull.scopes_ok} ok / ${pull.scopes_failed} failed scopes, rows say ${ok.length} / ${failed.length}`);
  if ((pull.status === 'partial') !== failed.length > 0) v.push(`status ${pull.status} with ${failed.length} failed scopes`);
  const summary = failed.length > 0 ? expectedSummary(failed) : null;
  if (!sameSummary(pull.error_summary, summary)) v.push(`error_summary '${pull.error_summary ?? ''}' does not match the scope rows ('${summary ?? ''}')`);
  // One line per place and error code (a 403 on a gateway of 97 connections is one line).
  const warned = run.stderr.split('\n').filter((l) => l.startsWith('failed: ')).length;
  const groups = groupFailures(
    failed.map((f) => ({ kind: f.kind, scopeId: f.scope_id, status: f.status, items: f.items, httpStatus: f.http_status ?? undefined, errorCode: f.error_code ?? undefined, requestId: f.request_id ?? undefined })),
  ).length;
  if (warned !== groups) v.push(`${warned} 'failed:' lines on stderr for ${failed.length} failed scopes in ${groups} places and error codes`);
  if (!new RegExp(`^pull #${pull.id} ${pull.status}: `, 'm').test(run.stderr)) v.push('no summary line on stderr');

  // Each failed scope is explained by a fault on that very listing (so a listing no fault touched is ok).
  for (const s of failed) {
    const where = `${s.kind} ${s.scope_id}`;
    const faults = faultedScopes.get(where);
    const allowed = faultsExplaining(s);
    if (!faults) {
      v.push(`${where} failed (${s.error_code ?? '?'}) but no fault hit it`);
      continue;
    }
    if (!allowed.some((k) => faults.has(k))) v.push(`${where} failed with ${s.error_code ?? '?'} (HTTP ${s.http_status ?? '-'}) but the faults on it were ${[...faults].join(', ')}`);
    if (s.request_id && s.http_status !== null && s.http_status >= 400) {
      const answer = byRequestId.get(s.request_id);
      if (!answer) v.push(`${where}: request id ${s.request_id} was never answered by the emulator`);
      else if (answer.scope !== where || !answer.fault || !allowed.includes(answer.fault)) v.push(`${where}: request id ${s.request_id} names an answer on ${answer.scope} with fault ${answer.fault ?? 'none'}`);
    }
    if (s.http_status !== null && s.http_status >= 400 && !s.request_id) v.push(`${where}: HTTP ${s.http_status} without a request id`);
  }

  // Coverage against the truth.
  const scopeStatus = new Map(after.scopes.map((s) => [`${s.kind} ${s.scope_id}`, s]));
  const linksOf = new Map<string, LinkConnectionTruth[]>();
  const gatewaysOf = new Map<string, Set<string>>();
  for (const l of truth) {
    const conn = connectionKey(l);
    linksOf.set(conn, [...(linksOf.get(conn) ?? []), l]);
    const sub = `/subscriptions/${l.subscriptionId}`.toLowerCase();
    const gws = gatewaysOf.get(sub) ?? new Set<string>();
    gws.add(l.gatewayName.toLowerCase());
    gatewaysOf.set(sub, gws);
  }
  for (const [sub, gws] of gatewaysOf) {
    const s = scopeStatus.get(`gateways ${sub}`);
    if (!s) v.push(`no scope row for the gateway listing of ${sub}`);
    else if (s.status === 'ok' && s.items !== gws.size) v.push(`gateways ${sub}: ${s.items} items, the emulator has ${gws.size} gateways`);
  }
  const gatewaysOk = (sub: string) => scopeStatus.get(`gateways /subscriptions/${sub}`.toLowerCase())?.status === 'ok';
  // With --strategy gateways, the links of a connection the gateway listing showed without them
  // are listed with ListByVpnConnection: exactly those listings have scope rows.
  const listedLinks = new Set(requests.map((r) => scopeOfRequest(r.url)).filter((s) => s?.kind === 'links').map((s) => s?.id));
  for (const [conn, links] of linksOf) {
    const sub = (links[0] as LinkConnectionTruth).subscriptionId;
    const s = scopeStatus.get(`links ${conn}`);
    if ((input.strategy === 'links' || listedLinks.has(conn)) && gatewaysOk(sub) && !s) v.push(`no scope row for the links of ${conn}`);
    if (input.strategy === 'gateways' && s && !listedLinks.has(conn) && s.error_code !== 'InvalidResource') v.push(`links ${conn}: a scope row (${s.status}) for links the pull read from the gateway listing`);
    if (s?.status === 'ok' && s.items !== links.length) v.push(`links ${conn}: ${s.items} items, the emulator has ${links.length}`);
  }
  // Under gateways, a connection without a links row had its links embedded in a listing that completed.
  const seenConnection = (sub: string, conn: string): boolean => {
    const s = scopeStatus.get(`links ${conn}`);
    return gatewaysOk(sub) && (input.strategy === 'gateways' ? s === undefined || s.status === 'ok' : s?.status === 'ok');
  };

  // Without the key no stored fingerprint can be checked: a link with a sharedKey then differs,
  // and says why; links without one (most fleets) need no key.
  const fingerprint = after.fingerprintKey === undefined ? () => "(the database's fingerprint key is not in the key file)" : fingerprintWith(after.fingerprintKey);
  const truthKeys = new Set<string>();
  let seen = 0;
  for (const l of truth) {
    const key = linkKey(l.id);
    truthKeys.add(key);
    const stored = after.rows.get(key);
    const was = before.rows.get(key);
    if (seenConnection(l.subscriptionId, connectionKey(l))) {
      seen += 1;
      if (!stored) {
        v.push(`${key} is in the emulator and its scope was listed, but not in the database`);
        continue;
      }
      const { subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...json } = l;
      const expected = normaliseLink(json, fingerprint) as unknown as Record<string, unknown>;
      const wrong = DATA_COLUMNS.filter((c) => stored[c] !== expected[c]);
      if (wrong.length > 0) v.push(`${key}: stored ${wrong.join(', ')} differ from the emulator`);
      if (stored._last_seen_pull !== pull.id) v.push(`${key}: _last_seen_pull ${String(stored._last_seen_pull)}, not ${pull.id}`);
    } else if (!sameRow(was, stored)) {
      v.push(`${key}: its scope failed, yet its stored row changed`);
    }
  }
  for (const [key, stored] of after.rows) {
    if (truthKeys.has(key)) continue;
    const sub = String(stored.subscriptionId);
    const conn = connectionKey(stored as never);
    const connectionListed = linksOf.has(conn) ? seenConnection(sub, conn) : gatewaysOk(sub);
    if (connectionListed) v.push(`${key} was removed from the emulator and its parent was listed completely, but it is still stored`);
    else if (!sameRow(before.rows.get(key), stored)) v.push(`${key}: not in the emulator, scope failed, yet its stored row changed`);
  }

  // Versions recorded by this pull.
  const kinds = { added: 0, restored: 0, changed: 0, deleted: 0 } as Record<string, number>;
  for (const ver of after.versions) {
    kinds[ver._kind] = (kinds[ver._kind] ?? 0) + 1;
    const inTruth = truthKeys.has(ver._key);
    const wasStored = before.rows.has(ver._key);
    if (ver._kind === 'deleted' && (inTruth || !wasStored || !input.removedEver.has(ver._key))) v.push(`${ver._key} recorded deleted, but the emulator ${inTruth ? 'still has it' : wasStored ? 'never removed it' : 'never had it stored'}`);
    if ((ver._kind === 'added' || ver._kind === 'restored') && (!inTruth || wasStored)) v.push(`${ver._key} recorded ${ver._kind} wrongly`);
    if (ver._kind === 'changed' && (!inTruth || !wasStored)) v.push(`${ver._key} recorded changed wrongly`);
  }
  if (pull.links_removed !== kinds.deleted) v.push(`links_removed ${pull.links_removed}, ${kinds.deleted} deleted versions`);
  if (pull.links_added !== (kinds.added ?? 0) + (kinds.restored ?? 0)) v.push(`links_added ${pull.links_added}, ${(kinds.added ?? 0) + (kinds.restored ?? 0)} added versions`);
  if (pull.links_changed !== kinds.changed) v.push(`links_changed ${pull.links_changed}, ${kinds.changed} changed versions`);
  if (pull.links_seen !== seen) v.push(`links_seen ${pull.links_seen}, but ${seen} links were in listed scopes`);

  // The JSON result on stdout says the same.
  try {
    const result = JSON.parse(run.stdout) as { pullId: number; status: string; seen: number; removed: number; scopesFailed: number };
    if (result.pullId !== pull.id || result.status !== pull.status || result.seen !== pull.links_seen || result.removed !== pull.links_removed || result.scopesFailed !== pull.scopes_failed) {
      v.push(`--json result ${JSON.stringify({ pullId: result.pullId, status: result.status, seen: result.seen, removed: result.removed, scopesFailed: result.scopesFailed })} disagrees with the pull row`);
    }
  } catch {
    v.push('--json printed no JSON');
  }
  return v;
}

/** "3 scopes failed: AuthorizationFailed ×2, ETIMEDOUT ×1", as the pull writes it. */
function expectedSummary(failed: readonly ScopeRow[]): string {
  const byCode = new Map<string, number>();
  for (const s of failed) byCode.set(s.error_code ?? 'Error', (byCode.get(s.error_code ?? 'Error') ?? 0) + 1);
  return `${failed.length} scope${failed.length === 1 ? '' : 's'} failed: ${[...byCode].map(([c, n]) => `${c} ×${n}`).join(', ')}`;
}

/** Equal summaries, whatever the order of codes with equal counts. */
function sameSummary(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const parts = (s: string) => {
    const [head, tail = ''] = s.split(': ');
    return `${head}: ${tail.split(', ').sort().join(', ')}`;
  };
  return parts(a) === parts(b);
}

function sameRow(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameRows(a: Map<string, Record<string, unknown>>, b: Map<string, Record<string, unknown>>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, row] of a) if (!sameRow(row, b.get(k))) return false;
  return true;
}
