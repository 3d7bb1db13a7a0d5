import { describe, expect, it } from 'vitest';
import { LINK_FIELDS } from '../../src/sync/fields.js';
import { canonicalJson, fingerprintWith, linkRecordFromRaw, NormaliseError, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from '../support/link-fixture.js';

const fp = fingerprintWith('salt-a');

describe('normaliseLink', () => {
  it('maps all 22 fields: booleans to 0/1, arrays and objects to canonical JSON, parameters from the id', () => {
    const arm = armLink();
    const row = normaliseLink(arm, fp);
    const props = arm.properties as Record<string, unknown>;
    expect(row.id).toBe(arm.id);
    expect(row.name).toBe('link-a');
    expect(row.enableBgp).toBe(1);
    expect(row.usePolicyBasedTrafficSelectors).toBe(0);
    expect(row.routingWeight).toBe(10);
    expect(JSON.parse(row.ipsecPolicies as string)).toEqual(props.ipsecPolicies);
    expect(JSON.parse(row.vpnSiteLink as string)).toEqual(props.vpnSiteLink);
    expect(row.sharedKey).toBeNull();
    expect(row).toMatchObject({ subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroupName: 'rg-net', gatewayName: 'gw-weu', connectionName: 'site-001' });
    expect(row._key).toBe((arm.id as string).toLowerCase());
    for (const f of LINK_FIELDS) expect(row).toHaveProperty(f.name);
  });

  it('keeps properties outside the 22 fields in _raw', () => {
    const row = normaliseLink(armLink(), fp);
    expect(JSON.parse(row._raw).properties.dpdTimeoutSeconds).toBe(45);
  });

  it('never keeps a plain sharedKey, in the column or in _raw, and fingerprints depend on the salt', () => {
    const row = normaliseLink(armLink({ properties: { sharedKey: 'Sup3rSecretPsk!' } }), fp);
    expect(row.sharedKey).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(row._raw).not.toContain('Sup3rSecretPsk!');
    expect(JSON.parse(row._raw).properties.sharedKey).toBe(row.sharedKey);
    const other = normaliseLink(armLink({ properties: { sharedKey: 'Sup3rSecretPsk!' } }), fingerprintWith('salt-b'));
    expect(other.sharedKey).not.toBe(row.sharedKey);
    const rotated = normaliseLink(armLink({ properties: { sharedKey: 'another' } }), fp);
    expect(rotated.sharedKey).not.toBe(row.sharedKey);
  });

  it("accepts the VpnSiteLinkConnections spelling of Microsoft's examples", () => {
    const id = '/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/vpnGateways/gateway1/vpnConnections/vpnConnection1/VpnSiteLinkConnections/Connection-Link1';
    const row = normaliseLink({ id, name: 'Connection-Link1', properties: {} }, fp);
    expect(row.connectionName).toBe('vpnConnection1');
    expect(row.connectionStatus).toBeNull();
  });

  it.each([
    [{ properties: { routingWeight: 'ten' } }, /Expected properties\.routingWeight of .* to be an integer, got 'ten'/],
    [{ properties: { enableBgp: 'yes' } }, /Expected properties\.enableBgp of .* to be true or false/],
    [{ properties: { ipsecPolicies: 'x' } }, /Expected properties\.ipsecPolicies of .* to be an array or object/],
    [{ top: { id: '/subscriptions/x/resourceGroups/y' } }, /Expected "id" to be a vpnLinkConnections resource id/],
    [{ top: { properties: [] } }, /Expected "properties" of .* to be an object/],
  ])('rejects malformed input with a message naming the field (%#)', (o, message) => {
    expect(() => normaliseLink(armLink(o as never), fp)).toThrow(NormaliseError);
    expect(() => normaliseLink(armLink(o as never), fp)).toThrow(message);
  });

  it('canonical JSON sorts object keys but keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }, 3] })).toBe('{"a":[{"c":2,"d":1},3],"b":1}');
  });

  it('rebuilds exactly the same record from _raw (what a pull holds while it fetches), sharedKey fingerprinted once', () => {
    const links = [
      armLink(),
      armLink({ properties: { sharedKey: 'Sup3rSecretPsk!', enableBgp: false, ingressNatRules: [{ id: '/x/B' }, { id: '/x/a' }] } }),
      armLink({ top: { id: '  /SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/resourceGroups/RG/providers/Microsoft.Network/vpnGateways/gw/vpnConnections/c/VpnSiteLinkConnections/L  ', etag: undefined } }),
      { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/vpnGateways/g/vpnConnections/c/vpnLinkConnections/bare' },
    ];
    for (const arm of links) {
      const row = normaliseLink(arm, fp);
      expect(linkRecordFromRaw(row._raw)).toEqual(row);
    }
  });
});


describe('normaliseLink on hostile JSON', () => {
  it('refuses nesting deeper than any ARM resource, without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => normaliseLink(armLink({ properties: { ipsecPolicies: deep } }), fp)).toThrow(/nested at most 64 levels deep/);
  });

  it('keeps a "__proto__" key as data, so a change to it is a change', () => {
    const a = normaliseLink(armLink({ properties: { ipsecPolicies: JSON.parse('[{"__proto__":{"x":1}}]') } }), fp);
    const b = normaliseLink(armLink({ properties: { ipsecPolicies: JSON.parse('[{"__proto__":{"x":2}}]') } }), fp);
    expect(a.ipsecPolicies).toBe('[{"__proto__":{"x":1}}]');
    expect(a.ipsecPolicies).not.toBe(b.ipsecPolicies);
  });

  it('folds only ASCII letters in the key, as SQLite lower() does', () => {
    const row = normaliseLink(armLink({ link: 'LinkÄ' }), fp);
    expect(row._key.endsWith('/vpnlinkconnections/linkÄ')).toBe(true);
  });
});
