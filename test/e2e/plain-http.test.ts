import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { expectedRow, storedRow } from '../support/expected-row.js';
import { useE2e } from '../support/e2e.js';
import { startLoopbackProxy, type LoopbackProxy } from '../support/loopback-proxy.js';
import type { CliResult } from '../support/run-cli.js';

const start = useE2e();
const proxies: LoopbackProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());

function expectOneLine(r: CliResult, what: string): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, what).toHaveLength(1);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
}

describe('plain HTTP is refused except to loopback', () => {
  it('an http ARM endpoint on any other host is refused with exit 2 before anything is written or sent', async () => {
    const ctx = await start({ seed: 71 });
    const cases: [string[], Record<string, string>][] = [
      [['pull', '--arm-endpoint', 'http://example.com'], {}],
      [['pull', '--arm-endpoint', 'http://10.20.30.40:8080'], {}],
      [['pull', '--arm-endpoint', 'http://127.0.0.1.nip.io'], {}],
      [['pull', '--arm-endpoint', 'http://[::ffff:127.0.0.1]:80'], {}],
      // A trailing dot makes localhost a DNS name (resolved, and so not necessarily this machine).
      [['pull', '--arm-endpoint', 'http://localhost.:8080'], {}],
      [['queue', 'run', '--arm-endpoint', 'http://LOCALHOST.'], {}],
      [['pull'], { VPNSYNC_ARM_ENDPOINT: 'http://management.azure.com' }],
      [['queue', 'run', '--arm-endpoint', 'http://management.azure.com'], {}],
      [['pull', '--arm-endpoint', 'ftp://127.0.0.1'], {}],
    ];
    for (const [args, env] of cases) {
      const r = await ctx.vpnsync(args, { env });
      const what = `${JSON.stringify(env)} ${args.join(' ')}`;
      expect(r.code, what).toBe(EXIT.USAGE);
      expect(r.stderr, what).toMatch(/^vpnsync: Expected (--arm-endpoint|VPNSYNC_ARM_ENDPOINT) to be an https URL \(bearer tokens are only sent over TLS; plain http only to 127\.0\.0\.1, ::1 or localhost\), got '/);
      expectOneLine(r, what);
    }
    expect(existsSync(ctx.db)).toBe(false);
    expect(ctx.emulator.stats().total).toBe(0);
  });

  it('http to 127.0.0.1 and localhost works (a local proxy in front of ARM); the authority stays https', async () => {
    const ctx = await start({ seed: 72 });
    for (const host of ['127.0.0.1', 'localhost']) {
      const proxy = await startLoopbackProxy(ctx.emulator.url, ctx.emulator.caCertPath, '127.0.0.1');
      proxies.push(proxy);
      const endpoint = proxy.url.replace('127.0.0.1', host);
      const db = path.join(ctx.dir, `${host}.db`);
      const r = await ctx.vpnsync(['pull', '--arm-endpoint', endpoint], { db });
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(proxy.requests.length).toBeGreaterThan(5);
      expect(proxy.requests.every((q) => /^Bearer eyJ/.test(q.authorization ?? ''))).toBe(true);
      // The token request went to the https authority directly, never through the plain-HTTP proxy.
      expect(proxy.requests.some((q) => /oauth2|token/i.test(q.path))).toBe(false);
      const truth = ctx.emulator.links().map(expectedRow).sort(byKey);
      const BetterSqlite3 = (await import('better-sqlite3')).default;
      const conn = new BetterSqlite3(db, { readonly: true });
      try {
        expect((conn.prepare('SELECT * FROM vpn_link_connections').all() as Record<string, unknown>[]).map(storedRow).sort(byKey)).toEqual(truth);
      } finally {
        conn.close();
      }
    }
  });

  it('an http authority host is refused before anything is written: exit 2, its own line, no request, no pull row', async () => {
    const ctx = await start({ seed: 73 });
    // A database with a pull in it: the refused pull must not add a (failed) pull row.
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const before = ctx.rows('SELECT * FROM pulls');
    const requests = ctx.emulator.stats().total;
    const http = ctx.emulator.url.replace('https:', 'http:');
    for (const [args, authority] of [
      [['pull'], http],
      [['pull'], `http://user:pw@127.0.0.1:${new URL(ctx.emulator.url).port}`],
      [['queue', 'run'], http],
    ] as const) {
      const r = await ctx.vpnsync(args, { env: { AZURE_AUTHORITY_HOST: authority } });
      expect(r.code, r.stderr).toBe(EXIT.USAGE);
      expect(r.stderr).toBe(`vpnsync: Expected AZURE_AUTHORITY_HOST to be an https URL (the client secret is sent to it, so only over TLS), got '${http}'\n`);
      expectOneLine(r, 'http authority');
    }
    expect(ctx.rows('SELECT * FROM pulls')).toEqual(before);
    expect(ctx.emulator.stats().total).toBe(requests);
  });

  it('a nextLink to another origin (here the proxy\'s upstream) is refused: the bearer token goes only to the configured endpoint', async () => {
    let direct = 0;
    const ctx = await start({ seed: 74, pageSize: 2, onRequest: () => direct++ });
    const proxy = await startLoopbackProxy(ctx.emulator.url, ctx.emulator.caCertPath, '127.0.0.1', false);
    proxies.push(proxy);
    const r = await ctx.vpnsync(['pull', '--arm-endpoint', proxy.url]);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^vpnsync: Azure Resource Manager call failed: ForeignLink: refusing to follow a link to https:\/\/127\.0\.0\.1:\d+: the bearer token is only sent to http:\/\/127\.0\.0\.1:\d+/);
    // Every request the emulator answered came through the proxy (token requests aside): none followed the link.
    const tokenRequests = ctx.emulator.stats().byOperation;
    const viaToken = Object.entries(tokenRequests).filter(([op]) => op.startsWith('Entra')).reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    expect(direct - viaToken).toBe(proxy.requests.length);
  });
});
