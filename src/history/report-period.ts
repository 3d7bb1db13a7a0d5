import type BetterSqlite3 from 'better-sqlite3';
import { HistoryInputError } from './history-input-error.js';
import { resolvePullRef, type PullRef } from './pull-ref.js';
import { firstRecordedPull, historyStart, recordedPullAt, type RecordedPull } from './pulls.js';

/** Default length of a report's period when neither --since nor --from is given. */
export const DEFAULT_REPORT_DAYS = 7;

/** The pulls a report covers: the state as of `base` is the starting point; pulls after it up to `end` are the period. */
export interface ReportPeriod {
  base: RecordedPull;
  end: RecordedPull;
  /** The period asked for (ISO times). */
  requestedFrom: string;
  requestedTo: string;
  /** The period began before the first kept pull, so it starts there instead. */
  clipped: boolean;
}

/** How the period was asked for: --since (ms before the end), or --from / --to (pull refs or times). */
export interface PeriodRequest {
  sinceMs?: number | undefined;
  from?: PullRef | undefined;
  to?: PullRef | undefined;
  /** The current time (ms), from the caller's clock. */
  now: number;
}

/**
 * Resolves a report period. The end is --to's pull, else the newest recorded pull (complete or
 * partial: a report is where partial pulls show up). The base is the last recorded pull at or
 * before the start time (--from, or --since / 7 days before the end), or --from's pull; a start
 * before the first kept pull is clipped to it rather than refused.
 */
export function resolveReportPeriod(sqlite: BetterSqlite3.Database, request: PeriodRequest): ReportPeriod {
  const start = historyStart(sqlite);
  const nowIso = new Date(request.now).toISOString();
  let end: RecordedPull | undefined;
  let requestedTo: string;
  if (request.to) {
    end = resolvePullRef(sqlite, request.to, '--to');
    requestedTo = request.to.kind === 'time' ? request.to.at : end.finishedAt;
  } else {
    end = recordedPullAt(sqlite, nowIso, start);
    requestedTo = nowIso;
    if (!end) throw new HistoryInputError(`Expected at least one complete or partial pull to report on, found none by ${nowIso}; run vpnsync pull first`);
  }

  let base: RecordedPull | undefined;
  let requestedFrom: string;
  let clipped = false;
  if (request.from && request.from.kind !== 'time') {
    base = resolvePullRef(sqlite, request.from, '--from');
    requestedFrom = base.finishedAt;
  } else {
    const toMs = Date.parse(requestedTo);
    requestedFrom = request.from?.kind === 'time' ? request.from.at : new Date(toMs - (request.sinceMs ?? DEFAULT_REPORT_DAYS * 86_400_000)).toISOString();
    base = recordedPullAt(sqlite, requestedFrom, start);
    if (!base) {
      base = firstRecordedPull(sqlite, start);
      clipped = true;
    }
  }
  if (!base || base.id > end.id) {
    throw new HistoryInputError(`Expected the period's start to come before its end, got ${requestedFrom} (pull #${base?.id ?? '?'}) → ${requestedTo} (pull #${end.id})`);
  }
  return { base, end, requestedFrom, requestedTo, clipped };
}
