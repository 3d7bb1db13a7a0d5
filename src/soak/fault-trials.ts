import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type FaultKind, type RequestLogEntry } from '../emulator/index.js';
import { createRng, deriveSeed } from '../emulator/prng.js';
import { linkKey } from '../arm/resource-id.js';
import { drawFaultPlan, FAULT_CLASSES, type FaultClass } from './fault-plan.js';
import { checkPull, type DbBefore } from './pull-invariants.js';
import { currentRowsOf, integrityOf, pullsOf, readDb } from './soak-db.js';
import { runVpnsync } from './vpnsync-process.js';

/** Options of runFaultTrials. */
export interface FaultTrialOptions {
  seed: number;
  /** Faulted pulls to run. */
  trials: number;
  /** Faulted pulls per emulator and database (history builds up across them); default 5. */
  trialsPerRun?: number;
  /** Directory for the emulators' CA (reused); default a temp dir. */
  certDir?: string;
  log?: (line: string) => void;
}

/** What one faulted pull was and how it went. */
export interface FaultTrial {
  run: number;
  trial: number;
  /** The fault classes that hit at least one request. */
  fired: FaultClass[];
  strategy: 'links' | 'gateways';
  exitCode: number | undefined;
  status: string | undefined;
  failedScopes: number;
  seconds: number;
  violations: string[];
}

/** The result of a fault soak. */
export interface FaultTrialsResult {
  trials: FaultTrial[];
  /** Clean pulls after each run's faults: the database must then equal the emulator exactly. */
  convergence: { run: number; violations: string[] }[];
}

/** Mutation rates higher than the emulator's defaults, so that removals and additions happen between most pulls. */
const SOAK_MUTATION_RATES = { statusFlap: 0.05, configEdit: 0.05, counterReset: 0.02, linkRemove: 0.04, linkAdd: 0.04, connectionRemove: 0.04, connectionAdd: 0.1 };
/** Per-attempt timeout of the soak's pulls: hung responses cost a second, not thirty. */
export const SOAK_REQUEST_TIMEOUT_SECONDS = 1;

/**
 * The fault matrix: runs of `trialsPerRun` faulted pulls, each against one emulator and one
 * database, the fleet mutating between pulls. Every pull is checked with checkPull (see its
 * invariants); each run ends with a clean pull that must bring the database exactly to the
 * emulator's state, with history that never recorded a link removed that the emulator kept.
 */
export async function runFaultTrials(options: FaultTrialOptions): Promise<FaultTrialsResult> {
  const log = options.log ?? (() => undefined);
  const perRun = options.trialsPerRun ?? 5;
  const work = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-faults-'));
  const result: FaultTrialsResult = { trials: [], convergence: [] };
  try {
    for (let run = 0; result.trials.length < options.trials; run++) {
      const rng = createRng(deriveSeed(options.seed, 'fault-run', run));
      const requests: RequestLogEntry[] = [];
      const emulator = await startEmulator({
        seed: deriveSeed(options.seed, 'fleet', run) & 0x7fffffff,
        size: { subscriptions: 2, resourceGroupsPerSubscription: rng.int(1, 2), gatewaysPerResourceGroup: 2, connectionsPerGateway: rng.int(2, 4), linksPerConnection: 2.5 },
        pageSize: rng.int(2, 5),
        certDir: options.certDir,
        mutationRates: SOAK_MUTATION_RATES,
        onRequest: (e) => requests.push(e),
      });
      const db = path.join(work, `run-${run}.db`);
      try {
        const pull = async (strategy: 'links' | 'gateways', concurrency: number) => {
          const before: DbBefore = readDb(db, (d) => ({ pulls: pullsOf(d), rows: currentRowsOf(d) })) ?? { pulls: [], rows: new Map() };
          requests.length = 0;
          const r = await runVpnsync(['pull', '--db', db, '--json', '--request-timeout', String(SOAK_REQUEST_TIMEOUT_SECONDS), '--strategy', strategy, '--concurrency', String(concurrency)], emulator.env);
          const fired = [...new Set(requests.map((q) => q.fault).filter((f): f is FaultKind => f !== undefined))];
          const violations = checkPull({ run: r, dbFile: db, before, truth: emulator.links(), requests: [...requests], removedEver: removedLinks(emulator), strategy });
          const integrity = integrityOf(db);
          if (integrity !== 'ok') violations.push(`integrity_check: ${integrity}`);
          const latest = readDb(db, (d) => pullsOf(d).pop());
          return { r, fired, violations, latest };
        };

        // A clean first pull, then faulted pulls with the fleet moving in between.
        const first = await pull('links', 16);
        if (first.violations.length > 0 || first.r.code !== 0) result.convergence.push({ run, violations: [`first clean pull: exit ${String(first.r.code)}`, ...first.violations] });
        const trialsThisRun = Math.min(perRun, options.trials - result.trials.length);
        for (let t = 0; t < trialsThisRun; t++) {
          emulator.tick(rng.int(1, 3));
          const rules = drawFaultPlan(rng, emulator.links());
          const strategy = rng.chance(0.25) ? 'gateways' : 'links';
          const concurrency = rng.pick([1, 4, 16]);
          emulator.setFaults(rules);
          const began = performance.now();
          const { r, fired, violations, latest } = await pull(strategy, concurrency);
          emulator.setFaults([]);
          const trial: FaultTrial = {
            run,
            trial: result.trials.length + 1,
            fired: FAULT_CLASSES.filter((c) => fired.includes(c)),
            strategy,
            exitCode: r.code,
            status: latest?.status,
            failedScopes: latest?.scopes_failed ?? 0,
            seconds: (performance.now() - began) / 1000,
            violations,
          };
          result.trials.push(trial);
          log(
            `fault trial ${trial.trial}: ${trial.fired.join(', ') || 'no fault fired'} (${strategy}, concurrency ${concurrency}) → exit ${String(r.code)} ${trial.status ?? ''}, ${trial.failedScopes} scopes failed, ${trial.seconds.toFixed(1)} s` +
              (violations.length ? `\n  VIOLATIONS:\n  - ${violations.join('\n  - ')}\n  rules: ${JSON.stringify(rules)}` : ''),
          );
        }
        // The bad night is over: one clean pull must converge on the emulator exactly.
        emulator.tick(1);
        const last = await pull('links', 16);
        const violations = [...last.violations];
        if (last.r.code !== 0) violations.push(`the clean pull after the faults exited ${String(last.r.code)}`);
        violations.push(...convergenceViolations(db, emulator));
        result.convergence.push({ run, violations });
        log(`run ${run}: clean pull after the faults ${violations.length === 0 ? 'converged' : `VIOLATIONS:\n  - ${violations.join('\n  - ')}`}`);
      } finally {
        await emulator.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return result;
}

/** Lower-cased ids of every link the emulator removed (a removed connection records each of its links). */
export function removedLinks(emulator: Emulator): Set<string> {
  return new Set(emulator.mutations().filter((m) => (m.kind === 'link-removed' || m.kind === 'connection-removed') && m.linkId).map((m) => linkKey(m.linkId as string)));
}

/**
 * After a clean pull: the current table holds exactly the emulator's links, the state as of the
 * latest pull says the same, every link's latest version carries its current hash, and no
 * `deleted` version names a link the emulator did not remove.
 */
function convergenceViolations(db: string, emulator: Emulator): string[] {
  const truth = new Set(emulator.links().map((l) => linkKey(l.id)));
  const removed = removedLinks(emulator);
  return (
    readDb(db, (d) => {
      const v: string[] = [];
      const current = new Set(d.prepare('SELECT _key FROM vpn_link_connections').pluck().all() as string[]);
      const latest = d.prepare(`SELECT max(id) FROM pulls WHERE status = 'complete'`).pluck().get() as number;
      const asOf = new Set(d.prepare('SELECT _key FROM vpn_link_connections_as_of WHERE _as_of_pull = ?').pluck().all(latest) as string[]);
      for (const [name, set] of [['vpn_link_connections', current], ['vpn_link_connections_as_of', asOf]] as const) {
        const missing = [...truth].filter((k) => !set.has(k));
        const extra = [...set].filter((k) => !truth.has(k));
        if (missing.length || extra.length) v.push(`${name} as of pull #${latest}: ${missing.length} links missing, ${extra.length} extra (${[...missing, ...extra].slice(0, 3).join(', ')})`);
      }
      const stale = d
        .prepare(
          `SELECT c._key FROM vpn_link_connections c
           WHERE c._hash IS NOT (SELECT v._hash FROM vpn_link_connection_versions v WHERE v._key = c._key ORDER BY v._pull_id DESC LIMIT 1)`,
        )
        .pluck()
        .all() as string[];
      if (stale.length) v.push(`${stale.length} links whose latest version is not their current state (${stale.slice(0, 3).join(', ')})`);
      const wrongDeletes = (d.prepare(`SELECT DISTINCT _key FROM vpn_link_connection_versions WHERE _kind = 'deleted'`).pluck().all() as string[]).filter((k) => !removed.has(k));
      if (wrongDeletes.length) v.push(`deleted versions of links the emulator never removed: ${wrongDeletes.slice(0, 3).join(', ')}`);
      const running = d.prepare(`SELECT count(*) FROM pulls WHERE status = 'running'`).pluck().get() as number;
      if (running) v.push(`${running} pulls still running`);
      return v;
    }) ?? ['the database does not exist']
  );
}
