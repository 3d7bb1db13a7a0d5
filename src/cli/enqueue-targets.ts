import { userInfo } from 'node:os';
import type { Argv } from 'yargs';
import type { GlobalArgs } from './global-options.js';
import { openStore } from '../store/open-store.js';
import type { ActionKind } from '../store/schema.js';
import { resolveTargets, TargetError, type ActionTarget, type TargetRequest } from '../queue/action-target.js';
import { enqueueActions } from '../queue/enqueue.js';
import { resolveDbPath } from './database-path.js';
import { UsageError } from './errors.js';
import { createLog, out } from './output.js';
import { parseTimeArg } from './time-arg.js';

/** Enqueue options shared by `queue reset`, `queue ike-sas` and `exec`. */
export interface EnqueueArgs extends GlobalArgs {
  reason?: string | undefined;
  'not-before'?: string | undefined;
  'requested-by'?: string | undefined;
  'allow-unknown': boolean;
  json: boolean;
}

/** Adds --reason, --not-before, --requested-by, --allow-unknown, --json. */
export function withEnqueueOptions<T>(y: Argv<T>): Argv<T & EnqueueArgs> {
  return y
    .option('reason', { type: 'string', describe: 'Why (kept in the audit trail)' })
    .option('not-before', { type: 'string', describe: "Don't run before this time: ISO time, or +DURATION such as +2h (a maintenance window)" })
    .option('requested-by', { type: 'string', describe: 'Who asks (default: the OS user)' })
    .option('allow-unknown', { type: 'boolean', default: false, describe: 'Accept links that are not in the local inventory' })
    .option('json', { type: 'boolean', default: false, describe: 'Print what was queued as JSON' }) as unknown as Argv<T & EnqueueArgs>;
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
 * one action per link: all or nothing for bad targets, duplicates reported and skipped.
 */
export async function enqueueFromTargets(kind: ActionKind, input: ActionTargetInput | ActionTarget[], argv: EnqueueArgs): Promise<void> {
  const now = Date.now();
  const notBefore = argv['not-before'] !== undefined ? parseTimeArg('--not-before', argv['not-before'], now) : undefined;
  const file = resolveDbPath(argv.db);
  // Without --allow-unknown every target must be in the inventory: no database, nothing to queue.
  const store = await openStore(file, { mode: 'write', mustExist: !argv['allow-unknown'] });
  try {
    let targets: ActionTarget[];
    if (Array.isArray(input)) {
      targets = input;
    } else {
      const reader = await openStore(file, { mode: 'read' });
      try {
        targets = resolveTargets(reader.sqlite, input);
      } catch (e) {
        if (e instanceof TargetError) throw new UsageError(e.message);
        throw e;
      } finally {
        await reader.close();
      }
    }
    const result = enqueueActions(store.sqlite, {
      kind,
      targets,
      requestedBy: argv['requested-by'] ?? defaultRequester(),
      reason: argv.reason,
      notBefore,
      now: new Date(now).toISOString(),
    });
    const log = createLog();
    for (const d of result.duplicates) log.warn(`not queued: ${d.target.gatewayName}/${d.target.connectionName}/${d.target.linkConnectionName} already has ${kind} action #${d.existingId} (${d.status})`);
    if (argv.json) out(JSON.stringify({ queued: result.queued.map((q) => ({ id: q.id, link: q.target.linkId })), duplicates: result.duplicates.map((d) => ({ existingId: d.existingId, status: d.status, link: d.target.linkId })) }, null, 2));
    else for (const q of result.queued) out(`queued #${q.id} ${kind} ${q.target.gatewayName}/${q.target.connectionName}/${q.target.linkConnectionName}${notBefore ? ` (not before ${notBefore})` : ''}`);
  } finally {
    await store.close();
  }
}
