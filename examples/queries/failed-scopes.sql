SELECT s.kind, s.scope_id, s.http_status, s.error_code, s.request_id
FROM pull_scopes AS s
WHERE s.status = 'failed' AND s.pull_id = (SELECT max(id) FROM pulls WHERE status <> 'running')
ORDER BY s.scope_id
