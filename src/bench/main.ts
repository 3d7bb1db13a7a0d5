/**
 * `npm run bench`: pulls against the emulator under ARM-like throttling and latency, next to a
 * naive client and the theoretical minimum, then the store's side (ingest, history growth,
 * diff, report, query). Prints Markdown and writes it into docs/BENCHMARKS.md, between the
 * results markers, with the machine it ran on. Numbers are never asserted in tests.
 * Options: --large adds scenario L (10,000 connections); --no-naive skips the naive client.
 */
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceBenchResults } from './bench-doc.js';
import type { BenchRow } from './bench-row.js';
import { benchHistory } from './history-bench.js';
import { ARM_LIKE, benchPull, PULL_SCENARIOS, type ClientRun, type PullBenchResult } from './pull-bench.js';
import { benchQuery } from './query-bench.js';

/** The targets (docs/BENCHMARKS.md says which are met). */
const TARGETS = {
  ratioToMinimum: 1.15,
  throttledShare: 0.01,
  naiveSpeedupOnM: 10,
  diffOfLSeconds: 0.5,
  peakRssOfLMB: 300,
} as const;

const args = new Set(process.argv.slice(2));
const large = args.has('--large');
const log = (line: string) => process.stderr.write(`${line}\n`);
const loadAtStart = loadavg()[0] ?? 0;

const pulls: PullBenchResult[] = [];
for (const s of [PULL_SCENARIOS.S, PULL_SCENARIOS.M, ...(large ? [PULL_SCENARIOS.L] : [])]) pulls.push(await benchPull(s, { naive: !args.has('--no-naive'), log }));
log('history: growth per unchanged pull and diff time (10,000 links)…');
const history = await benchHistory({ log });
log('query: a typical aggregate over 40,000 links…');
const query = await benchQuery();
const loadAtEnd = loadavg()[0] ?? 0;

const CLIENT_NAMES: Record<ClientRun['client'], string> = {
  links: '`vpnsync pull --strategy links`',
  gateways: '`vpnsync pull --strategy gateways`',
  naive: 'naive sequential client',
};

/** A run's name: the client, and for vpnsync whether it created the database or pulled into it again. */
function clientName(r: ClientRun): string {
  if (r.client === 'naive') return CLIENT_NAMES.naive;
  return `${CLIENT_NAMES[r.client]}, ${r.repeat ? 'again' : 'first'}`;
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${osType()} ${release()}, Node ${process.version}`;
const sections = [
  `Measured by \`npm run bench${large ? ' -- --large' : ''}\` on ${new Date().toISOString().slice(0, 10)}, on ${machine}; load average ${loadAtStart.toFixed(1)} at the start and ${loadAtEnd.toFixed(1)} at the end (the emulator and the client share the machine; other work on it makes every time longer). What each figure means is above, in "How it is measured".`,
  `## Targets`,
  renderTargets(),
  renderNotes(),
  `## Pulls`,
  `The emulator serves ARM-like conditions: per subscription a read bucket of ${250} refilled at 25/s, ${ARM_LIKE.latency.fixedMs}–${ARM_LIKE.latency.fixedMs + ARM_LIKE.latency.jitterMs} ms latency, ${ARM_LIKE.pageSize} items a page. Each client starts with full buckets. Peak RSS is in MB of 10⁶ bytes. *Wall* is a new process's start to its exit (Node start-up, module loading and token acquisition included); *own time* is the pull's \`seconds\` from \`vpnsync pull --json\`. The *theoretical minimum* is the emulator's lower bound for the requests the client made, with unbounded concurrency: the refill time of the busiest subscription's bucket plus one latency, or the latency of the longest chain of dependent requests, whichever is larger.`,
  ...pulls.map(renderPulls),
  `## Store`,
  renderRows([...pulls.flatMap((p) => p.store), ...history, ...query]),
];
const doc = `${sections.filter((section) => section !== '').join('\n\n')}\n`;
process.stdout.write(doc);
const file = fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url));
writeFileSync(file, replaceBenchResults(readFileSync(file, 'utf8'), doc));
log('written to docs/BENCHMARKS.md');

function renderPulls(p: PullBenchResult): string {
  const naive = p.runs.find((r) => r.client === 'naive');
  const lines = [
    `### ${p.scenario.name}: ${p.connections.toLocaleString('en')} connections, ${p.links.toLocaleString('en')} link connections, ${p.scenario.size.subscriptions} subscription${p.scenario.size.subscriptions === 1 ? '' : 's'}`,
    '',
    `${capitalise(p.scenario.shape)}.`,
    '',
    '| Client | Wall | Own time | Requests | 429s | Peak RSS | Theoretical minimum | Wall ÷ minimum | Own time ÷ minimum | Naive ÷ wall |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...p.runs.map((r) =>
      [
        clientName(r),
        seconds(r.wallMs),
        r.ownMs === undefined ? '' : seconds(r.ownMs),
        r.requests.toLocaleString('en'),
        `${r.throttled} (${percent(r.throttled / Math.max(1, r.requests))})`,
        `${r.peakRssMB.toFixed(0)} MB`,
        seconds(r.minimumMs),
        `${ratio(r.wallMs, r.minimumMs)}×`,
        r.ownMs === undefined ? '' : `${ratio(r.ownMs, r.minimumMs)}×`,
        naive && r.client !== 'naive' ? `${ratio(naive.wallMs, r.wallMs)}×` : '',
      ].join(' | '),
    ).map((cells) => `| ${cells} |`),
  ];
  return lines.join('\n');
}

function renderTargets(): string {
  const out: string[][] = [];
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**not met**');
  for (const p of pulls) {
    for (const r of p.runs.filter((x) => x.client !== 'naive')) {
      const wall = r.wallMs / r.minimumMs;
      const share = r.throttled / Math.max(1, r.requests);
      out.push([
        `pull ≤ ${TARGETS.ratioToMinimum}× the theoretical minimum, ≤ 1% of requests 429`,
        `${p.scenario.name}, ${clientName(r)}`,
        `${ratio(r.wallMs, r.minimumMs)}× (wall ${seconds(r.wallMs)} / ${seconds(r.minimumMs)}); own time ${ratio(r.ownMs ?? 0, r.minimumMs)}×; ${percent(share)} 429`,
        met(wall <= TARGETS.ratioToMinimum && share <= TARGETS.throttledShare),
      ]);
    }
  }
  const m = pulls.find((p) => p.scenario.name === 'M');
  const naive = m?.runs.find((r) => r.client === 'naive');
  for (const r of m?.runs.filter((x) => x.client !== 'naive') ?? []) {
    out.push([`≥ ${TARGETS.naiveSpeedupOnM}× faster than the naive client on M`, `M, ${clientName(r)}`, naive ? `${ratio(naive.wallMs, r.wallMs)}× (${seconds(naive.wallMs)} / ${seconds(r.wallMs)})` : '', met(naive ? naive.wallMs / r.wallMs >= TARGETS.naiveSpeedupOnM : undefined)]);
  }
  for (const r of [...pulls.flatMap((p) => p.store), ...history].filter((x) => /version rows added per unchanged pull|unchanged pull: version rows added/.test(x.metric))) {
    out.push(['an unchanged pull adds zero version rows', r.scenario, `${r.value} rows`, met(r.value === 0)]);
  }
  const l = pulls.find((p) => p.scenario.name === 'L');
  const diffCli = l?.store.find((r) => r.metric.startsWith('`vpnsync diff`'));
  const diffOwn = l?.store.find((r) => r.metric.startsWith('diff between the last two pulls, in-process'));
  out.push([
    `\`diff\` of two L snapshots < ${TARGETS.diffOfLSeconds} s`,
    'L',
    diffCli && diffOwn ? `${diffCli.value.toFixed(2)} s for the command (Node start-up included); ${(diffOwn.value / 1000).toFixed(3)} s in-process` : 'run with --large',
    diffCli ? `${met(diffCli.value < TARGETS.diffOfLSeconds)} (command), ${met((diffOwn?.value ?? Infinity) / 1000 < TARGETS.diffOfLSeconds)} (in-process)` : met(undefined),
  ]);
  for (const r of l?.runs.filter((x) => x.client !== 'naive') ?? []) {
    out.push([`peak RSS of an L pull < ${TARGETS.peakRssOfLMB} MB`, `L, ${clientName(r)}`, `${r.peakRssMB.toFixed(0)} MB`, met(r.peakRssMB < TARGETS.peakRssOfLMB)]);
  }
  if (!l) out.push([`peak RSS of an L pull < ${TARGETS.peakRssOfLMB} MB`, 'L', 'run with --large', met(undefined)]);
  return ['| Target | Where | Measured | |', '|---|---|---|---|', ...out.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/** Why targets are not met, in this run's figures. */
function renderNotes(): string {
  const notes: string[] = [];
  const missed = [...new Set(pulls.flatMap((p) => p.runs.filter((r) => r.client !== 'naive' && r.minimumMs < 1000 && r.wallMs / r.minimumMs > TARGETS.ratioToMinimum).map((r) => `${p.scenario.name} ${r.client} (${seconds(r.minimumMs)})`)))];
  if (missed.length > 0) {
    const query = pulls.flatMap((p) => p.store).find((r) => r.metric.startsWith('`vpnsync query`'));
    notes.push(
      `Where the theoretical minimum is under a second — ${missed.join(', ')} — no process comes within ${TARGETS.ratioToMinimum}× of it: starting Node and loading vpnsync takes about as long as the whole minimum (\`vpnsync query\`, which does little else, took ${query ? seconds(query.value * 1000) : 'about a second'}), and the minimum counts only latency, with every request in flight at once — not the round trips of a bounded \`--concurrency\` (16 by default), transferring and parsing the gateway listings (the whole fleet, for \`--strategy gateways\`), or writing the links. These pulls are bound by start-up, transfer and the write, not by ARM.`,
    );
  }
  const m = pulls.find((p) => p.scenario.name === 'M');
  const mLinks = m?.runs.find((r) => r.client === 'links' && r.repeat);
  const mNaive = m?.runs.find((r) => r.client === 'naive');
  if (mLinks && mNaive && mNaive.wallMs / mLinks.wallMs < TARGETS.naiveSpeedupOnM) {
    notes.push(
      `On M a links pull cannot finish before its busiest subscription's bucket allows: ${seconds(mLinks.minimumMs)}. The naive client took ${seconds(mNaive.wallMs)} — one request at a time at 35–45 ms is about 24 a second, close to ARM's refill of 25 a second per subscription — so no links pull could be more than ${ratio(mNaive.wallMs, mLinks.minimumMs)}× faster than it here; the ${TARGETS.naiveSpeedupOnM}× is only within reach of \`--strategy gateways\`, which makes one request per subscription.`,
    );
  }
  for (const p of pulls) {
    for (const r of p.runs.filter((x) => x.client === 'links' && x.minimumMs >= 1000 && x.wallMs / x.minimumMs > TARGETS.ratioToMinimum)) {
      if (r.ownMs === undefined) continue;
      notes.push(
        `${p.scenario.name}'s ${r.repeat ? 'repeated' : 'first'} links pull took ${ratio(r.ownMs, r.minimumMs)}× the minimum by its own clock; the other ${seconds(r.wallMs - r.ownMs)} of its wall time is the process: Node start-up, loading vpnsync and the Azure SDK, opening ${r.repeat ? 'the database' : 'and creating the database (its schema migrations)'}, exiting. On a ${seconds(r.minimumMs)} bound that alone is ${ratio(r.wallMs - r.ownMs, r.minimumMs / 100)}%.`,
      );
    }
  }
  const l = pulls.find((p) => p.scenario.name === 'L');
  const diffOwn = l?.store.find((r) => r.metric.startsWith('diff between the last two pulls, in-process'));
  if (diffOwn && diffOwn.value >= TARGETS.diffOfLSeconds * 1000) {
    notes.push(
      `\`diff\` of two L snapshots: ${seconds(diffOwn.value)} in-process. Finding the changed links is quick (only links with a version in between are read); most of the time goes to the traffic part of the diff, which totals the counters of every link between the two pulls (${l?.links.toLocaleString('en') ?? ''} links).`,
    );
  }
  return notes.map((n) => `- ${n}`).join('\n');
}

function renderRows(rows: BenchRow[]): string {
  return ['| Scenario | Measure | Value | Note |', '|---|---|---:|---|', ...rows.map((r) => `| ${r.scenario} | ${r.metric} | ${format(r.value)} ${r.unit} | ${r.note ?? ''} |`)].join('\n');
}

function seconds(ms: number): string {
  return `${format(ms / 1000)} s`;
}

function ratio(a: number, b: number): string {
  return format(a / Math.max(1, b));
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function format(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
