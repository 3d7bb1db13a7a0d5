import type BetterSqlite3 from 'better-sqlite3';
import type { ScopeResult } from '../discovery/scope-result.js';
import type { LinkConnectionTable, PullStatus, VersionKind } from '../store/schema.js';
import { LINK_FIELD_NAMES, LINK_FIELDS, PARAMETER_COLUMNS, type FieldSpec } from '../sync/fields.js';
import type { LinkRecord } from '../sync/normalise.js';
import { LockLostError } from '../store/process-lock.js';
import { changedFields, changeHash } from './changes.js';

/** The identifying columns of a stored link, enough to decide whether its absence is proven. */
export type LinkLocator = Pick<LinkConnectionTable, '_key' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>;

/** Everything a pull (or an import) saw, held in memory until it is written in one transaction. */
export interface PullOutcome {
  pullId: number;
  finishedAt: string;
  /** Iterated once (a pull passes records rebuilt one at a time). */
  links: Iterable<LinkRecord>;
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
const LOCATOR_COLUMNS = ['_key', ...PARAMETER_COLUMNS] as const;
/**
 * What may differ in a link whose change hash did not: its volatile and metadata fields, and
 * tracked fields compared without regard to case — but not `id`, which the update matches
 * exactly instead, so that the parameter columns taken from it (indexed) are left alone. Most
 * links of most pulls are such links; rewriting only these columns skips the index updates
 * and made recording an unchanged pull of 30,000 links ~40% faster.
 */
const SAME_HASH_COLUMNS = (LINK_FIELDS as readonly FieldSpec[]).filter((f) => (f.role !== 'tracked' || f.caseInsensitive === true) && f.name !== 'id').map((f) => f.name as (typeof DATA_COLUMNS)[number]);

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** A link's data columns in DATA_COLUMNS order (positional parameters: no object per row to build and match by name). */
function dataValues(row: Readonly<Record<(typeof DATA_COLUMNS)[number], unknown>>): unknown[] {
  return DATA_COLUMNS.map((c) => row[c]);
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
    `UPDATE vpn_link_connections SET ${[...DATA_COLUMNS, '_last_seen_pull', '_hash', '_raw'].map((c) => `${c} = ?`).join(', ')} WHERE _key = ?`,
  );
  const updateSameHash = sqlite.prepare(
    `UPDATE vpn_link_connections SET ${[...SAME_HASH_COLUMNS, '_last_seen_pull', '_raw'].map((c) => `${c} = ?`).join(', ')} WHERE _key = ? AND id = ?`,
  );
  const storedHashes = sqlite.prepare(`SELECT _key, _hash FROM vpn_link_connections`).raw();
  const storedLocators = sqlite.prepare(`SELECT ${LOCATOR_COLUMNS.join(', ')} FROM vpn_link_connections ORDER BY _key`);
  const storedRow = sqlite.prepare(`SELECT * FROM vpn_link_connections WHERE _key = ?`);
  const deleteCurrent = sqlite.prepare(`DELETE FROM vpn_link_connections WHERE _key = ?`);
  const insertVersion = sqlite.prepare(insertSql('vpn_link_connection_versions', VERSION_COLUMNS));
  const lastKind = sqlite.prepare(`SELECT _kind FROM vpn_link_connection_versions WHERE _key = ? ORDER BY _pull_id DESC LIMIT 1`).pluck();
  const insertKey = sqlite.prepare(`INSERT OR IGNORE INTO link_keys (_key) VALUES (?)`);
  const insertTraffic = sqlite.prepare(
    `INSERT INTO vpn_link_connection_traffic_samples (pull_id, link, ingress_bytes, egress_bytes)
     VALUES (?, (SELECT id FROM link_keys WHERE _key = ?), ?, ?)`,
  );
  const insertScope = sqlite.prepare(
    `INSERT OR REPLACE INTO pull_scopes (pull_id, kind, scope_id, status, items, http_status, error_code, error_message, request_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const tx = sqlite.transaction((): RecordSummary => {
    const pullId = outcome.pullId;
    // A pull whose lock was cleared while it ran (no heartbeat for the lease: a paused VM) must
    // not write: a later pull may have seen links this one would record as deleted.
    const held = sqlite.prepare(`SELECT status FROM pulls WHERE id = ?`).pluck().get(pullId);
    if (held !== 'running') {
      throw new LockLostError('pull', pullId, String(held));
    }
    // Only each stored link's change hash is held in memory, not its row: whole rows (with
    // their raw JSON) of a 30,000-link table are hundreds of MB as JavaScript objects. The
    // few rows a pull changes or deletes are read one by one.
    const stored = new Map<string, string>();
    for (const [key, hash] of storedHashes.iterate() as IterableIterator<[string, string]>) stored.set(key, hash);

    let added = 0;
    let changed = 0;
    let restored = 0;
    const seen = new Set<string>();
    for (const link of outcome.links) {
      if (seen.has(link._key)) continue; // the same link twice in one pull (ids differing in case)
      seen.add(link._key);
      const hash = changeHash(link);
      const storedHash = stored.get(link._key);
      if (storedHash === undefined) {
        const kind: VersionKind = lastKind.get(link._key) === 'deleted' ? 'restored' : 'added';
        if (kind === 'restored') restored += 1;
        else added += 1;
        insertCurrent.run(...dataValues(link), link._key, pullId, pullId, hash, link._raw);
        insertVersion.run(...dataValues(link), link._key, pullId, kind, '[]', hash, link._raw);
      } else {
        const unchangedId = hash === storedHash && updateSameHash.run(...SAME_HASH_COLUMNS.map((c) => link[c]), pullId, link._raw, link._key, link.id).changes === 1;
        if (!unchangedId) {
          if (hash !== storedHash) {
            const before = storedRow.get(link._key) as LinkConnectionTable;
            const fields = changedFields(before, link);
            if (fields.length > 0) {
              changed += 1;
              insertVersion.run(...dataValues(link), link._key, pullId, 'changed', JSON.stringify(fields), hash, link._raw);
            }
          }
          updateCurrent.run(...dataValues(link), pullId, hash, link._raw, link._key);
        }
      }
      if (link.ingressBytesTransferred !== null || link.egressBytesTransferred !== null) {
        insertKey.run(link._key);
        insertTraffic.run(pullId, link._key, link.ingressBytesTransferred, link.egressBytesTransferred);
      }
    }

    // Stored links this pull did not see (those it added are in `seen`): collected first, as
    // the connection cannot delete while it iterates.
    const gone: string[] = [];
    for (const row of storedLocators.iterate() as IterableIterator<LinkLocator>) {
      if (!seen.has(row._key) && outcome.absenceIsProven(row)) gone.push(row._key);
    }
    let removed = 0;
    for (const key of gone) {
      const row = storedRow.get(key) as LinkConnectionTable;
      removed += 1;
      deleteCurrent.run(key);
      insertVersion.run(...dataValues(row), key, pullId, 'deleted', '[]', row._hash, row._raw);
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
