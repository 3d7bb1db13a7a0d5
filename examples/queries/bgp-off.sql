SELECT gatewayName, connectionName, name
FROM vpn_link_connections
WHERE enableBgp = 0
ORDER BY gatewayName, connectionName, name
