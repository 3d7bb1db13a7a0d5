SELECT gatewayName, count(*) AS links, sum(connectionStatus IS NOT 'Connected') AS down
FROM vpn_link_connections
GROUP BY gatewayName
ORDER BY down DESC, gatewayName
