-- 0006: more of what ARM answers to queued actions, and the state of each subscription.

-- x-ms-correlation-request-id of the answer that decided an action (ties it to ARM's activity log).
ALTER TABLE actions ADD COLUMN correlation_id TEXT;
-- Times ARM refused the POST without acting (409, or 429 RetryableErrorDueToAnotherOperation,
-- while another operation held the gateway): the action went back to the queue each time.
ALTER TABLE actions ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;

-- A subscription's state as ARM last reported it (Subscriptions_Get before a queue run).
-- Enabled: everything works. Warned, PastDue, Disabled: reads work, ARM refuses actions.
CREATE TABLE subscriptions (
  subscription_key TEXT PRIMARY KEY CHECK (subscription_key = lower(subscription_key)),
  subscriptionId TEXT NOT NULL,
  displayName TEXT,
  state TEXT NOT NULL,
  checked_at TEXT NOT NULL
);
