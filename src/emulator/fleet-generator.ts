/**
 * Generates a realistic Virtual WAN fleet from a seed and sizes. The same seed and sizes always
 * give the same fleet (ids, names, values, order), which is what makes tests and benchmarks
 * repeatable.
 */
import {
  LINK_CONNECTION_TYPE,
  VPN_GATEWAY_TYPE,
  type ConnectionJson,
  type IpsecPolicyJson,
  type LinkConnectionJson,
  type SubResourceJson,
} from './arm-types.js';
import { Fleet, defaultSubscriptionJson, type ConnectionNode, type GatewayNode, type LinkNode } from './fleet-model.js';
import { createRng, deriveSeed, type Rng } from './prng.js';

/** How big a generated fleet is: subscriptions × resource groups × gateways × connections × links per connection. */
export interface FleetSize {
  subscriptions: number;
  resourceGroupsPerSubscription: number;
  gatewaysPerResourceGroup: number;
  connectionsPerGateway: number;
  /** Links per connection (1–4). A fraction gives an average: 2.5 means half the connections get 2 links, half 3. */
  linksPerConnection: number;
}

/** The demo fleet: 2 subscriptions, 8 gateways, 40 connections, ~100 link connections. */
export const DEFAULT_FLEET_SIZE: FleetSize = {
  subscriptions: 2,
  resourceGroupsPerSubscription: 2,
  gatewaysPerResourceGroup: 2,
  connectionsPerGateway: 5,
  linksPerConnection: 2.5,
};

/** At most this many link connections per VPN connection (a VPN site has at most 4 links). */
export const MAX_LINKS_PER_CONNECTION = 4;

/**
 * Default share of generated VPN connections that gateway listings show without their
 * `vpnLinkConnections`, as real ARM does (Microsoft's VpnGatewayList example lists
 * gateway2/vpnConnection2 so). A few percent: a client that trusts the embedded copy must meet it.
 */
export const DEFAULT_WITHOUT_EMBEDDED_LINKS = 0.05;

/** Options of generateFleet besides its sizes. */
export interface GenerateOptions {
  /** Each subscription's home tenant. */
  tenantId?: string | undefined;
  /**
   * Share (0–1) of the connections that gateway listings show without their link connections
   * (default DEFAULT_WITHOUT_EMBEDDED_LINKS; 0 turns it off). At least one when above 0 and the
   * fleet has connections, so that every generated fleet has the shape.
   */
  withoutEmbeddedLinks?: number | undefined;
}

const REGIONS = ['westeurope', 'northeurope', 'eastus', 'eastus2', 'westus2', 'uksouth', 'southeastasia', 'japaneast', 'germanywestcentral', 'centralus'] as const;
const COMPANIES = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Woodgrove', 'Litware'] as const;
const ISPS = ['att', 'verizon', 'comcast', 'lumen', 'zayo', 'bt', 'orange', 'telstra', 'ntt', 'vodafone'] as const;

/** Realistic custom IPsec/IKE policies (what operators actually configure, including a legacy one). */
const IPSEC_POLICIES: readonly IpsecPolicyJson[] = [
  { saLifeTimeSeconds: 27000, saDataSizeKilobytes: 102400000, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048' },
  { saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA384', dhGroup: 'ECP384', pfsGroup: 'ECP384' },
  { saLifeTimeSeconds: 28800, saDataSizeKilobytes: 1024000, ipsecEncryption: 'GCMAES128', ipsecIntegrity: 'GCMAES128', ikeEncryption: 'GCMAES128', ikeIntegrity: 'SHA256', dhGroup: 'ECP256', pfsGroup: 'ECP256' },
  { saLifeTimeSeconds: 27000, saDataSizeKilobytes: 102400000, ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256', ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup24', pfsGroup: 'PFS24' },
  { saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'AES128', ipsecIntegrity: 'SHA1', ikeEncryption: 'AES128', ikeIntegrity: 'SHA1', dhGroup: 'DHGroup2', pfsGroup: 'None' },
];

/** Choices for the link fields the mutator edits, shared with it so edits stay realistic. */
export const LINK_VALUE_CHOICES = {
  connectionBandwidth: [10, 50, 100, 200, 500, 1000],
  routingWeight: [0, 0, 0, 10, 50, 100, 200],
  dpdTimeoutSeconds: [30, 45, 45, 60],
  ipsecPolicies: IPSEC_POLICIES,
} as const;

/** Generates a fleet (see GenerateOptions); throws RangeError for a share outside 0–1. */
export function generateFleet(seed: number, size: Partial<FleetSize> = {}, options: GenerateOptions = {}): Fleet {
  const share = options.withoutEmbeddedLinks ?? DEFAULT_WITHOUT_EMBEDDED_LINKS;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`withoutEmbeddedLinks must be a share from 0 to 1, got ${share}`);
  const s = { ...DEFAULT_FLEET_SIZE, ...size };
  const rng = createRng(deriveSeed(seed, 'fleet'));
  const fleet = new Fleet();
  for (let si = 0; si < s.subscriptions; si++) {
    const subscriptionId = rng.uuid();
    const company = COMPANIES[si % COMPANIES.length] ?? 'Contoso';
    fleet.ensureSubscription(
      subscriptionId,
      defaultSubscriptionJson(subscriptionId, options.tenantId, `${company} Networking ${si < COMPANIES.length ? 'Prod' : `Prod ${si + 1}`}`),
    );
    for (let ri = 0; ri < s.resourceGroupsPerSubscription; ri++) {
      const region = REGIONS[(si * s.resourceGroupsPerSubscription + ri) % REGIONS.length] ?? 'westeurope';
      const rgName = `rg-vwan-${region}-${pad(ri + 1, 2)}`;
      fleet.ensureResourceGroup(subscriptionId, rgName);
      for (let gi = 0; gi < s.gatewaysPerResourceGroup; gi++) {
        const gateway = addGeneratedGateway(fleet, rng, subscriptionId, rgName, region, gi + 1);
        for (let ci = 0; ci < s.connectionsPerGateway; ci++) {
          const linkCount = linkCountFor(rng, s.linksPerConnection);
          addGeneratedConnection(fleet, gateway, rng, linkCount);
        }
      }
    }
  }
  hideEmbeddedLinks(fleet, seed, share);
  return fleet;
}

/**
 * Marks round(share × connections) connections (at least one when share > 0), chosen by their
 * own seeded stream, as listed by their gateway without link connections. Their own stream keeps
 * every other generated value what it was before this shape existed.
 */
function hideEmbeddedLinks(fleet: Fleet, seed: number, share: number): void {
  const connections = fleet.connections();
  if (share <= 0 || connections.length === 0) return;
  const count = Math.min(connections.length, Math.max(1, Math.round(share * connections.length)));
  const rng = createRng(deriveSeed(seed, 'without-embedded-links'));
  // A partial Fisher–Yates shuffle: the first `count` entries are a uniform sample.
  for (let i = 0; i < count; i++) {
    const j = rng.int(i, connections.length - 1);
    const chosen = connections[j] as ConnectionNode;
    connections[j] = connections[i] as ConnectionNode;
    connections[i] = chosen;
    chosen.linksInGatewayListing = false;
  }
}

function linkCountFor(rng: Rng, average: number): number {
  const whole = Math.floor(average);
  const count = rng.chance(average - whole) ? whole + 1 : whole;
  return Math.min(MAX_LINKS_PER_CONNECTION, Math.max(1, count));
}

function addGeneratedGateway(fleet: Fleet, rng: Rng, subscriptionId: string, rgName: string, region: string, index: number): GatewayNode {
  const name = `vpngw-${region}-${pad(index, 2)}`;
  const rgId = `/subscriptions/${subscriptionId}/resourceGroups/${rgName}`;
  const id = `${rgId}/providers/Microsoft.Network/vpnGateways/${name}`;
  const hub = `hub-${region}-${pad(index, 2)}`;
  const octet = rng.int(1, 250);
  // Public addresses come from the documentation ranges (RFC 5737): realistic, never routable.
  const publicIps = [`198.51.100.${octet}`, `203.0.113.${octet}`];
  const natRules = ['ingress', 'egress'].flatMap((direction) =>
    [1, 2].map((n) => ({
      name: `nat-${direction}-${n}`,
      type: 'Microsoft.Network/vpnGateways/natRules',
      id: `${id}/natRules/nat-${direction}-${n}`,
      etag: newEtag(rng),
      properties: {
        type: 'Static',
        mode: direction === 'ingress' ? 'IngressSnat' : 'EgressSnat',
        internalMappings: [{ addressSpace: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.0/24` }],
        externalMappings: [{ addressSpace: `100.64.${rng.int(0, 255)}.0/24` }],
        provisioningState: 'Succeeded',
      },
    })),
  );
  return fleet.addGateway({
    name,
    id,
    type: VPN_GATEWAY_TYPE,
    etag: newEtag(rng),
    location: region,
    tags: { environment: 'production', owner: 'network-team' },
    properties: {
      provisioningState: 'Succeeded',
      virtualHub: { id: `${rgId}/providers/Microsoft.Network/virtualHubs/${hub}` },
      bgpSettings: {
        asn: 65515,
        bgpPeeringAddress: '10.0.0.12,10.0.0.13',
        peerWeight: 0,
        bgpPeeringAddresses: [0, 1].map((i) => ({
          ipconfigurationId: `Instance${i}`,
          defaultBgpIpAddresses: [`10.0.0.${12 + i}`],
          customBgpIpAddresses: [`169.254.2${1 + i}.1`],
          tunnelIpAddresses: [publicIps[i] ?? '', `10.0.0.${4 + i}`],
        })),
      },
      vpnGatewayScaleUnit: rng.pick([1, 2, 2, 4, 10]),
      ipConfigurations: [0, 1].map((i) => ({
        id: `Instance${i}`,
        publicIpAddress: publicIps[i] ?? '',
        privateIpAddress: `10.0.0.${4 + i}`,
      })),
      enableBgpRouteTranslationForNat: false,
      isRoutingPreferenceInternet: false,
      natRules,
    },
  });
}

/** Adds a generated VPN connection (and its site's link connections) to a gateway; used by the generator and the mutator. */
export function addGeneratedConnection(fleet: Fleet, gateway: GatewayNode, rng: Rng, linkCount: number): ConnectionNode {
  fleet.sequence += 1;
  const branch = `branch-${pad(fleet.sequence, 4)}`;
  const gatewayId = gateway.json.id;
  const rgId = gatewayId.slice(0, gatewayId.toLowerCase().indexOf('/providers/'));
  const json: ConnectionJson = {
    name: `Connection-${branch}`,
    id: `${gatewayId}/vpnConnections/Connection-${branch}`,
    etag: newEtag(rng),
    properties: {
      provisioningState: 'Succeeded',
      remoteVpnSite: { id: `${rgId}/providers/Microsoft.Network/vpnSites/site-${branch}` },
      routingWeight: 0,
      dpdTimeoutSeconds: 45,
      connectionStatus: 'Connected',
      vpnConnectionProtocolType: 'IKEv2',
      ingressBytesTransferred: 0,
      egressBytesTransferred: 0,
      enableBgp: false,
      enableInternetSecurity: rng.chance(0.3),
      enableRateLimiting: false,
      useLocalAzureIpAddress: false,
      usePolicyBasedTrafficSelectors: false,
      ipsecPolicies: [],
      trafficSelectorPolicies: [],
      routingConfiguration: {
        associatedRouteTable: { id: `${hubIdOf(gateway)}/hubRouteTables/defaultRouteTable` },
        propagatedRouteTables: { labels: ['default'], ids: [{ id: `${hubIdOf(gateway)}/hubRouteTables/defaultRouteTable` }] },
        vnetRoutes: { staticRoutes: [] },
      },
    },
  };
  const connection = fleet.addConnection(gateway, json);
  const isps = [...ISPS];
  for (let i = 0; i < linkCount; i++) addGeneratedLink(fleet, connection, rng, isps);
  return connection;
}

function hubIdOf(gateway: GatewayNode): string {
  const hub = gateway.json.properties['virtualHub'] as SubResourceJson | undefined;
  return hub?.id ?? `${gateway.json.id}/hub`;
}

/** Adds one generated link connection to a connection, with a site link ISP not yet used by it; `freeIsps` defaults to those unused. */
export function addGeneratedLink(fleet: Fleet, connection: ConnectionNode, rng: Rng, freeIsps?: string[]): LinkNode {
  const used = new Set(connection.links.values().map((l) => l.json.name.toLowerCase()));
  const candidates = (freeIsps ?? [...ISPS]).filter((isp) => !used.has(`link-${isp}`));
  const isp = candidates.length > 0 ? rng.pick(candidates) : `${rng.int(1000, 9999)}`;
  const taken = freeIsps?.indexOf(isp) ?? -1;
  if (taken >= 0) freeIsps?.splice(taken, 1);
  const name = `link-${isp}`;
  const site = connection.json.properties['remoteVpnSite'] as SubResourceJson | undefined;
  const siteId = site?.id ?? `${connection.json.id}/site`;
  const status = rng.weighted([['Connected', 80], ['NotConnected', 10], ['Connecting', 5], ['Unknown', 5]] as const);
  const enableBgp = rng.chance(0.6);
  const linkIndex = connection.links.size;
  const natRules = ((connection.gateway.json.properties['natRules'] ?? []) as { id?: string; properties?: { mode?: string } }[])
    .filter((r) => typeof r.id === 'string');
  const ingress = natRules.filter((r) => r.properties?.mode === 'IngressSnat');
  const egress = natRules.filter((r) => r.properties?.mode === 'EgressSnat');
  const connected = status === 'Connected';
  const json: LinkConnectionJson = {
    name,
    id: `${connection.json.id}/vpnLinkConnections/${name}`,
    type: LINK_CONNECTION_TYPE,
    etag: newEtag(rng),
    properties: {
      provisioningState: rng.weighted([['Succeeded', 95], ['Updating', 3], ['Failed', 2]] as const),
      vpnSiteLink: { id: `${siteId}/vpnSiteLinks/${name}` },
      connectionBandwidth: rng.pick(LINK_VALUE_CHOICES.connectionBandwidth),
      routingWeight: rng.pick(LINK_VALUE_CHOICES.routingWeight),
      vpnLinkConnectionMode: rng.weighted([['Default', 85], ['ResponderOnly', 10], ['InitiatorOnly', 5]] as const),
      connectionStatus: status,
      vpnConnectionProtocolType: rng.chance(0.9) ? 'IKEv2' : 'IKEv1',
      ingressBytesTransferred: connected || rng.chance(0.5) ? rng.int(0, 5_000_000_000_000) : 0,
      egressBytesTransferred: connected || rng.chance(0.5) ? rng.int(0, 2_000_000_000_000) : 0,
      enableBgp,
      vpnGatewayCustomBgpAddresses:
        enableBgp && rng.chance(0.5)
          ? [
              { ipConfigurationId: 'Instance0', customBgpIpAddress: `169.254.21.${(linkIndex * 4 + fleet.sequence * 16) % 252 + 2}` },
              { ipConfigurationId: 'Instance1', customBgpIpAddress: `169.254.22.${(linkIndex * 4 + fleet.sequence * 16) % 252 + 2}` },
            ]
          : [],
      usePolicyBasedTrafficSelectors: rng.chance(0.1),
      ipsecPolicies: rng.chance(0.35) ? [{ ...rng.pick(IPSEC_POLICIES) }] : [],
      enableRateLimiting: rng.chance(0.2),
      useLocalAzureIpAddress: rng.chance(0.1),
      ingressNatRules: ingress.length > 0 && rng.chance(0.25) ? [{ id: rng.pick(ingress).id }] : [],
      egressNatRules: egress.length > 0 && rng.chance(0.25) ? [{ id: rng.pick(egress).id }] : [],
      dpdTimeoutSeconds: rng.pick(LINK_VALUE_CHOICES.dpdTimeoutSeconds),
    },
  };
  const node = fleet.addLink(connection, json);
  node.sharedKey = newSharedKey(rng);
  return node;
}

/** A new weak ETag in ARM's format: W/"uuid". */
export function newEtag(rng: Rng): string {
  return `W/"${rng.uuid()}"`;
}

function newSharedKey(rng: Rng): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let key = '';
  for (let i = 0; i < 32; i++) key += alphabet[rng.int(0, alphabet.length - 1)];
  return key;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
