import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/history/duration.js';
import { HistoryInputError } from '../../src/history/history-input-error.js';
import { parseIsoTime, parsePullRef } from '../../src/history/pull-ref.js';

describe('parseIsoTime', () => {
  it('reads dates and date-times, UTC unless an offset is given', () => {
    expect(parseIsoTime('2026-05-01')).toBe('2026-05-01T00:00:00.000Z');
    expect(parseIsoTime('2026-05-01T12:00')).toBe('2026-05-01T12:00:00.000Z');
    expect(parseIsoTime('2026-05-01 12:00:30')).toBe('2026-05-01T12:00:30.000Z');
    expect(parseIsoTime('2026-05-01T12:00:30.250Z')).toBe('2026-05-01T12:00:30.250Z');
    expect(parseIsoTime('2026-05-01T14:00+02:00')).toBe('2026-05-01T12:00:00.000Z');
    expect(parseIsoTime('2026-05-01T14:00+0200')).toBe('2026-05-01T12:00:00.000Z');
    expect(parseIsoTime('2026-05-01T07:00-05:00')).toBe('2026-05-01T12:00:00.000Z');
  });

  it('refuses what is not one', () => {
    for (const bad of ['2026-5-1', '2026-05-01T25:00', '2026-02-30x', 'May 1', '1714564800', '2026-05-01T12']) expect(parseIsoTime(bad), bad).toBeUndefined();
  });
});

describe('parsePullRef', () => {
  it('reads ids, latest, -N and times', () => {
    expect(parsePullRef('12', 'FROM')).toEqual({ kind: 'id', id: 12, text: '12' });
    expect(parsePullRef(' latest ', 'FROM')).toEqual({ kind: 'latest', back: 0, text: 'latest' });
    expect(parsePullRef('-3', 'FROM')).toEqual({ kind: 'latest', back: 3, text: '-3' });
    expect(parsePullRef('2026-05-01', 'FROM')).toEqual({ kind: 'time', at: '2026-05-01T00:00:00.000Z', text: '2026-05-01' });
  });

  it('says what it expected and what it got', () => {
    expect(() => parsePullRef('last', 'TO')).toThrow(new HistoryInputError("Expected TO to be a pull id, latest, -N (N complete pulls before the latest) or an ISO time such as 2026-05-01T12:00Z, got 'last'"));
    for (const bad of ['0', '-0', '+1', '1e3', '99999999999999999999']) expect(() => parsePullRef(bad, 'FROM'), bad).toThrow(HistoryInputError);
  });
});

describe('parseDuration', () => {
  it('reads s, m, h, d and w', () => {
    expect(parseDuration('90d', '--keep')).toBe(90 * 86_400_000);
    expect(parseDuration('12h', '--since')).toBe(12 * 3_600_000);
    expect(parseDuration('30m', '--since')).toBe(30 * 60_000);
    expect(parseDuration('45s', '--since')).toBe(45_000);
    expect(parseDuration('2W', '--keep')).toBe(14 * 86_400_000);
  });

  it('refuses anything else', () => {
    expect(() => parseDuration('7', '--since')).toThrow("Expected --since to be a duration such as 90d, 12h, 30m or 2w (at most 100 years), got '7'");
    for (const bad of ['0d', '-1d', '1.5d', '1y', 'd', '', '200000000d']) expect(() => parseDuration(bad, '--keep'), bad).toThrow(HistoryInputError);
  });
});
