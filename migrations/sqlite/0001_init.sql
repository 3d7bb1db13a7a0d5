-- 0001: the store. Frozen once released: later changes go in new numbered files.
-- Column names of vpn_link_connections / _versions are exactly the resource's 22 fields
-- (src/sync/fields.ts), then the SELECT method's 4 parameters, then '_' bookkeeping.

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Per-database random salt for sharedKey fingerprints (DESIGN.md §6): a key rotation still
-- shows as a change, but a fingerprint cannot be compared across databases or brute-forced
-- from a leaked file without also knowing this salt.
INSERT INTO meta (key, value) VALUES ('shared_key_salt', lower(hex(randomblob(32))));

CREATE TABLE pulls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL CHECK (source IN ('arm', 'import')),
  strategy TEXT CHECK (strategy IN ('links', 'gateways')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed')),
  -- JSON object: the filters this pull covered (subscriptions, resourceGroup, gateway, connection)
  scope TEXT NOT NULL CHECK (json_valid(scope)),
  -- who holds the pull lock while status = 'running', and when it last said it was alive
  pid INTEGER,
  hostname TEXT,
  heartbeat_at TEXT,
  links_seen INTEGER NOT NULL DEFAULT 0,
  links_added INTEGER NOT NULL DEFAULT 0,
  links_changed INTEGER NOT NULL DEFAULT 0,
  links_removed INTEGER NOT NULL DEFAULT 0,
  scopes_ok INTEGER NOT NULL DEFAULT 0,
  scopes_failed INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  throttled INTEGER NOT NULL DEFAULT 0,
  error_summary TEXT
);
CREATE INDEX pulls_status ON pulls (status);

CREATE TABLE pull_scopes (
  pull_id INTEGER NOT NULL REFERENCES pulls (id) ON DELETE CASCADE,
  -- what was listed: the subscription list, one subscription's (or resource group's) gateways,
  -- or one connection's link connections
  kind TEXT NOT NULL CHECK (kind IN ('subscriptions', 'gateways', 'links')),
  -- ARM id of the parent that was listed (lower-cased), '/' for the subscription list
  scope_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  items INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER,
  error_code TEXT,
  error_message TEXT,
  request_id TEXT,
  PRIMARY KEY (pull_id, kind, scope_id)
);

CREATE TABLE vpn_link_connections (
  id TEXT NOT NULL,
  name TEXT,
  provisioningState TEXT,
  etag TEXT,
  vpnLinkConnectionMode TEXT,
  ingressBytesTransferred INTEGER,
  usePolicyBasedTrafficSelectors INTEGER CHECK (usePolicyBasedTrafficSelectors IN (0, 1)),
  egressNatRules TEXT CHECK (json_valid(egressNatRules)),
  egressBytesTransferred INTEGER,
  ingressNatRules TEXT CHECK (json_valid(ingressNatRules)),
  enableBgp INTEGER CHECK (enableBgp IN (0, 1)),
  routingWeight INTEGER,
  sharedKey TEXT,
  ipsecPolicies TEXT CHECK (json_valid(ipsecPolicies)),
  connectionBandwidth INTEGER,
  enableRateLimiting INTEGER CHECK (enableRateLimiting IN (0, 1)),
  vpnConnectionProtocolType TEXT,
  connectionStatus TEXT,
  type TEXT,
  useLocalAzureIpAddress INTEGER CHECK (useLocalAzureIpAddress IN (0, 1)),
  vpnGatewayCustomBgpAddresses TEXT CHECK (json_valid(vpnGatewayCustomBgpAddresses)),
  vpnSiteLink TEXT CHECK (json_valid(vpnSiteLink)),
  subscriptionId TEXT NOT NULL,
  resourceGroupName TEXT NOT NULL,
  gatewayName TEXT NOT NULL,
  connectionName TEXT NOT NULL,
  -- lower-cased id, with Microsoft's alternative child type spelling folded (src/arm/resource-id.ts linkKey)
  _key TEXT NOT NULL PRIMARY KEY CHECK (_key = replace(lower(id), '/vpnsitelinkconnections/', '/vpnlinkconnections/')),
  _first_seen_pull INTEGER NOT NULL REFERENCES pulls (id),
  _last_seen_pull INTEGER NOT NULL REFERENCES pulls (id),
  _hash TEXT NOT NULL,
  _raw TEXT NOT NULL CHECK (json_valid(_raw))
);
CREATE INDEX vpn_link_connections_parent
  ON vpn_link_connections (subscriptionId COLLATE NOCASE, resourceGroupName COLLATE NOCASE, gatewayName COLLATE NOCASE, connectionName COLLATE NOCASE);

-- git-history style: one full row per change of a link (DESIGN.md §5).
CREATE TABLE vpn_link_connection_versions (
  id TEXT NOT NULL,
  name TEXT,
  provisioningState TEXT,
  etag TEXT,
  vpnLinkConnectionMode TEXT,
  ingressBytesTransferred INTEGER,
  usePolicyBasedTrafficSelectors INTEGER CHECK (usePolicyBasedTrafficSelectors IN (0, 1)),
  egressNatRules TEXT CHECK (json_valid(egressNatRules)),
  egressBytesTransferred INTEGER,
  ingressNatRules TEXT CHECK (json_valid(ingressNatRules)),
  enableBgp INTEGER CHECK (enableBgp IN (0, 1)),
  routingWeight INTEGER,
  sharedKey TEXT,
  ipsecPolicies TEXT CHECK (json_valid(ipsecPolicies)),
  connectionBandwidth INTEGER,
  enableRateLimiting INTEGER CHECK (enableRateLimiting IN (0, 1)),
  vpnConnectionProtocolType TEXT,
  connectionStatus TEXT,
  type TEXT,
  useLocalAzureIpAddress INTEGER CHECK (useLocalAzureIpAddress IN (0, 1)),
  vpnGatewayCustomBgpAddresses TEXT CHECK (json_valid(vpnGatewayCustomBgpAddresses)),
  vpnSiteLink TEXT CHECK (json_valid(vpnSiteLink)),
  subscriptionId TEXT NOT NULL,
  resourceGroupName TEXT NOT NULL,
  gatewayName TEXT NOT NULL,
  connectionName TEXT NOT NULL,
  _key TEXT NOT NULL,
  _pull_id INTEGER NOT NULL REFERENCES pulls (id),
  _kind TEXT NOT NULL CHECK (_kind IN ('added', 'changed', 'deleted', 'restored')),
  _changed_columns TEXT NOT NULL CHECK (json_valid(_changed_columns)),
  _hash TEXT NOT NULL,
  _raw TEXT NOT NULL CHECK (json_valid(_raw)),
  PRIMARY KEY (_key, _pull_id)
);
CREATE INDEX vpn_link_connection_versions_pull ON vpn_link_connection_versions (_pull_id);

-- A small integer per link key, so that per-pull samples do not repeat a 200-character id.
CREATE TABLE link_keys (
  id INTEGER PRIMARY KEY,
  _key TEXT NOT NULL UNIQUE
);

-- Byte counters sampled per pull: they change on every pull, so they are not versions. One row
-- per link per pull: about 25 bytes with the integer key, where the text key took ~400.
CREATE TABLE vpn_link_connection_traffic_samples (
  link INTEGER NOT NULL REFERENCES link_keys (id),
  pull_id INTEGER NOT NULL REFERENCES pulls (id),
  ingress_bytes INTEGER,
  egress_bytes INTEGER,
  PRIMARY KEY (link, pull_id)
) WITHOUT ROWID;
CREATE INDEX vpn_link_connection_traffic_samples_pull ON vpn_link_connection_traffic_samples (pull_id);

-- The samples with the link's key, for reports and ad hoc queries.
CREATE VIEW vpn_link_connection_traffic AS
SELECT s.pull_id, k._key, s.ingress_bytes, s.egress_bytes
FROM vpn_link_connection_traffic_samples s
JOIN link_keys k ON k.id = s.link;
