import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Argv, CommandModule } from 'yargs';
import { openStore } from '../../store/open-store.js';
import { failPullsOf } from '../../store/pull-lock.js';
import type { PullStrategy } from '../../store/schema.js';
import { DEFAULT_CONCURRENCY, DEFAULT_STRATEGY, MAX_CONCURRENCY } from '../../sync/fetch-links.js';
import { failureGroupLine, groupFailures } from '../../sync/failure-groups.js';
import type { PullResult } from '../../sync/run-pull.js';
import { resolveDbPath } from '../database-path.js';
import { fingerprintKeyOf, locateFingerprintKey } from '../fingerprint-key-path.js';
import { lockLeaseMs } from '../lock-lease.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog } from '../output.js';
import { outputOf, printResult, withOutputOption, type OutputArgs, type Records } from '../output-option.js';
import { onStoppingSignal } from '../signals.js';
import { integerIn, matching, NUMERIC } from '../validate.js';
import { armClientFor, withArmOptions, type ArmArgs } from '../arm-options.js';

export interface PullArgs extends GlobalArgs, ArmArgs, OutputArgs {
  subscription?: string[] | undefined;
  'resource-group'?: string | undefined;
  gateway?: string | undefined;
  connection?: string | undefined;
  strategy: PullStrategy;
  concurrency?: number | undefined;
  'dry-run': boolean;
  quiet: boolean;
}

/**
 * How far past what is live V8 may grow the heap before collecting, in percent, during a pull.
 * V8 allows up to 300% more for a heap this small; a pull allocates far more than it keeps
 * (every answer parsed, normalised and dropped), so its peak memory would be mostly garbage
 * not yet collected. See docs/BENCHMARKS.md for the peak memory of a 30,000-link pull.
 */
export const PULL_HEAP_GROWING_PERCENT = 50;

/** `vpnsync pull`: fetch every link connection from ARM into the database. */
export const pullCommand: CommandModule<GlobalArgs, PullArgs> = {
  command: 'pull',
  describe: 'Fetch all VPN site link connections from Azure Resource Manager into the database',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(withArmOptions(y), { defaultText: 'nothing on stdout, the summary line on stderr' })
      .option('subscription', { type: 'string', array: true, describe: 'Subscription id to pull (repeatable; default: every subscription the credential can list)', coerce: (v: unknown) => (v === undefined ? undefined : (v as unknown[]).map((s) => matching('--subscription', /^[0-9a-fA-F-]{36}$/, 'a subscription id (a GUID)')(s) as string)) })
      .option('resource-group', { type: 'string', describe: 'Only this resource group' })
      .option('gateway', { type: 'string', describe: 'Only this VPN gateway' })
      .option('connection', { type: 'string', describe: 'Only this VPN connection' })
      .option('strategy', { choices: ['links', 'gateways'] as const, default: DEFAULT_STRATEGY, describe: 'links: ListByVpnConnection per connection (complete); gateways: links embedded in the gateway listing (fewer calls)' })
      .option('concurrency', { ...NUMERIC, describe: `Concurrent ARM requests (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})`, coerce: integerIn('--concurrency', 1, MAX_CONCURRENCY) })
      .option('dry-run', { type: 'boolean', default: false, describe: 'List everything and say what the pull would record (added, changed, removed); write nothing' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Only warnings and errors on stderr' })
      .example('$0 pull --quiet >> /var/log/vpnsync.log 2>&1', 'From cron: only problems and the summary')
      .example('$0 pull --gateway vpngw-weu-01 --dry-run', 'What a pull of one gateway would change, without recording it') as unknown as Argv<PullArgs>,
  handler: async (argv) => {
    const format = outputOf(argv);
    setFlagsFromString(`--heap-growing-percent=${PULL_HEAP_GROWING_PERCENT}`);
    const log = createLog({ quiet: argv.quiet });
    const leaseMs = lockLeaseMs();
    const keySource = locateFingerprintKey();
    const arm = await armClientFor(argv, (line) => log.info(line));
    const dryRun = argv['dry-run'];
    const store = await openStore(resolveDbPath(argv.db), { mode: dryRun ? 'rehearse' : 'write' });
    const { runPull } = await import('../../sync/run-pull.js');
    let result: PullResult;
    const stopSignals = onStoppingSignal((signal) => {
      if (dryRun) {
        store.sqlite.close();
        return `dry run interrupted by ${signal}: nothing written`;
      }
      const ids = failPullsOf(store.sqlite, process.pid, hostname(), new Date().toISOString(), `interrupted by ${signal}`);
      store.sqlite.close();
      return ids.length > 0 ? `pull #${ids.join(', #')} interrupted by ${signal}: marked failed, nothing recorded` : `pull interrupted by ${signal} before it took the lock: nothing recorded`;
    });
    try {
      result = await runPull({ arm, store, leaseMs, fingerprintKey: fingerprintKeyOf(store, (line) => log.info(line), keySource, dryRun), log: (line) => log.info(line), onProgress: (done, total) => log.progress(`listing link connections: ${done}/${total} VPN connections`) }, {
        filters: { subscriptions: argv.subscription, resourceGroup: argv['resource-group'], gateway: argv.gateway, connection: argv.connection },
        strategy: argv.strategy,
        concurrency: argv.concurrency ?? DEFAULT_CONCURRENCY,
        dryRun,
      });
    } finally {
      stopSignals();
      await store.close();
    }
    log.done();
    // One line per gateway (or resource group, subscription) and error code: a cron log gets a
    // line per thing to fix, not one per connection. Each scope's detail is in pull_scopes and --json.
    for (const g of groupFailures(result.failedScopes)) log.warn(failureGroupLine(g));
    if (format !== undefined) printResult(format, dryRun ? { ...result, pullId: null, dryRun: true } : result, pullRecord(result, dryRun));
    // With --quiet a partial pull still ends with its summary, so the log says what was kept.
    const line = dryRun ? dryRunLine(result) : summaryLine(result);
    if (result.status === 'complete') log.info(line);
    else log.warn(line);
    process.exitCode = result.status === 'complete' ? EXIT.OK : EXIT.PARTIAL;
  },
};

/** The pull as one record (-o csv, md, line, table): what a cron job appends to a log of pulls. */
function pullRecord(r: PullResult, dryRun: boolean): Records {
  return {
    columns: ['pullId', 'status', 'links', 'added', 'changed', 'removed', 'scopesFailed', 'requests', 'throttled', 'seconds'],
    rows: [[dryRun ? null : r.pullId, r.status, r.seen, r.added + r.restored, r.changed, r.removed, r.scopesFailed, r.requests, r.throttled, Number(r.seconds.toFixed(1))]],
  };
}

/** "dry run: a pull would record 312 links (3 added, 2 changed, 1 removed), 0 scopes failed, …; nothing written". */
export function dryRunLine(r: PullResult): string {
  return (
    `dry run: a ${r.status} pull would record ${r.seen} links (${r.added + r.restored} added, ${r.changed} changed, ${r.removed} removed), ` +
    `${r.scopesFailed} scope${r.scopesFailed === 1 ? '' : 's'} failed, ${r.requests} requests, ${r.throttled} throttled, ${r.seconds.toFixed(1)} s; nothing written`
  );
}

/** "pull #4 complete: 312 links (3 added, 2 changed, 1 removed), 0 scopes failed, 118 requests, 0 throttled, 2.4 s". */
export function summaryLine(r: PullResult): string {
  return (
    `pull #${r.pullId} ${r.status}: ${r.seen} links (${r.added + r.restored} added, ${r.changed} changed, ${r.removed} removed), ` +
    `${r.scopesFailed} scope${r.scopesFailed === 1 ? '' : 's'} failed, ${r.requests} requests, ${r.throttled} throttled, ${r.seconds.toFixed(1)} s`
  );
}
