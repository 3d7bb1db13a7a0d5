/** Public ARM endpoint (Azure global cloud). A module of its own so that --help loads no Azure SDK. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/** The token scope of public ARM, also used for a plain-HTTP loopback endpoint (a local proxy in front of ARM). */
export const PUBLIC_ARM_SCOPE = 'https://management.azure.com/.default';

/**
 * True for a host name that can only mean this machine: `localhost`, 127.0.0.0/8 or ::1 (as
 * `URL.hostname` spells them). Plain HTTP, and so a bearer token in clear, is allowed only there.
 * `localhost.` (a fully qualified name, trailing dot) is not loopback: Node hands it to the DNS
 * resolver, and a search domain or a hostile resolver may answer with any address.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
