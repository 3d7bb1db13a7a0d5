import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

/** Entra ID hosts of the public and sovereign clouds, where instance discovery works. */
export const KNOWN_AUTHORITY_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'] as const;

/**
 * DefaultAzureCredential (environment variables, workload identity, managed identity, `az login`),
 * honouring AZURE_AUTHORITY_HOST. For an authority that is not a known Entra host (Azure Stack,
 * the vpnsync emulator) MSAL's instance discovery, which asks login.microsoftonline.com about
 * the host, is turned off: that host could not vouch for it, and the call would leave the network.
 */
export function createArmCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  let custom = false;
  if (authorityHost) {
    let host: string;
    try {
      host = new URL(authorityHost).hostname.toLowerCase();
    } catch {
      throw new Error(`Expected AZURE_AUTHORITY_HOST to be a URL such as https://login.microsoftonline.com, got '${authorityHost}'`);
    }
    custom = !(KNOWN_AUTHORITY_HOSTS as readonly string[]).includes(host);
  }
  return new DefaultAzureCredential({
    ...(authorityHost ? { authorityHost } : {}),
    ...(custom ? { disableInstanceDiscovery: true } : {}),
  });
}
