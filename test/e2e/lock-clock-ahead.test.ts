/**
 * Locks across hosts (issue 15): a pull or queue run that crashed on a host whose clock runs
 * ahead left a heartbeat in the future. It is judged by whether this process sees it change
 * (for one lease, VPNSYNC_LOCK_LEASE here), not by the other host's timestamps — which would
 * block every pull until that future time. A heartbeat that keeps changing is a live holder.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e, type E2eContext } from '../support/e2e.js';

const start = useE2e();
const LEASE = { VPNSYNC_LOCK_LEASE: '2s' };
const HOUR = 3_600_000;

/** Inserts a running lock row of a process on another host, its heartbeat an hour ahead of our clock. */
function foreignLock(ctx: E2eContext, table: 'pulls' | 'queue_runs'): number {
  const db = new BetterSqlite3(ctx.db);
  try {
    const ahead = new Date(Date.now() + HOUR).toISOString();
    const sql =
      table === 'pulls'
        ? `INSERT INTO pulls (source, strategy, started_at, status, scope, pid, hostname, heartbeat_at) VALUES ('arm', 'links', ?, 'running', '{}', 4242, 'host-with-clock-ahead', ?)`
        : `INSERT INTO queue_runs (started_at, status, pid, hostname, heartbeat_at) VALUES (?, 'running', 4242, 'host-with-clock-ahead', ?)`;
    return Number(db.prepare(sql).run(ahead, ahead).lastInsertRowid);
  } finally {
    db.close();
  }
}

/** Keeps the row's heartbeat changing (still an hour ahead), as a live process on that host would, until stopped. */
function keepBeating(ctx: E2eContext, table: 'pulls' | 'queue_runs', id: number): () => void {
  const db = new BetterSqlite3(ctx.db);
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    db.prepare(`UPDATE ${table} SET heartbeat_at = ? WHERE id = ?`).run(new Date(Date.now() + HOUR + n).toISOString(), id);
  }, 100);
  return () => {
    clearInterval(timer);
    db.close();
  };
}

const statusOf = (ctx: E2eContext, table: string, id: number) => ctx.rows<{ status: string; error_summary: string | null }>(`SELECT status, error_summary FROM ${table} WHERE id = ?`, id)[0]!;

describe('a lock whose heartbeat is an hour ahead of this host’s clock', () => {
  it('pull: a heartbeat that stands still for the lease is taken over', async () => {
    const ctx = await start({ seed: 91, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const id = foreignLock(ctx, 'pulls');
    const pull = await ctx.vpnsync(['pull'], { env: LEASE });
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    expect(pull.stderr).toMatch(new RegExp(`the pull #${id} of pid 4242 on host-with-clock-ahead has a heartbeat 60 min ahead of this host's clock; watching for up to 2 s whether it still beats`));
    expect(pull.stderr).toMatch(new RegExp(`cleared the lock of pull #${id}`));
    const row = statusOf(ctx, 'pulls', id);
    expect(row.status).toBe('failed');
    expect(row.error_summary).toMatch(/ahead of this host's clock\) did not change for 2 s of watching before the pull finished/);
    expect(ctx.rows<{ status: string }>('SELECT status FROM pulls ORDER BY id DESC LIMIT 1')[0]!.status).toBe('complete');
  });

  it('pull: a heartbeat that keeps changing is a live holder: exit 75, its lock kept', async () => {
    const ctx = await start({ seed: 92, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const id = foreignLock(ctx, 'pulls');
    const stop = keepBeating(ctx, 'pulls', id);
    let pull;
    try {
      pull = await ctx.vpnsync(['pull'], { env: { VPNSYNC_LOCK_LEASE: '5s' } });
    } finally {
      stop();
    }
    expect(pull.code).toBe(EXIT.LOCKED);
    expect(pull.stderr).toMatch(new RegExp(`Another pull \\(#${id}, pid 4242 on host-with-clock-ahead`));
    expect(statusOf(ctx, 'pulls', id).status).toBe('running');
  });

  it('queue run: the same for the runner lock', async () => {
    const ctx = await start({ seed: 93, size: { subscriptions: 1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const stale = foreignLock(ctx, 'queue_runs');
    const run = await ctx.vpnsync(['queue', 'run'], { env: LEASE });
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(run.stderr).toMatch(new RegExp(`the queue run #${stale} of pid 4242 on host-with-clock-ahead has a heartbeat 60 min ahead`));
    expect(statusOf(ctx, 'queue_runs', stale).status).toBe('failed');

    const live = foreignLock(ctx, 'queue_runs');
    const stop = keepBeating(ctx, 'queue_runs', live);
    let again;
    try {
      again = await ctx.vpnsync(['queue', 'run'], { env: { VPNSYNC_LOCK_LEASE: '5s' } });
    } finally {
      stop();
    }
    expect(again.code).toBe(EXIT.LOCKED);
    expect(statusOf(ctx, 'queue_runs', live).status).toBe('running');
  });

  it('rejects a VPNSYNC_LOCK_LEASE that is not a duration', async () => {
    const ctx = await start({ seed: 94, size: { subscriptions: 1 } });
    const pull = await ctx.vpnsync(['pull'], { env: { VPNSYNC_LOCK_LEASE: 'soon' } });
    expect(pull.code).toBe(EXIT.USAGE);
    expect(pull.stderr).toMatch(/^vpnsync: Expected VPNSYNC_LOCK_LEASE to be a duration such as 90d/m);
  });
});
