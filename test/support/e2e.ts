import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { runCli, type CliResult } from './run-cli.js';
import { useTempDir } from './temp-dir.js';

/** An emulator plus a database path, and the real CLI pointed at both. */
export interface E2eContext {
  emulator: Emulator;
  db: string;
  dir: string;
  /** Runs `vpnsync <args> --db <db>` against the emulator (its env: token service, CA, endpoint). */
  vpnsync(args: readonly string[], extra?: { env?: Record<string, string | undefined>; db?: string }): Promise<CliResult>;
  /** Rows of a query on the database (a separate read-only connection, closed after use). */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
}

/**
 * For e2e test files: `const start = useE2e()`, then `const ctx = await start({...})` in a test.
 * Emulators share the test run's CA (global-setup) and are closed after each test.
 */
export function useE2e(): (options?: EmulatorOptions) => Promise<E2eContext> {
  const tempDir = useTempDir('vpnsync-e2e-');
  const open: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
  });
  return async (options = {}) => {
    // ARM's 202s say Retry-After 10 s or more, and vpnsync waits as told; tests that do not set
    // their own operation timing poll every second so that a queue run takes seconds, not minutes.
    const emulator = await startEmulator({ certDir: process.env.VPNSYNC_TEST_CERT_DIR, ...options, lro: { retryAfterSeconds: 1, ...options.lro } });
    open.push(emulator);
    const dir = tempDir();
    const db = path.join(dir, 'vpnsync.db');
    return {
      emulator,
      db,
      dir,
      // Each test's own fingerprint key file, beside its database: never the user's config directory.
      vpnsync: (args, extra = {}) => runCli([...args, '--db', extra.db ?? db], { env: { VPNSYNC_FINGERPRINT_KEY_FILE: path.join(dir, 'fingerprint.key'), ...emulator.env, ...extra.env } }),
      rows: <T>(sql: string, ...params: unknown[]) => {
        const conn = new BetterSqlite3(db, { readonly: true });
        try {
          return conn.prepare(sql).all(...params) as T[];
        } finally {
          conn.close();
        }
      },
    };
  };
}
