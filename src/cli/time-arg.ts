import { UsageError } from './errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Parses a duration such as `90d`, `12h`, `30m`, `45s`, `2w` into milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[(m[2] as string).toLowerCase() as keyof typeof UNIT_MS];
}

/**
 * A point in time given on the command line: an ISO 8601 date or date-time (a date-time without
 * a zone is local time, as `new Date` reads it), `now`, or `+DURATION` from now (`+2h`).
 * Returns an ISO string in UTC; throws UsageError naming the flag otherwise.
 */
export function parseTimeArg(flag: string, value: string, now: number): string {
  const text = value.trim();
  if (text.toLowerCase() === 'now') return new Date(now).toISOString();
  if (text.startsWith('+')) {
    const ms = parseDuration(text.slice(1));
    if (ms !== undefined) return new Date(now + ms).toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
    const t = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(t)) return new Date(t).toISOString();
  }
  throw new UsageError(`Expected ${flag} to be an ISO time (2026-11-30T22:00Z), 'now' or +DURATION (+2h), got '${value}'`);
}
