import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type FleetSize } from '../emulator/index.js';
import type { BenchRow } from './bench-row.js';

/** A fleet and the ARM-like conditions it is served under. */
export interface PullScenario {
  name: string;
  size: FleetSize;
}

/** S, M and L as in docs/BENCHMARKS.md: connections spread over several subscriptions. */
export const PULL_SCENARIOS: Record<'S' | 'M' | 'L', PullScenario> = {
  S: { name: 'S', size: { subscriptions: 2, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 5, connectionsPerGateway: 5, linksPerConnection: 3 } },
  M: { name: 'M', size: { subscriptions: 4, resourceGroupsPerSubscription: 5, gatewaysPerResourceGroup: 5, connectionsPerGateway: 10, linksPerConnection: 3 } },
  L: { name: 'L', size: { subscriptions: 8, resourceGroupsPerSubscription: 5, gatewaysPerResourceGroup: 10, connectionsPerGateway: 25, linksPerConnection: 3 } },
};

/** ARM-like service: the read bucket of 250 refilled at 25/s per subscription, 40 ms ± 10 ms latency, 100 items a page. */
export const ARM_LIKE = { latency: { fixedMs: 35, jitterMs: 10 }, pageSize: 100, emptyPageEvery: 0 } as const;

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

/**
 * Measures, on one emulator: `vpnsync pull --strategy links`, `--strategy gateways` and the naive
 * sequential client — wall time, requests, 429s, peak RSS — next to the emulator's theoretical
 * minimum for the requests each one made, and the ratio to it.
 */
export async function benchPull(scenario: PullScenario, options: { naive?: boolean; log?: (line: string) => void } = {}): Promise<BenchRow[]> {
  const log = options.log ?? (() => undefined);
  const emulator = await startEmulator({ seed: 7, size: scenario.size, ...ARM_LIKE });
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-bench-'));
  const rows: BenchRow[] = [];
  const env = { ...emulator.env, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' };
  const connections = new Set(emulator.links().map((l) => `${l.gatewayName}/${l.connectionName}`)).size;
  const label = `${scenario.name} (${connections} connections, ${emulator.links().length} links, ${scenario.size.subscriptions} subscriptions)`;
  try {
    const clients: [string, () => Promise<ChildResult>][] = [
      ['vpnsync --strategy links', () => run(path.join(here, 'measure-rss.js'), ['pull', '--quiet', '--json', '--strategy', 'links', '--db', path.join(dir, 'links.db')], env)],
      ['vpnsync --strategy gateways', () => run(path.join(here, 'measure-rss.js'), ['pull', '--quiet', '--json', '--strategy', 'gateways', '--db', path.join(dir, 'gateways.db')], env)],
    ];
    if (options.naive !== false) clients.push(['naive sequential client', () => run(path.join(here, 'naive-client.js'), [], env)]);
    for (const [client, go] of clients) {
      emulator.resetStats();
      emulator.refillBuckets();
      log(`${label}: ${client}…`);
      const r = await go();
      if (r.code !== 0) throw new Error(`${client} exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
      const stats = emulator.stats();
      const rss = /maxrss-kib (\d+)/.exec(r.stderr)?.[1];
      const note = `${stats.total} requests, ${stats.throttled429} answered 429 (${((100 * stats.throttled429) / Math.max(1, stats.total)).toFixed(1)}%)`;
      rows.push({ scenario: label, metric: `${client}: wall time`, value: r.ms / 1000, unit: 's', note });
      rows.push({ scenario: label, metric: `${client}: theoretical minimum for its requests`, value: stats.theoreticalMinimumMs / 1000, unit: 's', note: `ratio ${(r.ms / Math.max(1, stats.theoreticalMinimumMs)).toFixed(2)}×` });
      if (rss) rows.push({ scenario: label, metric: `${client}: peak RSS`, value: Number(rss) / 1024, unit: 'MiB' });
    }
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
