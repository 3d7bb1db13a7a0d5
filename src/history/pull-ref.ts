import type BetterSqlite3 from 'better-sqlite3';
import { HistoryInputError } from './history-input-error.js';
import { historyStart, loadPull, recordedPullAt, recordedPullsNewestFirst, type RecordedPull } from './pulls.js';

/**
 * A way to name a pull on the command line:
 * - `id`: the pull's number (any recorded pull, complete or partial);
 * - `latest` with `back` 0, or `-N` with `back` N: the newest complete pull, or the N-th complete
 *   pull before it (partial pulls are skipped: they are addressed by id or time);
 * - `time`: the last recorded pull (complete or partial) that finished at or before it.
 */
export type PullRef = { kind: 'id'; id: number; text: string } | { kind: 'latest'; back: number; text: string } | { kind: 'time'; at: string; text: string };

/** What a ref looks like, for "Expected … got …" messages. */
export const PULL_REF_FORMS = 'a pull id, latest, -N (N complete pulls before the latest) or an ISO time such as 2026-05-01T12:00Z';

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses an ISO 8601 date or date-time (UTC unless it carries an offset) to a canonical ISO string; undefined if it is not one. */
export function parseIsoTime(text: string): string | undefined {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, date, time, zone] = m;
  // Times without an offset are UTC: pull times are stored in UTC, and a cron host's local zone
  // should not change which pull a script selects.
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${time ?? '00:00'}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March 2: a date that does not exist is not a time.
  const [y, mo, d] = (date as string).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return new Date(ms).toISOString();
}

/** Parses a pull reference; throws HistoryInputError naming `what` (e.g. FROM) when it is none of the forms. */
export function parsePullRef(text: string, what: string): PullRef {
  const t = text.trim();
  if (/^\d+$/.test(t) && Number(t) > 0 && Number.isSafeInteger(Number(t))) return { kind: 'id', id: Number(t), text: t };
  if (t.toLowerCase() === 'latest') return { kind: 'latest', back: 0, text: t };
  if (/^-\d+$/.test(t) && Number(t) < 0 && Number.isSafeInteger(Number(t))) return { kind: 'latest', back: -Number(t), text: t };
  const at = parseIsoTime(t);
  if (at !== undefined) return { kind: 'time', at, text: t };
  throw new HistoryInputError(`Expected ${what} to be ${PULL_REF_FORMS}, got '${text}'`);
}

/**
 * The recorded pull a reference names. Throws HistoryInputError when there is none: an unknown,
 * failed or still running pull, fewer complete pulls than `-N` needs, a time before the first
 * pull, or a pull older than the history `vpnsync prune` kept.
 */
export function resolvePullRef(sqlite: BetterSqlite3.Database, ref: PullRef, what: string): RecordedPull {
  const start = historyStart(sqlite);
  const pruned = (id: number) =>
    new HistoryInputError(`Expected ${what} to be pull #${start} or later (history before it was pruned by vpnsync prune), got '${ref.text}' (pull #${id})`);
  switch (ref.kind) {
    case 'id': {
      const p = loadPull(sqlite, ref.id);
      if (!p) throw new HistoryInputError(`Expected ${what} to be the id of a pull in this database (see vpnsync snapshots), got '${ref.text}'`);
      if (p.status !== 'complete' && p.status !== 'partial') {
        throw new HistoryInputError(`Expected ${what} to be a complete or partial pull, got '${ref.text}': pull #${p.id} is ${p.status} and recorded nothing`);
      }
      if (p.id < start) throw pruned(p.id);
      return p as RecordedPull;
    }
    case 'latest': {
      const complete = recordedPullsNewestFirst(sqlite, ['complete'], start, ref.back + 1);
      const p = complete[ref.back];
      if (!p) {
        throw new HistoryInputError(
          `Expected ${what} '${ref.text}' to name a complete pull, but there ${complete.length === 1 ? 'is 1 complete pull' : `are ${complete.length} complete pulls`} in the kept history`,
        );
      }
      return p;
    }
    case 'time': {
      const p = recordedPullAt(sqlite, ref.at, 0);
      if (!p) throw new HistoryInputError(`Expected ${what} to be a time at or after the first recorded pull, got '${ref.text}' (no pull had finished by ${ref.at})`);
      if (p.id < start) throw pruned(p.id);
      return p;
    }
  }
}
