/**
 * The database the query tests and the example queries (examples/queries/*.sql) run against:
 * two pulls of six links on three gateways in two subscriptions, with known statuses, BGP
 * settings, IPsec policies and NAT rules.
 */
import { recordPull } from '../../src/history/record-pull.js';
import { openStore } from '../../src/store/open-store.js';
import { beginPull } from '../../src/store/pull-lock.js';
import { fingerprintWith, normaliseLink } from '../../src/sync/normalise.js';
import { armLink } from './link-fixture.js';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const SUB2 = '00000000-0000-0000-0000-000000000002';
/** A NAT rule reference on a gateway of SUB. */
export const nat = (gw: string, rule: string) => [{ id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/vpnGateways/${gw}/natRules/${rule}` }];
export const GCM = { saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048' };
const CBC = { ...GCM, ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256', dhGroup: 'DHGroup24', pfsGroup: 'PFS24' };

/** Pull 1: six links on three gateways. Pull 2: one link comes up, one is deleted, one is added. */
function fleet(pull: 1 | 2): Record<string, unknown>[] {
  const links = [
    armLink({ gw: 'gw-weu', conn: 'site-001', link: 'link-a', properties: { connectionStatus: 'Connected', enableBgp: true, ipsecPolicies: [GCM], egressNatRules: nat('gw-weu', 'egress1') } }),
    armLink({ gw: 'gw-weu', conn: 'site-001', link: 'link-b', properties: { connectionStatus: pull === 1 ? 'NotConnected' : 'Connected', enableBgp: true, ipsecPolicies: [GCM], egressNatRules: nat('gw-weu', 'egress1') } }),
    armLink({ gw: 'gw-weu', conn: 'site-002', link: 'link-a', properties: { connectionStatus: 'Connected', enableBgp: false, ipsecPolicies: [], egressNatRules: [] } }),
    armLink({ gw: 'gw-neu', conn: 'site-003', link: 'link-a', properties: { connectionStatus: 'NotConnected', enableBgp: false, ipsecPolicies: [CBC], egressNatRules: [], ingressNatRules: nat('gw-neu', 'ingress7') } }),
    armLink({ gw: 'gw-neu', conn: 'site-003', link: 'link-b', properties: { connectionStatus: 'Connecting', enableBgp: true, ipsecPolicies: [CBC], egressNatRules: [] } }),
    // ARM sometimes returns resource group names upper-cased in ids.
    armLink({ sub: SUB2, rg: 'RG-US', gw: 'gw-use', conn: 'site-004', link: 'link-a', properties: { connectionStatus: 'Connected', enableBgp: true, ipsecPolicies: [], egressNatRules: [] } }),
  ];
  if (pull === 1) return links;
  return [
    ...links.filter((l) => !String(l.id).includes('/site-002/')),
    armLink({ sub: SUB2, rg: 'RG-US', gw: 'gw-use', conn: 'site-004', link: 'link-b', properties: { connectionStatus: 'Connected', enableBgp: true, ipsecPolicies: [], egressNatRules: [] } }),
  ];
}

/** When the two pulls finished. */
export const FINISHED = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'] as const;

/** Writes the two pulls into a new database at `file`. */
export async function seedQueryDb(file: string): Promise<void> {
  const store = await openStore(file, { mode: 'write' });
  const fp = fingerprintWith('salt');
  for (const n of [1, 2] as const) {
    const finishedAt = FINISHED[n - 1] as string;
    const { pullId } = beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: finishedAt, pid: process.pid, hostname: 'seed' });
    recordPull(store.sqlite, {
      pullId,
      finishedAt,
      links: fleet(n).map((l) => normaliseLink(l, fp)),
      scopes: [],
      absenceIsProven: () => true,
      requests: 0,
      throttled: 0,
    });
  }
  await store.close();
}
