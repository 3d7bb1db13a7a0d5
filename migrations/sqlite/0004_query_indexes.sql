-- 0004: an index for the questions vpnsync query is mostly asked (README, "vpnsync query"):
-- links down per gateway, links down, one gateway's links. It covers the per-gateway
-- aggregate, which then reads no table row (on 30,000 links: ~90 ms → ~2 ms), and finds a
-- gateway's links or the links not connected without scanning the table. Frozen once released.
CREATE INDEX vpn_link_connections_gateway_status ON vpn_link_connections (gatewayName, connectionStatus);
