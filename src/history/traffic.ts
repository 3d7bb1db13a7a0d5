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

interface SampleRow {
  _key: string;
  pull_id: number;
  ingress_bytes: number | null;
  egress_bytes: number | null;
  finished_at: string;
}

/**
 * Calls `visit` for every pair of consecutive samples of a link with both samples in pulls
 * [fromPull, toPull] (only `keys`, when given), in key then pull order. Streams: a week of
 * 15-minute pulls of a large fleet is millions of samples.
 */
export function forEachTrafficInterval(sqlite: BetterSqlite3.Database, fromPull: number, toPull: number, visit: (i: TrafficInterval) => void, keys?: Iterable<string>): void {
  const only = keys === undefined ? undefined : JSON.stringify([...keys]);
  const rows = sqlite
    .prepare(
      `SELECT t._key, t.pull_id, t.ingress_bytes, t.egress_bytes, p.finished_at
       FROM vpn_link_connection_traffic t JOIN pulls p ON p.id = t.pull_id
       WHERE t.pull_id BETWEEN ? AND ?${only === undefined ? '' : ' AND t._key IN (SELECT value FROM json_each(?))'}
       ORDER BY t._key, t.pull_id`,
    )
    .iterate(...(only === undefined ? [fromPull, toPull] : [fromPull, toPull, only])) as IterableIterator<SampleRow>;
  let prev: SampleRow | undefined;
  for (const row of rows) {
    if (prev && prev._key === row._key) {
      const ingress = counterDelta(prev.ingress_bytes, row.ingress_bytes);
      const egress = counterDelta(prev.egress_bytes, row.egress_bytes);
      const seconds = (Date.parse(row.finished_at) - Date.parse(prev.finished_at)) / 1000;
      visit({
        key: row._key,
        fromPull: prev.pull_id,
        toPull: row.pull_id,
        at: row.finished_at,
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
