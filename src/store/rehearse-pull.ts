import type BetterSqlite3 from 'better-sqlite3';
import type { BeginPullInput } from './pull-lock.js';

/** Carries a rehearsal's result out of the transaction it rolls back. */
class Rehearsed<T> {
  constructor(readonly value: T) {}
}

/**
 * Runs `record` (which records a pull with the id it is given) inside a transaction that is
 * then rolled back, and returns what it returned: the counts a pull or an import *would* record
 * (`--dry-run`), computed by the very code that records them, with nothing kept. The pull row
 * it needs is made inside the same transaction, without the pull lock: a rehearsal does not
 * stop a real pull, and a real pull that is running does not stop a rehearsal (SQLite's write
 * lock makes them take turns for the short time the rehearsal holds it). Call it only after
 * every network request is done (no network inside a transaction).
 */
export function rehearsePull<T>(sqlite: BetterSqlite3.Database, input: Omit<BeginPullInput, 'pid' | 'hostname'>, record: (pullId: number) => T): T {
  const tx = sqlite.transaction((): never => {
    const info = sqlite
      .prepare(`INSERT INTO pulls (source, strategy, started_at, status, scope, pid, hostname, heartbeat_at) VALUES (?, ?, ?, 'running', ?, NULL, NULL, ?)`)
      .run(input.source, input.strategy, input.startedAt, JSON.stringify(input.scope), input.startedAt);
    throw new Rehearsed(record(Number(info.lastInsertRowid)));
  });
  try {
    tx.immediate();
  } catch (e) {
    if (e instanceof Rehearsed) return e.value as T;
    throw e;
  }
  throw new Error('unreachable: a rehearsal always rolls back');
}
