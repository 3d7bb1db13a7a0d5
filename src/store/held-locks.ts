import type BetterSqlite3 from 'better-sqlite3';

/**
 * Marks the rows of `table` that this process (`pid` on `hostname`) holds as `running` failed,
 * with `summary`, and returns their ids: for a pull or queue run interrupted by a signal, whose
 * lock would otherwise read `running` until the next one clears it. Synchronous, so a signal
 * handler can call it before the process exits; a row already finished is left alone.
 */
export function failHeldLocks(sqlite: BetterSqlite3.Database, table: 'pulls' | 'queue_runs', pid: number, hostname: string, finishedAt: string, summary: string): number[] {
  return sqlite.transaction(() => {
    const ids = sqlite.prepare(`SELECT id FROM ${table} WHERE status = 'running' AND pid = ? AND hostname = ?`).pluck().all(pid, hostname) as number[];
    const fail = sqlite.prepare(`UPDATE ${table} SET status = 'failed', finished_at = ?, error_summary = ? WHERE id = ? AND status = 'running'`);
    for (const id of ids) fail.run(finishedAt, summary, id);
    return ids;
  }).immediate();
}
