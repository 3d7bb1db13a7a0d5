import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { CliError } from './errors.js';
import { EXIT } from './exit-codes.js';

/** `query --timeout`'s default, in seconds. */
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 60;

/** Set in the environment of the child process that runs a query under a time limit. */
const WATCHED_CHILD = 'VPNSYNC_QUERY_WATCHED';

/** Whether this process is the child `runUnderTimeout` started (it then runs the query itself). */
export function isWatchedQuery(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[WATCHED_CHILD] === '1';
}

/**
 * Runs this process's own command line again in a child process with the same stdin, stdout and
 * stderr, and kills it (SIGKILL) once `seconds` have passed. Returns the child's exit code; throws
 * CliError(EXIT.TIMED_OUT) when the limit stopped it.
 *
 * Why a process: better-sqlite3 exposes neither sqlite3_progress_handler nor sqlite3_interrupt
 * (WiseLibs/better-sqlite3#568, #707), and a statement such as a never-ending recursive CTE stays
 * inside one sqlite3_step without returning to JavaScript. Neither a timer on this thread nor a
 * worker thread can stop that — Worker#terminate() and even process.exit() wait for the stuck
 * thread — but a process can always be killed. The child streams its rows straight to stdout, as
 * before, and only reads: killing it leaves nothing half-written.
 */
export async function runUnderTimeout(seconds: number): Promise<number> {
  // Node's own flags carry over, except a debugger's: its port is this process's.
  const nodeFlags = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  // Ctrl-C reaches both processes; a SIGTERM sent to this one alone must stop the query too.
  // The handlers come first: until a listener exists, a signal kills this process outright,
  // and a child spawned a moment before would be left running its query alone (seen under load).
  let child: ChildProcess | undefined;
  let early: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    if (child) child.kill(signal);
    else early = signal;
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const started = spawn(process.execPath, [...nodeFlags, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [WATCHED_CHILD]: '1' },
  });
  child = started;
  if (early) started.kill(early);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    started.kill('SIGKILL');
  }, seconds * 1000);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      started.once('error', reject);
      started.once('exit', (c, s) => resolve([c, s]));
    });
    if (timedOut) throw new CliError(`query stopped after ${seconds} s (--timeout); nothing was changed. Narrow the query, or pass a larger --timeout (0 for none)`, EXIT.TIMED_OUT);
    if (code !== null) return code;
    // Ended by a signal: the shell's 128 + N, as if this process had been.
    return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
