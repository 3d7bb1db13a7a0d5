import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { connect } from 'node:tls';
import { hostPortOf, networkFailureLine } from './network-failure.js';
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
 * Throws CredentialConfigError for settings it cannot use (a malformed or non-https
 * AZURE_AUTHORITY_HOST, an unknown AZURE_TOKEN_CREDENTIALS); getToken failures come as one line (see describeCredentialFailure).
 */
export function createArmCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  let custom = false;
  if (authorityHost) {
    let url: URL;
    try {
      url = new URL(authorityHost);
    } catch {
      throw new CredentialConfigError(`Expected AZURE_AUTHORITY_HOST to be a URL such as https://login.microsoftonline.com, got '${authorityHost}'`);
    }
    // The client secret (or assertion) goes to this host: only over TLS, even on loopback. The
    // identity library would refuse it too, but only at the first token request, after a pull has
    // been recorded as started; refused here, nothing is written.
    if (url.protocol !== 'https:') {
      // Quoted without any user:password part of the URL.
      throw new CredentialConfigError(`Expected AZURE_AUTHORITY_HOST to be an https URL (the client secret is sent to it, so only over TLS), got '${url.protocol}//${url.host}'`);
    }
    const host = url.hostname.toLowerCase();
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
        throw await operatorCredentialFailure(e, authorityHost ?? `https://${KNOWN_AUTHORITY_HOSTS[0]}`, env);
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

/** What to do when no credential is configured (the SDK's own chain of reasons runs to ~1,000 characters). */
export const NO_CREDENTIAL_ADVICE =
  'no Azure credential found: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, use a managed identity, or run `az login`';

/** How long the probe of an unreachable sign-in endpoint may take. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * The identity library's error as one line saying what to do: no credential configured, the
 * sign-in endpoint unreachable or untrusted (MSAL reports both as `endpoints_resolution_error`,
 * so the endpoint is probed once to tell them apart), or Entra's refusal with its AADSTS code.
 * Anything else is describeCredentialFailure's line. The error's name is kept (the ARM client
 * maps it to CredentialError).
 */
export async function operatorCredentialFailure(e: unknown, authorityHost: string, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  if (!(e instanceof Error)) return e;
  const named = (message: string) => {
    const out = new Error(message, { cause: e });
    out.name = e.name;
    return out;
  };
  const inner = (e as { errors?: unknown }).errors;
  // "EnvironmentCredential is unavailable. No underlying credential could be used": nothing is
  // configured. A configured credential that cannot work is unavailable too, but says something
  // else, which is kept.
  const unavailable =
    (e.name === 'CredentialUnavailableError' || (Array.isArray(inner) && inner.every((x) => x instanceof Error && x.name === 'CredentialUnavailableError'))) &&
    /is unavailable|No underlying credential/i.test(e.message);
  if (unavailable) return named(NO_CREDENTIAL_ADVICE);
  const described = describeCredentialFailure(e) as Error;
  // MSAL says endpoints_resolution_error for a custom authority it could not read, and
  // network_error for a well-known one (login.microsoftonline.com) it could not reach.
  const resolution = /endpoints_resolution_error/.test(e.message);
  if (resolution || /network_error/.test(e.message)) {
    const probe = await probeTls(authorityHost);
    if (probe) {
      const where = `the sign-in endpoint ${probe.hostPort} (AZURE_AUTHORITY_HOST)`;
      return named(networkFailureLine(probe.code, where, 'AZURE_AUTHORITY_HOST', env) ?? `cannot reach ${where}: ${probe.code}; check AZURE_AUTHORITY_HOST, that it is up, and the network`);
    }
    // The probe connects directly; MSAL goes through HTTPS_PROXY when one is set, so that is the
    // first suspect, not the tenant.
    const proxy = env.HTTPS_PROXY ?? env.https_proxy;
    if (proxy) {
      return named(`the sign-in endpoint ${new URL(authorityHost).host} answers directly, but not through HTTPS_PROXY (${resolution ? 'endpoints_resolution_error' : 'network_error'}): check HTTPS_PROXY and NO_PROXY, then AZURE_TENANT_ID`);
    }
    // The endpoint answers and is trusted: it does not know the tenant.
    if (resolution) return named(`the sign-in endpoint ${new URL(authorityHost).host} does not know tenant ${env.AZURE_TENANT_ID ?? '(AZURE_TENANT_ID not set)'} (endpoints_resolution_error): check AZURE_TENANT_ID, and AZURE_AUTHORITY_HOST for a sovereign cloud`);
  }
  const aadsts = /AADSTS\d+:[^.]*\./.exec(described.message)?.[0];
  if (aadsts) {
    const check = /^AADSTS700016:/.test(aadsts) ? 'Check AZURE_CLIENT_ID and AZURE_TENANT_ID' : 'Check AZURE_CLIENT_SECRET (or the certificate, and its expiry) of that app registration';
    return named(`Entra ID refused the credential of client ${env.AZURE_CLIENT_ID ?? '(AZURE_CLIENT_ID not set)'}: ${aadsts} ${check}`);
  }
  return described;
}

/** Opens a TLS connection to `url`'s host and port: undefined if it verifies, else the failure's code. */
function probeTls(url: string): Promise<{ hostPort: string; code: string } | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(undefined);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || 443);
  const hostPort = hostPortOf(parsed);
  return new Promise((resolve) => {
    const socket = connect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, timeout: PROBE_TIMEOUT_MS });
    const done = (code: string | undefined) => {
      socket.destroy();
      resolve(code === undefined ? undefined : { hostPort, code });
    };
    socket.once('secureConnect', () => done(undefined));
    socket.once('timeout', () => done('ETIMEDOUT'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
