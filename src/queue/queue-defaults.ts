/** Default number of actions in flight at once (resets of one VPN connection are still serialised). */
export const DEFAULT_QUEUE_CONCURRENCY = 4;
/** Default cap on resets started by one `queue run` (override with --max-resets, or --force). */
export const DEFAULT_MAX_RESETS = 10;
/**
 * How long after its POST vpnsync follows an operation (override with --operation-deadline).
 * Resets take minutes; past this, nothing vpnsync can still learn says whether it happened.
 */
export const DEFAULT_OPERATION_DEADLINE_MS = 60 * 60_000;
