-- 0004 on PostgreSQL: the index for the questions vpnsync query is mostly asked, as in
-- migrations/sqlite/0004_query_indexes.sql. Frozen once released.
CREATE INDEX vpn_link_connections_gateway_status ON vpn_link_connections (gatewayName, connectionStatus);
