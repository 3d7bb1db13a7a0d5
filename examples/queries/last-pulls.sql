SELECT id, status, finished_at, links_seen, scopes_failed, error_summary
FROM pulls
ORDER BY id DESC
LIMIT 5
