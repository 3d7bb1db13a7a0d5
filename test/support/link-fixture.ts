/** A realistic ARM link connection (all 22 fields plus dpdTimeoutSeconds), for unit and store tests. */
export function armLink(overrides: { sub?: string; rg?: string; gw?: string; conn?: string; link?: string; properties?: Record<string, unknown>; top?: Record<string, unknown> } = {}): Record<string, unknown> {
  const sub = overrides.sub ?? '00000000-0000-0000-0000-000000000001';
  const rg = overrides.rg ?? 'rg-net';
  const gw = overrides.gw ?? 'gw-weu';
  const conn = overrides.conn ?? 'site-001';
  const link = overrides.link ?? 'link-a';
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/vpnGateways/${gw}/vpnConnections/${conn}/vpnLinkConnections/${link}`,
    name: link,
    type: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections',
    etag: 'W/"1"',
    properties: {
      provisioningState: 'Succeeded',
      vpnLinkConnectionMode: 'Default',
      ingressBytesTransferred: 1000,
      egressBytesTransferred: 2000,
      usePolicyBasedTrafficSelectors: false,
      egressNatRules: [{ id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/vpnGateways/${gw}/natRules/egress1` }],
      ingressNatRules: [],
      enableBgp: true,
      routingWeight: 10,
      ipsecPolicies: [
        { saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048' },
      ],
      connectionBandwidth: 100,
      enableRateLimiting: false,
      vpnConnectionProtocolType: 'IKEv2',
      connectionStatus: 'Connected',
      useLocalAzureIpAddress: false,
      vpnGatewayCustomBgpAddresses: [{ ipConfigurationId: 'Instance0', customBgpIpAddress: '169.254.21.1' }],
      vpnSiteLink: { id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/vpnSites/${conn}/vpnSiteLinks/${link}` },
      dpdTimeoutSeconds: 45,
      ...overrides.properties,
    },
    ...overrides.top,
  };
}
