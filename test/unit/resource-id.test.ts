import { describe, expect, it } from 'vitest';
import { connectionKey, linkKey, linkListPath, parseLinkId, subscriptionOf } from '../../src/arm/resource-id.js';

describe('resource ids', () => {
  const id = '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/vpnGateways/GW/vpnConnections/C1/vpnLinkConnections/L1';
  it('parses a link id in any casing and either child type spelling', () => {
    expect(parseLinkId(id)).toEqual({ subscriptionId: 'S1', resourceGroupName: 'RG', gatewayName: 'GW', connectionName: 'C1', linkConnectionName: 'L1' });
    expect(parseLinkId(id.toLowerCase())?.gatewayName).toBe('gw');
    expect(parseLinkId(id.replace('vpnLinkConnections', 'VpnSiteLinkConnections'))?.linkConnectionName).toBe('L1');
    expect(parseLinkId('/subscriptions/S1/resourceGroups/RG')).toBeUndefined();
  });
  it('keys are lower-cased ids', () => {
    expect(linkKey(id)).toBe(id.toLowerCase());
    expect(connectionKey(parseLinkId(id)!)).toBe(id.toLowerCase().replace(/\/vpnlinkconnections\/l1$/, ''));
  });
  it('builds the ListByVpnConnection path and finds the subscription of a URL', () => {
    expect(linkListPath(parseLinkId(id)!)).toBe('/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/vpnGateways/GW/vpnConnections/C1/vpnLinkConnections');
    expect(subscriptionOf(`https://x${id}?api-version=1`)).toBe('s1');
    expect(subscriptionOf('https://x/subscriptions?api-version=1')).toBeUndefined();
  });
});
