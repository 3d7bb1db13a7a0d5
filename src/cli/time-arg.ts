import { parseDuration } from '../history/duration.js';
import { HistoryInputError } from '../history/history-input-error.js';
import { parseIsoTime } from '../history/pull-ref.js';
import { UsageError } from './errors.js';

/**
 * A point in time given on the command line, read as everywhere in vpnsync (`report --from`,
 * pull references): an ISO 8601 date or date-time — UTC unless it carries an offset, as every
 * time vpnsync prints — or `now`, or `+DURATION` from now (`+2h`). Returns an ISO string in
 * UTC; throws UsageError naming the flag otherwise, including for dates that do not exist.
 */
export function parseTimeArg(flag: string, value: string, now: number): string {
  const text = value.trim();
  if (text.toLowerCase() === 'now') return new Date(now).toISOString();
  if (text.startsWith('+')) {
    try {
      return new Date(now + parseDuration(text.slice(1), flag)).toISOString();
    } catch (e) {
      if (!(e instanceof HistoryInputError)) throw e;
    }
  }
  const at = parseIsoTime(text);
  if (at !== undefined) return at;
  // -2h is not "two hours ago" (a time to wait for is never in the past): say what +2h means instead.
  const past = /^-\d/.test(text) ? ` (a time to wait for cannot be in the past; ${text.replace(/^-/, '+')} is ${text.slice(1)} from now)` : '';
  throw new UsageError(`Expected ${flag} to be an ISO time (2026-11-30T22:00Z; UTC without an offset), 'now' or +DURATION (+2h), got '${value}'${past}`);
}
