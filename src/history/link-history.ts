import type BetterSqlite3 from 'better-sqlite3';
import { parseLinkId, linkKey } from '../arm/resource-id.js';
import type { LinkVersionTable, PullStatus, VersionKind } from '../store/schema.js';
import { changedFields } from './changes.js';
import type { FieldChange } from './diff-pulls.js';
import { decodeValue } from './field-values.js';
import { HistoryInputError } from './history-input-error.js';
import { byLabel, linkRefOf, type LinkRef } from './link-ref.js';
import { firstRecordedPull, historyStart, recordedPullsNewestFirst } from './pulls.js';
import { replayHistory } from './replay-history.js';
import { TimelineBuilder, type TimelineRun } from './status-timeline.js';

/** One version of a link: when it was recorded, what kind, and which tracked fields changed from the version before. */
export interface LinkVersionEntry {
  pullId: number;
  at: string | null;
  pullStatus: PullStatus;
  kind: VersionKind;
  /** For changed and restored versions: the differences from the previous version. */
  changes: FieldChange[];
  connectionStatus: string | null;
  /** The link's oldest kept version after a prune: its state when kept history starts, the versions before it (and so its changes) gone. */
  baseline: boolean;
}

/** What `vpnsync history` shows for one link. */
export interface LinkHistory {
  link: LinkRef;
  /** Whether the link exists as of the newest recorded pull. */
  exists: boolean;
  /** First pull whose state is kept (versions before it were pruned, except each link's last one). */
  historyStart: number;
  versions: LinkVersionEntry[];
  /** connectionStatus bands from the link's first kept version to the newest recorded pull. */
  timeline: TimelineRun[];
}

/** What `vpnsync history` accepts, for "Expected … got …" messages. */
export const LINK_REF_FORMS = 'a link connection id, its name, or gateway/connection/link';

/**
 * Finds a link known to the history (present or deleted) by id (any casing), by
 * `gateway/connection/link`, or by link connection name. Throws HistoryInputError when nothing
 * matches or a name matches several links.
 */
export function findLink(sqlite: BetterSqlite3.Database, text: string): LinkRef {
  const t = text.trim();
  const candidates = (where: string, ...params: string[]) =>
    sqlite
      .prepare(
        `SELECT _key, id, name, subscriptionId, resourceGroupName, gatewayName, connectionName, max(_pull_id) AS _newest
         FROM vpn_link_connection_versions WHERE ${where} GROUP BY _key`,
      )
      .all(...params) as Pick<LinkVersionTable, '_key' | 'id' | 'name' | 'subscriptionId' | 'resourceGroupName' | 'gatewayName' | 'connectionName'>[];

  let matches: LinkRef[];
  if (t.startsWith('/')) {
    if (!parseLinkId(t)) throw new HistoryInputError(`Expected <link> to be ${LINK_REF_FORMS}, got '${text}' (not a vpnLinkConnections resource id)`);
    matches = candidates('_key = ?', linkKey(t)).map(linkRefOf);
  } else {
    const parts = t.split('/');
    if (parts.length === 3 && parts.every((p) => p !== '')) {
      const [gw, conn, link] = parts as [string, string, string];
      matches = candidates('gatewayName = ? COLLATE NOCASE AND connectionName = ? COLLATE NOCASE', gw, conn)
        .map(linkRefOf)
        .filter((r) => r.linkName.toLowerCase() === link.toLowerCase());
    } else if (parts.length === 1 && t !== '') {
      // The name column, or the id's last segment (they differ in some of Microsoft's own examples).
      matches = candidates(`name = ? COLLATE NOCASE OR _key LIKE ? ESCAPE '\\'`, t, `%/${t.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}`).map(linkRefOf);
    } else {
      throw new HistoryInputError(`Expected <link> to be ${LINK_REF_FORMS}, got '${text}'`);
    }
  }
  matches.sort(byLabel);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new HistoryInputError(`Expected <link> to be ${LINK_REF_FORMS} known to this database, got '${text}' (no link matches)`);
  const shown = matches.slice(0, 5).map((m) => m.label).join(', ');
  throw new HistoryInputError(
    `Expected <link> to name one link, got '${text}', which matches ${matches.length} (${shown}${matches.length > 5 ? ', …' : ''}); give gateway/connection/link or the id`,
  );
}

/** Every version of one link with field-level changes, and its status timeline. */
export function linkHistory(sqlite: BetterSqlite3.Database, link: LinkRef): LinkHistory {
  const rows = sqlite
    .prepare(
      `SELECT v.*, p.finished_at AS _at, p.status AS _status FROM vpn_link_connection_versions v JOIN pulls p ON p.id = v._pull_id
       WHERE v._key = ? ORDER BY v._pull_id`,
    )
    .all(link.key) as (LinkVersionTable & { _at: string | null; _status: PullStatus })[];

  const versions: LinkVersionEntry[] = [];
  let previous: LinkVersionTable | undefined;
  for (const row of rows) {
    const changes: FieldChange[] =
      previous && (row._kind === 'changed' || row._kind === 'restored')
        ? changedFields(previous, row).map((f) => ({ field: f, old: decodeValue(f, previous![f]), new: decodeValue(f, row[f]) }))
        : [];
    versions.push({
      pullId: row._pull_id,
      at: row._at,
      pullStatus: row._status,
      kind: row._kind,
      changes,
      connectionStatus: typeof row.connectionStatus === 'string' ? row.connectionStatus : null,
      baseline: previous === undefined && row._kind !== 'added',
    });
    previous = row;
  }

  const start = historyStart(sqlite);
  const newest = recordedPullsNewestFirst(sqlite, ['complete', 'partial'], start, 1)[0];
  const firstVersion = rows[0]?._pull_id ?? start;
  const base = firstRecordedPull(sqlite, Math.max(firstVersion, start));
  let timeline: TimelineRun[] = [];
  if (base && newest && base.id <= newest.id) {
    const builder = new TimelineBuilder();
    replayHistory(sqlite, base, newest, (step) => builder.add(step), [link.key]);
    timeline = builder.finish().get(link.key) ?? [];
  }
  const last = rows[rows.length - 1];
  return { link, exists: last !== undefined && last._kind !== 'deleted', historyStart: start, versions, timeline };
}
