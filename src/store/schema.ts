import type { Generated } from 'kysely';
import type { LinkField, ParameterColumn } from '../sync/fields.js';

/** A stored value of one resource field: TEXT (also JSON text), INTEGER (also 0/1) or NULL. */
export type StoredValue = string | number | null;

/** The resource's 22 fields as stored: booleans as 0/1, arrays/objects as JSON text. */
export type LinkFieldValues = { [K in LinkField]: StoredValue } & { id: string };

/** The four ListByVpnConnection parameters, derived from each link's id. */
export type LinkParameters = { [K in ParameterColumn]: string };

/** A row of `vpn_link_connections` (current state). */
export interface LinkConnectionTable extends LinkFieldValues, LinkParameters {
  _key: string;
  _first_seen_pull: number;
  _last_seen_pull: number;
  _hash: string;
  _raw: string;
}

export type VersionKind = 'added' | 'changed' | 'deleted' | 'restored';

/** A row of `vpn_link_connection_versions`: a full copy of the link at one change. */
export interface LinkVersionTable extends LinkFieldValues, LinkParameters {
  _key: string;
  _pull_id: number;
  _kind: VersionKind;
  _changed_columns: string;
  _hash: string;
  _raw: string;
}

/** `vpn_link_connection_traffic` is a view over the samples table with the link's key joined in. */
export interface TrafficTable {
  pull_id: number;
  _key: string;
  ingress_bytes: number | null;
  egress_bytes: number | null;
}

/** A row of `vpn_link_connection_traffic_samples` (link = link_keys.id). */
export interface TrafficSampleTable {
  link: number;
  pull_id: number;
  ingress_bytes: number | null;
  egress_bytes: number | null;
}

export interface LinkKeyTable {
  id: Generated<number>;
  _key: string;
}

export type PullStatus = 'running' | 'complete' | 'partial' | 'failed';
export type PullSource = 'arm' | 'import';
export type PullStrategy = 'links' | 'gateways';

export interface PullTable {
  id: Generated<number>;
  source: PullSource;
  strategy: PullStrategy | null;
  started_at: string;
  finished_at: string | null;
  status: PullStatus;
  scope: string;
  pid: number | null;
  hostname: string | null;
  heartbeat_at: string | null;
  links_seen: Generated<number>;
  links_added: Generated<number>;
  links_changed: Generated<number>;
  links_removed: Generated<number>;
  scopes_ok: Generated<number>;
  scopes_failed: Generated<number>;
  requests: Generated<number>;
  throttled: Generated<number>;
  error_summary: string | null;
}

export type ScopeKind = 'subscriptions' | 'gateways' | 'links';
export type ScopeStatus = 'ok' | 'failed';

export interface PullScopeTable {
  pull_id: number;
  kind: ScopeKind;
  scope_id: string;
  status: ScopeStatus;
  items: number;
  http_status: number | null;
  error_code: string | null;
  error_message: string | null;
  request_id: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

export type ActionKind = 'reset' | 'ike-sas';
export type ActionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type ActionEventKind = 'queued' | 'cancelled' | 'started' | 'posting' | 'accepted' | 'poll' | 'retry' | 'resumed' | 'succeeded' | 'failed';

/** A row of `actions`: one queued EXEC call and its outcome. */
export interface ActionTable {
  id: Generated<number>;
  kind: ActionKind;
  link_key: string;
  link_id: string;
  subscriptionId: string;
  resourceGroupName: string;
  gatewayName: string;
  connectionName: string;
  linkConnectionName: string;
  status: ActionStatus;
  requested_by: string;
  reason: string | null;
  queued_at: string;
  not_before: string | null;
  started_at: string | null;
  finished_at: string | null;
  posted_at: string | null;
  poller_state: string | null;
  post_request_id: string | null;
  http_status: number | null;
  error_code: string | null;
  error_message: string | null;
  request_id: string | null;
  run_id: number | null;
  /** x-ms-correlation-request-id of the answer that decided the action. */
  correlation_id: string | null;
  /** Times ARM refused the POST without acting (busy gateway) and the action was queued again. */
  refusals: Generated<number>;
}

/** A subscription's state as ARM last reported it. */
export interface SubscriptionTable {
  subscription_key: string;
  subscriptionId: string;
  displayName: string | null;
  /** Enabled, Warned, PastDue, Disabled or Deleted (Microsoft.Resources SubscriptionState). */
  state: string;
  checked_at: string;
}

export interface ActionEventTable {
  id: Generated<number>;
  action_id: number;
  at: string;
  event: ActionEventKind;
  http_status: number | null;
  request_id: string | null;
  detail: string | null;
}

export interface QueueRunTable {
  id: Generated<number>;
  started_at: string;
  finished_at: string | null;
  status: 'running' | 'complete' | 'partial' | 'failed';
  pid: number | null;
  hostname: string | null;
  heartbeat_at: string | null;
  succeeded: Generated<number>;
  failed: Generated<number>;
  error_summary: string | null;
}

export interface IkeSaTable {
  action_id: number;
  link_key: string;
  fetched_at: string;
  raw: string;
  parsed: string | null;
}
