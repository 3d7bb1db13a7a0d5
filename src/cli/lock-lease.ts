import { DURATION_FORMS, parseDuration } from '../history/duration.js';
import { HistoryInputError } from '../history/history-input-error.js';
import { UsageError } from './errors.js';

/** Overrides how long a pull's or queue run's heartbeat may stand still before its lock is stale. */
export const LOCK_LEASE_ENV = 'VPNSYNC_LOCK_LEASE';

/**
 * VPNSYNC_LOCK_LEASE as milliseconds (undefined when unset: the built-in 2 minutes). Every
 * host sharing a database must use the same value: a holder beats six times per lease.
 */
export function lockLeaseMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[LOCK_LEASE_ENV]?.trim();
  if (!text) return undefined;
  try {
    return parseDuration(text, LOCK_LEASE_ENV);
  } catch (e) {
    if (e instanceof HistoryInputError) throw new UsageError(`Expected ${LOCK_LEASE_ENV} to be ${DURATION_FORMS}, got '${text}'`);
    throw e;
  }
}
