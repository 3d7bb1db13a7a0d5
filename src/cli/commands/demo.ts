import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import type { Emulator, Mutation } from '../../emulator/index.js';
import { defaultDataDir, resolveDbPath } from '../database-path.js';
import { CliError, UsageError } from '../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { out } from '../output.js';
import { integerIn, NUMERIC } from '../validate.js';

const BIN = fileURLToPath(new URL('../../../bin/vpnsync.js', import.meta.url));
/** The demo's own database, next to the default one (in vpnsync's data folder), so a real inventory is never touched. */
export const DEMO_DB = 'demo.db';

export interface DemoArgs extends GlobalArgs {
  seed: number;
}

/** `vpnsync demo`: emulator in-process, pull, let the fleet change, pull again, show what happened. */
export const demoCommand: CommandModule<GlobalArgs, DemoArgs> = {
  command: 'demo',
  describe: 'Try vpnsync against the built-in ARM emulator: pull, change the fleet, pull again',
  builder: (y: Argv<GlobalArgs>) =>
    y.option('seed', { ...NUMERIC, default: 42, describe: 'Seed of the emulated fleet', coerce: integerIn('--seed', 0, 2 ** 31 - 1) }) as unknown as Argv<DemoArgs>,
  handler: async (argv) => {
    const dataDir = defaultDataDir();
    const db = argv.db ? resolveDbPath(argv.db) : path.join(dataDir, DEMO_DB);
    if (argv.db && existsSync(db)) throw new UsageError(`The demo writes a fresh database; ${db} already exists (choose a new --db, or omit it to use ${path.join(dataDir, DEMO_DB)})`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
    // The history commands ask for a few pulls' worth of traffic; the fleet moves between them.

    // Loaded here rather than at start-up: other commands need no emulator.
    const { startEmulator } = await import('../../emulator/index.js');
    const emulator = await startEmulator({ seed: argv.seed });
    // The demo's fingerprint key sits beside its database: a demo writes nothing into the
    // user's config directory, and its throw-away key never joins the real one.
    emulator.env.VPNSYNC_FINGERPRINT_KEY_FILE = path.join(path.dirname(db), 'demo-fingerprint.key');
    try {
      out(`vpnsync demo — a local ARM emulator stands in for Azure (seed ${argv.seed})`);
      out(`  emulator: ${emulator.url}`);
      out(`  database: ${db}\n`);
      out(`1. First pull: every link connection of the emulated tenant is fetched into SQLite.`);
      await vpnsync(emulator, ['pull', '--db', db]);

      const mutations = emulator.tick(3);
      out(`\n2. The fleet changes (three time steps): ${describeMutations(mutations)}.`);
      out(`\n3. Second pull: only what changed is recorded as new versions.`);
      await vpnsync(emulator, ['pull', '--db', db]);

      out(`\n4. What changed between the two pulls, field by field (vpnsync diff). The emulator packs three`);
      out(`   minutes of traffic into the second between the pulls, hence the implausible rates:`);
      await vpnsync(emulator, ['diff', '--db', db, '--field', 'connectionStatus,connectionBandwidth,routingWeight']);

      out(`\n5. Ask the local copy, with Azure out of the picture — links not connected, per gateway:`);
      await vpnsync(emulator, [
        'query',
        '--db',
        db,
        `SELECT gatewayName, count(*) AS links, sum(connectionStatus <> 'Connected') AS not_connected FROM vpn_link_connections GROUP BY gatewayName ORDER BY not_connected DESC LIMIT 5`,
      ]);

      const report = path.join(dataDir, 'demo-report.html');
      await vpnsyncTo(emulator, ['report', '--db', db, '--since', '1h', '-o', 'html'], report);
      out(`\n6. A change report with status timelines and traffic charts: ${report}`);

      out(`\nTry next:`);
      out(`  npx vpnsync diff --db ${db}                   # every changed field, added and removed links, traffic`);
      out(`  npx vpnsync snapshots --db ${db}`);
      out(`  npx vpnsync query --db ${db} "SELECT name, connectionStatus, connectionBandwidth FROM vpn_link_connections LIMIT 10"`);
      out(`  npx vpnsync query --db ${db} -o json "SELECT * FROM pulls"`);
      out(`  npx vpnsync emulator            # run the emulator yourself and point vpnsync (or any Azure SDK client) at it`);
      out(`  npx vpnsync --help`);
    } finally {
      await emulator.close();
    }
  },
};

/** Runs the real CLI in a child process with the emulator's environment (token service, CA, endpoint). */
async function vpnsync(emulator: Emulator, args: string[]): Promise<void> {
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...emulator.env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new CliError(`demo step 'vpnsync ${args[0]}' exited with ${code}`);
}

/** Like vpnsync(), with the child's stdout written to a file (0600, like everything vpnsync writes). */
async function vpnsyncTo(emulator: Emulator, args: string[], file: string): Promise<void> {
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(file, 'w', 0o600);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...emulator.env }, stdio: ['ignore', fd, 'inherit'] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new CliError(`demo step 'vpnsync ${args[0]}' exited with ${code}`);
  } finally {
    closeSync(fd);
  }
}

function describeMutations(mutations: readonly Mutation[]): string {
  const counts = new Map<string, number>();
  for (const m of mutations) if (m.kind !== 'counters') counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  const parts = [...counts.entries()].map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'only traffic counters moved';
}
