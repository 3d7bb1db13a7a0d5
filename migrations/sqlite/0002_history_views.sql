-- 0002: views for ad hoc history queries (README, "The database"). Frozen once released.
-- vpnsync's own diff, history and report read the state through vpn_link_connections_as_of,
-- so what a user gets from SQL and what the commands print follow one definition.

-- Every version row with the pull that recorded it: when, and whether that pull saw everything.
CREATE VIEW vpn_link_connection_changes AS
SELECT
  v.*,
  p.started_at AS _pull_started_at,
  p.finished_at AS _pull_finished_at,
  p.status AS _pull_status
FROM vpn_link_connection_versions v
JOIN pulls p ON p.id = v._pull_id;

-- The state of every link as of each recorded pull: a link's latest version at or before the
-- pull, unless that version records its deletion. A pull that could not see a link (a failed
-- scope) wrote no version for it, so its last known state carries over: pulls are partial views.
-- Always filter on _as_of_pull (one pull's state); unfiltered, this is every pull × every link.
-- Pulls before the one `vpnsync prune` kept history from (meta 'history_starts_at_pull') are
-- left out: their older versions are gone, so their state can no longer be told.
CREATE VIEW vpn_link_connections_as_of AS
SELECT
  p.id AS _as_of_pull,
  p.finished_at AS _as_of_time,
  v.*
FROM pulls p
JOIN vpn_link_connection_versions v
  ON v._pull_id <= p.id
  AND v._pull_id = (
    SELECT max(w._pull_id) FROM vpn_link_connection_versions w
    WHERE w._key = v._key AND w._pull_id <= p.id
  )
WHERE p.status IN ('complete', 'partial')
  AND p.id >= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'history_starts_at_pull'), 0)
  AND v._kind <> 'deleted';
