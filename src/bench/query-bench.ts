import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordPull } from '../history/record-pull.js';
import { asOfState } from '../query/as-of-view.js';
import { createRowFormatter } from '../query/format/query-format.js';
import { openQueryDb } from '../query/open-query-db.js';
import { prepareQuery, type QueryViews } from '../query/run-query.js';
import { openStore } from '../store/open-store.js';
import { beginPull } from '../store/pull-lock.js';
import { fingerprintWith, normaliseLink } from '../sync/normalise.js';
import type { BenchRow } from './bench-row.js';

/** Size of the query benchmark's fleet: 50 gateways × 400 connections × 2 links. */
export const QUERY_BENCH_LINKS = 40_000;

/** The typical aggregate the benchmark times (examples/queries/links-down-per-gateway.sql; test/unit/docs-examples.test.ts keeps them equal). */
export const QUERY_BENCH_SQL = `SELECT gatewayName, count(*) AS links, sum(connectionStatus IS NOT 'Connected') AS down
FROM vpn_link_connections
GROUP BY gatewayName
ORDER BY down DESC, gatewayName`;

const GATEWAYS = 50;
const CONNECTIONS_PER_GATEWAY = 400;
const RUNS = 9;

/**
 * Times a typical aggregate query over 40,000 links as `vpnsync query` runs it — open the
 * database read-only, check and prepare the statement, read every row, format CSV — on the
 * current table and, with `--at latest`, on the history's as-of view. Builds its database in a
 * temp directory with the real normaliser and recorder (two pulls, 2% of links changed).
 */
export async function benchQuery(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-query-bench-'));
  try {
    const file = path.join(dir, 'bench.db');
    await buildDatabase(file);
    const scenario = `Q: query, ${QUERY_BENCH_LINKS.toLocaleString('en')} links`;
    const current = await timeQuery(file, undefined);
    const asOf = await timeQuery(file, 'latest');
    return [
      { scenario, metric: 'aggregate (links down per gateway), current table', value: current, unit: 'ms', note: `median of ${RUNS}: open read-only, check, run, CSV` },
      { scenario, metric: 'same aggregate with --at latest (as-of view)', value: asOf, unit: 'ms', note: `median of ${RUNS}; 2 pulls, 2% of links changed` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeQuery(file: string, at: string | undefined): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    const db = await openQueryDb(file);
    try {
      const views: QueryViews = { linkConnectionsAs: at === undefined ? undefined : asOfState(db.sqlite, file, at).selectSql };
      const prepared = prepareQuery(db.sqlite, { sql: QUERY_BENCH_SQL, views });
      const formatter = createRowFormatter('csv');
      let out = formatter.begin(prepared.columns);
      let rows = 0;
      for (const row of prepared.rows) {
        out += formatter.row(row);
        rows += 1;
      }
      out += formatter.end();
      if (rows !== GATEWAYS || out.length === 0) throw new Error(`query bench: expected ${GATEWAYS} rows, got ${rows}`);
    } finally {
      await db.close();
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function buildDatabase(file: string): Promise<void> {
  const store = await openStore(file, { mode: 'write' });
  try {
    const fp = fingerprintWith('bench');
    for (const pull of [1, 2]) {
      const at = new Date(Date.UTC(2026, 0, pull)).toISOString();
      const { pullId } = beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: at, pid: process.pid, hostname: 'bench' });
      const links = fleet(pull).map((l) => normaliseLink(l, fp));
      recordPull(store.sqlite, { pullId, finishedAt: at, links, scopes: [], absenceIsProven: () => true, requests: 0, throttled: 0 });
    }
  } finally {
    await store.close();
  }
}

/** A deterministic fleet: about 4% of links down; pull 2 changes the status of 2% of them. */
function fleet(pull: number): Record<string, unknown>[] {
  const links: Record<string, unknown>[] = [];
  let n = 0;
  for (let g = 0; g < GATEWAYS; g += 1) {
    const sub = `00000000-0000-0000-0000-${String(1 + (g % 5)).padStart(12, '0')}`;
    const gw = `vpngw-${String(g).padStart(2, '0')}`;
    for (let c = 0; c < CONNECTIONS_PER_GATEWAY; c += 1) {
      const conn = `branch-${String(c).padStart(4, '0')}`;
      for (const link of ['link-1', 'link-2']) {
        n += 1;
        const flipped = pull === 2 && n % 50 === 0;
        const down = (n % 25 === 0) !== flipped;
        links.push({
          id: `/subscriptions/${sub}/resourceGroups/rg-vwan-${g % 5}/providers/Microsoft.Network/vpnGateways/${gw}/vpnConnections/${conn}/vpnLinkConnections/${link}`,
          name: link,
          type: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections',
          etag: `W/"${pull}"`,
          properties: {
            provisioningState: 'Succeeded',
            vpnLinkConnectionMode: 'Default',
            ingressBytesTransferred: n * 1000 * pull,
            egressBytesTransferred: n * 2000 * pull,
            usePolicyBasedTrafficSelectors: false,
            egressNatRules: [],
            ingressNatRules: [],
            enableBgp: n % 3 !== 0,
            routingWeight: 10,
            ipsecPolicies: n % 4 === 0 ? [] : [{ saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048' }],
            connectionBandwidth: 100,
            enableRateLimiting: false,
            vpnConnectionProtocolType: 'IKEv2',
            connectionStatus: down ? 'NotConnected' : 'Connected',
            useLocalAzureIpAddress: false,
            vpnGatewayCustomBgpAddresses: [],
            vpnSiteLink: { id: `/subscriptions/${sub}/resourceGroups/rg-vwan-${g % 5}/providers/Microsoft.Network/vpnSites/${conn}/vpnSiteLinks/${link}` },
            dpdTimeoutSeconds: 45,
          },
        });
      }
    }
  }
  return links;
}
