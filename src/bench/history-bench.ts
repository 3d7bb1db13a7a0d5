import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { diffPulls } from '../history/diff-pulls.js';
import { loadPull, type RecordedPull } from '../history/pulls.js';
import { recordPull } from '../history/record-pull.js';
import { openStore } from '../store/open-store.js';
import { beginPull } from '../store/pull-lock.js';
import { fingerprintWith, normaliseLink, type LinkRecord } from '../sync/normalise.js';
import type { BenchRow } from './bench-row.js';

/** Size of the history benchmark's fleet. */
export const HISTORY_BENCH_LINKS = 10_000;

/** Sizes and repetitions of the history benchmark. */
export interface HistoryBenchOptions {
  /** Links in the fleet (default HISTORY_BENCH_LINKS). */
  links?: number;
  /** Unchanged pulls measured after the first (default 3). */
  unchangedPulls?: number;
  /** Timed runs of each diff; the median is reported (default 5). */
  runs?: number;
  log?: (line: string) => void;
}

/**
 * Measures what history costs on a 10,000-link fleet, built with the real normaliser and
 * recorder (no emulator): the growth of the database per pull that changes nothing (the target
 * is zero version rows — only traffic samples), and the time `diff` takes between two such
 * pulls, and between two pulls 1% of links apart.
 */
export async function benchHistory(opts: HistoryBenchOptions = {}): Promise<BenchRow[]> {
  const n = opts.links ?? HISTORY_BENCH_LINKS;
  const unchanged = opts.unchangedPulls ?? 3;
  const runs = opts.runs ?? 5;
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-history-bench-'));
  const store = await openStore(path.join(dir, 'bench.db'), { mode: 'write' });
  try {
    const { sqlite } = store;
    const fp = fingerprintWith('bench');
    const arm = Array.from({ length: n }, (_, i) => benchLink(i));
    const record = (step: number, change: (i: number) => Record<string, unknown> = () => ({})) =>
      pull(sqlite, arm.map((a, i) => normaliseLink(withProperties(a, { ingressBytesTransferred: step * 1_000_000 + i, egressBytesTransferred: step * 500_000 + i, ...change(i) }), fp)));

    log(`history: ${n.toLocaleString('en')} links, first pull…`);
    record(0);
    const growth: { versions: number; samples: number; bytes: number }[] = [];
    for (let s = 1; s <= unchanged; s += 1) {
      const before = size(sqlite);
      record(s);
      const after = size(sqlite);
      growth.push({ versions: after.versions - before.versions, samples: after.samples - before.samples, bytes: after.bytes - before.bytes });
    }
    const lastUnchanged = unchanged + 1;
    const unchangedDiff = median(runs, () => diffPulls(sqlite, pullOf(sqlite, lastUnchanged - 1), pullOf(sqlite, lastUnchanged)));
    if (unchangedDiff.result.changed.length + unchangedDiff.result.added.length + unchangedDiff.result.removed.length !== 0) throw new Error('history bench: unchanged pulls differ');

    log('history: a pull with 1% of links changed…');
    record(unchanged + 1, (i) => (i % 100 === 0 ? { connectionStatus: 'NotConnected' } : {}));
    const changedDiff = median(runs, () => diffPulls(sqlite, pullOf(sqlite, lastUnchanged), pullOf(sqlite, lastUnchanged + 1)));
    if (changedDiff.result.changed.length !== Math.ceil(n / 100)) throw new Error(`history bench: expected ${Math.ceil(n / 100)} changed links, got ${changedDiff.result.changed.length}`);

    const avg = (f: (g: (typeof growth)[number]) => number) => growth.reduce((t, g) => t + f(g), 0) / growth.length;
    const scenario = `H: history, ${n.toLocaleString('en')} links`;
    return [
      { scenario, metric: 'version rows added per unchanged pull', value: avg((g) => g.versions), unit: 'rows', note: `target 0; mean of ${unchanged} pulls` },
      { scenario, metric: 'traffic samples added per unchanged pull', value: avg((g) => g.samples), unit: 'rows', note: 'one per link' },
      { scenario, metric: 'database growth per unchanged pull', value: avg((g) => g.bytes) / 1024, unit: 'KiB', note: 'file size after a WAL checkpoint (pulls, scopes and traffic rows)' },
      { scenario, metric: 'diff between two unchanged pulls', value: unchangedDiff.ms, unit: 'ms', note: `median of ${runs}; includes the traffic of every link` },
      { scenario, metric: 'diff between two pulls, 1% of links changed', value: changedDiff.ms, unit: 'ms', note: `median of ${runs}` },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function pull(sqlite: BetterSqlite3.Database, links: LinkRecord[]): void {
  const { pullId } = beginPull(sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: new Date().toISOString(), pid: process.pid, hostname: 'bench' });
  recordPull(sqlite, { pullId, finishedAt: new Date().toISOString(), links, scopes: [], absenceIsProven: () => true, requests: 0, throttled: 0 });
}

function pullOf(sqlite: BetterSqlite3.Database, id: number): RecordedPull {
  return loadPull(sqlite, id) as RecordedPull;
}

/** Row counts and the file's size with the WAL folded in (what the database occupies). */
function size(sqlite: BetterSqlite3.Database): { versions: number; samples: number; bytes: number } {
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  return {
    versions: sqlite.prepare('SELECT count(*) FROM vpn_link_connection_versions').pluck().get() as number,
    samples: sqlite.prepare('SELECT count(*) FROM vpn_link_connection_traffic').pluck().get() as number,
    bytes: pages * pageSize,
  };
}

function median<T>(runs: number, f: () => T): { ms: number; result: T } {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    result = f();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] as number, result };
}

function withProperties(link: Record<string, unknown>, properties: Record<string, unknown>): Record<string, unknown> {
  return { ...link, properties: { ...(link.properties as Record<string, unknown>), ...properties } };
}

/** Link i of the benchmark fleet: 50 gateways, 2 links per connection, all 22 fields. */
function benchLink(i: number): Record<string, unknown> {
  const sub = '00000000-0000-0000-0000-00000000be0c';
  const gw = `vpngw-${String(i % 50).padStart(2, '0')}`;
  const conn = `branch-${String(Math.floor(i / 2)).padStart(5, '0')}`;
  const link = `link-${i % 2}`;
  const base = `/subscriptions/${sub}/resourceGroups/rg-bench/providers/Microsoft.Network`;
  return {
    id: `${base}/vpnGateways/${gw}/vpnConnections/${conn}/vpnLinkConnections/${link}`,
    name: link,
    type: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections',
    etag: 'W/"1"',
    properties: {
      provisioningState: 'Succeeded',
      vpnLinkConnectionMode: 'Default',
      usePolicyBasedTrafficSelectors: false,
      egressNatRules: [],
      ingressNatRules: [],
      enableBgp: true,
      routingWeight: 10,
      ipsecPolicies: [{ saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048' }],
      connectionBandwidth: 100,
      enableRateLimiting: false,
      vpnConnectionProtocolType: 'IKEv2',
      connectionStatus: 'Connected',
      useLocalAzureIpAddress: false,
      vpnGatewayCustomBgpAddresses: [{ ipConfigurationId: 'Instance0', customBgpIpAddress: '169.254.21.1' }],
      vpnSiteLink: { id: `${base}/vpnSites/${conn}/vpnSiteLinks/${link}` },
    },
  };
}
