SELECT name, connectionStatus, enableBgp
FROM azure.network.vpn_link_connections
WHERE subscriptionId = '00000000-0000-0000-0000-000000000002'
  AND resourceGroupName = 'rg-us'
  AND gatewayName = 'gw-use'
  AND connectionName = 'site-004'
