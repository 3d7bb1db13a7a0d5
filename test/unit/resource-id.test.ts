import { describe, expect, it } from 'vitest';
import { armPathProblem, connectionKey, linkKey, linkListPath, linkPartsProblem, parseLinkId, resourceIdProblem, subscriptionOf } from '../../src/arm/resource-id.js';

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

  it('refuses ids that break ARM’s grammar: empty, . and .. segments, percent-encoding, backslashes, control characters, a trailing dot', () => {
    const bad = [
      id.replace(/L1$/, '..'),
      id.replace(/L1$/, '.'),
      id.replace('/C1/', '/C1//'),
      `${id}/`,
      id.replace(/L1$/, 'L1%2F..'),
      id.replace(/L1$/, '%2e%2e'),
      id.replace(/L1$/, '%2E'),
      id.replace(/L1$/, 'a\\..'),
      id.replace(/L1$/, 'L1?x=1'),
      id.replace(/L1$/, 'L1#x'),
      id.replace(/L1$/, 'L1\u0000'),
      id.replace(/L1$/, 'L1.'),
      id.replace('/GW/', '/../'),
    ];
    for (const b of bad) {
      expect(parseLinkId(b), b).toBeUndefined();
      expect(resourceIdProblem(b), b).toBeDefined();
    }
    expect(resourceIdProblem(id.replace(/L1$/, '..'))).toBe("the segment after 'vpnLinkConnections' is '..', a path step rather than a name");
    expect(resourceIdProblem(id)).toBeUndefined();
    // Names ARM allows: dots inside, hyphens, underscores, parentheses, non-ASCII letters.
    expect(parseLinkId(id.replace('/RG/', '/rg.prod_(1)-é/'))?.resourceGroupName).toBe('rg.prod_(1)-é');
    expect(linkPartsProblem({ subscriptionId: 'S1', resourceGroupName: 'RG', gatewayName: 'GW', connectionName: 'C1', linkConnectionName: '..' })).toBe("its linkConnectionName is '..', a path step rather than a name");
    expect(linkPartsProblem(parseLinkId(id)!)).toBeUndefined();
  });

  it('refuses to send to a path URL resolution would fold into another resource’s', () => {
    for (const p of [`${id}/../getikesas`, `${id.replace(/L1$/, '..')}/getikesas`, `${id}/./x`, `${id}/%2e%2e/x`, `${id}/.%2E/x`, `${id}%2F..`, `${id}%5cx`, `${id}\\..`, `${id}//x`, `https://management.azure.com${id}/../x?api-version=1`]) {
      expect(armPathProblem(p), p).toBeDefined();
    }
    for (const p of [id, `${id}/getikesas`, `https://management.azure.com${id}?api-version=1&$skipToken=a%2Fb/../c`, 'https://management.azure.com/subscriptions/s/providers/Microsoft.Network/locations/westus/operationResults/abc?api-version=2024-05-01', '/subscriptions']) {
      expect(armPathProblem(p), p).toBeUndefined();
    }
  });
});
