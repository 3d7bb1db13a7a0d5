import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();
const proxies: ConnectProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('one redactor for everything on stderr, the Azure SDK’s log included', () => {
  it('a pull through an authenticated proxy with AZURE_LOG_LEVEL=verbose shows neither the proxy password nor the client secret', async () => {
    const ctx = await start({ seed: 159 });
    const proxy = await startConnectProxy();
    proxies.push(proxy);
    const password = 's3cretPW';
    const r = await ctx.vpnsync(['pull'], { env: { AZURE_LOG_LEVEL: 'verbose', HTTPS_PROXY: `http://user:${password}@127.0.0.1:${proxy.port}/`, NO_PROXY: '' } });
    expect(r.code, r.stderr.slice(-2000)).toBe(EXIT.OK);
    // The requests went through the proxy, with its credentials, and the SDK logged it (redacted).
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(proxy.connects[0]!.proxyAuthorization).toBe(`Basic ${Buffer.from(`user:${password}`).toString('base64')}`);
    expect(r.stderr).toMatch(/azure:core-rest-pipeline:info Request:/);
    expect(r.stderr).toContain('"proxy": "http://[redacted]@127.0.0.1:');
    for (const secret of [password, ctx.emulator.clientSecret, Buffer.from(`user:${password}`).toString('base64')]) {
      expect(r.stderr, secret).not.toContain(secret);
      expect(r.stdout, secret).not.toContain(secret);
    }
    expect(r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/);
  });
});
