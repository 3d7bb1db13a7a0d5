import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/arm/arm-client.js';
import { armAuthPolicy } from '../../src/arm/auth-policy.js';
import { isLoopbackHost, PUBLIC_ARM_SCOPE } from '../../src/arm/endpoints.js';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS } from '../../src/cli/arm-options.js';
import { armEndpoint } from '../../src/cli/validate.js';

describe('ARM endpoints: https, or plain http to loopback only', () => {
  it('knows loopback hosts as URL.hostname spells them', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['example.com', '10.0.0.1', '128.0.0.1', '127.0.0.1.nip.io', 'localhost.example.com', 'localhost.', 'LOCALHOST.', '127.0.0.1.', '[::ffff:7f00:1]', '0.0.0.0', '[::]']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('--arm-endpoint accepts https anywhere and http only to loopback, keeping the origin', () => {
    const check = armEndpoint('--arm-endpoint');
    expect(check('https://management.usgovcloudapi.net/')).toBe('https://management.usgovcloudapi.net');
    expect(check('http://127.0.0.1:8080/some/path')).toBe('http://127.0.0.1:8080');
    expect(check('http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(check('http://localhost:9')).toBe('http://localhost:9');
    for (const bad of ['http://example.com', 'http://localhost.', 'http://localhost.:8080', 'http://192.168.1.10:8080', 'ftp://127.0.0.1', 'ws://127.0.0.1', 'not a url']) {
      expect(() => check(bad), bad).toThrow(/^Expected --arm-endpoint to be an https URL/);
    }
  });

  it('the --request-timeout default is the ARM client default', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_SECONDS * 1000).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  });

  it('the loopback bearer policy shares one token request, asks for public ARM, and refuses any other host', async () => {
    const scopes: string[] = [];
    let release: (t: AccessToken) => void = () => undefined;
    const credential: TokenCredential = {
      getToken: (scope) => {
        scopes.push(String(scope));
        return new Promise<AccessToken>((resolve) => (release = resolve));
      },
    };
    const policy = armAuthPolicy(credential, new URL('http://127.0.0.1:8080'));
    const seen: string[] = [];
    const next = async (request: ReturnType<typeof createPipelineRequest>): Promise<PipelineResponse> => {
      seen.push(request.headers.get('authorization') ?? '');
      return { request, status: 200, headers: createHttpHeaders() };
    };
    const sends = [1, 2, 3].map(() => policy.sendRequest(createPipelineRequest({ url: 'http://127.0.0.1:8080/subscriptions' }), next));
    await Promise.resolve();
    release({ token: 'tok', expiresOnTimestamp: Date.now() + 3_600_000 });
    await Promise.all(sends);
    await policy.sendRequest(createPipelineRequest({ url: 'http://127.0.0.1:8080/subscriptions' }), next);
    expect(scopes).toEqual([PUBLIC_ARM_SCOPE]);
    expect(seen).toEqual(['Bearer tok', 'Bearer tok', 'Bearer tok', 'Bearer tok']);
    await expect(policy.sendRequest(createPipelineRequest({ url: 'http://example.com/subscriptions' }), next)).rejects.toThrow(/refusing to send a bearer token to http:\/\/example\.com/);
    expect(() => armAuthPolicy(credential, new URL('http://example.com'))).toThrow(/refusing to send a bearer token/);
  });
});
