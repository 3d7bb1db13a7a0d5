/**
 * A Microsoft Entra ID look-alike that the real @azure/identity (MSAL Node) accepts: the OpenID
 * configuration, the v2.0 token endpoint for the client-credentials grant, instance discovery
 * and a JWKS document. It knows one tenant and one service principal. Tokens are JWT-shaped and
 * HMAC-signed with a per-emulator key, and ARM requests are validated against them.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EmulatorResponse } from './arm-errors.js';

/** The emulator's tenant (a fixed, obviously fake GUID). */
export const DEFAULT_TENANT_ID = 'e7e7e7e7-0000-4000-8000-000000000001';
/** The one service principal's client (application) id. */
export const DEFAULT_CLIENT_ID = 'c1c1c1c1-0000-4000-8000-000000000002';
/** The one service principal's client secret. Not a secret: it only unlocks the local emulator. */
export const DEFAULT_CLIENT_SECRET = 'vpnsync-emulator-client-secret';
/** The scope Azure SDK clients request for ARM. */
export const ARM_SCOPE = 'https://management.azure.com/.default';
/** Default lifetime of issued tokens. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

/** Token service settings. */
export interface TokenServiceOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  now: () => number;
  /** The emulator's own origin (https://127.0.0.1:PORT), known once it listens. */
  origin: () => string;
}

/** Why an ARM request's bearer token was refused. */
export interface TokenRejection {
  code: 'AuthenticationFailed' | 'InvalidAuthenticationToken' | 'ExpiredAuthenticationToken' | 'InvalidAuthenticationTokenAudience';
  message: string;
}

/** The audiences ARM accepts, besides the emulator's own URL. */
const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];

/** Issues and validates tokens and answers the identity endpoints. */
export class TokenService {
  private readonly key = randomBytes(32);

  constructor(private readonly options: TokenServiceOptions) {}

  /** True if this path belongs to the token service (so the ARM router never sees it). */
  handles(pathLower: string): boolean {
    return (
      pathLower.endsWith('/.well-known/openid-configuration') ||
      pathLower.endsWith('/oauth2/v2.0/token') ||
      pathLower.endsWith('/oauth2/token') ||
      pathLower === '/common/discovery/instance' ||
      pathLower.endsWith('/discovery/v2.0/keys') ||
      pathLower.endsWith('/discovery/keys')
    );
  }

  /** The operation name used in stats for a token-service path. */
  operationOf(pathLower: string): string {
    if (pathLower.includes('/oauth2/')) return 'Entra_Token';
    if (pathLower.endsWith('/openid-configuration')) return 'Entra_OpenIdConfiguration';
    if (pathLower === '/common/discovery/instance') return 'Entra_InstanceDiscovery';
    return 'Entra_Keys';
  }

  /** Answers a token-service request. */
  handle(method: string, path: string, query: URLSearchParams, body: string): EmulatorResponse {
    const lower = path.toLowerCase();
    const segments = path.split('/').filter((s) => s.length > 0);
    const tenant = segments[0] ?? '';
    const origin = this.options.origin();
    if (lower === '/common/discovery/instance') {
      // MSAL asks login.microsoftonline.com for this unless instance discovery is disabled; it is
      // served here for clients configured to ask the emulator itself.
      const host = new URL(origin).host;
      return {
        status: 200,
        body: {
          tenant_discovery_endpoint: `${origin}/${this.options.tenantId}/v2.0/.well-known/openid-configuration`,
          'api-version': query.get('api-version') ?? '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      };
    }
    if (lower.endsWith('/keys')) return { status: 200, body: { keys: [] } };
    if (!this.knownTenant(tenant)) {
      return this.entraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (lower.endsWith('/openid-configuration')) {
      if (method !== 'GET') return { status: 405, body: { error: 'invalid_request', error_description: 'Use GET.' } };
      return { status: 200, body: this.openIdConfiguration(tenant, lower.includes('/v2.0/')) };
    }
    if (method !== 'POST') return this.entraError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    return this.token(tenant, new URLSearchParams(body));
  }

  /** Validates an ARM request's Authorization header; returns why it is refused, or undefined if it is fine. */
  validate(authorization: string | undefined): TokenRejection | undefined {
    if (!authorization) {
      return { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." };
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) {
      return { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is provided in an invalid format." };
    }
    const claims = this.verify(match[1]);
    if (!claims) return { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
    const nowSeconds = Math.floor(this.options.now() / 1000);
    if (typeof claims['exp'] !== 'number' || claims['exp'] <= nowSeconds) {
      const expiry = new Date(Number(claims['exp']) * 1000).toISOString();
      return {
        code: 'ExpiredAuthenticationToken',
        message: `The access token expiry UTC time '${expiry}' is earlier than current UTC time '${new Date(nowSeconds * 1000).toISOString()}'.`,
      };
    }
    const audience = String(claims['aud'] ?? '').replace(/\/+$/, '');
    if (!this.armAudiences().includes(audience.toLowerCase())) {
      return {
        code: 'InvalidAuthenticationTokenAudience',
        message: `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences '${this.armAudiences().join("','")}'.`,
      };
    }
    return undefined;
  }

  /** The principal a valid bearer token was issued to (its `oid`, which ARM throttles by); undefined for any other header. */
  principalOf(authorization: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const claims = token ? this.verify(token) : undefined;
    const oid = claims?.['oid'] ?? claims?.['appid'];
    return typeof oid === 'string' ? oid : undefined;
  }

  /** The WWW-Authenticate header ARM sends with a 401. */
  wwwAuthenticate(rejection: TokenRejection): string {
    const description = rejection.message.replace(/"/g, "'");
    return `Bearer authorization_uri="${this.options.origin()}/${this.options.tenantId}", error="invalid_token", error_description="${description}"`;
  }

  private armAudiences(): string[] {
    return [...ARM_AUDIENCES, this.options.origin().toLowerCase()];
  }

  private knownTenant(tenant: string): boolean {
    const lower = tenant.toLowerCase();
    return lower === this.options.tenantId.toLowerCase() || lower === 'organizations' || lower === 'common';
  }

  private openIdConfiguration(tenant: string, v2: boolean): Record<string, unknown> {
    const origin = this.options.origin();
    const base = `${origin}/${tenant}`;
    // MSAL checks that the issuer has the authority's scheme, host and port.
    const issuerTenant = tenant.toLowerCase() === this.options.tenantId.toLowerCase() ? this.options.tenantId : '{tenantid}';
    return {
      token_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/${v2 ? 'v2.0/' : ''}keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${issuerTenant}${v2 ? '/v2.0' : '/'}`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}authorize`,
      device_authorization_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'appid', 'oid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: new URL(origin).host,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private token(tenant: string, form: URLSearchParams): EmulatorResponse {
    const { tenantId, clientId, clientSecret } = this.options;
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return this.entraError(400, 'invalid_request', 900023, `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`);
    }
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials') {
      return this.entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
    }
    const requestedClient = form.get('client_id') ?? '';
    if (requestedClient.toLowerCase() !== clientId.toLowerCase()) {
      return this.entraError(400, 'unauthorized_client', 700016, `Application with identifier '${requestedClient}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const secret = form.get('client_secret');
    if (secret === null || secret === '') {
      return this.entraError(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    if (!safeEqual(secret, clientSecret)) {
      return this.entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s.length > 0 && !['openid', 'profile', 'offline_access'].includes(s));
    const scope = scopes[0];
    if (scopes.length !== 1 || !scope?.endsWith('/.default')) {
      return this.entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '');
    const nowSeconds = Math.floor(this.options.now() / 1000);
    const lifetime = this.options.tokenLifetimeSeconds;
    const accessToken = this.sign({
      aud: resource,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + lifetime,
      appid: clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${tenantId}/`,
      idtyp: 'app',
      oid: clientId,
      sub: clientId,
      tid: tenantId,
      ver: '1.0',
      uti: randomUUID(),
    });
    return { status: 200, body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken } };
  }

  /** An Entra error body (what MSAL parses into its error code and description). */
  entraError(status: number, error: string, aadsts: number, description: string): EmulatorResponse {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(this.options.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [aadsts],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.options.origin()}/error?code=${aadsts}`,
      },
    };
  }

  private sign(claims: Record<string, unknown>): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'vpnsync-emulator' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  private verify(token: string): Record<string, unknown> | undefined {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    if (!safeEqual(signature, expected)) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
