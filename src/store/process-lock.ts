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

/** The heartbeat interval for a lease: six beats per lease, as with the defaults (20 s, 2 min). */
export function heartbeatIntervalFor(leaseMs: number): number {
  return leaseMs === LOCK_LEASE_MS ? HEARTBEAT_INTERVAL_MS : Math.max(50, Math.floor(leaseMs / 6));
}

/**
 * A heartbeat further than this ahead of our clock cannot be judged by it: the other host's
 * clock runs ahead, and by its own timestamps a crashed holder would look alive until then.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 5_000;

/** How clearStaleLocks judges running rows. */
export interface StaleLockOptions {
  /** Silence after which a heartbeat is stale (default LOCK_LEASE_MS). */
  leaseMs?: number;
  /** Rows (id → heartbeat_at) this process watched stand still for a lease: stale while unchanged. */
  observedStale?: ReadonlyMap<number, string | null>;
}

/** What watchHeartbeatsAhead needs: clocks, a sleep, a log line. */
export interface HeartbeatWatch {
  leaseMs?: number;
  /** Wall clock (ms since the epoch), to tell a heartbeat from the future. */
  now?: () => number;
  /** A monotonic clock (ms): what this process saw, when — never the other host's timestamps. */
  monotonic?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Watches the running rows of other hosts whose heartbeat lies in the future by this host's
 * clock. Such a heartbeat says nothing about when it was written, so it is judged by what this
 * process sees: one that changes while watched belongs to a live holder (the map comes back
 * empty and clearStaleLocks refuses, as before); one that stays the same for a whole lease, by
 * this process's monotonic clock, is stale, and the map names it for clearStaleLocks to clear.
 * Reads only; call it before the transaction that takes the lock.
 */
export async function watchHeartbeatsAhead(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', what: string, me: { hostname: string }, deps: HeartbeatWatch = {}): Promise<Map<number, string | null>> {
  const leaseMs = deps.leaseMs ?? LOCK_LEASE_MS;
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const read = sqlite.prepare(`SELECT id, pid, hostname, heartbeat_at FROM ${table} WHERE status = 'running' ORDER BY id`);
  const seen = new Map<number, { value: string | null; since: number }>();
  for (;;) {
    const rows = (read.all() as { id: number; pid: number | null; hostname: string | null; heartbeat_at: string | null }[]).filter(
      (r) => r.hostname !== me.hostname && Date.parse(r.heartbeat_at ?? '') > now() + CLOCK_SKEW_TOLERANCE_MS,
    );
    if (rows.length === 0) return new Map();
    for (const r of rows) {
      const before = seen.get(r.id);
      if (before === undefined) {
        seen.set(r.id, { value: r.heartbeat_at, since: monotonic() });
        const ahead = Date.parse(r.heartbeat_at ?? '') - now();
        deps.log?.(`the ${what} #${r.id} of pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'} has a heartbeat ${formatLease(ahead)} ahead of this host's clock; watching for up to ${formatLease(leaseMs)} whether it still beats`);
      } else if (before.value !== r.heartbeat_at) {
        // It beats: a live holder. clearStaleLocks refuses it (its heartbeat is in the future).
        return new Map();
      }
    }
    const t = monotonic();
    if (rows.every((r) => t - (seen.get(r.id)?.since ?? t) >= leaseMs)) return new Map(rows.map((r) => [r.id, r.heartbeat_at]));
    await sleep(Math.max(10, Math.min(1_000, Math.floor(leaseMs / 20))));
  }
}

function formatLease(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

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
export function clearStaleLocks(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', what: string, me: LockHolder, isAlive: IsAlive, options: StaleLockOptions = {}): ClearedLock[] {
  const leaseMs = options.leaseMs ?? LOCK_LEASE_MS;
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
    // A heartbeat this process watched stand still for a whole lease is stale, however far
    // ahead of our clock the other host wrote it (see watchHeartbeatsAhead).
    const watchedStill = options.observedStale?.has(r.id) === true && options.observedStale.get(r.id) === r.heartbeat_at;
    const fresh = Number.isFinite(beat) && now - beat < leaseMs && !watchedStill;
    const sameHost = r.hostname === me.hostname;
    // The same pid as ours does not prove the holder gone: containers reuse small pids.
    const processGone = sameHost && (r.pid === null || !isAlive(r.pid));
    if (fresh && !processGone) {
      throw new LockedError(what, r.id, `pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'}`, r.started_at);
    }
    const why = processGone
      ? `process ${r.pid ?? '?'} stopped`
      : watchedStill
        ? `the heartbeat of pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'} (${r.heartbeat_at ?? '?'}, ahead of this host's clock) did not change for ${formatLease(leaseMs)} of watching`
        : `no heartbeat from pid ${r.pid ?? '?'} on ${r.hostname ?? 'unknown host'} since ${r.heartbeat_at ?? r.started_at}`;
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
export function startHeartbeat(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', id: number, now: () => number = Date.now, intervalMs: number = HEARTBEAT_INTERVAL_MS): () => void {
  const beat = sqlite.prepare(`UPDATE ${table} SET heartbeat_at = ? WHERE id = ? AND status = 'running'`);
  const timer = setInterval(() => {
    try {
      beat.run(new Date(now()).toISOString(), id);
    } catch {
      // busy: the next beat tries again, well inside the lease
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
