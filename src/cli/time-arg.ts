import { UsageError } from './errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Parses a duration such as `90d`, `12h`, `30m`, `45s`, `2w` into milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[(m[2] as string).toLowerCase() as keyof typeof UNIT_MS];
}

/**
 * A point in time given on the command line: an ISO 8601 date or date-time (a date, or a
 * date-time without a zone, is local time: `2026-11-30` is local midnight), `now`, or
 * `+DURATION` from now (`+2h`). Returns an ISO string in UTC; throws UsageError naming the flag
 * otherwise, including for dates that do not exist (2026-02-30).
 */
export function parseTimeArg(flag: string, value: string, now: number): string {
  const text = value.trim();
  if (text.toLowerCase() === 'now') return new Date(now).toISOString();
  if (text.startsWith('+')) {
    const ms = parseDuration(text.slice(1));
    if (ms !== undefined) return new Date(now + ms).toISOString();
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  if (m) {
    const [y, mo, d, h = '0', mi = '0', sec = '0'] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => x) as string[];
    const valid = Number(mo) >= 1 && Number(mo) <= 12 && Number(d) >= 1 && Number(d) <= daysIn(Number(y), Number(mo)) && Number(h) <= 23 && Number(mi) <= 59 && Number(sec) <= 59;
    if (valid) {
      // Date.parse would read a bare date as UTC midnight; the user means their own midnight.
      const t = m[8] ? Date.parse(text.replace(' ', 'T')) : new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), m[7] ? Math.round(Number(m[7]) * 1000) : 0).getTime();
      if (Number.isFinite(t)) return new Date(t).toISOString();
    }
  }
  throw new UsageError(`Expected ${flag} to be an ISO time (2026-11-30T22:00Z), 'now' or +DURATION (+2h), got '${value}'`);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
