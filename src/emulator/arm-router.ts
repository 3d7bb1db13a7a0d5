/**
 * Maps an ARM request (method + path) to the operation it calls, ignoring case as ARM does.
 * Pure: no fleet access; the handlers decide what exists.
 */
import { armError, type EmulatorResponse } from './arm-errors.js';
import { NETWORK_API_VERSIONS, SUBSCRIPTIONS_API_VERSIONS } from './api-versions.js';
import type { ChainLevel } from './stats.js';

/** The operations the emulator serves (operationIds from azure-spec, plus the two LRO polling URLs). */
export type OperationId =
  | 'Subscriptions_List'
  | 'Subscriptions_Get'
  | 'VpnGateways_List'
  | 'VpnGateways_ListByResourceGroup'
  | 'VpnGateways_Get'
  | 'VpnConnections_ListByVpnGateway'
  | 'VpnConnections_Get'
  | 'VpnLinkConnections_ListByVpnConnection'
  | 'VpnSiteLinkConnections_Get'
  | 'VpnLinkConnections_ResetConnection'
  | 'VpnLinkConnections_GetIkeSas'
  | 'OperationResults_Get'
  | 'OperationStatus_Get';

/** A matched ARM request. Names keep the casing the client sent. */
export interface ArmRoute {
  operationId: OperationId;
  subscriptionId?: string;
  resourceGroupName?: string;
  gatewayName?: string;
  connectionName?: string;
  linkName?: string;
  location?: string;
  operationResultId?: string;
  /** Which throttling bucket it draws from. */
  bucket: 'read' | 'write';
  /** Whether it is a paged list. */
  isList: boolean;
  /** Its level in the discovery chain (for the theoretical minimum), if any. */
  level?: ChainLevel;
  /** The api-versions ARM accepts for it. */
  apiVersions: readonly string[];
  /** Resource type named in api-version errors. */
  resourceType: string;
  /** The ARM action name named in AuthorizationFailed messages. */
  action: string;
}

interface Pattern {
  segments: string[];
  method: 'GET' | 'POST';
  operationId: OperationId;
  isList?: boolean;
  level?: ChainLevel;
  resourceType: string;
  action: string;
}

const RG = ['subscriptions', ':subscriptionId', 'resourcegroups', ':resourceGroupName', 'providers', 'microsoft.network', 'vpngateways'];
const GW = [...RG, ':gatewayName'];
const CONN = [...GW, 'vpnconnections', ':connectionName'];
const LINKS = [...CONN, ':links'];
const LINK = [...LINKS, ':linkName'];

const PATTERNS: Pattern[] = [
  { segments: ['subscriptions'], method: 'GET', operationId: 'Subscriptions_List', isList: true, level: 'subscriptions', resourceType: 'subscriptions', action: 'Microsoft.Resources/subscriptions/read' },
  { segments: ['subscriptions', ':subscriptionId'], method: 'GET', operationId: 'Subscriptions_Get', level: 'subscriptions', resourceType: 'subscriptions', action: 'Microsoft.Resources/subscriptions/read' },
  { segments: ['subscriptions', ':subscriptionId', 'providers', 'microsoft.network', 'vpngateways'], method: 'GET', operationId: 'VpnGateways_List', isList: true, level: 'gateways', resourceType: 'vpnGateways', action: 'Microsoft.Network/vpnGateways/read' },
  { segments: ['subscriptions', ':subscriptionId', 'providers', 'microsoft.network', 'locations', ':location', 'operationresults', ':operationResultId'], method: 'GET', operationId: 'OperationResults_Get', resourceType: 'locations/operationResults', action: 'Microsoft.Network/locations/operationResults/read' },
  // The Azure-AsyncOperation status URL Network RP gives (not in the resource's spec: ARM RPC).
  { segments: ['subscriptions', ':subscriptionId', 'providers', 'microsoft.network', 'locations', ':location', 'operations', ':operationResultId'], method: 'GET', operationId: 'OperationStatus_Get', resourceType: 'locations/operations', action: 'Microsoft.Network/locations/operations/read' },
  { segments: RG, method: 'GET', operationId: 'VpnGateways_ListByResourceGroup', isList: true, level: 'gateways', resourceType: 'vpnGateways', action: 'Microsoft.Network/vpnGateways/read' },
  { segments: GW, method: 'GET', operationId: 'VpnGateways_Get', level: 'gateways', resourceType: 'vpnGateways', action: 'Microsoft.Network/vpnGateways/read' },
  { segments: [...GW, 'vpnconnections'], method: 'GET', operationId: 'VpnConnections_ListByVpnGateway', isList: true, level: 'connections', resourceType: 'vpnGateways/vpnConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/read' },
  { segments: CONN, method: 'GET', operationId: 'VpnConnections_Get', level: 'connections', resourceType: 'vpnGateways/vpnConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/read' },
  { segments: LINKS, method: 'GET', operationId: 'VpnLinkConnections_ListByVpnConnection', isList: true, level: 'links', resourceType: 'vpnGateways/vpnConnections/vpnLinkConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections/read' },
  { segments: LINK, method: 'GET', operationId: 'VpnSiteLinkConnections_Get', level: 'links', resourceType: 'vpnGateways/vpnConnections/vpnLinkConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections/read' },
  { segments: [...LINK, 'resetconnection'], method: 'POST', operationId: 'VpnLinkConnections_ResetConnection', resourceType: 'vpnGateways/vpnConnections/vpnLinkConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections/resetconnection/action' },
  { segments: [...LINK, 'getikesas'], method: 'POST', operationId: 'VpnLinkConnections_GetIkeSas', resourceType: 'vpnGateways/vpnConnections/vpnLinkConnections', action: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections/getikesas/action' },
];

/** Routes a request; an error response for an unknown path or a method the path does not support. */
export function routeArmRequest(method: string, path: string): ArmRoute | { error: EmulatorResponse } {
  const segments = path.split('/').filter((s) => s.length > 0);
  let pathMatched = false;
  for (const pattern of PATTERNS) {
    const params = matchSegments(pattern.segments, segments);
    if (!params) continue;
    pathMatched = true;
    if (pattern.method !== method.toUpperCase()) continue;
    const route: ArmRoute = {
      operationId: pattern.operationId,
      bucket: pattern.method === 'GET' ? 'read' : 'write',
      isList: pattern.isList ?? false,
      apiVersions: pattern.operationId.startsWith('Subscriptions_') ? SUBSCRIPTIONS_API_VERSIONS : NETWORK_API_VERSIONS,
      resourceType: pattern.resourceType,
      action: pattern.action,
      ...params,
    };
    if (pattern.level) route.level = pattern.level;
    return route;
  }
  if (pathMatched) {
    return { error: armError(405, 'HttpMethodNotAllowed', `The requested resource does not support http method '${method.toUpperCase()}'.`) };
  }
  return {
    error: armError(404, 'InvalidResourceType', `The resource type could not be found for the request path '${path}'.`),
  };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const actual = segments[i] as string;
    if (expected === ':links') {
      // The spec's path says vpnLinkConnections; its examples' ids say VpnSiteLinkConnections.
      // Both are accepted so that a client can GET a link by the id ARM gave it.
      const lower = actual.toLowerCase();
      if (lower !== 'vpnlinkconnections' && lower !== 'vpnsitelinkconnections') return undefined;
    } else if (expected.startsWith(':')) {
      params[expected.slice(1)] = safeDecode(actual);
    } else if (expected !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
