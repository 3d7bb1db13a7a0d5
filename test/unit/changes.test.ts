import { describe, expect, it } from 'vitest';
import { changedFields, changeHash } from '../../src/history/changes.js';
import { fingerprintWith, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';

const fp = fingerprintWith('s');
const base = normaliseLink(armLink(), fp);

describe('what counts as a change', () => {
  it('a tracked field that differs is a change, and the hash differs', () => {
    const after = normaliseLink(armLink({ properties: { connectionStatus: 'NotConnected', routingWeight: 20 } }), fp);
    expect(changedFields(base, after)).toEqual(['routingWeight', 'connectionStatus']);
    expect(changeHash(after)).not.toBe(changeHash(base));
  });

  it('byte counters and etag alone are not changes', () => {
    const after = normaliseLink(armLink({ properties: { ingressBytesTransferred: 9e9, egressBytesTransferred: 1 }, top: { etag: 'W/"2"' } }), fp);
    expect(changedFields(base, after)).toEqual([]);
    expect(changeHash(after)).toBe(changeHash(base));
  });

  it('a change of id or type casing alone is not a change', () => {
    const arm = armLink();
    const upper = normaliseLink({ ...arm, id: (arm.id as string).toUpperCase(), type: 'MICROSOFT.NETWORK/vpnGateways/vpnConnections/vpnLinkConnections' }, fp);
    expect(changedFields(base, upper)).toEqual([]);
    expect(changeHash(upper)).toBe(changeHash(base));
  });

  it("the child type's two spellings in an id are the same link", () => {
    const arm = armLink();
    const other = normaliseLink({ ...arm, id: (arm.id as string).replace('/vpnLinkConnections/', '/VpnSiteLinkConnections/') }, fp);
    expect(other._key).toBe(base._key);
    expect(changedFields(base, other)).toEqual([]);
  });

  it('NULL and a value differ; JSON key order does not matter', () => {
    const noNat = normaliseLink(armLink({ properties: { egressNatRules: undefined } }), fp);
    expect(changedFields(base, noNat)).toEqual(['egressNatRules']);
    const reordered = normaliseLink(armLink({ properties: { vpnSiteLink: { id: JSON.parse(base.vpnSiteLink as string).id } } }), fp);
    expect(changedFields(base, reordered)).toEqual([]);
  });

  it('a sharedKey rotation is a change even though only fingerprints are stored', () => {
    const a = normaliseLink(armLink({ properties: { sharedKey: 'k1' } }), fp);
    const b = normaliseLink(armLink({ properties: { sharedKey: 'k2' } }), fp);
    expect(changedFields(a, b)).toEqual(['sharedKey']);
  });

  it('keeps the digests of databases already written (a different digest would send every link down the slow path)', () => {
    const row = { id: '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/vpnGateways/gw/vpnConnections/c/vpnLinkConnections/l', name: 'l', connectionStatus: 'Connected', routingWeight: 10, enableBgp: 1, ipsecPolicies: '[]', sharedKey: null, type: 'Microsoft.Network/vpnGateways/vpnConnections/vpnLinkConnections' };
    expect(changeHash(row)).toBe('053a119bc4f5ea2446d2c67a5e425183');
  });
});
