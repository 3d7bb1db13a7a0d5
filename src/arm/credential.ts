import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

/** Entra ID hosts of the public and sovereign clouds, where instance discovery works. */
export const KNOWN_AUTHORITY_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'] as const;

/** The credential's configuration (environment variables) is unusable: a usage error, not a failed call. */
export class CredentialConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialConfigError';
  }
}

/**
 * DefaultAzureCredential (environment variables, workload identity, managed identity, `az login`),
 * honouring AZURE_AUTHORITY_HOST. For an authority that is not a known Entra host (Azure Stack,
 * the vpnsync emulator) MSAL's instance discovery, which asks login.microsoftonline.com about
 * the host, is turned off: that host could not vouch for it, and the call would leave the network.
 * Throws CredentialConfigError for settings it cannot use (a malformed AZURE_AUTHORITY_HOST, an
 * unknown AZURE_TOKEN_CREDENTIALS); getToken failures come as one line (see describeCredentialFailure).
 */
export function createArmCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  let custom = false;
  if (authorityHost) {
    let host: string;
    try {
      host = new URL(authorityHost).hostname.toLowerCase();
    } catch {
      throw new CredentialConfigError(`Expected AZURE_AUTHORITY_HOST to be a URL such as https://login.microsoftonline.com, got '${authorityHost}'`);
    }
    custom = !(KNOWN_AUTHORITY_HOSTS as readonly string[]).includes(host);
  }
  let credential: TokenCredential;
  try {
    credential = new DefaultAzureCredential({
      ...(authorityHost ? { authorityHost } : {}),
      ...(custom ? { disableInstanceDiscovery: true } : {}),
    });
  } catch (e) {
    // e.g. "Invalid value for AZURE_TOKEN_CREDENTIALS = …. Valid values are …"
    throw new CredentialConfigError(firstLine(e instanceof Error ? e.message : String(e)), { cause: e });
  }
  return {
    getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> => {
      try {
        return await credential.getToken(scopes, options);
      } catch (e) {
        throw describeCredentialFailure(e);
      }
    },
  };
}

/**
 * The identity library's error in one line that says why: its first line (which for a refused
 * secret only says "authentication failed … Status code: 400"), then Entra's error and its
 * AADSTS sentence ("invalid_client: AADSTS7000215: Invalid client secret provided."), or each
 * chained credential's reason. Entra never echoes a secret. The error's name is kept, which is
 * what the ARM client maps to CredentialError.
 */
export function describeCredentialFailure(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const err = e as Error & { errorResponse?: { error?: unknown; errorDescription?: unknown }; errors?: unknown };
  let detail: string | undefined;
  const description = err.errorResponse?.errorDescription;
  if (err.name === 'AuthenticationError' && typeof description === 'string' && description.trim() !== '') {
    // "invalid_client: Error(s): 7000215 - … Description: AADSTS7000215: Invalid client secret provided. Ensure …"
    const sentence = /AADSTS\d+:[^.]*\./.exec(description)?.[0];
    const error = /^([a-z_]+):/.exec(description)?.[1];
    detail = sentence ? `${error ? `${error}: ` : ''}${sentence}` : firstLine(description).slice(0, 200);
  } else if (err.name === 'AggregateAuthenticationError' && Array.isArray(err.errors)) {
    detail = (err.errors as unknown[]).map((x) => firstLine(x instanceof Error ? x.message : String(x))).join('; ');
  }
  const head = firstLine(err.message);
  const out = new Error(detail ? `${head.replace(/\.?$/, '.')} ${detail.replace(/\.?$/, '.')}` : head, { cause: e });
  out.name = err.name;
  return out;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/\s+/g, ' ').trim();
}
