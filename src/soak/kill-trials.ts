import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startEmulator, type EmulatorOptions } from '../emulator/index.js';
import { createRng, deriveSeed, type Rng } from '../emulator/prng.js';
import { integrityOf, pullsOf, readDb } from './soak-db.js';
import { runVpnsync, type VpnsyncRun } from './vpnsync-process.js';

/** Options of the kill trials. */
export interface KillTrialOptions {
  seed: number;
  trials: number;
  certDir?: string;
  log?: (line: string) => void;
}

/** One `kill -9` trial. */
export interface KillTrial {
  trial: number;
  /** ms after spawn at which SIGKILL was sent. */
  killAtMs: number;
  /** Where the process was when it died (read from the database it left). */
  phase: string;
  violations: string[];
}

const SOAK_MUTATION_RATES = { statusFlap: 0.05, configEdit: 0.05, counterReset: 0.02, linkRemove: 0.04, linkAdd: 0.04, connectionRemove: 0.04, connectionAdd: 0.1 };

/** A uniformly random moment in [from, to] ms. */
function moment(rng: Rng, from: number, to: number): number {
  return Math.round(from + rng.next() * Math.max(0, to - from));
}

/**
 * Starts a vpnsync process (`start`) and kills it as the emulator signals the `nth` event of a
 * kind: `listen` installs the listener the emulator's hook calls (and removes it, given
 * undefined). Returns the run and when the kill was sent, in ms after the start (0 if the
 * event never came).
 */
async function killOnEvent(
  nth: number,
  listen: (listener: (() => void) | undefined) => void,
  start: (onSpawn: (kill: () => void) => void) => Promise<VpnsyncRun>,
): Promise<{ run: VpnsyncRun; killAtMs: number }> {
  const began = performance.now();
  let seen = 0;
  let killAtMs = 0;
  try {
    const run = await start((kill) =>
      listen(() => {
        if (++seen !== nth) return;
        killAtMs = Math.round(performance.now() - began);
        kill();
      }),
    );
    return { run, killAtMs };
  } finally {
    listen(undefined);
  }
}

/** Checks common to every process the soak runs: it ended by itself with a known code, with no stack trace. */
export function processViolations(what: string, r: VpnsyncRun, codes: readonly number[]): string[] {
  const v: string[] = [];
  if (r.timedOut) v.push(`${what} did not finish in time`);
  else if (r.code === undefined || !codes.includes(r.code)) v.push(`${what} exited ${String(r.code)}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  if (/^\s+at /m.test(r.stderr)) v.push(`${what}: a stack trace on stderr`);
  return v;
}

/**
 * `kill -9` of `vpnsync pull` at a random moment (in one trial of four, as the emulator answers
 * the pull's last request, so that it dies while recording): database A's pull is killed, then pulled
 * again; database B pulls the same fleet states without a kill. Checks: integrity_check ok; a
 * killed pull left `running` is cleared by the next pull, with a message, and marked failed;
 * none stays running; and once the next pull completed, A's history (every version, the current
 * table and the byte counter samples, each keyed by the fleet state it recorded) is identical to
 * B's, also after one more mutate-and-pull round.
 */
export async function runPullKillTrials(options: KillTrialOptions): Promise<KillTrial[]> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-kill-pull-'));
  const results: KillTrial[] = [];
  try {
    for (let i = 0; i < options.trials; i++) {
      const rng = createRng(deriveSeed(options.seed, 'pull-kill', i));
      const times: number[] = [];
      let onAnswer: (() => void) | undefined;
      const emulator = await startEmulator({
        seed: deriveSeed(options.seed, 'pull-kill-fleet', i) & 0x7fffffff,
        size: { subscriptions: 2, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2, connectionsPerGateway: rng.int(2, 4) },
        pageSize: 3,
        latency: { fixedMs: 15, jitterMs: 25 },
        certDir: options.certDir,
        mutationRates: SOAK_MUTATION_RATES,
        onRequest: () => {
          times.push(performance.now());
          onAnswer?.();
        },
      });
      const a = path.join(work, `a-${i}.db`);
      const b = path.join(work, `b-${i}.db`);
      // Which fleet state (emulator step) each pull of each database saw.
      const stepOf = { a: new Map<number, number>(), b: new Map<number, number>() };
      let step = 0;
      const v: string[] = [];
      const lastPullId = (db: string) => readDb(db, (d) => pullsOf(d).pop()?.id);
      const pull = async (which: 'a' | 'b', extra: { killAfterMs?: number; onSpawn?: (kill: () => void) => void } = {}) => {
        const db = which === 'a' ? a : b;
        const r = await runVpnsync(['pull', '--db', db, '--concurrency', '4'], emulator.env, extra);
        const id = lastPullId(db);
        if (id !== undefined && !stepOf[which].has(id)) stepOf[which].set(id, step);
        return r;
      };
      let killAtMs = 0;
      let phase = 'unknown';
      try {
        const killFirst = rng.chance(0.3);
        if (!killFirst) {
          v.push(...processViolations('baseline pull A', await pull('a'), [0]), ...processViolations('baseline pull B', await pull('b'), [0]));
        }
        const steps = rng.int(1, 3);
        emulator.tick(steps);
        step += steps;
        // The control pull on B shows how long a pull takes and when it starts talking to ARM.
        times.length = 0;
        const spawned = performance.now();
        const control = await pull('b');
        v.push(...processViolations('control pull B', control, [0]));
        const firstRequest = (times[0] ?? spawned) - spawned;
        const requests = times.length;
        const before = readDb(a, (d) => pullsOf(d)) ?? [];
        let killed: VpnsyncRun;
        if (rng.chance(0.25)) {
          // As the emulator answers the pull's last request: the kill lands while the pull
          // records what it fetched (its one transaction), or just after.
          ({ run: killed, killAtMs } = await killOnEvent(requests, (f) => (onAnswer = f), (onSpawn) => pull('a', { onSpawn })));
        } else {
          killAtMs = moment(rng, firstRequest * 0.5, control.ms * 0.9);
          killed = await pull('a', { killAfterMs: killAtMs });
        }
        const afterKill = readDb(a, (d) => pullsOf(d)) ?? [];
        const left = afterKill.filter((p) => !before.some((q) => q.id === p.id));
        phase = !killed.killed ? 'finished before the kill' : left.length === 0 ? (existsSync(a) ? 'before taking the lock' : 'before creating the database') : left[0]?.status === 'running' ? 'pull running (lock held)' : `after the pull's commit`;
        const integrity = integrityOf(a);
        if (integrity !== 'ok' && integrity !== 'absent') v.push(`integrity_check after the kill: ${integrity}`);

        const recovery = await pull('a');
        v.push(...processViolations('the pull after the kill', recovery, [0]));
        const stale = left.find((p) => p.status === 'running');
        if (stale) {
          if (!new RegExp(`cleared the lock of pull #${stale.id}: process ${stale.pid ?? '\\d+'} is no longer running; that pull is marked failed`).test(recovery.stderr)) v.push(`the next pull did not say it cleared pull #${stale.id}'s lock`);
          const row = readDb(a, (d) => pullsOf(d).find((p) => p.id === stale.id));
          if (row?.status !== 'failed' || !/stopped before the pull finished/.test(row.error_summary ?? '')) v.push(`the killed pull #${stale.id} is ${row?.status ?? 'gone'} (${row?.error_summary ?? ''}), not failed with a reason`);
        }
        v.push(...compareHistories(a, b, stepOf.a, stepOf.b, 'after the recovery pull'));

        // One more round: the histories stay identical.
        const more = rng.int(1, 3);
        emulator.tick(more);
        step += more;
        v.push(...processViolations('next pull A', await pull('a'), [0]), ...processViolations('next pull B', await pull('b'), [0]));
        v.push(...compareHistories(a, b, stepOf.a, stepOf.b, 'one round later'));
        if ((readDb(a, (d) => pullsOf(d).filter((p) => p.status === 'running').length) ?? 0) > 0) v.push('a pull is still running');
        const end = integrityOf(a);
        if (end !== 'ok') v.push(`integrity_check at the end: ${end}`);
      } catch (e) {
        v.push(`trial aborted: ${(e as Error).message}`);
      } finally {
        await emulator.close();
      }
      results.push({ trial: i + 1, killAtMs, phase, violations: v });
      log(`pull kill trial ${i + 1}: kill -9 at ${killAtMs} ms (${phase})${v.length ? `\n  VIOLATIONS:\n  - ${v.join('\n  - ')}` : ': history identical'}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** A database's history keyed by fleet state rather than pull id: versions, current rows, traffic samples. */
function historyByStep(db: string, stepOf: Map<number, number>): { versions: string[]; current: string[]; traffic: string[] } {
  const step = (id: unknown) => stepOf.get(Number(id)) ?? `pull#${String(id)}`;
  return (
    readDb(db, (d) => ({
      versions: (d.prepare('SELECT _key, _pull_id, _kind, _hash, _changed_columns FROM vpn_link_connection_versions').all() as Record<string, unknown>[])
        .map((r) => JSON.stringify([r._key, step(r._pull_id), r._kind, r._hash, r._changed_columns]))
        .sort(),
      current: (d.prepare('SELECT * FROM vpn_link_connections').all() as Record<string, unknown>[])
        .map((r) => JSON.stringify({ ...r, _first_seen_pull: step(r._first_seen_pull), _last_seen_pull: step(r._last_seen_pull) }))
        .sort(),
      // A pull killed after its commit and the next pull sample the same state twice: compare distinct samples.
      traffic: [...new Set((d.prepare('SELECT pull_id, _key, ingress_bytes, egress_bytes FROM vpn_link_connection_traffic').all() as Record<string, unknown>[]).map((r) => JSON.stringify([r._key, step(r.pull_id), r.ingress_bytes, r.egress_bytes])))].sort(),
    })) ?? { versions: [], current: [], traffic: [] }
  );
}

function compareHistories(a: string, b: string, stepsA: Map<number, number>, stepsB: Map<number, number>, when: string): string[] {
  const ha = historyByStep(a, stepsA);
  const hb = historyByStep(b, stepsB);
  const v: string[] = [];
  for (const part of ['versions', 'current', 'traffic'] as const) {
    const sa = new Set(ha[part]);
    const sb = new Set(hb[part]);
    const onlyA = ha[part].filter((x) => !sb.has(x));
    const onlyB = hb[part].filter((x) => !sa.has(x));
    if (onlyA.length || onlyB.length) v.push(`${when}: ${part} differ from the run without the kill (${onlyA.length} only in the killed run, ${onlyB.length} only in the other; e.g. ${(onlyA[0] ?? onlyB[0] ?? '').slice(0, 160)})`);
  }
  return v;
}

/** Emulator options of a queue trial: two emulators built alike serve the same fleet. */
function queueEmulatorOptions(seed: number, seconds: number, certDir: string | undefined, now: () => number): EmulatorOptions {
  // Operations end by time (seconds on the emulator's clock), as ARM's do, polled or not.
  return { seed, size: { subscriptions: 1, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 2, connectionsPerGateway: 3, linksPerConnection: 3 }, lro: { seconds, retryAfterSeconds: 1 }, latency: { fixedMs: 5, jitterMs: 10 }, certDir, now };
}

interface ActionRow {
  id: number;
  kind: 'reset' | 'ike-sas';
  link_key: string;
  status: string;
  error_code: string | null;
  posted_at: string | null;
  poller_state: string | null;
}

/**
 * `kill -9` of `vpnsync queue run` at a random moment (in three trials of ten, as ARM answers one
 * of its POSTs, so that it dies between sending a POST and saving the answer). The same queue
 * (resets, two of them on one VPN connection, and IKE SA queries) runs on database A, killed and
 * then run again until nothing more happens — and, where resets wait behind one whose outcome is
 * unknown, once more an hour later (the emulator's clock and the POST times moved on) — and on a
 * copy B against a second, identical emulator without a kill.
 * Checks: integrity_check ok; a dead runner's lock cleared with a message; no run stays running;
 * no action POSTed twice (the emulator's count per link and action, and one `posting` event per
 * action); every action ends succeeded, or failed as OutcomeUnknown only when the kill fell
 * between its POST and saving ARM's answer; what succeeded in A succeeded in B, IKE SA results
 * alike; and resets of one connection never overlapped.
 */
export async function runQueueKillTrials(options: KillTrialOptions): Promise<KillTrial[]> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-kill-queue-'));
  const results: KillTrial[] = [];
  try {
    for (let i = 0; i < options.trials; i++) {
      const rng = createRng(deriveSeed(options.seed, 'queue-kill', i));
      const fleetSeed = deriveSeed(options.seed, 'queue-kill-fleet', i) & 0x7fffffff;
      const seconds = rng.int(1, 2);
      const times: number[] = [];
      let onPostAnswered: (() => void) | undefined;
      // A's emulator clock can be moved on (see "an hour later" below).
      let shift = 0;
      const ea = await startEmulator({ ...queueEmulatorOptions(fleetSeed, seconds, options.certDir, () => Date.now() + shift), onRequest: (e) => e.method === 'POST' && onPostAnswered?.() });
      const eb = await startEmulator({ ...queueEmulatorOptions(fleetSeed, seconds, options.certDir, Date.now), onRequest: (e) => e.method === 'POST' && times.push(performance.now()) });
      const a = path.join(work, `a-${i}.db`);
      const b = path.join(work, `b-${i}.db`);
      const v: string[] = [];
      let killAtMs = 0;
      let phase = 'unknown';
      try {
        v.push(...processViolations('pull', await runVpnsync(['pull', '--db', a], ea.env), [0]));
        // Targets: two links of one connection (resets that must not overlap), resets and IKE SA queries elsewhere.
        const byConnection = new Map<string, string[]>();
        for (const l of ea.links()) byConnection.set(`${l.gatewayName}/${l.connectionName}`, [...(byConnection.get(`${l.gatewayName}/${l.connectionName}`) ?? []), l.id]);
        const connections = [...byConnection.values()].filter((ids) => ids.length >= 2);
        const [siblings, ...others] = connections;
        const resets = [...(siblings ?? []).slice(0, 2), ...others.slice(0, rng.int(1, 2)).map((ids) => ids[0] as string)];
        const ikeSas = others.slice(2, 2 + rng.int(1, 2)).map((ids) => ids[1] as string);
        v.push(...processViolations('queue reset', await runVpnsync(['queue', 'reset', ...resets, '--db', a], ea.env), [0]));
        v.push(...processViolations('queue ike-sas', await runVpnsync(['queue', 'ike-sas', ...ikeSas, '--db', a], ea.env), [0]));
        for (const suffix of ['', '-wal']) if (existsSync(a + suffix)) copyFileSync(a + suffix, b + suffix);

        const spawned = performance.now();
        const control = await runVpnsync(['queue', 'run', '--db', b, '--request-timeout', '5'], eb.env);
        v.push(...processViolations('control queue run', control, [0]));
        const firstPost = (times[0] ?? spawned) - spawned;
        let killed: VpnsyncRun;
        if (rng.chance(0.3)) {
          // As ARM answers one of the POSTs: the runner has sent it and may not have saved the
          // answer yet, the one moment where a second POST would be easy to send by mistake.
          const nth = rng.int(1, times.length);
          ({ run: killed, killAtMs } = await killOnEvent(nth, (f) => (onPostAnswered = f), (onSpawn) =>
            runVpnsync(['queue', 'run', '--db', a, '--request-timeout', '5'], ea.env, { onSpawn }),
          ));
        } else {
          killAtMs = moment(rng, firstPost * 0.5, control.ms * 0.9);
          killed = await runVpnsync(['queue', 'run', '--db', a, '--request-timeout', '5'], ea.env, { killAfterMs: killAtMs });
        }
        phase = killed.killed ? queuePhase(a) : 'finished before the kill';
        const integrity = integrityOf(a);
        if (integrity !== 'ok') v.push(`integrity_check after the kill: ${integrity}`);
        const staleRun = readDb(a, (d) => d.prepare(`SELECT id, pid FROM queue_runs WHERE status = 'running'`).get() as { id: number; pid: number } | undefined);

        // Run again until nothing more happens (an operation still running at ARM may need a second run).
        const openActions = () => readDb(a, (d) => d.prepare(`SELECT id, kind, link_key, status, error_code, posted_at, poller_state FROM actions WHERE status IN ('queued', 'running')`).all() as ActionRow[]) ?? [];
        for (let attempt = 0, before = -1; attempt < 3; attempt++) {
          const again = await runVpnsync(['queue', 'run', '--db', a, '--request-timeout', '5'], ea.env);
          v.push(...processViolations('queue run after the kill', again, [0, 1]));
          if (attempt === 0 && staleRun && !new RegExp(`cleared the lock of queue run #${staleRun.id}: process ${staleRun.pid} is no longer running`).test(again.stderr)) {
            v.push(`the next queue run did not say it cleared run #${staleRun.id}'s lock`);
          }
          const open = openActions().length;
          if (open === 0 || open === before) break;
          before = open;
        }
        // Resets of a connection whose reset has an unknown outcome wait an hour after its POST.
        // Let that hour pass (A's emulator clock and the POST times in A's database), then they run.
        const waiting = openActions();
        if (waiting.length > 0) {
          const unknownConnections = readDb(a, (d) => (d.prepare(`SELECT link_key FROM actions WHERE kind = 'reset' AND error_code = 'OutcomeUnknown'`).pluck().all() as string[]).map(connectionOfLink)) ?? [];
          for (const w of waiting) if (w.kind !== 'reset' || !unknownConnections.includes(connectionOfLink(w.link_key))) v.push(`action #${w.id} (${w.kind}) still ${w.status} after the runs, with nothing to wait for`);
          shift += 61 * 60_000;
          const d = new BetterSqlite3(a);
          d.prepare(`UPDATE actions SET posted_at = strftime('%Y-%m-%dT%H:%M:%fZ', posted_at, '-61 minutes') WHERE error_code = 'OutcomeUnknown'`).run();
          d.close();
          const later = await runVpnsync(['queue', 'run', '--db', a, '--request-timeout', '5'], ea.env);
          v.push(...processViolations('queue run an hour later', later, [0]));
          if (openActions().length > 0) v.push(`${openActions().length} actions still queued or running an hour later`);
        }

        const actionsA = readDb(a, (d) => d.prepare('SELECT id, kind, link_key, status, error_code, posted_at, poller_state FROM actions ORDER BY id').all() as ActionRow[]) ?? [];
        const actionsB = new Map((readDb(b, (d) => d.prepare('SELECT id, kind, link_key, status, error_code, posted_at, poller_state FROM actions ORDER BY id').all() as ActionRow[]) ?? []).map((r) => [r.id, r]));
        const events = readDb(a, (d) => d.prepare(`SELECT action_id, event FROM action_events`).all() as { action_id: number; event: string }[]) ?? [];
        const ikeA = new Map((readDb(a, (d) => d.prepare('SELECT action_id, parsed FROM ike_sas').all() as { action_id: number; parsed: string }[]) ?? []).map((r) => [r.action_id, r.parsed]));
        const ikeB = new Map((readDb(b, (d) => d.prepare('SELECT action_id, parsed FROM ike_sas').all() as { action_id: number; parsed: string }[]) ?? []).map((r) => [r.action_id, r.parsed]));
        const statsA = ea.stats();
        for (const act of actionsA) {
          const posts = statsA.postsByLink[act.link_key]?.[act.kind === 'reset' ? 'resetconnection' : 'getikesas'] ?? 0;
          const postingEvents = events.filter((e) => e.action_id === act.id && e.event === 'posting').length;
          const label = `action #${act.id} (${act.kind})`;
          if (posts > 1) v.push(`${label} was POSTed ${posts} times`);
          if (postingEvents > 1) v.push(`${label} has ${postingEvents} posting events`);
          if (act.status === 'succeeded') {
            if (posts !== 1) v.push(`${label} succeeded with ${posts} POSTs`);
            if (actionsB.get(act.id)?.status !== 'succeeded') v.push(`${label} succeeded only in the killed run`);
            // The emulator's IKE SA numbers depend on the order operations finish in, so compare what they say, not the digits.
            if (act.kind === 'ike-sas' && ikeShape(ikeA.get(act.id)) !== ikeShape(ikeB.get(act.id))) v.push(`${label}: IKE SA result ${ikeShape(ikeA.get(act.id))}, without the kill ${ikeShape(ikeB.get(act.id))}`);
          } else if (!(act.status === 'failed' && act.error_code === 'OutcomeUnknown' && act.posted_at !== null)) {
            v.push(`${label} ended ${act.status} ${act.error_code ?? ''} (only OutcomeUnknown after a POST may fail)`);
          }
        }
        for (const [id, act] of actionsB) if (act.status !== 'succeeded') v.push(`action #${id} did not succeed in the run without the kill (${act.status} ${act.error_code ?? ''})`);
        const resetConnections = new Set(resets.map((id) => id.toLowerCase().replace(/\/vpnlinkconnections\/[^/]+$/, '')));
        for (const conn of resetConnections) if ((statsA.maxInFlightActionsPerConnection[conn] ?? 0) > 1) v.push(`two actions ran at once on ${conn}`);
        const running = readDb(a, (d) => d.prepare(`SELECT count(*) FROM queue_runs WHERE status = 'running'`).pluck().get() as number) ?? 0;
        if (running > 0) v.push(`${running} queue runs still running`);
        const end = integrityOf(a);
        if (end !== 'ok') v.push(`integrity_check at the end: ${end}`);
      } catch (e) {
        v.push(`trial aborted: ${(e as Error).message}`);
      } finally {
        await Promise.all([ea.close(), eb.close()]);
      }
      results.push({ trial: i + 1, killAtMs, phase, violations: v });
      log(`queue kill trial ${i + 1}: kill -9 at ${killAtMs} ms (${phase})${v.length ? `\n  VIOLATIONS:\n  - ${v.join('\n  - ')}` : ': no POST twice, outcomes as without the kill'}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** The lower-cased connection id of a link key. */
function connectionOfLink(linkKey: string): string {
  return linkKey.replace(/\/vpnlinkconnections\/[^/]+$/, '');
}

/** What an IKE SA result says: its status and how many SAs, or 'none stored'. */
function ikeShape(parsed: string | undefined): string {
  if (parsed === undefined) return 'none stored';
  try {
    const r = JSON.parse(parsed) as { Status?: unknown; Data?: unknown };
    return `${String(r.Status)} with ${Array.isArray(r.Data) ? `${r.Data.length} SAs` : 'no data'}`;
  } catch {
    return 'not JSON';
  }
}

/** Where a killed runner was, from what it left in the database. */
function queuePhase(db: string): string {
  return (
    readDb(db, (d) => {
      const run = d.prepare(`SELECT status FROM queue_runs ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
      if (run === undefined) return 'before taking the lock';
      if (run !== 'running') return 'after the run finished';
      const rows = d.prepare(`SELECT status, posted_at, poller_state FROM actions`).all() as ActionRow[];
      if (rows.some((r) => r.status === 'running' && r.posted_at !== null && r.poller_state === null)) return "between a POST and saving ARM's answer";
      if (rows.some((r) => r.status === 'running' && r.poller_state !== null)) return 'while polling';
      if (rows.some((r) => r.status === 'succeeded' || r.status === 'failed')) return 'between actions';
      return 'before the first POST';
    }) ?? 'before creating the database'
  );
}
