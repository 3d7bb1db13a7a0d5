/** A subscription's `state` as Subscriptions_List reports it (Microsoft.Resources, SubscriptionState). */
export type SubscriptionState = 'Enabled' | 'Warned' | 'PastDue' | 'Disabled' | 'Deleted';

/** The states the emulator can serve a subscription in (a Deleted one is simply absent). */
export const SUBSCRIPTION_STATES: readonly SubscriptionState[] = ['Enabled', 'Warned', 'PastDue', 'Disabled'];
