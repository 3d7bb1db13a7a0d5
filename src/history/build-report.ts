import type BetterSqlite3 from 'better-sqlite3';
import type { LinkField } from '../sync/fields.js';
import { changedFields } from './changes.js';
import { decodeValue } from './field-values.js';
import { byLabel, linkRefOf, loadLinkRefs, type LinkRef } from './link-ref.js';
import type { FailedScope } from './pull-coverage.js';
import { recordedPullsBetween, type RecordedPull } from './pulls.js';
import { replayHistory } from './replay-history.js';
import type { ReportPeriod } from './report-period.js';
import { TimelineBuilder, type TimelineRun } from './status-timeline.js';
import { busiestFirst, forEachTrafficInterval, trafficBetween } from './traffic.js';

/** A link with at least this many status transitions in the period is called flapping. */
export const FLAPPING_TRANSITIONS = 3;
/** How many links the traffic ranking shows by default. */
export const DEFAULT_TOP_LINKS = 10;

/** A pull as the report names it. */
export interface ReportPull {
  id: number;
  finishedAt: string;
  status: 'complete' | 'partial';
}

/** One change of a field (or of connectionStatus) at one pull. */
export interface ReportChange {
  pullId: number;
  at: string;
  old: unknown;
  new: unknown;
}

/** A link whose connectionStatus changed in the period. */
export interface StatusChangeEntry {
  link: LinkRef;
  /** Status changes in the period; a link with FLAPPING_TRANSITIONS or more is flapping. */
  transitions: number;
  flapping: boolean;
  statusAtStart: string | null;
  statusAtEnd: string | null;
  changes: ReportChange[];
}

/** The links whose value of one tracked field changed in the period. */
export interface DriftGroup {
  field: LinkField;
  changes: number;
  links: { link: LinkRef; first: unknown; last: unknown; changes: ReportChange[] }[];
}

/** A link added (or restored after a deletion) or deleted in the period. */
export interface MembershipEvent {
  link: LinkRef;
  pullId: number;
  at: string;
  kind: 'added' | 'restored' | 'deleted';
}

/** One link's traffic in the period, with its rate between each pair of pulls. */
export interface TopLink {
  link: LinkRef;
  ingressBytes: number;
  egressBytes: number;
  totalBytes: number;
  averageBytesPerSecond: number | null;
  peakBytesPerSecond: number | null;
  /** Intervals in which a counter went down (reset): the bytes after the reset were counted. */
  resets: number;
  series: { pullId: number; at: string; seconds: number; ingressBytes: number; egressBytes: number; bytesPerSecond: number | null; reset: boolean }[];
}

/** A scope a partial pull could not list, and the known links it therefore did not see. */
export interface UnseenScope extends Omit<FailedScope, 'pullId'> {
  /** `gateway/connection` for a connection's listing, else the scope's id. */
  label: string;
  linksNotSeen: number;
  links: string[];
}

/** A partial pull in the period. */
export interface PartialPullEntry {
  pullId: number;
  at: string;
  failedScopes: UnseenScope[];
}

/** One link's status bands over the period. */
export interface LinkTimeline {
  link: LinkRef;
  transitions: number;
  notConnectedSeconds: number;
  unknownSeconds: number;
  runs: TimelineRun[];
}

/** The change report for a period (`vpnsync report`), the data every format renders. */
export interface ChangeReport {
  generatedAt: string;
  period: {
    requestedFrom: string;
    requestedTo: string;
    clipped: boolean;
    base: ReportPull;
    end: ReportPull;
    /** Recorded pulls after the base, up to the end. */
    pulls: number;
    partialPulls: number;
    /** Pulls of the period (the base included) that ran with filters, and their filters as flags: they saw only part of the fleet. */
    filteredPulls: { id: number; filter: string }[];
  };
  summary: {
    linksAtStart: number;
    linksAtEnd: number;
    statusChanges: number;
    linksWithStatusChanges: number;
    flappingLinks: number;
    configChanges: number;
    linksWithConfigChanges: number;
    added: number;
    removed: number;
    ingressBytes: number;
    egressBytes: number;
  };
  statusChanges: StatusChangeEntry[];
  drift: DriftGroup[];
  added: MembershipEvent[];
  removed: MembershipEvent[];
  traffic: {
    ingressBytes: number;
    egressBytes: number;
    perPull: { pullId: number; at: string; seconds: number; ingressBytes: number; egressBytes: number; bytesPerSecond: number | null }[];
    top: TopLink[];
  };
  partialPulls: PartialPullEntry[];
  /** Per pull (the base first): how many links were connected, not connected or unknown. */
  fleetStatus: { pullId: number; at: string; connected: number; notConnected: number; unknown: number }[];
  /** Every link that existed in the period; the most eventful first. */
  timelines: LinkTimeline[];
}

const pullOf = (p: RecordedPull): ReportPull => ({ id: p.id, finishedAt: p.finishedAt, status: p.status });

/**
 * Builds the change report by replaying the period's versions over the state as of its base
 * pull (replayHistory: the state-as-of definition, step by step) and reading its traffic
 * samples. What counts as a change is changedFields, as for the recorder and diff.
 */
export function buildReport(sqlite: BetterSqlite3.Database, period: ReportPeriod, options: { generatedAt: string; top?: number }): ChangeReport {
  const timeline = new TimelineBuilder();
  const refs = new Map<string, LinkRef>();
  const ref = (row: Parameters<typeof linkRefOf>[0]): LinkRef => {
    let r = refs.get(row._key);
    if (!r) refs.set(row._key, (r = linkRefOf(row)));
    return r;
  };
  const status = new Map<string, StatusChangeEntry>();
  const drift = new Map<LinkField, Map<string, DriftGroup['links'][number]>>();
  const added: MembershipEvent[] = [];
  const removed: MembershipEvent[] = [];
  const partialPulls: PartialPullEntry[] = [];
  let linksAtStart = 0;
  let linksAtEnd = 0;
  const startStatus = new Map<string, string | null>();

  replayHistory(sqlite, period.base, period.end, (step) => {
    timeline.add(step);
    linksAtEnd = step.state.size;
    if (step.index === 0) {
      linksAtStart = step.state.size;
      for (const s of step.state.values()) {
        ref(s);
        startStatus.set(s._key, typeof s.connectionStatus === 'string' ? s.connectionStatus : null);
      }
      return;
    }
    const at = step.pull.finishedAt;
    for (const { version: v, previous } of step.events) {
      const link = ref(v);
      if (v._kind === 'deleted') {
        removed.push({ link, pullId: v._pull_id, at, kind: 'deleted' });
        continue;
      }
      if (!previous) {
        added.push({ link, pullId: v._pull_id, at, kind: v._kind === 'restored' ? 'restored' : 'added' });
        continue;
      }
      for (const field of changedFields(previous, v)) {
        const change: ReportChange = { pullId: v._pull_id, at, old: decodeValue(field, previous[field]), new: decodeValue(field, v[field]) };
        if (field === 'connectionStatus') {
          let e = status.get(v._key);
          if (!e) {
            e = { link, transitions: 0, flapping: false, statusAtStart: startStatus.get(v._key) ?? null, statusAtEnd: null, changes: [] };
            status.set(v._key, e);
          }
          e.transitions += 1;
          e.changes.push(change);
        } else {
          const byLink = drift.get(field) ?? new Map<string, DriftGroup['links'][number]>();
          drift.set(field, byLink);
          const d = byLink.get(v._key) ?? { link, first: change.old, last: change.new, changes: [] };
          d.last = change.new;
          d.changes.push(change);
          byLink.set(v._key, d);
        }
      }
    }
    if (step.failedScopes.length > 0) partialPulls.push(describePartialPull(step.pull, step.failedScopes, step.unseen, ref, step.state));
  });

  const runs = timeline.finish();
  const statusChanges = [...status.values()]
    .map((e) => ({ ...e, flapping: e.transitions >= FLAPPING_TRANSITIONS, statusAtEnd: (e.changes[e.changes.length - 1]?.new as string | null | undefined) ?? null }))
    .sort((a, b) => b.transitions - a.transitions || byLabel(a.link, b.link));
  const driftGroups: DriftGroup[] = [...drift.entries()]
    .map(([field, byLink]) => {
      const links = [...byLink.values()].sort((a, b) => byLabel(a.link, b.link));
      return { field, changes: links.reduce((n, l) => n + l.changes.length, 0), links };
    })
    .sort((a, b) => b.changes - a.changes || (a.field < b.field ? -1 : 1));

  const timelines: LinkTimeline[] = [];
  for (const [key, list] of runs) {
    const link = refs.get(key);
    if (!link) continue;
    const seconds = (state: string) => list.filter((r) => r.state === state).reduce((n, r) => n + (Date.parse(r.to) - Date.parse(r.from)) / 1000, 0);
    timelines.push({ link, transitions: status.get(key)?.transitions ?? 0, notConnectedSeconds: seconds('not-connected'), unknownSeconds: seconds('unknown'), runs: list });
  }
  timelines.sort((a, b) => b.transitions - a.transitions || b.notConnectedSeconds - a.notConnectedSeconds || b.unknownSeconds - a.unknownSeconds || byLabel(a.link, b.link));

  const traffic = buildTraffic(sqlite, period, options.top ?? DEFAULT_TOP_LINKS, refs);
  return {
    generatedAt: options.generatedAt,
    period: {
      requestedFrom: period.requestedFrom,
      requestedTo: period.requestedTo,
      clipped: period.clipped,
      base: pullOf(period.base),
      end: pullOf(period.end),
      pulls: timeline.fleet.length - 1,
      partialPulls: recordedPullsBetween(sqlite, period.base.id + 1, period.end.id).filter((p) => p.status === 'partial').length,
      filteredPulls: recordedPullsBetween(sqlite, period.base.id, period.end.id).flatMap((p) => (p.filter ? [{ id: p.id, filter: p.filter }] : [])),
    },
    summary: {
      linksAtStart,
      linksAtEnd,
      statusChanges: statusChanges.reduce((n, e) => n + e.transitions, 0),
      linksWithStatusChanges: statusChanges.length,
      flappingLinks: statusChanges.filter((e) => e.flapping).length,
      configChanges: driftGroups.reduce((n, g) => n + g.changes, 0),
      linksWithConfigChanges: new Set(driftGroups.flatMap((g) => g.links.map((l) => l.link.key))).size,
      added: added.length,
      removed: removed.length,
      ingressBytes: traffic.ingressBytes,
      egressBytes: traffic.egressBytes,
    },
    statusChanges,
    drift: driftGroups,
    added: added.sort((a, b) => a.pullId - b.pullId || byLabel(a.link, b.link)),
    removed: removed.sort((a, b) => a.pullId - b.pullId || byLabel(a.link, b.link)),
    traffic,
    partialPulls,
    fleetStatus: timeline.fleet,
    timelines,
  };
}

function describePartialPull(
  pull: RecordedPull,
  failed: readonly FailedScope[],
  unseen: ReadonlyMap<string, FailedScope | 'filter'>,
  ref: (row: Parameters<typeof linkRefOf>[0]) => LinkRef,
  state: ReadonlyMap<string, Parameters<typeof linkRefOf>[0]>,
): PartialPullEntry {
  const byScope = new Map<FailedScope, string[]>(failed.map((s) => [s, []]));
  for (const [key, why] of unseen) {
    if (why === 'filter') continue;
    const row = state.get(key);
    if (row) byScope.get(why)?.push(ref(row).label);
  }
  return {
    pullId: pull.id,
    at: pull.finishedAt,
    failedScopes: failed.map((s) => {
      const links = (byScope.get(s) ?? []).sort();
      const { pullId: _p, ...rest } = s;
      return { ...rest, label: scopeLabel(s.scopeId), linksNotSeen: links.length, links };
    }),
  };
}

/** `gateway/connection` for a connection id, `gateway` for a gateway id, else the id itself. */
function scopeLabel(scopeId: string): string {
  const m = /\/vpngateways\/([^/]+)(?:\/vpnconnections\/([^/]+))?$/i.exec(scopeId);
  if (!m) return scopeId;
  return m[2] ? `${m[1]}/${m[2]}` : m[1]!;
}

function buildTraffic(sqlite: BetterSqlite3.Database, period: ReportPeriod, top: number, refs: Map<string, LinkRef>): ChangeReport['traffic'] {
  const { links, perPull } = trafficBetween(sqlite, period.base.id, period.end.id);
  const pulls = recordedPullsBetween(sqlite, period.base.id, period.end.id);
  const previousFinish = new Map<number, string>();
  pulls.forEach((p, i) => {
    if (i > 0) previousFinish.set(p.id, pulls[i - 1]!.finishedAt);
  });
  let ingressBytes = 0;
  let egressBytes = 0;
  for (const t of links.values()) {
    ingressBytes += t.ingressBytes;
    egressBytes += t.egressBytes;
  }
  const ranked = busiestFirst(links.values()).slice(0, Math.max(0, top));
  const missing = ranked.map((t) => t.key).filter((k) => !refs.has(k));
  for (const [k, r] of loadLinkRefs(sqlite, missing)) refs.set(k, r);
  const series = new Map<string, TopLink['series']>(ranked.map((t) => [t.key, []]));
  if (ranked.length > 0) {
    forEachTrafficInterval(
      sqlite,
      period.base.id,
      period.end.id,
      (i) => series.get(i.key)?.push({ pullId: i.toPull, at: i.at, seconds: i.seconds, ingressBytes: i.ingressBytes, egressBytes: i.egressBytes, bytesPerSecond: i.bytesPerSecond, reset: i.reset }),
      ranked.map((t) => t.key),
    );
  }
  return {
    ingressBytes,
    egressBytes,
    perPull: perPull.map((p) => {
      const prev = previousFinish.get(p.pullId);
      const seconds = prev ? (Date.parse(p.at) - Date.parse(prev)) / 1000 : 0;
      return { ...p, seconds, bytesPerSecond: seconds > 0 ? (p.ingressBytes + p.egressBytes) / seconds : null };
    }),
    top: ranked.flatMap((t) => {
      const link = refs.get(t.key);
      if (!link) return [];
      return [{ link, ingressBytes: t.ingressBytes, egressBytes: t.egressBytes, totalBytes: t.totalBytes, averageBytesPerSecond: t.averageBytesPerSecond, peakBytesPerSecond: t.peakBytesPerSecond, resets: t.resets, series: series.get(t.key) ?? [] }];
    }),
  };
}
