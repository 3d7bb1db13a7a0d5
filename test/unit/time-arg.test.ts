import { describe, expect, it } from 'vitest';
import { parseTimeArg } from '../../src/cli/time-arg.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('parseTimeArg', () => {
  it('reads ISO times with a zone as given, and without one as UTC (as vpnsync prints times)', () => {
    expect(parseTimeArg('--x', '2026-11-30T22:00Z', NOW)).toBe('2026-11-30T22:00:00.000Z');
    expect(parseTimeArg('--x', '2026-11-30T22:00:00+01:00', NOW)).toBe('2026-11-30T21:00:00.000Z');
    expect(parseTimeArg('--x', '2026-11-30', NOW)).toBe('2026-11-30T00:00:00.000Z');
    expect(parseTimeArg('--x', '2026-11-30 22:15', NOW)).toBe('2026-11-30T22:15:00.000Z');
  });
  it('reads now and +DURATION', () => {
    expect(parseTimeArg('--x', 'now', NOW)).toBe(new Date(NOW).toISOString());
    expect(parseTimeArg('--x', '+2h', NOW)).toBe(new Date(NOW + 7_200_000).toISOString());
  });
  it.each(['2026-02-30', '2026-13-01', 'tomorrow', '+2x', '+200000000d', '2026-11-30T25:00Z', ''])('refuses %j with one clear line', (v) => {
    expect(() => parseTimeArg('--not-before', v, NOW)).toThrow(
      `Expected --not-before to be an ISO time (2026-11-30T22:00Z; UTC without an offset), 'now' or +DURATION (+2h), got '${v}'`,
    );
  });
});
