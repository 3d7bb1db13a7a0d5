import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactWrites, secretsOfEnv } from '../../src/cli/redact-secrets.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('redactSecrets: credentials in any form become [redacted]', () => {
  it.each([
    ['URL credentials', 'proxy http://user:s3cretPW@127.0.0.1:8080/ refused', `proxy http://${REDACTED}@127.0.0.1:8080/ refused`],
    ['URL credentials whose password holds @ and / unencoded', 'db postgres://ops:p@ss/w@rd@host/db refused', `db postgres://${REDACTED}@host/db refused`],
    ['URL credentials in JSON', '"proxy": "https://u:p%40ss@proxy.corp:3128"', `"proxy": "https://${REDACTED}@proxy.corp:3128"`],
    ['an Authorization header', 'Authorization: Bearer abc.def-ghi', `Authorization: ${REDACTED}`],
    ['a JSON authorization header', '{"authorization": "Bearer abc", "accept": "x"}', `{"authorization": "${REDACTED}", "accept": "x"}`],
    ['a Proxy-Authorization header', 'proxy-authorization: Basic dXNlcjpwYXNz', `proxy-authorization: ${REDACTED}`],
    ['a bearer token in prose', 'sent Bearer abcDEF123._~+/= to x', `sent Bearer ${REDACTED} to x`],
    ['a Basic credential in prose', 'sent Basic dXNlcjpwYXNz to the proxy', `sent Basic ${REDACTED} to the proxy`],
    ['a JWT', `token ${JWT} expired`, `token ${REDACTED} expired`],
    ['client_secret in a form body', 'grant_type=client_credentials&client_secret=Abc~123.xyz&scope=x', `grant_type=client_credentials&client_secret=${REDACTED}&scope=x`],
    ['client_secret in JSON', '{"client_secret":"Abc~123"}', `{"client_secret":"${REDACTED}"}`],
    ['access and refresh tokens', '{"access_token": "aaa", "refresh_token": "bbb"}', `{"access_token": "${REDACTED}", "refresh_token": "${REDACTED}"}`],
    ['a JSON sharedKey', '{"sharedKey": "HGoNgS46e\\"x"}', `{"sharedKey": "${REDACTED}"}`],
    ['a single-quoted sharedKey', "'sharedKey': 'HGoNgS46e'", `'sharedKey': '${REDACTED}'`],
    ['an unquoted sharedKey', 'sharedKey=HGoNgS46e, next', `sharedKey=${REDACTED}, next`],
    ['AZURE_CLIENT_SECRET=value', 'AZURE_CLIENT_SECRET=abc123xyz', `AZURE_CLIENT_SECRET=${REDACTED}`],
  ])('%s', (_, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves ordinary lines alone', () => {
    for (const line of [
      'pull #3 complete: 120 links (0 added, 2 changed, 0 removed) in 4.1 s',
      'vpnsync: Azure Resource Manager call failed: AuthorizationFailed (HTTP 403): no authorization to read',
      'retrying GET /subscriptions/x/providers/Microsoft.Network/vpnGateways: HTTP 503 (request id abc)',
      'vpnsync: Expected properties.sharedKey of /subscriptions/x to be a string, got a number',
      'see https://learn.microsoft.com/azure/ for details',
      'ARM refused: a Basic SKU gateway has no VPN link connections',
      'Bearer token expired; sign in again',
    ]) {
      expect(redactSecrets(line)).toBe(line);
    }
  });

  it('replaces the secret values of the environment wherever they appear, as written and percent-decoded', () => {
    const env = { AZURE_CLIENT_SECRET: 'Zx9~client.secret', HTTPS_PROXY: 'http://proxyuser:p%40ss-word@10.0.0.1:3128', http_proxy: 'http://a:short@x', AZURE_TENANT_ID: 'not-a-secret-tenant' };
    const secrets = secretsOfEnv(env);
    expect(secrets.sort()).toEqual(['Zx9~client.secret', 'p%40ss-word', 'p@ss-word'].sort());
    expect(redactSecrets('echo Zx9~client.secret and p@ss-word (p%40ss-word) not-a-secret-tenant', secrets)).toBe(`echo ${REDACTED} and ${REDACTED} (${REDACTED}) not-a-secret-tenant`);
  });

  it('redactWrites redacts every write to a stream, strings and buffers alike, once however often it is installed', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    redactWrites(stream as unknown as NodeJS.WritableStream, { AZURE_CLIENT_SECRET: 'Zx9~client.secret' });
    redactWrites(stream as unknown as NodeJS.WritableStream, {});
    stream.write('a Zx9~client.secret b\n');
    stream.write(Buffer.from('"proxy": "http://u:pw@h:1/"\n'), 'utf8');
    await new Promise<void>((resolve) => stream.write(`Bearer ${JWT}\n`, () => resolve()));
    expect(chunks.join('')).toBe(`a ${REDACTED} b\n"proxy": "http://${REDACTED}@h:1/"\nBearer ${REDACTED}\n`);
  });
});
