SELECT a.id, a.kind, a.status, e.at, e.event, e.http_status
FROM actions AS a JOIN action_events AS e ON e.action_id = a.id
WHERE a.id = :id
ORDER BY e.id
