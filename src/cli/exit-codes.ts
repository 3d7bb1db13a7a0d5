/**
 * Process exit codes. The exit code tables of README.md and docs/troubleshooting.md document
 * exactly these (test/unit/docs-examples.test.ts checks); cron wrappers and tests import them
 * instead of repeating numbers.
 */
export const EXIT = {
  /** Everything asked for was done. */
  OK: 0,
  /** The command failed (ARM unreachable, credential rejected, database unreadable...). */
  FAILURE: 1,
  /** Bad flags, arguments, SQL or input files: nothing was changed. */
  USAGE: 2,
  /** `pull` finished but some scopes failed: their links were left as they were. */
  PARTIAL: 3,
  /** `pull`'s filters (--subscription, --resource-group, --gateway, --connection) matched no VPN connection: nothing was recorded. */
  NO_MATCH: 4,
  /** Interrupted by SIGINT (Ctrl-C; 128 + 2, the shell's convention): a running pull is marked failed, nothing recorded. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (128 + 15): a running pull is marked failed, nothing recorded. */
  TERMINATED: 143,
  /** Another vpnsync process holds the database's pull lock (sysexits EX_TEMPFAIL). */
  LOCKED: 75,
  /** `query` ran longer than --timeout and was stopped (as timeout(1) exits); nothing was changed. */
  TIMED_OUT: 124,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
