/**
 * A throwaway PostgreSQL server for tests (issue 16: no mocks of PostgreSQL). `initdb` into a
 * temporary folder, `postgres` on a free port on 127.0.0.1, both as an unprivileged user when
 * the tests run as root (PostgreSQL refuses to run as root), stopped and removed afterwards.
 *
 * Test files use `usePostgres()`, which follows require-tool.ts: where no server programs are
 * found it prints a one-line notice and the file skips (`describe.skipIf(!postgres)`); under CI a
 * missing server fails the file instead, and .ci/run installs Debian's postgresql package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { requireTool } from './require-tool.js';

/** Debian's nobody:nogroup, which owns the cluster's folder and runs its programs when we are root. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 } as const;

/** The role initdb creates as the cluster's superuser; it signs in without a password (trust) from 127.0.0.1 only. */
export const POSTGRES_TEST_ROLE = 'vpnsync';

/** How long a new cluster may take to accept connections before the test fails (initdb excluded). */
const READY_TIMEOUT_MS = 30_000;

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** URL of the cluster's `postgres` database as the superuser POSTGRES_TEST_ROLE. */
  readonly url: string;
  readonly port: number;
  /** How long initdb plus start-up until the first accepted connection took, in ms (for reports, never asserted). */
  readonly startMs: number;
  /** Stops the server (fast shutdown) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Where initdb may be, in order: Debian's /usr/lib/postgresql/<major>/bin (newest major first),
 * then initdb on PATH. The glob pattern itself comes last so that the notice for a machine
 * without PostgreSQL names where it looked; it never matches as a path.
 */
export function initdbCandidates(root = '/usr/lib/postgresql'): string[] {
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+(\.\d+)?$/.test(d)) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  return [...majors.map((m) => path.join(root, m, 'bin', 'initdb')), 'initdb', path.join(root, '*', 'bin', 'initdb')];
}

/**
 * Starts a cluster with the server programs in `binDir` (initdb, postgres). Durability is off
 * (fsync, synchronous_commit, full_page_writes): a test cluster never outlives its test file,
 * and these make its start and every commit several times faster on a shared disk.
 */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-pg-'));
  try {
    const asUser = process.getuid?.() === 0 ? UNPRIVILEGED : undefined;
    if (asUser) chownSync(dir, asUser.uid, asUser.gid);
    const data = path.join(dir, 'data');
    await runToEnd(path.join(binDir, 'initdb'), ['-D', data, '-U', POSTGRES_TEST_ROLE, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], dir, asUser);
    // Another process may take the free port between our look and the server's bind: try again.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = spawnAs(
        path.join(binDir, 'postgres'),
        // The socket goes in the private folder, not /var/run/postgresql (not ours, maybe absent).
        ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        dir,
        asUser,
      );
      const url = `postgres://${POSTGRES_TEST_ROLE}@127.0.0.1:${port}/postgres`;
      try {
        await waitUntilReady(url, server);
      } catch (e) {
        await stopServer(server.child);
        if (attempt < 3 && /could not bind|address already in use/i.test(server.log())) continue;
        throw e;
      }
      return cluster(url, port, Math.round(performance.now() - started), server.child, dir);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function cluster(url: string, port: number, startMs: number, child: ChildProcess, dir: string): PostgresCluster {
  // A test worker that dies without afterAll must not leave a postmaster behind: SIGQUIT is an
  // immediate shutdown, the only kind that needs no waiting (an 'exit' handler cannot wait).
  const onExit = (): void => {
    child.kill('SIGQUIT');
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    startMs,
    stop: () =>
      (stopping ??= (async () => {
        process.off('exit', onExit);
        await stopServer(child);
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** The running server and the tail of what it wrote (for the error when it does not come up). */
interface Server {
  child: ChildProcess;
  log(): string;
}

function spawnAs(program: string, args: string[], cwd: string, asUser: { uid: number; gid: number } | undefined): Server {
  // A minimal environment: PGDATA, PGPORT and friends from the caller's shell must not steer the cluster.
  const child = spawn(program, args, { cwd, ...asUser, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => log };
}

async function runToEnd(program: string, args: string[], cwd: string, asUser: { uid: number; gid: number } | undefined): Promise<void> {
  const { child, log } = spawnAs(program, args, cwd, asUser);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`${path.basename(program)} exited with ${code}: ${log().trim()}`);
}

/** Tries to connect until the server accepts, it exits, or READY_TIMEOUT_MS pass. */
async function waitUntilReady(url: string, server: Server): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`postgres exited (${server.child.exitCode ?? server.child.signalCode}) before accepting connections: ${server.log().trim()}`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`postgres did not accept connections within ${READY_TIMEOUT_MS / 1000} s (${(e as Error).message}): ${server.log().trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** SIGINT is PostgreSQL's fast shutdown (active sessions are rolled back); SIGQUIT if it hangs. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** What a test file gets from usePostgres(): a fresh, empty database per call, on one cluster per file. */
export interface PostgresForTests {
  /** Creates an empty database on the file's cluster (started on first use) and returns its URL. */
  database(): Promise<string>;
  /** The file's cluster, started on first use. */
  cluster(): Promise<PostgresCluster>;
}

/**
 * For test files: `const postgres = usePostgres()` at the top, `describe.skipIf(!postgres)`, then
 * `const url = await postgres!.database()` in a test. Undefined (after a one-line notice) where no
 * PostgreSQL server programs are installed; throws under CI (require-tool.ts). One cluster per file,
 * started on first use and stopped after the file: initdb is the slow part (seconds), a new
 * database is not (tens of ms), so tests get a database each rather than a cluster each.
 */
export function usePostgres(): PostgresForTests | undefined {
  const initdb = requireTool('PostgreSQL server (initdb)', initdbCandidates(), 'postgresql');
  if (initdb === undefined) return undefined;
  let started: Promise<PostgresCluster> | undefined;
  let databases = 0;
  afterAll(async () => {
    if (started) await (await started).stop();
  });
  const cluster = (): Promise<PostgresCluster> => (started ??= startPostgresCluster(path.dirname(initdb)));
  return {
    cluster,
    database: async () => {
      const { url } = await cluster();
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
  };
}
