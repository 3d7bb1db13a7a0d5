/**
 * `npm run soak`: vpnsync's reliability evidence, re-runnable. Runs the fault matrix (pulls
 * against the emulator with randomized faults while the fleet mutates, each pull checked against
 * the emulator's truth), `kill -9` trials of `vpnsync pull` and `vpnsync queue run`, and the
 * bad-input corpus, all through the real CLI; prints the results table (Markdown) on stdout and
 * every violation on stderr; exits 1 if anything failed.
 *
 * Options: --trials N (faulted pulls, default 100), --action-trials N (queue runs with an action
 * ARM carried out and then answered badly, default 100), --kill-trials N (each of pull and queue run,
 * default 20), --seed S (default 1; the same seed draws the same fleets, faults and kill moments),
 * --no-corpus, --write-docs (replace the results table in docs/RELIABILITY.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCertificates } from '../emulator/index.js';
import { runBadInputCorpus } from './bad-input-corpus.js';
import { runActionFaultTrials } from './action-fault-trials.js';
import { runFaultTrials } from './fault-trials.js';
import { runPullKillTrials, runQueueKillTrials } from './kill-trials.js';
import { failureDetails, renderSoakTable, replaceResults, soakRows, type SoakResults } from './soak-report.js';

const argv = process.argv.slice(2);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The value of `--name N` as a whole number, or `fallback`. */
function count(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    log(`soak: expected ${name} to be a whole number, got '${argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return v;
}

const known = new Set(['--trials', '--action-trials', '--kill-trials', '--seed', '--no-corpus', '--write-docs']);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  if (!known.has(a)) {
    log(`soak: unknown option '${a}' (options: --trials N, --action-trials N, --kill-trials N, --seed S, --no-corpus, --write-docs)`);
    process.exit(2);
  }
  if (a === '--trials' || a === '--action-trials' || a === '--kill-trials' || a === '--seed') i++;
}

const trials = count('--trials', 100);
const actionTrials = count('--action-trials', 100);
const killTrials = count('--kill-trials', 20);
const seed = count('--seed', 1);
const certDir = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-tls-'));
await ensureCertificates(certDir);
// The pulls' fingerprint key file goes here, never into the config directory of whoever runs the soak.
const configDir = mkdtempSync(path.join(tmpdir(), 'vpnsync-soak-config-'));
process.env.XDG_CONFIG_HOME = configDir;
delete process.env.VPNSYNC_FINGERPRINT_KEY;
delete process.env.VPNSYNC_FINGERPRINT_KEY_FILE;
const began = Date.now();
const results: SoakResults = { seed };
try {
  log(`soak: seed ${seed}; ${trials} faulted pulls, ${actionTrials} queue runs with an action ARM carried out and then answered badly, ${killTrials} kill -9 trials each of pull and queue run${argv.includes('--no-corpus') ? '' : ', the bad-input corpus'}`);
  results.faults = await runFaultTrials({ seed, trials, certDir, log });
  results.actionFaults = await runActionFaultTrials({ seed, trials: actionTrials, certDir, log });
  results.pullKills = await runPullKillTrials({ seed, trials: killTrials, certDir, log });
  results.queueKills = await runQueueKillTrials({ seed, trials: killTrials, certDir, log });
  if (!argv.includes('--no-corpus')) results.corpus = await runBadInputCorpus({ certDir, log });
} finally {
  rmSync(certDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
}

const rows = soakRows(results);
const table = renderSoakTable(rows);
const minutes = ((Date.now() - began) / 60_000).toFixed(1);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
process.stdout.write(`${table}\n`);
const failures = failureDetails(results);
for (const f of failures) log(`FAILED ${f}`);
log(`soak: ${failures.length === 0 ? 'no failures' : `${failures.length} failures`} in ${minutes} min`);

if (argv.includes('--write-docs')) {
  const file = fileURLToPath(new URL('../../docs/RELIABILITY.md', import.meta.url));
  const section = `Run on ${new Date().toISOString().slice(0, 10)} with \`npm run soak -- --trials ${trials} --action-trials ${actionTrials} --kill-trials ${killTrials} --seed ${seed} --write-docs\` (${minutes} min on ${machine}).\n\n${table}`;
  writeFileSync(file, replaceResults(readFileSync(file, 'utf8'), section));
  log('soak: results written to docs/RELIABILITY.md');
}
process.exitCode = failures.length === 0 ? 0 : 1;
