import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { bearerTokenAuthenticationPolicy, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { isLoopbackHost, PUBLIC_ARM_SCOPE } from './endpoints.js';

/** A cached token is renewed this long before it expires (as the SDK's own bearer policy does). */
const REFRESH_BEFORE_EXPIRY_MS = 2 * 60_000;

/**
 * The policy that puts the bearer token on ARM requests. For an https endpoint it is the SDK's
 * bearerTokenAuthenticationPolicy, scope `<endpoint>/.default`. That policy refuses every
 * non-https URL, so for a plain-HTTP endpoint on a loopback address (a local forwarding proxy;
 * nothing crosses a network in clear) vpnsync uses its own, which refuses any other host, and
 * asks for a token for public ARM. Throws for plain HTTP to anything but loopback.
 */
export function armAuthPolicy(credential: TokenCredential, endpoint: URL): PipelinePolicy {
  if (endpoint.protocol === 'https:') return bearerTokenAuthenticationPolicy({ credential, scopes: `${endpoint.origin}/.default` });
  assertLoopbackHttp(endpoint);
  return loopbackBearerPolicy(credential, PUBLIC_ARM_SCOPE);
}

/** Whether requests to this endpoint go over plain HTTP (which the HTTP client must be told to allow, per request). */
export function isPlainHttp(endpoint: URL): boolean {
  return endpoint.protocol === 'http:';
}

function assertLoopbackHttp(url: URL): void {
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
    throw new Error(`refusing to send a bearer token to ${url.origin}: only https, or plain http to a loopback address (127.0.0.1, ::1, localhost)`);
  }
}

/**
 * Bearer authentication for plain HTTP to loopback: one token request shared by concurrent
 * requests, reused until two minutes before it expires; every request's URL is checked again.
 */
function loopbackBearerPolicy(credential: TokenCredential, scope: string): PipelinePolicy {
  let cached: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const token = (): Promise<AccessToken> => {
    if (cached && cached.expiresOnTimestamp - Date.now() > REFRESH_BEFORE_EXPIRY_MS) return Promise.resolve(cached);
    pending ??= credential
      .getToken(scope)
      .then((t) => {
        if (!t) throw new Error(`the credential returned no token for ${scope}`);
        cached = t;
        return t;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return {
    name: 'vpnsyncLoopbackBearer',
    sendRequest: async (request, next) => {
      assertLoopbackHttp(new URL(request.url));
      request.headers.set('Authorization', `Bearer ${(await token()).token}`);
      return next(request);
    },
  };
}
