import type BetterSqlite3 from 'better-sqlite3';
import { TRACKED_FIELDS, type FieldSpec, type LinkField } from '../sync/fields.js';
import { changedFields } from './changes.js';
import { decodeValue } from './field-values.js';
import { byLabel, linkRefOf, loadLinkRefs, type LinkRef } from './link-ref.js';
import type { RecordedPull } from './pulls.js';
import { countAsOf, keysChangedBetween, stateAsOf, type LinkState } from './state-as-of.js';
import { busiestFirst, trafficBetween } from './traffic.js';

/** One field's change: values as the resource has them (booleans, arrays, objects). */
export interface FieldChange {
  field: LinkField;
  old: unknown;
  new: unknown;
}

/** A link present in both states whose tracked fields differ. */
export interface LinkChange {
  link: LinkRef;
  changes: FieldChange[];
}

/** A link present in only one of the states, with its tracked fields there. */
export interface LinkPresence {
  link: LinkRef;
  values: Partial<Record<LinkField, unknown>>;
}

/** How a diff names one end: the pull and whether it saw everything. */
export interface DiffEnd {
  pullId: number;
  finishedAt: string;
  status: 'complete' | 'partial';
  scopesFailed: number;
  /** The pull's filters as flags ("--gateway vpngw-eastus-01"); null when it pulled everything. */
  filter: string | null;
}

/** A link's traffic in the diff's interval. */
export interface DiffTraffic {
  link: LinkRef;
  ingressBytes: number;
  egressBytes: number;
  averageBytesPerSecond: number | null;
  resets: number;
}

/** What `vpnsync diff` reports. */
export interface PullDiff {
  from: DiffEnd;
  to: DiffEnd;
  /** The fields changes were restricted to (`--field`); null for all tracked fields. */
  fields: LinkField[] | null;
  added: LinkPresence[];
  removed: LinkPresence[];
  changed: LinkChange[];
  /** Links present in both states with no change (in the selected fields). */
  unchanged: number;
  /**
   * Totals over every link with traffic in the interval (`linkCount` of them); `links` lists
   * them busiest first (ties by key), all of them or the `busiestLinks` asked for.
   */
  traffic: { ingressBytes: number; egressBytes: number; seconds: number; linkCount: number; links: DiffTraffic[] };
}

/** Options of diffPulls. */
export interface DiffOptions {
  /** Only changes of these fields count. */
  fields?: readonly LinkField[] | undefined;
  /**
   * List the traffic of only this many of the busiest links (the totals still cover all):
   * a table shows ten, and naming all 30,000 links of a large fleet was most of a diff's time.
   */
  busiestLinks?: number | undefined;
}

/** Added, removed and changed links between two states (pure; `fields` limits which changes count). */
export function diffStates(
  before: ReadonlyMap<string, LinkState>,
  after: ReadonlyMap<string, LinkState>,
  fields: readonly FieldSpec[] = TRACKED_FIELDS,
): Pick<PullDiff, 'added' | 'removed' | 'changed'> & { same: number } {
  const added: LinkPresence[] = [];
  const removed: LinkPresence[] = [];
  const changed: LinkChange[] = [];
  let same = 0;
  for (const [key, b] of after) {
    const a = before.get(key);
    if (!a) {
      added.push(presence(b));
      continue;
    }
    const names = changedFields(a, b, fields);
    if (names.length === 0) same += 1;
    else changed.push({ link: linkRefOf(b), changes: names.map((f) => ({ field: f, old: decodeValue(f, a[f]), new: decodeValue(f, b[f]) })) });
  }
  for (const [key, a] of before) if (!after.has(key)) removed.push(presence(a));
  added.sort((x, y) => byLabel(x.link, y.link));
  removed.sort((x, y) => byLabel(x.link, y.link));
  changed.sort((x, y) => byLabel(x.link, y.link));
  return { added, removed, changed, same };
}

function presence(row: LinkState): LinkPresence {
  const values: Partial<Record<LinkField, unknown>> = {};
  for (const f of TRACKED_FIELDS) values[f.name as LinkField] = decodeValue(f.name as LinkField, row[f.name as LinkField]);
  return { link: linkRefOf(row), values };
}

/**
 * Compares the state as of `from` with the state as of `to` (stateAsOf, changedFields), plus
 * the traffic between them. Only links with a version in (from, to] are read: any other link's
 * state is the same version row at both ends, so it cannot differ.
 */
export function diffPulls(sqlite: BetterSqlite3.Database, from: RecordedPull, to: RecordedPull, options: DiffOptions = {}): PullDiff {
  const keys = keysChangedBetween(sqlite, from.id, to.id);
  const before = stateAsOf(sqlite, from.id, keys);
  const after = stateAsOf(sqlite, to.id, keys);
  const specs = options.fields ? TRACKED_FIELDS.filter((f) => options.fields!.includes(f.name as LinkField)) : TRACKED_FIELDS;
  const { added, removed, changed } = diffStates(before, after, specs);
  const unchanged = countAsOf(sqlite, to.id) - added.length - changed.length;

  const traffic = trafficBetween(sqlite, from.id, to.id);
  let ingressBytes = 0;
  let egressBytes = 0;
  for (const t of traffic.links.values()) {
    ingressBytes += t.ingressBytes;
    egressBytes += t.egressBytes;
  }
  const ranked = busiestFirst(traffic.links.values()).slice(0, options.busiestLinks ?? Infinity);
  const refs = loadLinkRefs(sqlite, ranked.map((t) => t.key));
  const links: DiffTraffic[] = ranked.flatMap((t) => {
    const link = refs.get(t.key);
    return link ? [{ link, ingressBytes: t.ingressBytes, egressBytes: t.egressBytes, averageBytesPerSecond: t.averageBytesPerSecond, resets: t.resets }] : [];
  });
  return {
    from: end(from),
    to: end(to),
    fields: options.fields ? [...options.fields] : null,
    added,
    removed,
    changed,
    unchanged,
    traffic: { ingressBytes, egressBytes, linkCount: traffic.links.size, seconds: Math.max(0, (Date.parse(to.finishedAt) - Date.parse(from.finishedAt)) / 1000), links },
  };
}

function end(p: RecordedPull): DiffEnd {
  return { pullId: p.id, finishedAt: p.finishedAt, status: p.status, scopesFailed: p.scopesFailed, filter: p.filter };
}
