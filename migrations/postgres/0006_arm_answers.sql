-- 0006 on PostgreSQL: more of what ARM answers to queued actions, and the state of each
-- subscription, as in migrations/sqlite/0006_arm_answers.sql.

ALTER TABLE actions ADD COLUMN correlation_id text COLLATE "C";
ALTER TABLE actions ADD COLUMN refusals integer NOT NULL DEFAULT 0;

CREATE TABLE subscriptions (
  subscription_key text COLLATE "C" PRIMARY KEY CHECK (subscription_key = lower(subscription_key)),
  subscriptionId text COLLATE "C" NOT NULL,
  displayName text COLLATE "C",
  state text COLLATE "C" NOT NULL,
  checked_at text COLLATE "C" NOT NULL
);
