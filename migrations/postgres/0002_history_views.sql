-- 0002 on PostgreSQL: the history views of migrations/sqlite/0002_history_views.sql, same names,
-- same columns, same rows. The SQL is the same: nothing in these views is SQLite's own.

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
-- pull, unless that version records its deletion (see the SQLite file for the why of each
-- condition). Always filter on _as_of_pull.
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
