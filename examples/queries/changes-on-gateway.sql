SELECT _pull_id, _pull_finished_at, connectionName, name, _kind, _changed_columns
FROM vpn_link_connection_changes
WHERE gatewayName = :gateway AND _pull_finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
ORDER BY _pull_id DESC, connectionName, name
