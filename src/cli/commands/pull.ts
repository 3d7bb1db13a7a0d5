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
import { fingerprintKeyFor, locateFingerprintKey } from '../fingerprint-key-path.js';
import { lockLeaseMs } from '../lock-lease.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog, out } from '../output.js';
import { onStoppingSignal } from '../signals.js';
import { integerIn, matching, NUMERIC } from '../validate.js';
import { armClientFor, withArmOptions, type ArmArgs } from '../arm-options.js';

export interface PullArgs extends GlobalArgs, ArmArgs {
  subscription?: string[] | undefined;
  'resource-group'?: string | undefined;
  gateway?: string | undefined;
  connection?: string | undefined;
  strategy: PullStrategy;
  concurrency?: number | undefined;
  json: boolean;
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
    withArmOptions(y)
      .option('subscription', { type: 'string', array: true, describe: 'Subscription id to pull (repeatable; default: every subscription the credential can list)', coerce: (v: unknown) => (v === undefined ? undefined : (v as unknown[]).map((s) => matching('--subscription', /^[0-9a-fA-F-]{36}$/, 'a subscription id (a GUID)')(s) as string)) })
      .option('resource-group', { type: 'string', describe: 'Only this resource group' })
      .option('gateway', { type: 'string', describe: 'Only this VPN gateway' })
      .option('connection', { type: 'string', describe: 'Only this VPN connection' })
      .option('strategy', { choices: ['links', 'gateways'] as const, default: DEFAULT_STRATEGY, describe: 'links: ListByVpnConnection per connection (complete); gateways: links embedded in the gateway listing (fewer calls)' })
      .option('concurrency', { ...NUMERIC, describe: `Concurrent ARM requests (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})`, coerce: integerIn('--concurrency', 1, MAX_CONCURRENCY) })
      .option('json', { type: 'boolean', default: false, describe: 'Print the pull result as JSON on stdout' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Only warnings and errors on stderr' }) as unknown as Argv<PullArgs>,
  handler: async (argv) => {
    setFlagsFromString(`--heap-growing-percent=${PULL_HEAP_GROWING_PERCENT}`);
    const log = createLog({ quiet: argv.quiet });
    const leaseMs = lockLeaseMs();
    const keySource = locateFingerprintKey();
    const arm = await armClientFor(argv, (line) => log.info(line));
    const store = await openStore(resolveDbPath(argv.db), { mode: 'write' });
    const { runPull } = await import('../../sync/run-pull.js');
    let result: PullResult;
    const stopSignals = onStoppingSignal((signal) => {
      const ids = failPullsOf(store.sqlite, process.pid, hostname(), new Date().toISOString(), `interrupted by ${signal}`);
      store.sqlite.close();
      return `pull${ids.length > 0 ? ` #${ids.join(', #')}` : ''} interrupted by ${signal}: marked failed, nothing recorded`;
    });
    try {
      result = await runPull({ arm, store, leaseMs, fingerprintKey: fingerprintKeyFor(store, (line) => log.info(line), keySource), log: (line) => log.info(line), onProgress: (done, total) => log.progress(`listing link connections: ${done}/${total} VPN connections`) }, {
        filters: { subscriptions: argv.subscription, resourceGroup: argv['resource-group'], gateway: argv.gateway, connection: argv.connection },
        strategy: argv.strategy,
        concurrency: argv.concurrency ?? DEFAULT_CONCURRENCY,
      });
    } finally {
      stopSignals();
      await store.close();
    }
    log.done();
    // One line per gateway (or resource group, subscription) and error code: a cron log gets a
    // line per thing to fix, not one per connection. Each scope's detail is in pull_scopes and --json.
    for (const g of groupFailures(result.failedScopes)) log.warn(failureGroupLine(g));
    if (argv.json) out(JSON.stringify(result, null, 2));
    // With --quiet a partial pull still ends with its summary, so the log says what was kept.
    if (result.status === 'complete') log.info(summaryLine(result));
    else log.warn(summaryLine(result));
    process.exitCode = result.status === 'complete' ? EXIT.OK : EXIT.PARTIAL;
  },
};

/** "pull #4 complete: 312 links (3 added, 2 changed, 1 removed), 0 scopes failed, 118 requests, 0 throttled, 2.4 s". */
export function summaryLine(r: PullResult): string {
  return (
    `pull #${r.pullId} ${r.status}: ${r.seen} links (${r.added + r.restored} added, ${r.changed} changed, ${r.removed} removed), ` +
    `${r.scopesFailed} scope${r.scopesFailed === 1 ? '' : 's'} failed, ${r.requests} requests, ${r.throttled} throttled, ${r.seconds.toFixed(1)} s`
  );
}
