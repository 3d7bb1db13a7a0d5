import type { Argv, CommandModule } from 'yargs';
import { defaultRequester, enqueueFromTargets, withEnqueueOptions, type ActionTargetInput, type EnqueueArgs } from '../enqueue-targets.js';
import { hostname } from 'node:os';
import { openStore } from '../../store/open-store.js';
import { failHeldLocks } from '../../store/held-locks.js';
import { onStoppingSignal } from '../signals.js';
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
import { outputOf, printRecords, printResult, withOutputOption, type OutputArgs } from '../output-option.js';
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

interface ListArgs extends GlobalArgs, OutputArgs {
  status?: ActionStatus[] | undefined;
}

interface IdArgs extends GlobalArgs, OutputArgs {
  id: number;
  'dry-run'?: boolean;
}

interface RunArgs extends GlobalArgs, ArmArgs, OutputArgs {
  concurrency?: number | undefined;
  'max-resets'?: number | undefined;
  force: boolean;
  'dry-run': boolean;
  id?: number[] | undefined;
  quiet: boolean;
  'operation-deadline'?: number | undefined;
}

const listCommand: CommandModule<GlobalArgs, ListArgs> = {
  command: 'list',
  describe: 'List actions, newest first',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(y, { defaultText: 'table', formatAlias: true })
      .option('status', { type: 'string', array: true, choices: STATUSES, describe: 'Only these statuses (repeatable)' })
      .example('$0 queue list --status failed -o json | jq \'.[].errorCode\'', 'Why actions failed') as unknown as Argv<ListArgs>,
  handler: async (argv) => {
    const format = outputOf(argv) ?? 'table';
    const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
    try {
      const rows = listActions(store.sqlite, argv.status);
      printRecords(format, {
        columns: ['id', 'kind', 'status', 'link', 'requestedBy', 'queuedAt', 'notBefore', 'finishedAt', 'errorCode'],
        rows: rows.map((r) => [r.id, r.kind, r.status, `${r.gatewayName}/${r.connectionName}/${r.linkConnectionName}`, r.requested_by, r.queued_at, r.not_before, r.finished_at, r.error_code]),
        objects: rows.map(actionView),
      });
    } finally {
      await store.close();
    }
  },
};

const showCommand: CommandModule<GlobalArgs, IdArgs> = {
  command: 'show <id>',
  describe: 'Show one action: its target, outcome, audit trail and IKE SA result',
  builder: (y: Argv<GlobalArgs>) =>
    withOutputOption(
      y
        // Labelled [number], parsed as the text typed (see NUMERIC): positional() takes no `string` setting.
        .positional('id', { type: 'number', demandOption: true, coerce: integerIn('action id', 1, Number.MAX_SAFE_INTEGER) })
        .string('id'),
      { extra: ['text'], defaultText: 'text: the action and its trail; tabular formats list the trail, one row per event', formatAlias: true },
    ) as unknown as Argv<IdArgs>,
  handler: async (argv) => {
    // `text` (the default) was the older --format's name for the action and its trail.
    const asked = outputOf<'text'>(argv);
    const format = asked === 'text' ? undefined : asked;
    const store = await openStore(resolveDbPath(argv.db), { mode: 'read' });
    try {
      const detail = showAction(store.sqlite, argv.id);
      if (!detail) throw new UsageError(`No action #${argv.id}`);
      const { text, ...data } = detail;
      if (format === undefined) out(text);
      else {
        const a = data.action;
        const link = `${a.gatewayName}/${a.connectionName}/${a.linkConnectionName}`;
        printResult(format, data, {
          columns: ['actionId', 'kind', 'link', 'at', 'event', 'httpStatus', 'requestId', 'detail'],
          rows: data.events.map((e) => [a.id, a.kind, link, e.at, e.event, e.httpStatus, e.requestId, e.detail]),
        });
      }
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
    withOutputOption(y, { defaultText: 'nothing on stdout, one line on stderr' })
      .positional('id', { type: 'number', demandOption: true, coerce: integerIn('action id', 1, Number.MAX_SAFE_INTEGER) })
      .string('id')
      .option('dry-run', { type: 'boolean', default: false, describe: 'Only check that the action could be cancelled; write nothing' }) as unknown as Argv<IdArgs>,
  handler: async (argv) => {
    const dryRun = argv['dry-run'] === true;
    const format = outputOf(argv);
    const report = () => {
      if (format !== undefined) printResult(format, { id: argv.id, cancelled: !dryRun, dryRun }, { columns: ['id', 'cancelled', 'dryRun'], rows: [[argv.id, !dryRun, dryRun]] });
    };
    const store = await openStore(resolveDbPath(argv.db), dryRun ? { mode: 'read' } : { mode: 'write', mustExist: true });
    try {
      if (dryRun) {
        checkCancellable(store.sqlite, argv.id);
        createLog().info(`dry run: action #${argv.id} would be cancelled, nothing written`);
        report();
        return;
      }
      cancelAction(store.sqlite, argv.id, defaultRequester(), new Date().toISOString());
      createLog().info(`action #${argv.id} cancelled`);
      report();
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
    withOutputOption(withArmOptions(y), { defaultText: 'a line per action that did not succeed and a summary on stderr; -o lists one row per action' })
      .option('concurrency', { ...NUMERIC, describe: `Actions in flight at once, 1-64 (default ${DEFAULT_QUEUE_CONCURRENCY}); resets of one VPN connection never overlap`, coerce: integerIn('--concurrency', 1, 64) })
      .option('max-resets', { ...NUMERIC, describe: `At most this many resets in this run (default ${DEFAULT_MAX_RESETS})`, coerce: integerIn('--max-resets', 0, 100_000) })
      .option('force', { type: 'boolean', default: false, describe: 'No --max-resets cap' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would run; send and change nothing' })
      .option('id', { ...NUMERIC, array: true, describe: 'Only these action ids (repeatable)', coerce: (v: unknown) => (v === undefined ? undefined : (v as unknown[]).map((x) => integerIn('--id', 1, Number.MAX_SAFE_INTEGER)(x) as number)) })
      .option('operation-deadline', { type: 'string', describe: `Follow an operation this long after its POST, then end it as OutcomeUnknown (never re-POSTed): ${DURATION_FORMS} (default ${DEFAULT_OPERATION_DEADLINE_MS / 60_000}m)`, coerce: coerceWith((t) => parseDuration(t, '--operation-deadline')) })
      .option('quiet', { type: 'boolean', default: false, describe: 'Only failures on stderr' }) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    const format = outputOf(argv);
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
        if (format === undefined || format === 'table') {
          out(rows.length > 0 ? renderTable(['id', 'kind', 'link', 'would'], rows) : 'Nothing queued.');
        } else {
          const view = Object.fromEntries(Object.entries(plan).map(([k, list]) => [k, (list as Parameters<typeof actionView>[0][]).map(actionView)]));
          printResult(format, view, { columns: ['id', 'kind', 'link', 'would'], rows });
        }
      } finally {
        await store.close();
      }
      return;
    }
    const leaseMs = lockLeaseMs();
    const arm = await armClientFor(argv, (line) => log.info(line));
    const store = await openStore(resolveDbPath(argv.db), { mode: 'write', mustExist: true });
    let result: QueueRunResult;
    // Ctrl-C or a service stop: the run row is marked failed at once (not left `running` until
    // the next run clears it), and actions ARM already accepted stay for the next run to poll.
    const stopSignals = onStoppingSignal((signal) => {
      const ids = failHeldLocks(store.sqlite, 'queue_runs', process.pid, hostname(), new Date().toISOString(), `interrupted by ${signal}`);
      const inFlight = ids.length === 0 ? 0 : (store.sqlite.prepare(`SELECT count(*) FROM actions WHERE status = 'running' AND run_id IN (${ids.map(() => '?').join(', ')})`).pluck().get(...ids) as number);
      store.sqlite.close();
      if (ids.length === 0) return `queue run interrupted by ${signal} before it took the lock: nothing sent`;
      return (
        `queue run #${ids.join(', #')} interrupted by ${signal}: marked failed` +
        (inFlight > 0 ? `; ${inFlight} action${inFlight === 1 ? '' : 's'} in flight: the next queue run resumes ${inFlight === 1 ? 'it' : 'them'} and never sends ${inFlight === 1 ? 'it' : 'them'} again` : '')
      );
    });
    try {
      result = await runQueue({ arm, store, leaseMs, log: (line) => log.info(line) }, options);
    } finally {
      stopSignals();
      await store.close();
    }
    for (const o of result.outcomes) if (o.outcome !== 'succeeded') log.warn(`#${o.id} ${o.kind} ${o.link}: ${o.outcome}: ${o.errorCode ?? ''} ${o.message ?? ''}${o.requestId ? `; request id ${o.requestId}` : ''}`.trim());
    for (const r of result.requeued) log.warn(`#${r.id} ${r.kind} ${r.link}: queued again, not before ${r.notBefore}: ${r.reason}`);
    for (const h of result.held) log.warn(`#${h.id} ${h.kind} ${h.link}: held back, ${h.reason}`);
    if (format !== undefined) {
      printResult(format, result, {
        columns: ['id', 'kind', 'link', 'outcome', 'errorCode', 'message', 'requestId'],
        rows: result.outcomes.map((o) => [o.id, o.kind, o.link, o.outcome, o.errorCode, o.message, o.requestId]),
      });
    }
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
