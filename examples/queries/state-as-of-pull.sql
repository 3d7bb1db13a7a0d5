SELECT gatewayName, connectionName, name, connectionStatus, routingWeight
FROM vpn_link_connections_as_of
WHERE _as_of_pull = :pull
ORDER BY gatewayName, connectionName, name
