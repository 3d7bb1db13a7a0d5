/**
 * The one definition of the vpnLinkConnections resource's fields (DESIGN.md §2.6): the table's
 * columns, the normaliser, change detection and the column table in docs/database.md all
 * follow this list.
 * Order is the order the issue and StackQL list them in, which is also the column order.
 */

/** How a field is stored in SQLite. */
export type FieldKind = 'text' | 'integer' | 'boolean' | 'json';

/**
 * How a field takes part in change detection.
 * - `tracked`: a different value is a change (a version row is written).
 * - `volatile`: changes on every pull (byte counters); sampled into the traffic table instead.
 * - `metadata`: kept and versioned with the row, but a difference alone is not a change: ARM
 *   rewrites `etag` on every write to the resource, and the fields that changed are tracked
 *   individually, so counting it would only add noise to every diff.
 */
export type FieldRole = 'tracked' | 'volatile' | 'metadata';

export interface FieldSpec {
  /** Column name: exactly the field's name in ARM and StackQL. */
  readonly name: string;
  /** Where the value sits in the ARM JSON: top level or inside `properties`. */
  readonly at: 'top' | 'properties';
  readonly kind: FieldKind;
  readonly role: FieldRole;
  /** Never stored in plain text: a keyed fingerprint is stored instead (DESIGN.md §6; the key lives outside the database). */
  readonly secret?: true;
  /** Compared without regard to case (ARM ids and type names are case-insensitive). */
  readonly caseInsensitive?: true;
  /** One line for the column table in docs/database.md. */
  readonly doc: string;
}

export const LINK_FIELDS = [
  { name: 'id', at: 'top', kind: 'text', role: 'tracked', caseInsensitive: true, doc: 'ARM resource id of the link connection' },
  { name: 'name', at: 'top', kind: 'text', role: 'tracked', doc: 'Link connection name' },
  { name: 'provisioningState', at: 'properties', kind: 'text', role: 'tracked', doc: 'Succeeded, Updating, Deleting or Failed' },
  { name: 'etag', at: 'top', kind: 'text', role: 'metadata', doc: 'ARM etag; changes on every write (not itself counted as a change)' },
  { name: 'vpnLinkConnectionMode', at: 'properties', kind: 'text', role: 'tracked', doc: 'Default, ResponderOnly or InitiatorOnly' },
  { name: 'ingressBytesTransferred', at: 'properties', kind: 'integer', role: 'volatile', doc: 'Ingress byte counter (sampled per pull into vpn_link_connection_traffic)' },
  { name: 'usePolicyBasedTrafficSelectors', at: 'properties', kind: 'boolean', role: 'tracked', doc: 'Policy-based traffic selectors enabled (0/1)' },
  { name: 'egressNatRules', at: 'properties', kind: 'json', role: 'tracked', doc: 'JSON array of egress NAT rule references ({id})' },
  { name: 'egressBytesTransferred', at: 'properties', kind: 'integer', role: 'volatile', doc: 'Egress byte counter (sampled per pull into vpn_link_connection_traffic)' },
  { name: 'ingressNatRules', at: 'properties', kind: 'json', role: 'tracked', doc: 'JSON array of ingress NAT rule references ({id})' },
  { name: 'enableBgp', at: 'properties', kind: 'boolean', role: 'tracked', doc: 'BGP enabled (0/1)' },
  { name: 'routingWeight', at: 'properties', kind: 'integer', role: 'tracked', doc: 'Routing weight' },
  { name: 'sharedKey', at: 'properties', kind: 'text', role: 'tracked', secret: true, doc: 'Keyed fingerprint (HMAC-SHA256) of the pre-shared key, never the key itself; its key is kept outside the database; NULL when ARM does not return it' },
  { name: 'ipsecPolicies', at: 'properties', kind: 'json', role: 'tracked', doc: 'JSON array of custom IPsec/IKE policies' },
  { name: 'connectionBandwidth', at: 'properties', kind: 'integer', role: 'tracked', doc: 'Expected bandwidth in Mbps' },
  { name: 'enableRateLimiting', at: 'properties', kind: 'boolean', role: 'tracked', doc: 'Rate limiting enabled (0/1)' },
  { name: 'vpnConnectionProtocolType', at: 'properties', kind: 'text', role: 'tracked', doc: 'IKEv1 or IKEv2' },
  { name: 'connectionStatus', at: 'properties', kind: 'text', role: 'tracked', doc: 'Connected, NotConnected, Connecting or Unknown' },
  { name: 'type', at: 'top', kind: 'text', role: 'tracked', caseInsensitive: true, doc: 'ARM resource type' },
  { name: 'useLocalAzureIpAddress', at: 'properties', kind: 'boolean', role: 'tracked', doc: 'Use the private Azure IP to initiate the connection (0/1)' },
  { name: 'vpnGatewayCustomBgpAddresses', at: 'properties', kind: 'json', role: 'tracked', doc: 'JSON array of {ipConfigurationId, customBgpIpAddress}' },
  { name: 'vpnSiteLink', at: 'properties', kind: 'json', role: 'tracked', doc: 'JSON object {id} of the connected VPN site link' },
] as const satisfies readonly FieldSpec[];

/** A field name of the resource. */
export type LinkField = (typeof LINK_FIELDS)[number]['name'];

/** Names of the 22 resource fields, in column order. */
export const LINK_FIELD_NAMES: readonly LinkField[] = LINK_FIELDS.map((f) => f.name);

/**
 * The SELECT method's (ListByVpnConnection) required parameters, stored as columns so that
 * StackQL-style WHERE clauses work offline. Derived from each link's resource id.
 */
export const PARAMETER_COLUMNS = ['subscriptionId', 'resourceGroupName', 'gatewayName', 'connectionName'] as const;
export type ParameterColumn = (typeof PARAMETER_COLUMNS)[number];

/**
 * Every column name in the store that has capitals: the fields, the parameters, and two more
 * names taken from ARM, actions.linkConnectionName (the EXEC methods' last parameter) and
 * subscriptions.displayName (Subscriptions_Get's field). PostgreSQL keeps them folded to lower
 * case; store/postgres-identifiers.ts maps result columns back to these spellings.
 */
export const CAMEL_CASE_COLUMNS: readonly string[] = [...LINK_FIELD_NAMES, ...PARAMETER_COLUMNS, 'linkConnectionName', 'displayName'].filter((n) => /[A-Z]/.test(n));

/** Fields whose change makes a new version (see FieldRole). */
export const TRACKED_FIELDS: readonly FieldSpec[] = LINK_FIELDS.filter((f) => f.role === 'tracked');

/** Look up a field's spec by name; undefined for names that are not resource fields. */
export function findField(name: string): FieldSpec | undefined {
  return (LINK_FIELDS as readonly FieldSpec[]).find((f) => f.name === name);
}
