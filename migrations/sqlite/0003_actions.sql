-- 0003: queued EXEC actions (ResetConnection, GetIkeSas), their audit trail and results.

CREATE TABLE actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('reset', 'ike-sas')),
  -- the target link: lower-cased id (key), id as known, and the EXEC method's parameters
  link_key TEXT NOT NULL CHECK (link_key = replace(lower(link_id), '/vpnsitelinkconnections/', '/vpnlinkconnections/')),
  link_id TEXT NOT NULL,
  subscriptionId TEXT NOT NULL,
  resourceGroupName TEXT NOT NULL,
  gatewayName TEXT NOT NULL,
  connectionName TEXT NOT NULL,
  linkConnectionName TEXT NOT NULL,
  -- queued → running → succeeded | failed; queued → cancelled
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  requested_by TEXT NOT NULL,
  reason TEXT,
  queued_at TEXT NOT NULL,
  not_before TEXT,
  started_at TEXT,
  finished_at TEXT,
  -- set (and committed) just before the POST is sent: a running action with posted_at but no
  -- poller_state may or may not have reached ARM, so it is never POSTed again
  posted_at TEXT,
  -- @azure/core-lro's serialised poller state, saved as soon as ARM accepted the POST
  poller_state TEXT,
  post_request_id TEXT,
  http_status INTEGER,
  error_code TEXT,
  error_message TEXT,
  request_id TEXT,
  run_id INTEGER REFERENCES queue_runs (id)
);
-- An action already queued or running for the same link and kind is not queued twice.
CREATE UNIQUE INDEX actions_one_open ON actions (link_key, kind) WHERE status IN ('queued', 'running');
CREATE INDEX actions_status ON actions (status, not_before);

-- Everything that happened to an action, in order: the audit trail.
CREATE TABLE action_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  action_id INTEGER NOT NULL REFERENCES actions (id),
  at TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('queued', 'cancelled', 'started', 'posting', 'accepted', 'poll', 'retry', 'resumed', 'succeeded', 'failed')),
  http_status INTEGER,
  request_id TEXT,
  detail TEXT
);
CREATE INDEX action_events_action ON action_events (action_id, id);

-- One row per `vpnsync queue run`; the running row is the runner's lock (like pulls).
CREATE TABLE queue_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed')),
  pid INTEGER,
  hostname TEXT,
  heartbeat_at TEXT,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  error_summary TEXT
);

-- GetIkeSas results: ARM answers with a JSON string that may itself hold encoded JSON.
CREATE TABLE ike_sas (
  action_id INTEGER PRIMARY KEY REFERENCES actions (id),
  link_key TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  raw TEXT NOT NULL,
  parsed TEXT CHECK (parsed IS NULL OR json_valid(parsed))
);
CREATE INDEX ike_sas_link ON ike_sas (link_key, fetched_at);
