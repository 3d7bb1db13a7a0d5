import type BetterSqlite3 from 'better-sqlite3';

/** Bytes a counter moved between two samples, and whether it was reset in between. */
export interface CounterDelta {
  bytes: number;
  reset: boolean;
}

/**
 * Bytes between two samples of one byte counter. A counter that went down was reset (the tunnel
 * was re-established, the gateway instance changed): the new value is what moved since the
 * reset, so it is counted as is. Missing samples count nothing.
 */
export function counterDelta(previous: number | null, current: number | null): CounterDelta {
  if (previous === null || current === null) return { bytes: 0, reset: false };
  if (current < previous) return { bytes: current, reset: true };
  return { bytes: current - previous, reset: false };
}

/** Traffic of one link between two consecutive samples of it. */
export interface TrafficInterval {
  key: string;
  fromPull: number;
  toPull: number;
  /** End of the interval (the later pull's finish time), ISO. */
  at: string;
  seconds: number;
  ingressBytes: number;
  egressBytes: number;
  /** (ingress + egress) / seconds; null when the two pulls finished at the same instant. */
  bytesPerSecond: number | null;
  /** A counter went down in this interval. */
  reset: boolean;
}

/** One link's traffic over a span of pulls. */
export interface LinkTraffic {
  key: string;
  ingressBytes: number;
  egressBytes: number;
  totalBytes: number;
  /** Seconds covered by the link's intervals. */
  seconds: number;
  /** totalBytes / seconds; null when no time was covered. */
  averageBytesPerSecond: number | null;
  /** Highest rate of one interval; null without intervals. */
  peakBytesPerSecond: number | null;
  /** Intervals in which a counter was reset. */
  resets: number;
  intervals: number;
}

/** Fleet traffic attributed to the pull that ended each interval. */
export interface PullTraffic {
  pullId: number;
  at: string;
  ingressBytes: number;
  egressBytes: number;
}

/**
 * Calls `visit` for every pair of consecutive samples of a link with both samples in pulls
 * [fromPull, toPull] (only `keys`, when given), each link's in pull order. Streams: a week of
 * 15-minute pulls of a large fleet is millions of samples. Samples are read in the order of
 * their primary key (the link's integer id, then the pull) and as arrays, and each pull's time
 * is parsed once: on 30,000 links this is a quarter of the time of sorting by the text key.
 */
export function forEachTrafficInterval(sqlite: BetterSqlite3.Database, fromPull: number, toPull: number, visit: (i: TrafficInterval) => void, keys?: Iterable<string>): void {
  const finished = new Map<number, { iso: string; ms: number }>();
  for (const [id, iso] of sqlite.prepare(`SELECT id, finished_at FROM pulls WHERE id BETWEEN ? AND ? AND finished_at IS NOT NULL`).raw().iterate(fromPull, toPull) as IterableIterator<[number, string]>) {
    finished.set(id, { iso, ms: Date.parse(iso) });
  }
  const only = keys === undefined ? undefined : JSON.stringify([...keys]);
  const rows = sqlite
    .prepare(
      `SELECT k._key, t.pull_id, t.ingress_bytes, t.egress_bytes
       FROM vpn_link_connection_traffic_samples t JOIN link_keys k ON k.id = t.link
       WHERE t.pull_id BETWEEN ? AND ?${only === undefined ? '' : ' AND k._key IN (SELECT value FROM json_each(?))'}
       ORDER BY t.link, t.pull_id`,
    )
    .raw()
    .iterate(...(only === undefined ? [fromPull, toPull] : [fromPull, toPull, only])) as IterableIterator<[string, number, number | null, number | null]>;
  let prev: [string, number, number | null, number | null] | undefined;
  for (const row of rows) {
    const [key, pullId, ingressNow, egressNow] = row;
    const at = finished.get(pullId);
    if (!at) continue; // a sample of a pull that never finished (it could not be recorded; kept safe)
    if (prev && prev[0] === key) {
      const before = finished.get(prev[1])!;
      const ingress = counterDelta(prev[2], ingressNow);
      const egress = counterDelta(prev[3], egressNow);
      const seconds = (at.ms - before.ms) / 1000;
      visit({
        key,
        fromPull: prev[1],
        toPull: pullId,
        at: at.iso,
        seconds,
        ingressBytes: ingress.bytes,
        egressBytes: egress.bytes,
        bytesPerSecond: seconds > 0 ? (ingress.bytes + egress.bytes) / seconds : null,
        reset: ingress.reset || egress.reset,
      });
    }
    prev = row;
  }
}

/** Per-link totals, rates and resets over pulls [fromPull, toPull], and the fleet's bytes per pull. */
export function trafficBetween(sqlite: BetterSqlite3.Database, fromPull: number, toPull: number, keys?: Iterable<string>): { links: Map<string, LinkTraffic>; perPull: PullTraffic[] } {
  const links = new Map<string, LinkTraffic>();
  const perPull = new Map<number, PullTraffic>();
  forEachTrafficInterval(
    sqlite,
    fromPull,
    toPull,
    (i) => {
      let t = links.get(i.key);
      if (!t) {
        t = { key: i.key, ingressBytes: 0, egressBytes: 0, totalBytes: 0, seconds: 0, averageBytesPerSecond: null, peakBytesPerSecond: null, resets: 0, intervals: 0 };
        links.set(i.key, t);
      }
      t.ingressBytes += i.ingressBytes;
      t.egressBytes += i.egressBytes;
      t.totalBytes += i.ingressBytes + i.egressBytes;
      t.seconds += Math.max(0, i.seconds);
      t.intervals += 1;
      if (i.reset) t.resets += 1;
      if (i.bytesPerSecond !== null) t.peakBytesPerSecond = Math.max(t.peakBytesPerSecond ?? 0, i.bytesPerSecond);
      let p = perPull.get(i.toPull);
      if (!p) {
        p = { pullId: i.toPull, at: i.at, ingressBytes: 0, egressBytes: 0 };
        perPull.set(i.toPull, p);
      }
      p.ingressBytes += i.ingressBytes;
      p.egressBytes += i.egressBytes;
    },
    keys,
  );
  for (const t of links.values()) t.averageBytesPerSecond = t.seconds > 0 ? t.totalBytes / t.seconds : null;
  return { links, perPull: [...perPull.values()].sort((a, b) => a.pullId - b.pullId) };
}

/** Links by traffic, busiest first; ties by key, so that a diff and a report rank alike. */
export function busiestFirst(links: Iterable<LinkTraffic>): LinkTraffic[] {
  return [...links].sort((a, b) => b.totalBytes - a.totalBytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
