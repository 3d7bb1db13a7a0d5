import { userInfo } from 'node:os';
import type { Argv } from 'yargs';
import type { GlobalArgs } from './global-options.js';
import { openStore } from '../store/open-store.js';
import type { ActionKind } from '../store/schema.js';
import { resolveTargets, TargetError, type ActionTarget, type TargetRequest } from '../queue/action-target.js';
import { enqueueActions, planEnqueue } from '../queue/enqueue.js';
import { ask, canConfirm, isYes, processConfirmIo, type ConfirmIo } from './confirm.js';
import { resolveDbPath } from './database-path.js';
import { UsageError } from './errors.js';
import { createLog, out } from './output.js';
import { outputOf, printResult, withOutputOption, type OutputArgs } from './output-option.js';
import { parseTimeArg } from './time-arg.js';

/** Enqueue options shared by `queue reset`, `queue ike-sas` and `exec`. */
export interface EnqueueArgs extends GlobalArgs, OutputArgs {
  reason?: string | undefined;
  'not-before'?: string | undefined;
  'requested-by'?: string | undefined;
  'allow-unknown': boolean;
  'dry-run': boolean;
  /** Queue what --where matched without asking (`queue reset|ike-sas` only). */
  yes?: boolean | undefined;
}

/** Adds --reason, --not-before, --requested-by, --allow-unknown, --dry-run, -o/--json. */
export function withEnqueueOptions<T>(y: Argv<T>): Argv<T & EnqueueArgs> {
  return withOutputOption(y, { defaultText: 'a line per queued action' })
    .option('reason', { type: 'string', describe: 'Why (kept in the audit trail)' })
    .option('not-before', { type: 'string', describe: "Don't run before this time: ISO time, or +DURATION such as +2h (a maintenance window)" })
    .option('requested-by', { type: 'string', describe: 'Who asks (default: the OS user)' })
    .option('allow-unknown', { type: 'boolean', default: false, describe: 'Accept links that are not in the local inventory' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be queued; write nothing' }) as unknown as Argv<T & EnqueueArgs>;
}

/** The OS user, for --requested-by's default. */
export function defaultRequester(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Targets as the user gave them. */
export type ActionTargetInput = TargetRequest;

/**
 * Resolves targets (on a read-only connection, so a --where condition cannot write) and queues
 * one action per link: all or nothing for bad targets, duplicates reported and skipped. With
 * --dry-run it only reads, and prints what would be queued. Links selected by --where are listed
 * and confirmed on a terminal first; without one, --yes is required (a cron line or a script
 * must say so explicitly: a broad condition can queue dozens of resets).
 */
export async function enqueueFromTargets(kind: ActionKind, input: ActionTargetInput | ActionTarget[], argv: EnqueueArgs, io: ConfirmIo = processConfirmIo()): Promise<void> {
  const now = Date.now();
  const notBefore = argv['not-before'] !== undefined ? parseTimeArg('--not-before', argv['not-before'], now) : undefined;
  const file = resolveDbPath(argv.db);
  const dryRun = argv['dry-run'];
  const format = outputOf(argv);
  const log = createLog();
  // Without --allow-unknown every target must be in the inventory: no database, nothing to queue.
  // A dry run writes nothing, so it reads an existing database and never creates or migrates one.
  const store = dryRun ? undefined : await openStore(file, { mode: 'write', mustExist: !argv['allow-unknown'] });
  try {
    let targets: ActionTarget[];
    const reader = await openStore(file, { mode: 'read' });
    try {
      if (Array.isArray(input)) {
        targets = input;
      } else {
        try {
          targets = resolveTargets(reader.sqlite, input);
        } catch (e) {
          if (e instanceof TargetError) throw new UsageError(e.message);
          throw e;
        }
      }
      if (dryRun) {
        const plan = planEnqueue(reader.sqlite, kind, targets);
        for (const d of plan.duplicates) log.warn(`would not queue: ${labelOf(d.target)} already has ${kind} action #${d.existingId} (${d.status})`);
        if (format === undefined) for (const t of plan.queue) out(`would queue ${kind} ${labelOf(t)}${notBefore ? ` (not before ${notBefore})` : ''}`);
        else {
          const json = { dryRun: true, wouldQueue: plan.queue.map((t) => ({ kind, link: t.linkId, notBefore: notBefore ?? null })), duplicates: plan.duplicates.map((d) => ({ existingId: d.existingId, status: d.status, link: d.target.linkId })) };
          printResult(format, json, { columns: ['kind', 'link', 'notBefore'], rows: plan.queue.map((t) => [kind, labelOf(t), notBefore ?? null]) });
        }
        log.info(`dry run: ${plan.queue.length} ${kind} action${plan.queue.length === 1 ? '' : 's'} would be queued, nothing written`);
        return;
      }
    } finally {
      await reader.close();
    }
    if (!Array.isArray(input) && input.where !== undefined && !argv.yes) await confirmWhere(kind, input.where, targets, io);
    const result = enqueueActions((store as NonNullable<typeof store>).sqlite, {
      kind,
      targets,
      requestedBy: argv['requested-by'] ?? defaultRequester(),
      reason: argv.reason,
      notBefore,
      now: new Date(now).toISOString(),
    });
    for (const d of result.duplicates) log.warn(`not queued: ${labelOf(d.target)} already has ${kind} action #${d.existingId} (${d.status})`);
    if (format === undefined) for (const q of result.queued) out(`queued #${q.id} ${kind} ${labelOf(q.target)}${notBefore ? ` (not before ${notBefore})` : ''}`);
    else {
      const json = { queued: result.queued.map((q) => ({ id: q.id, link: q.target.linkId })), duplicates: result.duplicates.map((d) => ({ existingId: d.existingId, status: d.status, link: d.target.linkId })) };
      printResult(format, json, { columns: ['id', 'kind', 'link', 'notBefore'], rows: result.queued.map((q) => [q.id, kind, labelOf(q.target), notBefore ?? null]) });
    }
  } finally {
    await store?.close();
  }
}

/**
 * Lists the links a --where condition matched and asks to queue them; throws (nothing queued)
 * on a no, or when there is no terminal to ask on.
 */
export async function confirmWhere(kind: ActionKind, where: string, targets: readonly ActionTarget[], io: ConfirmIo): Promise<void> {
  const what = `${targets.length} ${kind} action${targets.length === 1 ? '' : 's'}`;
  if (!canConfirm(io)) {
    throw new UsageError(`Expected --yes to queue ${what} selected by --where without a terminal to confirm on (list them with --dry-run); nothing queued`);
  }
  io.output.write(`--where "${where}" matched ${targets.length} link${targets.length === 1 ? '' : 's'}:\n`);
  for (const t of targets) io.output.write(`  ${labelOf(t)}\n`);
  const answer = await ask(`Queue ${what}?`, io);
  if (!isYes(answer)) throw new UsageError(`Expected 'y' to queue ${what}, got ${answer === '' ? 'no answer' : `'${answer}'`}; nothing queued`);
}

/** "gateway/connection/link" of a target. */
function labelOf(t: ActionTarget): string {
  return `${t.gatewayName}/${t.connectionName}/${t.linkConnectionName}`;
}
