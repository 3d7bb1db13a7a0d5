/**
 * `npm run bench`: measures pulls against the emulator under ARM-like throttling and latency, next
 * to a naive client and the theoretical minimum, and prints a Markdown table (also written to
 * docs/BENCHMARKS.md with the machine it ran on). Numbers are never asserted in tests.
 * Options: --large adds scenario L (10,000 connections); --no-naive skips the naive client.
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-row.js';
import { benchPull, PULL_SCENARIOS } from './pull-bench.js';
import { benchQuery } from './query-bench.js';

const args = new Set(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);

const rows: BenchRow[] = [];
const scenarios = [PULL_SCENARIOS.S, PULL_SCENARIOS.M, ...(args.has('--large') ? [PULL_SCENARIOS.L] : [])];
for (const s of scenarios) rows.push(...(await benchPull(s, { naive: !args.has('--no-naive'), log })));
log('store: a typical aggregate query over 40,000 links…');
rows.push(...(await benchQuery()));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const table = [
  '| Scenario | Measure | Value | Note |',
  '|---|---|---:|---|',
  ...rows.map((r) => `| ${r.scenario} | ${r.metric} | ${format(r.value)} ${r.unit} | ${r.note ?? ''} |`),
].join('\n');
const doc = `# Benchmarks\n\nMeasured by \`npm run bench\`${args.has('--large') ? ' --large' : ''} on ${new Date().toISOString().slice(0, 10)}, on ${machine}.\n\nThe emulator serves ARM-like conditions: per subscription a read bucket of 250 refilled at 25/s, 35–45 ms latency, 100 items per page. "Theoretical minimum" is the emulator's lower bound for the requests a client made (bucket refill time of the busiest subscription, or the latency of the longest chain of dependent requests, whichever is larger; see README.md ("The ARM emulator")).\n\n${table}\n`;
process.stdout.write(`${table}\n`);
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
mkdirSync(docs, { recursive: true });
writeFileSync(`${docs}BENCHMARKS.md`, doc);
log(`written to docs/BENCHMARKS.md`);

function format(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
