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

/** A pull or run whose lock was cleared while it ran (its heartbeat stopped for the lease); it wrote nothing. */
export class LockLostError extends LockedError {
  constructor(what: string, id: number, status: string) {
    super(what, id, '', '');
    this.message = `The ${what} (#${id}) lost its lock while it ran (it is now ${status}: its heartbeat stopped for over ${LOCK_LEASE_MS / 60_000} minutes and another process took over); nothing it saw was recorded.`;
    this.name = 'LockLostError';
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

/** A lock holder writes `heartbeat_at` this often while it runs. */
export const HEARTBEAT_INTERVAL_MS = 20_000;
/**
 * A running row whose heartbeat is older than this is stale whatever its host or pid says: its
 * process died on another host (a container, a Kubernetes CronJob pod gets a new hostname every
 * run) or its pid was reused. Six missed heartbeats.
 */
export const LOCK_LEASE_MS = 120_000;

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
 * The lock is the `running` row of a table with (id, status, pid, hostname, heartbeat_at,
 * started_at, finished_at, error_summary) columns: `pulls` and `queue_runs`. Must run inside an
 * IMMEDIATE transaction, which then inserts the caller's own running row (heartbeat_at = now).
 * A running row is live while its heartbeat is fresh and, on this host, its process exists:
 * then LockedError. Otherwise (killed, crashed, another host gone silent) it is marked failed.
 */
export function clearStaleLocks(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', what: string, me: LockHolder, isAlive: IsAlive): ClearedLock[] {
  const running = sqlite.prepare(`SELECT id, pid, hostname, heartbeat_at, started_at FROM ${table} WHERE status = 'running' ORDER BY id`).all() as {
    id: number;
    pid: number | null;
    hostname: string | null;
    heartbeat_at: string | null;
    started_at: string;
  }[];
  const now = Date.parse(me.at);
  const cleared: ClearedLock[] = [];
  for (const r of running) {
    const beat = Date.parse(r.heartbeat_at ?? r.started_at);
    const fresh = Number.isFinite(beat) && now - beat < LOCK_LEASE_MS;
    const sameHost = r.hostname === me.hostname;
    // The same pid as ours does not prove the holder gone: containers reuse small pids.
    const processGone = sameHost && (r.pid === null || !isAlive(r.pid));
    if (fresh && !processGone) {
      throw new LockedError(what, r.id, `pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'}`, r.started_at);
    }
    const why = processGone ? `process ${r.pid ?? '?'} stopped` : `no heartbeat from pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'} since ${r.heartbeat_at ?? r.started_at}`;
    sqlite
      .prepare(`UPDATE ${table} SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ?`)
      .run(me.at, `${why} before the ${what} finished (lock cleared by a later ${what})`, r.id);
    cleared.push({ id: r.id, pid: r.pid });
  }
  return cleared;
}

/**
 * Keeps a lock row's heartbeat fresh until the returned function is called. The timer does not
 * keep the process alive, and a failed write (database busy for a moment) is retried next beat.
 */
export function startHeartbeat(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', id: number, now: () => number = Date.now): () => void {
  const beat = sqlite.prepare(`UPDATE ${table} SET heartbeat_at = ? WHERE id = ? AND status = 'running'`);
  const timer = setInterval(() => {
    try {
      beat.run(new Date(now()).toISOString(), id);
    } catch {
      // busy: the next beat tries again, well inside the lease
    }
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
