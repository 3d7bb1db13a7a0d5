/**
 * The queue's half of the fault matrix: `vpnsync queue run` against actions that ARM carried out
 * and then answered badly (a 5xx with Retry-After, a dropped connection, a hung answer, a 202
 * with no URL to poll), one such action per trial, beside others that meet ARM's other answers
 * (a plain 429, a busy refusal, a failed operation, a status URL that cannot be read, or none).
 * The one promise checked above all: no action is ever carried out twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { ACTED_FAULTS, type FaultRule } from '../emulator/faults.js';
import { LRO_POLLING_MODES } from '../emulator/lro.js';
import { createRng, deriveSeed, type Rng } from '../emulator/prng.js';
import { processViolations } from './kill-trials.js';
import { integrityOf, readDb } from './soak-db.js';
import { runVpnsync } from './vpnsync-process.js';

/** What went wrong for the trial's acted-on action. */
export type ActedFault = (typeof ACTED_FAULTS)[number];

/** What the other actions of a trial meet. */
export const SIDE_ANSWERS = ['none', 'throttled', 'busy', 'operation-failed', 'status-unreadable'] as const;
export type SideAnswer = (typeof SIDE_ANSWERS)[number];

/** One trial. */
export interface ActionFaultTrial {
  trial: number;
  fault: ActedFault;
  side: SideAnswer;
  polling: string;
  /** Actions queued in the trial. */
  actions: number;
  /** Largest number of times ARM carried out one queued action (must be 1 at most). */
  maxCarriedOut: number;
  violations: string[];
}

export interface ActionFaultTrialOptions {
  seed: number;
  trials: number;
  certDir?: string;
  log?: (line: string) => void;
}

interface ActionRow {
  id: number;
  kind: 'reset' | 'ike-sas';
  link_key: string;
  status: string;
  error_code: string | null;
}

const ACTION_OF = { reset: 'resetconnection', 'ike-sas': 'getikesas' } as const;

/**
 * Runs the trials. Each: a small fleet, a pull, two to four actions queued on links of different
 * VPN connections (resets and IKE SA queries), the acted fault on the first (trials cycle
 * through the four kinds), a side answer on the second, then `queue run` twice. Checks: each
 * queued action carried out at most once by ARM and POSTed at most once (the emulator's counts);
 * the acted-on action failed as OutcomeUnknown, saying it is not sent again; the others
 * succeeded, or ended as their side answer says (queued again, ARM's code, OutcomeUnknown);
 * the second run sent nothing for an ended action; integrity_check ok.
 */
export async function runActionFaultTrials(options: ActionFaultTrialOptions): Promise<ActionFaultTrial[]> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-actions-'));
  const results: ActionFaultTrial[] = [];
  try {
    for (let i = 0; i < options.trials; i++) {
      const rng = createRng(deriveSeed(options.seed, 'action-faults', i));
      const fault = ACTED_FAULTS[i % ACTED_FAULTS.length] as ActedFault;
      const side = rng.pick(SIDE_ANSWERS);
      const polling = rng.pick(LRO_POLLING_MODES);
      const emulator = await startEmulator({
        seed: deriveSeed(options.seed, 'action-faults-fleet', i) & 0x7fffffff,
        size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 3, linksPerConnection: 2 },
        lro: { polls: rng.int(0, 2), retryAfterSeconds: 0, polling },
        latency: { fixedMs: 2, jitterMs: 5 },
        ...(options.certDir ? { certDir: options.certDir } : {}),
      });
      const db = path.join(work, `actions-${i}.db`);
      const v: string[] = [];
      let queued: { id: string; kind: 'reset' | 'ike-sas' }[] = [];
      try {
        v.push(...processViolations('pull', await runVpnsync(['pull', '--db', db], emulator.env), [0]));
        queued = pickTargets(emulator, rng);
        for (const kind of ['reset', 'ike-sas'] as const) {
          const ids = queued.filter((q) => q.kind === kind).map((q) => q.id);
          if (ids.length > 0) v.push(...processViolations(`queue ${kind}`, await runVpnsync(['queue', kind, ...ids, '--db', db], emulator.env), [0]));
        }
        const [acted, other] = queued;
        emulator.setFaults([actedRule(fault, acted!), ...sideRules(side, other!)]);
        const first = await runVpnsync(['queue', 'run', '--db', db, '--request-timeout', '2'], emulator.env, { timeoutMs: 120_000 });
        v.push(...processViolations('queue run', first, [0, 1]));
        const postsAfterFirst = emulator.stats().postsByLink;
        const second = await runVpnsync(['queue', 'run', '--db', db, '--request-timeout', '2'], emulator.env, { timeoutMs: 120_000 });
        v.push(...processViolations('second queue run', second, [0, 1]));

        const stats = emulator.stats();
        const rows = readDb(db, (d) => d.prepare('SELECT id, kind, link_key, status, error_code FROM actions ORDER BY id').all() as ActionRow[]) ?? [];
        let maxCarriedOut = 0;
        for (const q of queued) {
          const key = q.id.toLowerCase();
          const action = ACTION_OF[q.kind];
          const carried = stats.actionsByLink[key]?.[action] ?? 0;
          maxCarriedOut = Math.max(maxCarriedOut, carried);
          if (carried > 1) v.push(`${q.kind} of ${q.id}: ARM carried it out ${carried} times`);
          const row = rows.find((r) => r.link_key === key.replace('/vpnsitelinkconnections/', '/vpnlinkconnections/') && r.kind === q.kind);
          if (!row) {
            v.push(`${q.kind} of ${q.id}: no action row`);
            continue;
          }
          const ended = row.status === 'succeeded' || row.status === 'failed';
          if (ended && (stats.postsByLink[key]?.[action] ?? 0) !== (postsAfterFirst[key]?.[action] ?? 0)) v.push(`#${row.id}: POSTed again by a second run after it had ended`);
          // Unreadable status URLs strike every accepted action of the trial (their URLs are not known in advance).
          const expected =
            q === acted || side === 'status-unreadable'
              ? 'unknown'
              : q === other && side !== 'none' && side !== 'throttled'
                ? sideOutcome(side)
                : // An IKE SA query answered with a status URL only has no URL to read its result from.
                  q.kind === 'ike-sas' && polling === 'azure-async-operation'
                  ? 'failed:ResultUnavailable'
                  : 'succeeded';
          const got = row.status === 'failed' && row.error_code === 'OutcomeUnknown' ? 'unknown' : row.status === 'failed' ? `failed:${row.error_code ?? ''}` : row.status;
          if (expected !== got) v.push(`#${row.id} (${q === acted ? fault : q === other ? side : 'no fault'}): expected ${expected}, got ${got}`);
          if (q === acted && (stats.postsByLink[key]?.[action] ?? 0) !== 1) v.push(`#${row.id}: POSTed ${stats.postsByLink[key]?.[action] ?? 0} times`);
        }
        const integrity = integrityOf(db);
        if (integrity !== 'ok') v.push(`integrity_check: ${integrity}`);
        results.push({ trial: i, fault, side, polling, actions: queued.length, maxCarriedOut, violations: v });
      } catch (e) {
        results.push({ trial: i, fault, side, polling, actions: queued.length, maxCarriedOut: 0, violations: [...v, `trial crashed: ${(e as Error).message}`] });
      } finally {
        await emulator.close();
        rmSync(db, { force: true });
        for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });
      }
      const last = results[results.length - 1]!;
      log(`action fault trial ${i + 1}/${options.trials}: ${fault} + ${side} (${polling}), ${last.actions} actions: ${last.violations.length === 0 ? 'ok' : last.violations.join('; ')}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** Two to four links of different VPN connections, each with an action kind. */
function pickTargets(emulator: Emulator, rng: Rng): { id: string; kind: 'reset' | 'ike-sas' }[] {
  const byConnection = new Map<string, string>();
  for (const l of emulator.links()) if (l.properties.connectionStatus === 'Connected') byConnection.set(`${l.gatewayName}/${l.connectionName}`, l.id);
  const ids = [...byConnection.values()].slice(0, rng.int(2, 4));
  return ids.map((id) => ({ id, kind: rng.chance(0.6) ? 'reset' : 'ike-sas' }));
}

/** The acted fault on one action's POST path. */
function actedRule(fault: ActedFault, target: { id: string; kind: 'reset' | 'ike-sas' }): FaultRule {
  return { kind: fault, match: `${target.id.toLowerCase()}/${ACTION_OF[target.kind]}`, count: 1, ...(fault === 'acted-5xx' ? { status: 503, retryAfterSeconds: 1 } : {}) };
}

/** The side answer's rules for another action (its POST, or its operation's status URL). */
function sideRules(side: SideAnswer, target: { id: string; kind: 'reset' | 'ike-sas' }): FaultRule[] {
  const post = `${target.id.toLowerCase()}/${ACTION_OF[target.kind]}`;
  switch (side) {
    case 'throttled':
      return [{ kind: '429', match: post, count: 2, retryAfterSeconds: 1 }];
    case 'busy':
      return [{ kind: 'busy', match: post, count: 1, retryAfterSeconds: 600 }];
    case 'operation-failed':
      return [{ kind: 'lro-failure', match: post, status: 409, code: 'VpnLinkConnectionOperationFailed', message: 'The operation failed.' }];
    case 'status-unreadable':
      // A status URL is known only once ARM accepted the action, so every status read of the
      // trial fails (the acted-on action, which got no usable answer, never polls).
      return [{ kind: '404', match: '/operations/' }, { kind: '404', match: '/operationresults/' }];
    default:
      return [];
  }
}

/** How the side action must end. */
function sideOutcome(side: SideAnswer): string {
  switch (side) {
    case 'busy':
      return 'queued';
    case 'operation-failed':
      return 'failed:VpnLinkConnectionOperationFailed';
    default:
      return 'succeeded';
  }
}
