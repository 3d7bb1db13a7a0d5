import { HistoryInputError } from './history-input-error.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** The longest duration accepted: 100 years. */
export const MAX_DURATION_MS = 100 * 365 * UNIT_MS.d;

/** What a duration looks like, for "Expected … got …" messages. */
export const DURATION_FORMS = 'a duration such as 90d, 12h, 30m or 2w';

/** Parses `<integer><s|m|h|d|w>` (e.g. 7d) to milliseconds; throws HistoryInputError naming `what` otherwise. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  const ms = m ? n * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS] : Number.NaN;
  // Past a century the period ends before any date vpnsync can print.
  if (!m || !Number.isSafeInteger(n) || n <= 0 || !(ms <= MAX_DURATION_MS)) {
    throw new HistoryInputError(`Expected ${what} to be ${DURATION_FORMS} (at most 100 years), got '${text}'`);
  }
  return ms;
}
