import type BetterSqlite3 from 'better-sqlite3';
import type { PullSource, PullStatus } from '../store/schema.js';
import { pullFilterText } from './pull-coverage.js';

/** A row of `pulls`, as history code uses it. */
export interface PullInfo {
  id: number;
  source: PullSource;
  startedAt: string;
  finishedAt: string | null;
  status: PullStatus;
  linksSeen: number;
  linksAdded: number;
  linksChanged: number;
  linksRemoved: number;
  scopesOk: number;
  scopesFailed: number;
  requests: number;
  throttled: number;
  errorSummary: string | null;
  /** The pull's filters as command-line flags ("--gateway vpngw-eastus-01"); null for an unfiltered pull. */
  filter: string | null;
}

/** A pull whose outcome was recorded (complete or partial): the only pulls that have a state. */
export interface RecordedPull extends PullInfo {
  status: 'complete' | 'partial';
  finishedAt: string;
}

/** Statuses of pulls that recorded what they saw (a failed pull recorded nothing). */
export const RECORDED_STATUSES = ['complete', 'partial'] as const;

/** `meta` key holding the first pull whose state `vpnsync prune` kept answerable. */
export const HISTORY_START_KEY = 'history_starts_at_pull';

const COLUMNS = `id, source, started_at AS startedAt, finished_at AS finishedAt, status, links_seen AS linksSeen, links_added AS linksAdded,
  links_changed AS linksChanged, links_removed AS linksRemoved, scopes_ok AS scopesOk, scopes_failed AS scopesFailed,
  requests, throttled, error_summary AS errorSummary, scope`;

type PullRow = Omit<PullInfo, 'filter'> & { scope: string };

function infoOf(row: PullRow): PullInfo;
function infoOf(row: PullRow | undefined): PullInfo | undefined;
function infoOf(row: PullRow | undefined): PullInfo | undefined {
  if (row === undefined) return undefined;
  const { scope, ...rest } = row;
  return { ...rest, filter: pullFilterText(scope) };
}

/** Whether a pull recorded an outcome (and so has a state as of it). */
export function isRecorded(p: PullInfo): p is RecordedPull {
  return (p.status === 'complete' || p.status === 'partial') && p.finishedAt !== null;
}

/** One pull by id; undefined if there is none. */
export function loadPull(sqlite: BetterSqlite3.Database, id: number): PullInfo | undefined {
  return infoOf(sqlite.prepare(`SELECT ${COLUMNS} FROM pulls WHERE id = ?`).get(id) as PullRow | undefined);
}

/** All pulls, newest first; `limit` 0 means all. */
export function listPulls(sqlite: BetterSqlite3.Database, limit = 0): PullInfo[] {
  return (sqlite.prepare(`SELECT ${COLUMNS} FROM pulls ORDER BY id DESC ${limit > 0 ? 'LIMIT ?' : ''}`).all(...(limit > 0 ? [limit] : [])) as PullRow[]).map((r) => infoOf(r));
}

/** Recorded pulls with ids in [fromId, toId], oldest first. */
export function recordedPullsBetween(sqlite: BetterSqlite3.Database, fromId: number, toId: number): RecordedPull[] {
  return (sqlite
    .prepare(`SELECT ${COLUMNS} FROM pulls WHERE id BETWEEN ? AND ? AND status IN ('complete', 'partial') ORDER BY id`)
    .all(fromId, toId) as PullRow[]).map((r) => infoOf(r)) as RecordedPull[];
}

/** The last recorded pull finished at or before `isoTime` and not before `minId`; undefined if none. */
export function recordedPullAt(sqlite: BetterSqlite3.Database, isoTime: string, minId = 0): RecordedPull | undefined {
  return infoOf(sqlite
    .prepare(`SELECT ${COLUMNS} FROM pulls WHERE status IN ('complete', 'partial') AND finished_at <= ? AND id >= ? ORDER BY id DESC LIMIT 1`)
    .get(isoTime, minId) as PullRow | undefined) as RecordedPull | undefined;
}

/** Recorded pulls of one status set, newest first, from `minId` on. */
export function recordedPullsNewestFirst(sqlite: BetterSqlite3.Database, statuses: readonly ('complete' | 'partial')[], minId = 0, limit = 1): RecordedPull[] {
  return (sqlite
    .prepare(`SELECT ${COLUMNS} FROM pulls WHERE status IN (${statuses.map(() => '?').join(', ')}) AND id >= ? ORDER BY id DESC LIMIT ?`)
    .all(...statuses, minId, limit) as PullRow[]).map((r) => infoOf(r)) as RecordedPull[];
}

/** The first recorded pull at or after `minId`; undefined if none. */
export function firstRecordedPull(sqlite: BetterSqlite3.Database, minId = 0): RecordedPull | undefined {
  return infoOf(sqlite
    .prepare(`SELECT ${COLUMNS} FROM pulls WHERE status IN ('complete', 'partial') AND id >= ? ORDER BY id LIMIT 1`)
    .get(minId) as PullRow | undefined) as RecordedPull | undefined;
}

/** The first pull whose state is still answerable after pruning (1 when nothing was pruned). */
export function historyStart(sqlite: BetterSqlite3.Database): number {
  const v = sqlite.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(HISTORY_START_KEY) as string | undefined;
  const n = v === undefined ? 1 : Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}
