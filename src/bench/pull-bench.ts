import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { startEmulator, type Emulator, type FleetSize, type MutationRates } from '../emulator/index.js';
import { buildReport } from '../history/build-report.js';
import { diffPulls } from '../history/diff-pulls.js';
import { DIFF_TOP_TRAFFIC } from '../history/render-diff.js';
import { loadPull, type RecordedPull } from '../history/pulls.js';
import { recordPull } from '../history/record-pull.js';
import { renderReportHtml } from '../history/render-report-html.js';
import { resolveReportPeriod } from '../history/report-period.js';
import { openStore } from '../store/open-store.js';
import { beginPull } from '../store/pull-lock.js';
import { fingerprintWith, normaliseLink } from '../sync/normalise.js';
import type { BenchRow } from './bench-row.js';
import { QUERY_BENCH_SQL } from './query-bench.js';

/** A fleet, and why it is shaped so. */
export interface PullScenario {
  name: 'S' | 'M' | 'L';
  size: FleetSize;
  /** What kind of tenant the shape stands for. */
  shape: string;
}

/**
 * S, M and L. A Virtual WAN's hubs, and the VPN gateways in them, sit in its connectivity
 * subscription (Azure landing zones), and one hub gateway serves at most 1,000 VPN
 * connections: so the subscriptions holding link connections are few — one per Virtual WAN or
 * per regional connectivity subscription — however many subscriptions the tenant has. Three
 * links per connection (two ISPs and a backup) gives L's ~30,000 links.
 */
export const PULL_SCENARIOS: Record<'S' | 'M' | 'L', PullScenario> = {
  S: {
    name: 'S',
    size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 50, linksPerConnection: 3 },
    shape: 'one Virtual WAN: one subscription, two hub gateways of 50 connections',
  },
  M: {
    name: 'M',
    size: { subscriptions: 2, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 250, linksPerConnection: 3 },
    shape: 'two regional connectivity subscriptions, two hub gateways of 250 connections each',
  },
  L: {
    name: 'L',
    size: { subscriptions: 4, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 5, connectionsPerGateway: 500, linksPerConnection: 3 },
    shape: 'four regional connectivity subscriptions, five hub gateways of 500 connections each',
  },
};

/** ARM-like service: per subscription a read bucket of 250 refilled at 25/s (the emulator's default), 35–45 ms latency, 100 items a page. */
export const ARM_LIKE = { latency: { fixedMs: 35, jitterMs: 10 }, pageSize: 100, emptyPageEvery: 0 } as const;

/** One tick changes about 1% of links (status flaps and configuration edits); nothing is added or removed. */
const ONE_PERCENT: MutationRates = { statusFlap: 0.007, configEdit: 0.003, counterReset: 0, linkRemove: 0, linkAdd: 0, connectionRemove: 0, connectionAdd: 0 };

/** What one client did in one scenario. */
export interface ClientRun {
  client: 'links' | 'gateways' | 'naive';
  /** A pull into the database an earlier pull created (what every cron run after the first is); false for the first pull, which creates the database. */
  repeat: boolean;
  /** Process start to exit. */
  wallMs: number;
  /** The pull's own time (`seconds` of `vpnsync pull --json`): no Node start-up or module loading. */
  ownMs: number | undefined;
  /** Requests the emulator answered (the token service's included). */
  requests: number;
  throttled: number;
  /** Peak resident set size, MB of 10^6 bytes. */
  peakRssMB: number;
  /** The emulator's lower bound for the requests this client made. */
  minimumMs: number;
}

/** A scenario's pulls and what the store did with them. */
export interface PullBenchResult {
  scenario: PullScenario;
  connections: number;
  links: number;
  runs: ClientRun[];
  store: BenchRow[];
}

const here = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<ChildResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started }));
  });
}

/** Runs the vpnsync CLI as a user would (a new Node process), reporting its peak RSS. */
async function vpnsync(args: string[], env: Record<string, string>): Promise<ChildResult & { rssMB: number }> {
  const r = await run(path.join(here, 'measure-rss.js'), args, env);
  if (r.code !== 0) throw new Error(`vpnsync ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return { ...r, rssMB: (Number(/maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? 0) * 1024) / 1e6 };
}

/**
 * Measures, on one emulator: `vpnsync pull --strategy links` and `--strategy gateways` (first
 * pulls into empty databases) and the naive sequential client — wall time, the pull's own time,
 * requests, 429s, peak RSS, the emulator's theoretical minimum for the requests each made —
 * then the store's side on the links database: first-pull ingest, an unchanged pull, a pull
 * with 1% of links changed, and `vpnsync diff`, `report` and `query` over the result.
 */
export async function benchPull(scenario: PullScenario, options: { naive?: boolean; log?: (line: string) => void } = {}): Promise<PullBenchResult> {
  const log = options.log ?? (() => undefined);
  const emulator = await startEmulator({ seed: 7, size: scenario.size, ...ARM_LIKE, mutationRates: ONE_PERCENT });
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-bench-'));
  const env = { ...emulator.env, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' };
  const truth = emulator.links();
  const connections = new Set(truth.map((l) => `${l.subscriptionId}/${l.gatewayName}/${l.connectionName}`.toLowerCase())).size;
  const label = `${scenario.name} (${connections.toLocaleString('en')} connections)`;
  const linksDb = path.join(dir, 'links.db');
  const runs: ClientRun[] = [];
  try {
    const measured = async (client: ClientRun['client'], repeat: boolean, go: () => Promise<ChildResult & { rssMB: number; ownMs?: number | undefined }>) => {
      emulator.resetStats();
      emulator.refillBuckets();
      log(`${label}: ${client}${repeat ? ' again' : ''}…`);
      const r = await go();
      const stats = emulator.stats();
      runs.push({ client, repeat, wallMs: r.ms, ownMs: r.ownMs, requests: stats.total, throttled: stats.throttled429, peakRssMB: r.rssMB, minimumMs: stats.theoreticalMinimumMs });
    };
    const pull = async (strategy: 'links' | 'gateways', db: string) => {
      const r = await vpnsync(['pull', '--quiet', '--json', '--strategy', strategy, '--db', db], env);
      return { ...r, ownMs: (JSON.parse(r.stdout) as { seconds: number }).seconds * 1000 };
    };
    // Each strategy twice: the first pull creates the database (schema and all); the second is
    // what a cron job runs from then on.
    const gatewaysDb = path.join(dir, 'gateways.db');
    await measured('links', false, () => pull('links', linksDb));
    await measured('links', true, () => pull('links', linksDb));
    await measured('gateways', false, () => pull('gateways', gatewaysDb));
    await measured('gateways', true, () => pull('gateways', gatewaysDb));
    if (options.naive !== false) {
      await measured('naive', false, async () => {
        const r = await run(path.join(here, 'naive-client.js'), [], env);
        if (r.code !== 0) throw new Error(`naive client exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
        return { ...r, rssMB: (Number(/maxrss-kib (\d+)/.exec(r.stderr)?.[1] ?? 0) * 1024) / 1e6 };
      });
    }
    const store = await benchStore(scenario, label, emulator, env, dir, linksDb, log);
    return { scenario, connections, links: truth.length, runs, store };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchStore(scenario: PullScenario, label: string, emulator: Emulator, env: Record<string, string>, dir: string, linksDb: string, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (metric: string, value: number, unit: string, note?: string) => rows.push({ scenario: `${label}: store`, metric, value, unit, ...(note ? { note } : {}) });

  log(`${label}: store…`);
  const ingest = await timeIngest(emulator, path.join(dir, 'ingest.db'));
  row('first-pull ingest', ingest.links / (ingest.ms / 1000), 'rows/s', `recordPull of ${ingest.links.toLocaleString('en')} new links into an empty database: ${(ingest.ms / 1000).toFixed(2)} s (in-process)`);

  // Later pulls read the gateway listing (a few requests): the store's side is the same for
  // both strategies, and a links pull of L would spend another 90 s on ARM's read budget.
  const gatewaysPull = async () => {
    emulator.refillBuckets();
    const before = dbSize(linksDb);
    const r = await vpnsync(['pull', '--quiet', '--json', '--strategy', 'gateways', '--db', linksDb], env);
    const after = dbSize(linksDb);
    const result = JSON.parse(r.stdout) as { pullId: number; changed: number; seconds: number };
    return { r, result, versions: after.versions - before.versions, bytes: after.bytes - before.bytes };
  };
  const unchanged = await gatewaysPull();
  row('unchanged pull: version rows added', unchanged.versions, 'rows', 'target 0 (the fleet did not change; traffic samples are still taken)');
  row('unchanged pull: database growth', unchanged.bytes / 1024, 'KiB', 'pull and scope rows, one traffic sample per link; after a WAL checkpoint');
  row('unchanged pull: wall time', unchanged.r.ms / 1000, 's', `--strategy gateways on the links database; own time ${unchanged.result.seconds.toFixed(2)} s; peak RSS ${unchanged.r.rssMB.toFixed(0)} MB`);

  const mutations = emulator.tick();
  const touched = new Set(mutations.filter((m) => m.kind === 'status' || m.kind === 'config').map((m) => m.linkId?.toLowerCase())).size;
  const changed = await gatewaysPull();
  row('pull with 1% of links changed: version rows added', changed.versions, 'rows', `${touched} links edited in the fleet (${((100 * touched) / Math.max(1, emulator.links().length)).toFixed(1)}%); edits of fields outside the 22 (dpdTimeoutSeconds) are not versions`);
  row('pull with 1% of links changed: wall time', changed.r.ms / 1000, 's', `own time ${changed.result.seconds.toFixed(2)} s; database growth ${(changed.bytes / 1024).toFixed(0)} KiB`);

  const [from, to] = [unchanged.result.pullId, changed.result.pullId];
  const diffCli = await vpnsync(['diff', String(from), String(to), '--db', linksDb], env);
  const diffJson = await vpnsync(['diff', String(from), String(to), '--format', 'json', '--db', linksDb], env);
  const diffCount = (JSON.parse(diffJson.stdout) as { changed: unknown[] }).changed.length;
  const diffWith = (busiestLinks: number | undefined) => (sqlite: BetterSqlite3.Database) => diffPulls(sqlite, loadPull(sqlite, from) as RecordedPull, loadPull(sqlite, to) as RecordedPull, { busiestLinks });
  const diffOwn = await inProcess(linksDb, 5, diffWith(DIFF_TOP_TRAFFIC));
  const diffAllOwn = await inProcess(linksDb, 5, diffWith(undefined));
  row('`vpnsync diff` between the last two pulls', diffCli.ms / 1000, 's', `wall time of the command (Node start-up included), as a table; ${diffCount} links changed`);
  row('`vpnsync diff --format json` between the last two pulls', diffJson.ms / 1000, 's', `wall time; every link's traffic (${(diffJson.stdout.length / 1e6).toFixed(1)} MB of JSON)`);
  row('diff between the last two pulls, in-process', diffOwn, 'ms', `diffPulls as the table needs it (the ${DIFF_TOP_TRAFFIC} busiest links named), median of 5`);
  row('diff between the last two pulls naming every link, in-process', diffAllOwn, 'ms', 'diffPulls as JSON and CSV need it, median of 5');

  const reportCli = await vpnsync(['report', '--format', 'html', '--db', linksDb], env);
  const reportOwn = await inProcess(linksDb, 3, (sqlite) => {
    const now = Date.now();
    return renderReportHtml(buildReport(sqlite, resolveReportPeriod(sqlite, { now }), { generatedAt: new Date(now).toISOString() }));
  });
  row('`vpnsync report --format html` (3 pulls)', reportCli.ms / 1000, 's', `wall time of the command; ${(reportCli.stdout.length / 1024).toFixed(0)} KiB of HTML`);
  row('report (html) over 3 pulls, in-process', reportOwn, 'ms', 'buildReport + renderReportHtml, median of 3');

  const queryCli = await vpnsync(['query', QUERY_BENCH_SQL, '--format', 'csv', '--db', linksDb], env);
  row('`vpnsync query` links down per gateway', queryCli.ms / 1000, 's', `wall time of the command; ${queryCli.stdout.trim().split('\n').length - 1} gateways`);
  return rows;
}

/** Times recordPull of the scenario's links into an empty database (the first pull's write). */
async function timeIngest(emulator: Emulator, file: string): Promise<{ links: number; ms: number }> {
  const store = await openStore(file, { mode: 'write' });
  try {
    const fp = fingerprintWith('bench');
    const links = emulator.links().map(({ subscriptionId: _s, resourceGroupName: _r, gatewayName: _g, connectionName: _c, ...arm }) => normaliseLink(arm, fp));
    const startedAt = new Date().toISOString();
    const { pullId } = beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt, pid: process.pid, hostname: 'bench' });
    const start = performance.now();
    recordPull(store.sqlite, { pullId, finishedAt: startedAt, links, scopes: [], absenceIsProven: () => true, requests: 0, throttled: 0 });
    return { links: links.length, ms: performance.now() - start };
  } finally {
    await store.close();
  }
}

/** Median time of `f` over a read-only connection, in ms. */
async function inProcess(file: string, runs: number, f: (sqlite: BetterSqlite3.Database) => unknown): Promise<number> {
  const store = await openStore(file, { mode: 'read' });
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      f(store.sqlite);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  } finally {
    await store.close();
  }
}

/** Version rows, and the file's size with the WAL folded in (what the database occupies). */
function dbSize(file: string): { versions: number; bytes: number } {
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    return { versions: sqlite.prepare('SELECT count(*) FROM vpn_link_connection_versions').pluck().get() as number, bytes: pages * pageSize };
  } finally {
    sqlite.close();
  }
}
