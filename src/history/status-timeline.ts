import type { StoredValue } from '../store/schema.js';
import type { RecordedPull } from './pulls.js';
import type { ReplayStep } from './replay-history.js';

/** The three bands of a status timeline. */
export type StatusClass = 'connected' | 'not-connected' | 'unknown';

/** A link's band at a pull: a status class, or absent (not yet added, or deleted). */
export type TimelineState = StatusClass | 'absent';

/**
 * connectionStatus → band: Connected is connected; NotConnected and Connecting are not (no
 * traffic flows yet); Unknown, NULL or anything new is unknown.
 */
export function classifyStatus(status: StoredValue | undefined): StatusClass {
  if (status === 'Connected') return 'connected';
  if (status === 'NotConnected' || status === 'Connecting') return 'not-connected';
  return 'unknown';
}

/** One band of a link's timeline: from one pull until the next band starts (or the period ends). */
export interface TimelineRun {
  state: TimelineState;
  /** The last known connectionStatus (also for unknown bands caused by a pull that could not see the link). */
  status: string | null;
  /** Why the band is unknown when the status itself is known: the pull did not see the link. */
  unseen: boolean;
  fromPull: number;
  from: string;
  toPull: number;
  to: string;
}

/** Builds per-link runs from replay steps; feed every step, then call `finish`. */
export class TimelineBuilder {
  private readonly open = new Map<string, Omit<TimelineRun, 'toPull' | 'to'>>();
  private readonly runs = new Map<string, TimelineRun[]>();
  private readonly unseenBefore = new Set<string>();
  private last: RecordedPull | undefined;
  /** Per pull: how many existing links were in each band. */
  readonly fleet: { pullId: number; at: string; connected: number; notConnected: number; unknown: number }[] = [];
  private readonly counts: Record<StatusClass, number> = { connected: 0, 'not-connected': 0, unknown: 0 };

  /** Applies one replay step. */
  add(step: ReplayStep): void {
    // Only links whose band can have changed: those with versions in this pull, and those this
    // pull or the previous one could not see. The base step classifies everything.
    const touched = new Set<string>(step.index === 0 ? step.state.keys() : []);
    for (const e of step.events) touched.add(e.version._key);
    for (const k of step.unseen.keys()) touched.add(k);
    for (const k of this.unseenBefore) touched.add(k);
    this.unseenBefore.clear();
    for (const k of step.unseen.keys()) this.unseenBefore.add(k);

    for (const key of touched) {
      const link = step.state.get(key);
      const unseen = step.unseen.has(key);
      const status = link ? (typeof link.connectionStatus === 'string' ? link.connectionStatus : null) : null;
      const state: TimelineState = !link ? 'absent' : unseen ? 'unknown' : classifyStatus(link.connectionStatus);
      const current = this.open.get(key);
      if (current && current.state === state && current.status === status && current.unseen === unseen) continue;
      if (current) {
        this.close(key, current, step.pull);
        if (current.state !== 'absent') this.counts[current.state] -= 1;
      }
      if (!current && state === 'absent') continue;
      this.open.set(key, { state, status, unseen, fromPull: step.pull.id, from: step.pull.finishedAt });
      if (state !== 'absent') this.counts[state] += 1;
    }
    this.last = step.pull;
    this.fleet.push({ pullId: step.pull.id, at: step.pull.finishedAt, connected: this.counts.connected, notConnected: this.counts['not-connected'], unknown: this.counts.unknown });
  }

  /** Closes the open runs at the last pull and returns every link's runs, by key. */
  finish(): Map<string, TimelineRun[]> {
    if (this.last) for (const [key, run] of this.open) this.close(key, run, this.last);
    this.open.clear();
    return this.runs;
  }

  private close(key: string, run: Omit<TimelineRun, 'toPull' | 'to'>, at: RecordedPull): void {
    const list = this.runs.get(key) ?? [];
    list.push({ ...run, toPull: at.id, to: at.finishedAt });
    this.runs.set(key, list);
  }
}

/**
 * A link's state at the end of its runs (the latest pull of the period), in words for the report
 * — `Connected since #3`, `Connected throughout` (unchanged since the period's base pull `basePull`),
 * `removed at #4`, `unknown since #5: not seen by the pull (last known Connected)` — and its band.
 */
export function currentState(runs: readonly TimelineRun[], basePull: number): { state: TimelineState; status: string; since: string } {
  const last = runs[runs.length - 1];
  if (!last) return { state: 'absent', status: 'not present', since: '' };
  const since = last.fromPull === basePull ? 'throughout' : `since #${last.fromPull}`;
  if (last.state === 'absent') return { state: 'absent', status: 'removed', since: `at #${last.fromPull}` };
  if (last.unseen) return { state: last.state, status: 'unknown', since: `${since}: not seen by the pull (last known ${last.status ?? 'null'})` };
  return { state: last.state, status: last.status ?? 'no status', since };
}
