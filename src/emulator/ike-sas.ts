/**
 * The body of VpnLinkConnections_GetIkeSas: a JSON *string* (the spec's final-state schema is
 * `stringApplicationJson`) whose text is the gateway's IKE security association report.
 */
import type { LinkConnectionJson } from './arm-types.js';
import { createRng, deriveSeed } from './prng.js';

/** Builds the IKE SA report text for a link; deterministic per (seed, link id, call number). */
export function generateIkeSas(link: LinkConnectionJson, seed: number, call: number): string {
  const p = link.properties;
  if (p.connectionStatus !== 'Connected') return JSON.stringify({ Status: 'Successful', Data: null });
  const rng = createRng(deriveSeed(seed, 'ikesas', link.id.toLowerCase(), call));
  const policy = p.ipsecPolicies?.[0];
  const sa = [0, 1].map((instance) => ({
    localEndpoint: `198.51.100.${10 + instance}`,
    remoteEndpoint: `192.0.2.${rng.int(1, 254)}`,
    initiatorCookie: rng.int(1, 2 ** 40),
    responderCookie: rng.int(1, 2 ** 40),
    localUdpEncapsulationPort: 0,
    remoteUdpEncapsulationPort: 0,
    encryption: policy?.ikeEncryption ?? 'AES256',
    integrity: policy?.ikeIntegrity ?? 'SHA256',
    prfAlgorithm: policy?.ikeIntegrity === 'SHA384' ? 'SHA384' : 'SHA256',
    dhGroup: policy?.dhGroup ?? 'DHGroup2',
    lifeTimeSeconds: policy?.saLifeTimeSeconds ?? 28800,
    isSaInitiator: p.vpnLinkConnectionMode === 'InitiatorOnly',
    elapsedTimeInseconds: rng.int(10, 28000),
    quickModeSa: [
      {
        localEncryptionAlgorithm: policy?.ipsecEncryption ?? 'GCMAES256',
        localIntegrityAlgorithm: policy?.ipsecIntegrity ?? 'GCMAES256',
        pfsGroupId: policy?.pfsGroup ?? 'None',
        lifeTimeSeconds: policy?.saLifeTimeSeconds ?? 3600,
        isSaInitiator: false,
        elapsedTimeInseconds: rng.int(1, 3600),
        localTrafficSelectors: ['10.0.0.0/16'],
        remoteTrafficSelectors: [`10.${rng.int(100, 199)}.0.0/16`],
        inboundSPI: rng.int(1, 2 ** 31),
        outboundSPI: rng.int(1, 2 ** 31),
        inboundPacketsCount: rng.int(0, 10_000_000),
        outboundPacketsCount: rng.int(0, 10_000_000),
        inboundBytesCount: rng.int(0, 5_000_000_000),
        outboundBytesCount: rng.int(0, 5_000_000_000),
      },
    ],
  }));
  return JSON.stringify({ Status: 'Successful', Data: sa });
}
