import type BetterSqlite3 from 'better-sqlite3';
import type { PullSource, PullStrategy } from './schema.js';

/** Another live process is pulling into this database. */
export class PullLockedError extends Error {
  readonly pullId: number;
  constructor(pullId: number, holder: string, since: string) {
    super(`Another pull (#${pullId}, ${holder}, started ${since}) is running on this database; try again when it has finished.`);
    this.name = 'PullLockedError';
    this.pullId = pullId;
  }
}

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
  cleared: { id: number; pid: number | null }[];
}

/** Whether a process is alive on this host (signal 0 checks without signalling). */
export type IsAlive = (pid: number) => boolean;

/** process.kill(pid, 0): ESRCH means gone, EPERM means alive under another user. */
export const processIsAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the database's pull lock: the `running` row in `pulls` is the lock. In one IMMEDIATE
 * transaction, a running pull of a live process refuses (PullLockedError); one whose process is
 * gone (killed, crashed) is marked failed and the new pull proceeds. A running pull from another
 * host cannot be checked, so it is treated as live.
 */
export function beginPull(sqlite: BetterSqlite3.Database, input: BeginPullInput, isAlive: IsAlive = processIsAlive): BeginPullResult {
  const tx = sqlite.transaction((): BeginPullResult => {
    const running = sqlite.prepare(`SELECT id, pid, hostname, started_at FROM pulls WHERE status = 'running' ORDER BY id`).all() as {
      id: number;
      pid: number | null;
      hostname: string | null;
      started_at: string;
    }[];
    const cleared: BeginPullResult['cleared'] = [];
    for (const r of running) {
      const sameHost = r.hostname === input.hostname;
      if (!sameHost || (r.pid !== null && r.pid !== input.pid && isAlive(r.pid))) {
        throw new PullLockedError(r.id, `pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'}`, r.started_at);
      }
      sqlite
        .prepare(`UPDATE pulls SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`)
        .run(input.startedAt, `process ${r.pid ?? '?'} stopped before the pull finished (lock cleared by a later pull)`, r.id);
      cleared.push({ id: r.id, pid: r.pid });
    }
    const info = sqlite
      .prepare(`INSERT INTO pulls (source, strategy, started_at, status, scope, pid, hostname) VALUES (?, ?, ?, 'running', ?, ?, ?)`)
      .run(input.source, input.strategy, input.startedAt, JSON.stringify(input.scope), input.pid, input.hostname);
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
