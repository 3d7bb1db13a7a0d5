/**
 * The token service against the real @azure/identity (MSAL Node), and ARM's 401s. Every
 * credential here passes disableInstanceDiscovery: without it MSAL would ask
 * login.microsoftonline.com about the emulator's host.
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, DefaultAzureCredential, EnvironmentCredential } from '@azure/identity';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARM_SCOPE, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID, type Emulator, type RequestLogEntry } from '../../src/emulator/index.js';
import { API, arm, fakeClock, getToken, listAll, start, tokenRequest } from './helpers.js';

const AZURE_VARS = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST', 'AZURE_TOKEN_CREDENTIALS'];

describe('token service with the real @azure/identity over HTTPS', () => {
  let emu: Emulator;
  const requests: RequestLogEntry[] = [];
  const saved = Object.fromEntries(AZURE_VARS.map((k) => [k, process.env[k]]));
  beforeAll(async () => {
    emu = await start({ seed: 3, onRequest: (e) => requests.push(e) });
  });
  afterAll(() => emu.close());
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** Lists one connection's link connections through core-rest-pipeline with a bearer policy. */
  async function listLinksWith(credential: TokenCredential) {
    const link = emu.links()[0]!;
    const url = `${emu.url}${link.id.slice(0, link.id.lastIndexOf('/'))}?api-version=${API}`;
    const pipeline = createPipelineFromOptions({});
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: ARM_SCOPE }));
    const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url }));
    expect(response.status).toBe(200);
    const body = JSON.parse(response.bodyAsText ?? '') as { value: { id: string }[] };
    expect(body.value.map((l) => l.id)).toContain(link.id);
    return response;
  }

  it('ClientSecretCredential gets a token (OpenID configuration + v2.0 token endpoint only) and lists link connections', async () => {
    requests.length = 0;
    const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    });
    const token = await credential.getToken(ARM_SCOPE);
    expect(token.token.split('.')).toHaveLength(3);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    const response = await listLinksWith(credential);
    expect(response.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // What MSAL asked for, in order: the tenant's OpenID configuration, then a token.
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`).slice(0, 2)).toEqual([
      `GET /${emu.tenantId}/v2.0/.well-known/openid-configuration`,
      `POST /${emu.tenantId}/oauth2/v2.0/token`,
    ]);
  });

  it('EnvironmentCredential and DefaultAzureCredential work from emulator.env (AZURE_AUTHORITY_HOST)', async () => {
    Object.assign(process.env, emu.env);
    expect(process.env.AZURE_AUTHORITY_HOST).toBe(emu.url);
    await listLinksWith(new EnvironmentCredential({ disableInstanceDiscovery: true }));
    await listLinksWith(new DefaultAzureCredential({ disableInstanceDiscovery: true }));
  });

  it('a wrong client secret gets Entra\'s error body (and the credential reports AADSTS7000215)', async () => {
    const raw = await tokenRequest(emu, { client_secret: 'wrong' });
    expect(raw.status).toBe(401);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(body).toHaveProperty('trace_id');
    expect(body).toHaveProperty('correlation_id');
    const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, 'wrong', { authorityHost: emu.authorityHost, disableInstanceDiscovery: true });
    await expect(credential.getToken(ARM_SCOPE)).rejects.toThrow(/AADSTS7000215/);
  });

  it('refuses unknown tenants, unknown clients, missing secrets, bad scopes and other grants the way Entra does', async () => {
    const cases: [Record<string, string>, string | undefined, number, string, number][] = [
      [{}, 'not-a-tenant', 400, 'invalid_tenant', 90002],
      [{ client_id: '00000000-0000-0000-0000-000000000000' }, undefined, 400, 'unauthorized_client', 700016],
      [{ client_secret: '' }, undefined, 401, 'invalid_client', 7000216],
      [{ scope: 'https://management.azure.com/user_impersonation' }, undefined, 400, 'invalid_scope', 1002012],
      [{ grant_type: 'password' }, undefined, 400, 'unsupported_grant_type', 70003],
    ];
    for (const [form, tenant, status, error, code] of cases) {
      const res = await tokenRequest(emu, form, tenant);
      expect(res.status, JSON.stringify(form)).toBe(status);
      expect(await res.json()).toMatchObject({ error, error_codes: [code] });
    }
    // The emulator's own URL is an accepted ARM audience too.
    const own = await getToken(emu, { scope: `${emu.url}/.default` });
    expect((await arm(emu, own, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
  });

  it('serves instance discovery for clients that ask the emulator itself', async () => {
    const res = await fetch(`${emu.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${emu.url}/${emu.tenantId}/oauth2/v2.0/authorize`);
    expect(await res.json()).toMatchObject({ metadata: [{ preferred_network: new URL(emu.url).host }] });
  });
});

describe('ARM authentication errors', () => {
  let emu: Emulator;
  const clock = fakeClock();
  beforeAll(async () => {
    emu = await start({ seed: 4, now: clock.now, tokenLifetimeSeconds: 600 });
  });
  afterAll(() => emu.close());

  const expect401 = async (token: string | undefined, code: string, header?: string) => {
    const r = await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code } });
    const www = r.headers.get('www-authenticate') ?? '';
    expect(www).toMatch(new RegExp(`^Bearer authorization_uri="${emu.url}/${emu.tenantId}", error="invalid_token", error_description=".+"$`));
    if (header) expect(www).toContain(header);
    expect(r.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('missing, malformed, forged, expired and wrong-audience tokens get 401 with WWW-Authenticate', async () => {
    await expect401(undefined, 'AuthenticationFailed', "'Authorization' header is missing");
    const r = await fetch(`${emu.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: 'Basic abc' } });
    expect(r.status).toBe(401);
    await expect401('not-a-jwt', 'InvalidAuthenticationToken');
    const token = await getToken(emu);
    const [h, p] = token.split('.');
    await expect401(`${h}.${p}.forged`, 'InvalidAuthenticationToken');
    expect((await arm(emu, token, '/subscriptions', { apiVersion: '2022-12-01' })).status).toBe(200);
    clock.advance(601_000);
    await expect401(token, 'ExpiredAuthenticationToken');
    const vault = await getToken(emu, { scope: 'https://vault.azure.net/.default' });
    await expect401(vault, 'InvalidAuthenticationTokenAudience');
  });
});

describe('TLS trust set up by the global setup', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await start({ seed: 5 });
  });
  afterAll(() => emu.close());

  it('the forked worker inherited NODE_EXTRA_CA_CERTS pointing at the shared CA the emulator uses', () => {
    expect(process.env.VPNSYNC_TEST_CERT_DIR).toBeTruthy();
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(`${process.env.VPNSYNC_TEST_CERT_DIR}/ca.pem`);
    expect(emu.caCertPath).toBe(process.env.NODE_EXTRA_CA_CERTS);
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.env).toMatchObject({ NODE_EXTRA_CA_CERTS: emu.caCertPath, VPNSYNC_ARM_ENDPOINT: emu.url, AZURE_TENANT_ID: DEFAULT_TENANT_ID, AZURE_CLIENT_ID: DEFAULT_CLIENT_ID });
  });

  it("node's https module and fetch trust the emulator without any ca option", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      https.get(`${emu.url}/subscriptions?api-version=2022-12-01`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(401);
    expect((await fetch(`${emu.url}/_emulator/stats`)).status).toBe(200);
  });

  it('a child process started with emulator.env trusts it and lists with a token', async () => {
    const token = await getToken(emu);
    const script = `fetch(process.argv[1], { headers: { authorization: 'Bearer ' + process.argv[2] } }).then(async r => { console.log(r.status, (await r.json()).value.length); }, e => { console.log('ERR', e.cause?.code ?? e.message); })`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script, `${emu.url}/subscriptions?api-version=2022-12-01`, token], {
        env: { PATH: process.env.PATH ?? '', ...emu.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out.trim()));
    });
    expect(output).toBe('200 2');
  });

  it('a client without the CA refuses the certificate (TLS is real)', async () => {
    const result = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['-e', `fetch(process.argv[1]).then(r => console.log(r.status), e => console.log(e.cause?.code ?? e.message))`, `${emu.url}/_emulator/stats`], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out.trim()));
    });
    expect(result).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
  });

  it('lists every link of the fleet with a real credential token', async () => {
    const credential = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, { authorityHost: emu.authorityHost, disableInstanceDiscovery: true });
    const token = (await credential.getToken(ARM_SCOPE)).token;
    const subs = await listAll<{ subscriptionId: string }>(emu, token, '/subscriptions', '2022-12-01');
    expect(subs.length).toBe(2);
  });
});
