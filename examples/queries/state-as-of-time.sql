SELECT gatewayName, connectionName, name, connectionStatus, routingWeight
FROM vpn_link_connections_as_of
WHERE _as_of_pull = (SELECT max(id) FROM pulls WHERE status IN ('complete', 'partial') AND finished_at <= :time)
ORDER BY gatewayName, connectionName, name
