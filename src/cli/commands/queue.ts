import type { Argv, CommandModule } from 'yargs';
import { defaultRequester, enqueueFromTargets, withEnqueueOptions, type ActionTargetInput, type EnqueueArgs } from '../enqueue-targets.js';
import { openStore } from '../../store/open-store.js';
import { cancelAction, CancelError, checkCancellable } from '../../queue/enqueue.js';
import { DEFAULT_MAX_RESETS, DEFAULT_OPERATION_DEADLINE_MS, DEFAULT_QUEUE_CONCURRENCY } from '../../queue/queue-defaults.js';
import { DURATION_FORMS, parseDuration } from '../../history/duration.js';
import { coerceWith } from './snapshots.js';
import type { QueueRunResult } from '../../queue/run-queue.js';
import { actionView, listActions, showAction } from '../../queue/action-report.js';
import { armClientFor, withArmOptions, type ArmArgs } from '../arm-options.js';
import { resolveDbPath } from '../database-path.js';
import { lockLeaseMs } from '../lock-lease.js';
import { CliError, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalArgs } from '../global-options.js';
import { createLog, out, renderTable } from '../output.js';
import { integerIn, NUMERIC } from '../validate.js';
import type { ActionKind, ActionStatus } from '../../store/schema.js';

const STATUSES: readonly ActionStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

interface TargetArgs extends EnqueueArgs {
  targets: string[];
  where?: string | undefined;
  subscription?: string | undefined;
  'resource-group'?: string | undefined;
}

function enqueueCommand(kind: ActionKind, name: string, describe: string): CommandModule<GlobalArgs, TargetArgs> {
  return {
    command: `${name} [targets..]`,
    describe,
    builder: (y: Argv<GlobalArgs>) =>
      withEnqueueOptions(y)
        .positional('targets', { type: 'string', array: true, describe: 'Link ids, or gateway/connection/link names' })
        .option('where', { type: 'string', describe: 'SQL condition over vpn_link_connections selecting links, e.g. "connectionStatus = \'NotConnected\'"' })
        .option('subscription', { type: 'string', describe: 'Subscription of gateway/connection/link names (when ambiguous, or with --allow-unknown)' })
        .option('resource-group', { type: 'string', describe: 'Resource group of gateway/connection/link names' })
        .option('yes', { type: 'boolean', default: false, describe: 'Queue what --where matched without asking (required without a terminal)' }) as unknown as Argv<TargetArgs>,
    handler: async (argv) => {
      const input: ActionTargetInput = {
        targets: argv.targets ?? [],
        where: argv.where,
        subscription: argv.subscription,
        resourceGroup: argv['resource-group'],
        allowUnknown: argv['allow-unknown'],
      };
      await enqueueFromTargets(kind, input, argv);
    },
  };
}

interface ListArgs extends GlobalArgs {
  status?: ActionStatus[] | undefined;
  format: 'table' | 'json';
}

interface IdArgs extends GlobalArgs {
  id: number;
  format?: 'text' | 'json';
  'dry-run'?: boolean;
}

interface RunArgs extends GlobalArgs, ArmArgs {
  concurrency?: number | undefined;
  'max-resets'?: number | undefined;
  force: boolean;
  'dry-run': boolean;
  id?: number[] | undefined;
  json: boolean;
  quiet: boolean;
  'operation-deadline'?: number | undefined;
}

const listCommand: CommandModule<GlobalArgs, ListArgs> = {
  command: 'list',
  describe: 'List actions, newest first',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('status', { type: 'string', array: true, choices: STATUSES, describe: 'Only these statuses (repeatable)' })
      .option('format', { choices: ['table', 'json'] as const, default: 'table' as const }) as unknown as Argv<ListArgs>,
  handler: async (argv) => {
    const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
    try {
      const rows = listActions(store.sqlite, argv.status);
      if (argv.format === 'json') out(JSON.stringify(rows.map(actionView), null, 2));
      else out(renderTable(['id', 'kind', 'status', 'link', 'requestedBy', 'queuedAt', 'notBefore', 'finishedAt', 'errorCode'], rows.map((r) => [r.id, r.kind, r.status, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, r.requested_by, r.queued_at, r.not_before, r.finished_at, r.error_code])));
    } finally {
      await store.close();
    }
  },
};

const showCommand: CommandModule<GlobalArgs, IdArgs> = {
  command: 'show <id>',
  describe: 'Show one action: its target, outcome, audit trail and IKE SA result',
  builder: (y: Argv<GlobalArgs>) =>
    y
      // Labelled [number], parsed as the text typed (see NUMERIC): positional() takes no `string` setting.
      .positional('id', { type: 'number', demandOption: true, coerce: integerIn('action id', 1, Number.MAX_SAFE_INTEGER) })
      .string('id')
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const }) as unknown as Argv<IdArgs>,
  handler: async (argv) => {
    const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
    try {
      const detail = showAction(store.sqlite, argv.id);
      if (!detail) throw new UsageError(`No action #${argv.id}`);
      if (argv.format === 'json') out(JSON.stringify(detail, null, 2));
      else out(detail.text);
    } finally {
      await store.close();
    }
  },
};

const cancelCommand: CommandModule<GlobalArgs, IdArgs> = {
  command: 'cancel <id>',
  describe: 'Cancel a queued action (running or finished actions cannot be cancelled)',
  // Labelled [number], parsed as the text typed (see NUMERIC): positional() takes no `string` setting.
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('id', { type: 'number', demandOption: true, coerce: integerIn('action id', 1, Number.MAX_SAFE_INTEGER) })
      .string('id')
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only check that the action could be cancelled; write nothing' }) as unknown as Argv<IdArgs>,
  handler: async (argv) => {
    const dryRun = argv['dry-run'] === true;
    const store = await openStore(resolveDbPath(argv.db), dryRun ? { mode: 'read' } : { mode: 'write', mustExist: true });
    try {
      if (dryRun) {
        checkCancellable(store.sqlite, argv.id);
        createLog().info(`dry run: action #${argv.id} would be cancelled, nothing written`);
        return;
      }
      cancelAction(store.sqlite, argv.id, defaultRequester(), new Date().toISOString());
      createLog().info(`action #${argv.id} cancelled`);
    } catch (e) {
      if (e instanceof CancelError) throw new UsageError(e.message);
      throw e;
    } finally {
      await store.close();
    }
  },
};

const runCommand: CommandModule<GlobalArgs, RunArgs> = {
  command: 'run',
  describe: 'Run the due actions against ARM (resumes operations a stopped runner left in flight)',
  builder: (y: Argv<GlobalArgs>) =>
    withArmOptions(y)
      .option('concurrency', { ...NUMERIC, describe: `Actions in flight at once, 1-64 (default ${DEFAULT_QUEUE_CONCURRENCY}); resets of one VPN connection never overlap`, coerce: integerIn('--concurrency', 1, 64) })
      .option('max-resets', { ...NUMERIC, describe: `At most this many resets in this run (default ${DEFAULT_MAX_RESETS})`, coerce: integerIn('--max-resets', 0, 100_000) })
      .option('force', { type: 'boolean', default: false, describe: 'No --max-resets cap' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would run; send and change nothing' })
      .option('id', { ...NUMERIC, array: true, describe: 'Only these action ids (repeatable)', coerce: (v: unknown) => (v === undefined ? undefined : (v as unknown[]).map((x) => integerIn('--id', 1, Number.MAX_SAFE_INTEGER)(x) as number)) })
      .option('operation-deadline', { type: 'string', describe: `Follow an operation this long after its POST, then end it as OutcomeUnknown (never re-POSTed): ${DURATION_FORMS} (default ${DEFAULT_OPERATION_DEADLINE_MS / 60_000}m)`, coerce: coerceWith((t) => parseDuration(t, '--operation-deadline')) })
      .option('json', { type: 'boolean', default: false, describe: 'Print the run result as JSON on stdout' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Only failures on stderr' }) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    const log = createLog({ quiet: argv.quiet });
    const options = { concurrency: argv.concurrency, maxResets: argv['max-resets'], force: argv.force, ids: argv.id, operationDeadlineMs: argv['operation-deadline'] };
    const { planQueueRun, runQueue } = await import('../../queue/run-queue.js');
    if (argv['dry-run']) {
      const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
      try {
        const plan = planQueueRun(store.sqlite, new Date().toISOString(), options);
        const rows = [
          ...plan.resume.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'resume polling (already accepted by ARM)']),
          ...plan.unknownOutcome.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'mark failed: outcome unknown, not POSTed again']),
          ...plan.run.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'POST and poll']),
          ...plan.deferred.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'wait: --max-resets reached']),
          ...plan.blocked.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'wait: another reset of its VPN connection may be running']),
          ...plan.behind.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, 'wait: after an earlier action on its link (queue order)']),
          ...plan.notDue.map((r) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, `wait: not before ${r.not_before}`]),
          ...plan.held.map(({ row: r, reason }) => [r.id, r.kind, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, `hold: ${reason}`]),
        ];
        if (argv.json) {
          const view = Object.fromEntries(Object.entries(plan).map(([k, list]) => [k, (list as Parameters<typeof actionView>[0][]).map(actionView)]));
          out(JSON.stringify(view, null, 2));
        }
        else out(rows.length > 0 ? renderTable(['id', 'kind', 'link', 'would'], rows) : 'Nothing queued.');
      } finally {
        await store.close();
      }
      return;
    }
    const leaseMs = lockLeaseMs();
    const arm = await armClientFor(argv, (line) => log.info(line));
    const store = await openStore(resolveDbPath(argv.db), { mode: 'write', mustExist: true });
    let result: QueueRunResult;
    try {
      result = await runQueue({ arm, store, leaseMs, log: (line) => log.info(line) }, options);
    } finally {
      await store.close();
    }
    for (const o of result.outcomes) if (o.outcome !== 'succeeded') log.warn(`#${o.id} ${o.kind} ${o.link}: ${o.outcome}: ${o.errorCode ?? ''} ${o.message ?? ''}${o.requestId ? `; request id ${o.requestId}` : ''}`.trim());
    for (const r of result.requeued) log.warn(`#${r.id} ${r.kind} ${r.link}: queued again, not before ${r.notBefore}: ${r.reason}`);
    for (const h of result.held) log.warn(`#${h.id} ${h.kind} ${h.link}: held back, ${h.reason}`);
    if (argv.json) out(JSON.stringify(result, null, 2));
    const ok = result.outcomes.filter((o) => o.outcome === 'succeeded').length;
    log.info(
      `queue run #${result.runId}: ${ok} succeeded, ${result.outcomes.length - ok} failed or pending` +
        (result.resumed.length ? `, ${result.resumed.length} resumed` : '') +
        (result.deferred.length ? `, ${result.deferred.length} deferred (--max-resets, or a reset of the same connection in flight)` : '') +
        (result.skipped.length ? `, ${result.skipped.length} cancelled meanwhile` : '') +
        (result.notDue.length ? `, ${result.notDue.length} not yet due` : '') +
        (result.requeued.length ? `, ${result.requeued.length} queued again (ARM busy)` : '') +
        (result.held.length ? `, ${result.held.length} held (subscription not Enabled)` : ''),
    );
    process.exitCode = ok === result.outcomes.length ? EXIT.OK : EXIT.FAILURE;
  },
};

/** `vpnsync queue …`: queue EXEC actions offline, run them later. */
export const queueCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'queue <command>',
  describe: 'Queue EXEC actions (reset a link connection, fetch its IKE SAs) and run them later',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(enqueueCommand('reset', 'reset', 'Queue VpnLinkConnections_ResetConnection for links'))
      .command(enqueueCommand('ike-sas', 'ike-sas', 'Queue VpnLinkConnections_GetIkeSas for links'))
      .command(listCommand)
      .command(showCommand)
      .command(cancelCommand)
      .command(runCommand)
      .demandCommand(1, 'Expected a queue command: reset, ike-sas, list, show, cancel or run'),
  handler: () => {
    throw new CliError('unreachable: yargs dispatches to a queue subcommand');
  },
};

export { STATUSES as ACTION_STATUSES };
