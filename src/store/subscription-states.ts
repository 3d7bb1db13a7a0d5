import type BetterSqlite3 from 'better-sqlite3';

/** A subscription's state as ARM reported it (Subscriptions_List or Subscriptions_Get). */
export interface SubscriptionState {
  subscriptionId: string;
  displayName: string | null;
  /** Enabled, Warned, PastDue, Disabled or Deleted. */
  state: string;
}

/** The states in a Subscriptions_List or Subscriptions_Get answer's items (entries without an id or state are skipped). */
export function subscriptionStatesOf(items: readonly unknown[]): SubscriptionState[] {
  const out: SubscriptionState[] = [];
  for (const item of items) {
    const s = item as { subscriptionId?: unknown; displayName?: unknown; state?: unknown } | null;
    if (typeof s?.subscriptionId !== 'string' || typeof s.state !== 'string') continue;
    out.push({ subscriptionId: s.subscriptionId, displayName: typeof s.displayName === 'string' ? s.displayName : null, state: s.state });
  }
  return out;
}

/** Stores what ARM said of each subscription at `at` (one row per subscription, the latest wins). */
export function recordSubscriptionStates(sqlite: BetterSqlite3.Database, states: readonly SubscriptionState[], at: string): void {
  const upsert = sqlite.prepare(
    `INSERT INTO subscriptions (subscription_key, subscriptionId, displayName, state, checked_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (subscription_key) DO UPDATE SET subscriptionId = excluded.subscriptionId, displayName = excluded.displayName, state = excluded.state, checked_at = excluded.checked_at`,
  );
  for (const s of states) upsert.run(s.subscriptionId.toLowerCase(), s.subscriptionId, s.displayName, s.state, at);
}
