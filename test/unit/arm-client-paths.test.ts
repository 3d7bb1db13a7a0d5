import type { HttpClient } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ArmClient, INVALID_PATH } from '../../src/arm/arm-client.js';
import { ArmError } from '../../src/arm/arm-error.js';

describe('the ARM client refuses a path that would resolve to another resource, before sending it', () => {
  it('GET, POST and poll: nothing reaches the HTTP client', async () => {
    const sent: string[] = [];
    const httpClient: HttpClient = {
      sendRequest: async (request) => {
        sent.push(request.url);
        throw new Error('must not be sent');
      },
    };
    const arm = new ArmClient({ endpoint: 'https://management.azure.com', credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) }, apiVersion: '2024-05-01', httpClient, pacing: false });
    const link = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/vpnGateways/gw/vpnConnections/c/vpnLinkConnections';
    for (const call of [() => arm.post(`${link}/../getikesas`), () => arm.get(`${link}/%2e%2e`), () => arm.poll(`https://management.azure.com${link}/x%2F..%2F..`)]) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ArmError);
      expect((e as ArmError).code).toBe(INVALID_PATH);
      expect((e as ArmError).message).toMatch(/^refusing to send (GET|POST) \S+: it (has a '(\.\.|%2e%2e)' segment|holds a percent-encoded slash or backslash)$/);
    }
    expect(sent).toEqual([]);
  });
});
