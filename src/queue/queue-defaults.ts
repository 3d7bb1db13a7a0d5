/** Default number of actions in flight at once (resets of one VPN connection are still serialised). */
export const DEFAULT_QUEUE_CONCURRENCY = 4;
/** Default cap on resets started by one `queue run` (override with --max-resets, or --force). */
export const DEFAULT_MAX_RESETS = 10;
