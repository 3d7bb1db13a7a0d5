import type BetterSqlite3 from 'better-sqlite3';
import { clearStaleLocks, processIsAlive, type ClearedLock, type IsAlive, type StaleLockOptions } from './process-lock.js';
import type { PullSource, PullStrategy } from './schema.js';
import { failHeldLocks } from './held-locks.js';

export interface BeginPullInput {
  source: PullSource;
  strategy: PullStrategy | null;
  scope: unknown;
  startedAt: string;
  pid: number;
  hostname: string;
}

export interface BeginPullResult {
  pullId: number;
  /** Pulls left 'running' by dead processes, now marked failed. */
  cleared: ClearedLock[];
}

/**
 * Takes the database's pull lock (the `running` row in `pulls`, see clearStaleLocks) and
 * returns the new pull's id. Throws LockedError while another live pull runs.
 */
export function beginPull(sqlite: BetterSqlite3.Database, input: BeginPullInput, isAlive: IsAlive = processIsAlive, options: StaleLockOptions = {}): BeginPullResult {
  const tx = sqlite.transaction((): BeginPullResult => {
    const cleared = clearStaleLocks(sqlite, 'pulls', 'pull', { pid: input.pid, hostname: input.hostname, at: input.startedAt }, isAlive, options);
    const info = sqlite
      .prepare(`INSERT INTO pulls (source, strategy, started_at, status, scope, pid, hostname, heartbeat_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`)
      .run(input.source, input.strategy, input.startedAt, JSON.stringify(input.scope), input.pid, input.hostname, input.startedAt);
    return { pullId: Number(info.lastInsertRowid), cleared };
  });
  return tx.immediate();
}

/** Marks a pull failed (total failure: nothing was recorded) and releases the lock. */
export function failPull(sqlite: BetterSqlite3.Database, pullId: number, finishedAt: string, summary: string, counters?: { requests: number; throttled: number }): void {
  sqlite
    .prepare(`UPDATE pulls SET status = 'failed', finished_at = ?, error_summary = ?, requests = ?, throttled = ? WHERE id = ? AND status = 'running'`)
    .run(finishedAt, summary, counters?.requests ?? 0, counters?.throttled ?? 0, pullId);
}

/**
 * Removes a running pull that learned nothing worth keeping (its filters matched nothing): its
 * row goes, and so does its id, when it was the last one taken, so the next pull is not numbered
 * as if one had happened. Nothing else was written for it.
 */
export function discardPull(sqlite: BetterSqlite3.Database, pullId: number): void {
  sqlite.transaction(() => {
    sqlite.prepare(`DELETE FROM pull_scopes WHERE pull_id = ?`).run(pullId);
    sqlite.prepare(`DELETE FROM pulls WHERE id = ? AND status = 'running'`).run(pullId);
    sqlite.prepare(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'pulls' AND seq = ?`).run(pullId - 1, pullId);
  }).immediate();
}

/**
 * Marks the pulls this process (`pid` on `hostname`) holds as failed with `summary` and returns
 * their ids (see failHeldLocks); a pull whose recording transaction committed is no longer
 * running and is left alone.
 */
export function failPullsOf(sqlite: BetterSqlite3.Database, pid: number, hostname: string, finishedAt: string, summary: string): number[] {
  return failHeldLocks(sqlite, 'pulls', pid, hostname, finishedAt, summary);
}
