/**
 * The ARM JSON shapes the emulator stores and serves, as in
 * test/fixtures/azure-spec/vpnLinkConnections.swagger-excerpt.json. Only what the emulator reads or
 * writes is typed; anything else a loaded file carries is kept verbatim through the index
 * signatures, so Microsoft's examples are served back unchanged.
 */

/** Reference to another resource (`SubResource`). */
export interface SubResourceJson {
  id?: string;
}

/** `IpsecPolicy` from networkGateway.json (all eight fields are required by the spec). */
export interface IpsecPolicyJson {
  saLifeTimeSeconds: number;
  saDataSizeKilobytes: number;
  ipsecEncryption: string;
  ipsecIntegrity: string;
  ikeEncryption: string;
  ikeIntegrity: string;
  dhGroup: string;
  pfsGroup: string;
}

/** `GatewayCustomBgpIpAddressIpConfiguration` from networkGateway.json. */
export interface CustomBgpAddressJson {
  ipConfigurationId: string;
  customBgpIpAddress: string;
}

/** `VpnSiteLinkConnectionProperties`. */
export interface LinkConnectionPropertiesJson {
  vpnSiteLink?: SubResourceJson;
  routingWeight?: number;
  vpnLinkConnectionMode?: string;
  connectionStatus?: string;
  vpnConnectionProtocolType?: string;
  ingressBytesTransferred?: number;
  egressBytesTransferred?: number;
  connectionBandwidth?: number;
  sharedKey?: string;
  enableBgp?: boolean;
  vpnGatewayCustomBgpAddresses?: CustomBgpAddressJson[];
  usePolicyBasedTrafficSelectors?: boolean;
  ipsecPolicies?: IpsecPolicyJson[];
  enableRateLimiting?: boolean;
  useLocalAzureIpAddress?: boolean;
  provisioningState?: string;
  ingressNatRules?: SubResourceJson[];
  egressNatRules?: SubResourceJson[];
  dpdTimeoutSeconds?: number;
  [extra: string]: unknown;
}

/** `VpnSiteLinkConnection`: the resource vpnsync mirrors. */
export interface LinkConnectionJson {
  id: string;
  name: string;
  type?: string;
  etag?: string;
  properties: LinkConnectionPropertiesJson;
  [extra: string]: unknown;
}

/** `VpnConnection` (stored without `properties.vpnLinkConnections`; the fleet holds its links). */
export interface ConnectionJson {
  id: string;
  name?: string;
  etag?: string;
  properties: { vpnLinkConnections?: LinkConnectionJson[]; [extra: string]: unknown };
  [extra: string]: unknown;
}

/** `VpnGateway` (stored without `properties.connections`; the fleet holds its connections). */
export interface GatewayJson {
  id: string;
  name: string;
  type?: string;
  etag?: string;
  location?: string;
  properties: { connections?: ConnectionJson[]; [extra: string]: unknown };
  [extra: string]: unknown;
}

/** One entry of `GET /subscriptions` (Subscriptions_List, api-version 2022-12-01). */
export interface SubscriptionJson {
  id: string;
  subscriptionId: string;
  displayName?: string;
  state?: string;
  tenantId?: string;
  [extra: string]: unknown;
}

/** The ARM link connection type the emulator gives the links it generates. */
export const LINK_CONNECTION_TYPE = 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections';
/** The ARM gateway type. */
export const VPN_GATEWAY_TYPE = 'Microsoft.Network/vpnGateways';
