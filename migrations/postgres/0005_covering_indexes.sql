-- 0005 on PostgreSQL: the covering indexes of migrations/sqlite/0005_covering_indexes.sql (see
-- there for what reads them). Frozen once released.
CREATE INDEX vpn_link_connections_recorder ON vpn_link_connections (_key, _hash, subscriptionId, resourceGroupName, gatewayName, connectionName);
CREATE INDEX vpn_link_connection_versions_ref ON vpn_link_connection_versions (_key, _pull_id, _kind, id);

-- SQLite's 0005 also rewrites vpn_link_connections_as_of with a unary + that steers SQLite's
-- planner; the view's columns and rows do not change, and PostgreSQL's planner needs no such
-- hint, so 0002's view stays as it is here.
