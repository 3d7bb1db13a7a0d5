/** Reading ARM's answers: error details, Retry-After in both forms, busy refusals, the poll interval. */
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { isBusyRefusal } from '../../src/arm/arm-client.js';
import { armErrorFromDetail, armErrorFromResponse } from '../../src/arm/arm-error.js';
import { parseRetryAfterMs } from '../../src/arm/retry-after.js';
import { DEFAULT_POLL_INTERVAL_MS, pollIntervalMs } from '../../src/queue/run-queue.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfterMs('10', NOW)).toBe(10_000);
    expect(parseRetryAfterMs('0', NOW)).toBe(0);
    expect(parseRetryAfterMs('Mon, 30 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 30 Nov 2026 11:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs('', NOW)).toBeUndefined();
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
  });
});

describe('pollIntervalMs', () => {
  it("honours Retry-After; without one, waits ARM's documented 60 s (not 5 s)", () => {
    expect(DEFAULT_POLL_INTERVAL_MS).toBe(60_000);
    expect(pollIntervalMs({ headers: createHttpHeaders({ 'retry-after': '17' }) }, NOW)).toBe(17_000);
    expect(pollIntervalMs({ headers: createHttpHeaders({ 'retry-after': 'Mon, 30 Nov 2026 12:00:05 GMT' }) }, NOW)).toBe(5_000);
    expect(pollIntervalMs({ headers: createHttpHeaders({}) }, NOW)).toBe(60_000);
    expect(pollIntervalMs(undefined, NOW)).toBe(60_000);
  });
});

describe("ARM's error details", () => {
  it('the first detail code joins the message and is kept; ids and status come from the answer', () => {
    const e = armErrorFromDetail(
      { code: 'RetryableError', message: 'A retryable error occurred.', details: [{ code: 'RetryableErrorDueToAnotherOperation', message: 'Operation X is updating resource Y.' }] },
      429,
      '/subscriptions/s/x',
      { requestId: 'r-1', correlationId: 'c-1', retryAfterMs: 14_000 },
    );
    expect(e).toMatchObject({ code: 'RetryableError', status: 429, requestId: 'r-1', correlationId: 'c-1', retryAfterMs: 14_000, detailCodes: ['RetryableErrorDueToAnotherOperation'] });
    expect(e.message).toBe('A retryable error occurred. (RetryableErrorDueToAnotherOperation)');
  });

  it('a body that is not ARM JSON keeps a status code', () => {
    const e = armErrorFromResponse(502, '<html>Bad gateway</html>', 'r-2', '/p', { correlationId: 'c-2' });
    expect(e).toMatchObject({ code: 'Http502', status: 502, requestId: 'r-2', correlationId: 'c-2', detailCodes: [] });
  });

  it('isBusyRefusal: another operation holds the resource (code or first detail), not plain throttling', () => {
    expect(isBusyRefusal(JSON.stringify({ error: { code: 'RetryableError', message: 'm', details: [{ code: 'RetryableErrorDueToAnotherOperation' }] } }))).toBe(true);
    expect(isBusyRefusal(JSON.stringify({ error: { code: 'AnotherOperationInProgress', message: 'm' } }))).toBe(true);
    expect(isBusyRefusal(JSON.stringify({ error: { code: 'SubscriptionRequestsThrottled', message: 'm' } }))).toBe(false);
    expect(isBusyRefusal('not json')).toBe(false);
    expect(isBusyRefusal(undefined)).toBe(false);
  });
});
