import type BetterSqlite3 from 'better-sqlite3';
import type { ScopeResult } from '../discovery/scope-result.js';
import type { LinkConnectionTable, PullStatus, VersionKind } from '../store/schema.js';
import { LINK_FIELD_NAMES, PARAMETER_COLUMNS } from '../sync/fields.js';
import type { LinkRecord } from '../sync/normalise.js';
import { changedFields, changeHash } from './changes.js';

/** The identifying columns of a stored link, enough to decide whether its absence is proven. */
export type LinkLocator = Pick<LinkConnectionTable, '_key' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>;

/** Everything a pull (or an import) saw, held in memory until it is written in one transaction. */
export interface PullOutcome {
  pullId: number;
  finishedAt: string;
  links: readonly LinkRecord[];
  scopes: readonly ScopeResult[];
  /**
   * Whether a stored link that this pull did not see was really deleted: true only when its
   * parent connection (or the listing that would have shown the connection) was read completely
   * in this pull. A 403 or a timeout must never read as "all its links were deleted".
   */
  absenceIsProven: (link: LinkLocator) => boolean;
  requests: number;
  throttled: number;
  /** Set when some scopes failed; kept on the pull row. */
  errorSummary?: string | undefined;
}

export interface RecordSummary {
  pullId: number;
  status: Exclude<PullStatus, 'running' | 'failed'>;
  seen: number;
  added: number;
  changed: number;
  removed: number;
  restored: number;
  scopesOk: number;
  scopesFailed: number;
}

const DATA_COLUMNS = [...LINK_FIELD_NAMES, ...PARAMETER_COLUMNS] as const;
const CURRENT_COLUMNS = [...DATA_COLUMNS, '_key', '_first_seen_pull', '_last_seen_pull', '_hash', '_raw'];
const VERSION_COLUMNS = [...DATA_COLUMNS, '_key', '_pull_id', '_kind', '_changed_columns', '_hash', '_raw'];

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
}

/**
 * Writes a pull's outcome in one synchronous transaction (no network inside, DESIGN.md §2.5):
 * current rows upserted, proven deletions removed, one version row per added, changed, deleted
 * or restored link (none when nothing changed), traffic samples, scope rows, and the pull row
 * completed — or nothing at all if anything fails.
 */
export function recordPull(sqlite: BetterSqlite3.Database, outcome: PullOutcome): RecordSummary {
  const insertCurrent = sqlite.prepare(insertSql('vpn_link_connections', CURRENT_COLUMNS));
  const updateCurrent = sqlite.prepare(
    `UPDATE vpn_link_connections SET ${[...DATA_COLUMNS, '_last_seen_pull', '_hash', '_raw'].map((c) => `${c} = @${c}`).join(', ')} WHERE _key = @_key`,
  );
  const deleteCurrent = sqlite.prepare(`DELETE FROM vpn_link_connections WHERE _key = ?`);
  const insertVersion = sqlite.prepare(insertSql('vpn_link_connection_versions', VERSION_COLUMNS));
  const lastKind = sqlite.prepare(`SELECT _kind FROM vpn_link_connection_versions WHERE _key = ? ORDER BY _pull_id DESC LIMIT 1`).pluck();
  const insertTraffic = sqlite.prepare(
    `INSERT INTO vpn_link_connection_traffic (pull_id, _key, ingress_bytes, egress_bytes) VALUES (?, ?, ?, ?)`,
  );
  const insertScope = sqlite.prepare(
    `INSERT OR REPLACE INTO pull_scopes (pull_id, kind, scope_id, status, items, http_status, error_code, error_message, request_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const tx = sqlite.transaction((): RecordSummary => {
    const pullId = outcome.pullId;
    const current = new Map<string, LinkConnectionTable>();
    for (const row of sqlite.prepare(`SELECT * FROM vpn_link_connections`).iterate() as IterableIterator<LinkConnectionTable>) current.set(row._key, row);

    let added = 0;
    let changed = 0;
    let restored = 0;
    const seen = new Set<string>();
    for (const link of outcome.links) {
      if (seen.has(link._key)) continue; // the same link twice in one pull (ids differing in case)
      seen.add(link._key);
      const hash = changeHash(link);
      const before = current.get(link._key);
      if (!before) {
        const kind: VersionKind = lastKind.get(link._key) === 'deleted' ? 'restored' : 'added';
        if (kind === 'restored') restored += 1;
        else added += 1;
        insertCurrent.run({ ...link, _first_seen_pull: pullId, _last_seen_pull: pullId, _hash: hash });
        insertVersion.run({ ...link, _pull_id: pullId, _kind: kind, _changed_columns: '[]', _hash: hash });
      } else {
        updateCurrent.run({ ...link, _last_seen_pull: pullId, _hash: hash });
        if (hash !== before._hash) {
          const fields = changedFields(before, link);
          if (fields.length > 0) {
            changed += 1;
            insertVersion.run({ ...link, _pull_id: pullId, _kind: 'changed', _changed_columns: JSON.stringify(fields), _hash: hash });
          }
        }
      }
      if (link.ingressBytesTransferred !== null || link.egressBytesTransferred !== null) {
        insertTraffic.run(pullId, link._key, link.ingressBytesTransferred, link.egressBytesTransferred);
      }
    }

    let removed = 0;
    for (const row of current.values()) {
      if (seen.has(row._key) || !outcome.absenceIsProven(row)) continue;
      removed += 1;
      deleteCurrent.run(row._key);
      const { _first_seen_pull: _f, _last_seen_pull: _l, ...copy } = row;
      insertVersion.run({ ...copy, _pull_id: pullId, _kind: 'deleted', _changed_columns: '[]' });
    }

    for (const s of outcome.scopes) {
      insertScope.run(pullId, s.kind, s.scopeId, s.status, s.items, s.httpStatus ?? null, s.errorCode ?? null, s.errorMessage ?? null, s.requestId ?? null);
    }
    const scopesFailed = outcome.scopes.filter((s) => s.status === 'failed').length;
    const scopesOk = outcome.scopes.length - scopesFailed;
    const status = scopesFailed > 0 ? 'partial' : 'complete';
    sqlite
      .prepare(
        `UPDATE pulls SET status = ?, finished_at = ?, links_seen = ?, links_added = ?, links_changed = ?, links_removed = ?,
           scopes_ok = ?, scopes_failed = ?, requests = ?, throttled = ?, error_summary = ? WHERE id = ?`,
      )
      .run(status, outcome.finishedAt, seen.size, added + restored, changed, removed, scopesOk, scopesFailed, outcome.requests, outcome.throttled, outcome.errorSummary ?? null, pullId);
    return { pullId, status, seen: seen.size, added, changed, removed, restored, scopesOk, scopesFailed };
  });
  return tx.immediate();
}
