SELECT gatewayName, connectionName, name, connectionStatus
FROM vpn_link_connections
WHERE connectionStatus IS NOT 'Connected'
ORDER BY gatewayName, connectionName, name
