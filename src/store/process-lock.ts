import type BetterSqlite3 from 'better-sqlite3';

/** Another live process holds the lock (a pull, or a queue runner) on this database. */
export class LockedError extends Error {
  readonly holderId: number;
  constructor(what: string, holderId: number, holder: string, since: string) {
    super(`Another ${what} (#${holderId}, ${holder}, started ${since}) is running on this database; try again when it has finished.`);
    this.name = 'LockedError';
    this.holderId = holderId;
  }
}

/** Whether a process is alive on this host. */
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

/** Who asks for the lock. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time, also used as the finish time of cleared stale rows. */
  at: string;
}

/** A stale lock row (its process is gone) that was cleared. */
export interface ClearedLock {
  id: number;
  pid: number | null;
}

/**
 * The lock is the `running` row of a table with (id, status, pid, hostname, started_at,
 * finished_at, error_summary) columns: `pulls` and `queue_runs`. Must run inside an IMMEDIATE
 * transaction, which then inserts the caller's own running row. A running row of a live process
 * refuses (LockedError); one whose process is gone (killed, crashed) is marked failed. A row from
 * another host cannot be checked, so it counts as live.
 */
export function clearStaleLocks(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', what: string, me: LockHolder, isAlive: IsAlive): ClearedLock[] {
  const running = sqlite.prepare(`SELECT id, pid, hostname, started_at FROM ${table} WHERE status = 'running' ORDER BY id`).all() as {
    id: number;
    pid: number | null;
    hostname: string | null;
    started_at: string;
  }[];
  const cleared: ClearedLock[] = [];
  for (const r of running) {
    const sameHost = r.hostname === me.hostname;
    if (!sameHost || (r.pid !== null && r.pid !== me.pid && isAlive(r.pid))) {
      throw new LockedError(what, r.id, `pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'}`, r.started_at);
    }
    sqlite
      .prepare(`UPDATE ${table} SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`)
      .run(me.at, `process ${r.pid ?? '?'} stopped before the ${what} finished (lock cleared by a later ${what})`, r.id);
    cleared.push({ id: r.id, pid: r.pid });
  }
  return cleared;
}
