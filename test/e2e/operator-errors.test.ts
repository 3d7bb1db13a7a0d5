import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e, type E2eContext } from '../support/e2e.js';
import { BIN, outputOf } from '../support/run-cli.js';

const start = useE2e();

describe('errors in the operator’s words', () => {
  it('--db in a directory that does not exist is refused with exit 2, and the directory is not created', async () => {
    const ctx = await start({ seed: 51, size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 1, linksPerConnection: 1 } });
    const missing = path.join(ctx.dir, 'nonexistent', 'dir');
    const db = path.join(missing, 'x.db');
    const r = await ctx.vpnsync(['pull'], { db });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toBe(`vpnsync: Expected the directory of database ${db} to exist, got no directory ${missing}; create it first (mkdir -m 700 ${missing}) or pass another --db.\n`);
    expect(existsSync(path.join(ctx.dir, 'nonexistent'))).toBe(false);
  });
});

/** Starts `vpnsync pull` against the emulator, waits until its pull holds the lock, sends `signal`, and returns how it ended. */
async function interruptPull(ctx: E2eContext, signal: NodeJS.Signals) {
  const env = { ...process.env, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential', ...ctx.emulator.env };
  const child = spawn(process.execPath, [BIN, 'pull', '--db', ctx.db], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = outputOf(child);
  for (let i = 0; i < 400; i++) {
    try {
      if (ctx.rows(`SELECT 1 FROM pulls WHERE status = 'running'`).length > 0) break;
    } catch {
      // the database is not created yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill(signal);
  return ended;
}

describe('a pull stopped by a signal', () => {
  for (const [signal, code] of [['SIGINT', EXIT.INTERRUPTED], ['SIGTERM', EXIT.TERMINATED]] as const) {
    it(`${signal}: one line, exit ${code}, and the pull is marked failed ("interrupted"), not left running`, async () => {
      const ctx = await start({ seed: 52, faults: [{ match: 'VpnLinkConnections_ListByVpnConnection', kind: 'latency', ms: 20_000 }] });
      const r = await interruptPull(ctx, signal);
      expect(r.code).toBe(code);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`vpnsync: pull #1 interrupted by ${signal}: marked failed, nothing recorded`);
      expect(ctx.rows('SELECT id, status, error_summary FROM pulls')).toEqual([{ id: 1, status: 'failed', error_summary: `interrupted by ${signal}` }]);
      expect(ctx.rows('SELECT count(*) AS n FROM vpn_link_connections')).toEqual([{ n: 0 }]);
    });
  }
});

describe('credential and endpoint failures: one line saying what to do', () => {
  const tiny = { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 1, linksPerConnection: 1 };

  it('no credential configured names the environment variables, managed identity and az login', async () => {
    const ctx = await start({ seed: 53, size: tiny });
    const r = await ctx.vpnsync(['pull'], { env: { AZURE_TENANT_ID: undefined, AZURE_CLIENT_ID: undefined, AZURE_CLIENT_SECRET: undefined } });
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr).toBe('vpnsync: no Azure credential found: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, use a managed identity, or run `az login`\n');
  });

  it('a stopped sign-in endpoint is named with its host:port and ECONNREFUSED', async () => {
    const ctx = await start({ seed: 54, size: tiny });
    await ctx.emulator.close();
    const hostPort = new URL(ctx.emulator.authorityHost).host;
    const r = await ctx.vpnsync(['pull']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr).toBe(
      `vpnsync: cannot reach the sign-in endpoint ${hostPort} (AZURE_AUTHORITY_HOST): connection refused (ECONNREFUSED); check AZURE_AUTHORITY_HOST, that it is up, and the network (or set HTTPS_PROXY if it is only reachable through a proxy)\n`,
    );
  });

  it('an ARM endpoint that refuses connections (sign-in works) is named with its host:port, in one line, and the pull is recorded as failed', async () => {
    const ctx = await start({ seed: 57, size: tiny });
    const closed = await closedPort();
    // --quiet: the retries' own lines ("ECONNREFUSED on GET /subscriptions") are progress, not the error.
    const r = await ctx.vpnsync(['pull', '--quiet'], { env: { VPNSYNC_ARM_ENDPOINT: `https://127.0.0.1:${closed}` } });
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr).toBe(
      `vpnsync: cannot reach Azure Resource Manager at 127.0.0.1:${closed}: connection refused (ECONNREFUSED); check VPNSYNC_ARM_ENDPOINT (or --arm-endpoint), that it is up, and the network (or set HTTPS_PROXY if it is only reachable through a proxy)\n`,
    );
    expect(ctx.rows('SELECT status FROM pulls')).toEqual([{ status: 'failed' }]);
  });

  it('a certificate this machine does not trust says to set NODE_EXTRA_CA_CERTS', async () => {
    const ctx = await start({ seed: 55, size: tiny });
    const r = await ctx.vpnsync(['pull'], { env: { NODE_EXTRA_CA_CERTS: undefined } });
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vpnsync: the sign-in endpoint 127\.0\.0\.1:\d+ \(AZURE_AUTHORITY_HOST\) presented a certificate this machine does not trust \([A-Z_]+\): set NODE_EXTRA_CA_CERTS to the CA file that signed it/);
  });

  it('a 403 on everything names the role assignment needed', async () => {
    const ctx = await start({ seed: 56, size: tiny, faults: [{ match: '*', kind: '403' }] });
    const r = await ctx.vpnsync(['pull']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/AuthorizationFailed \(HTTP 403\).*; the identity needs a role assignment on the subscription or resource group: Reader for pull, Network Contributor for queue run and exec\n$/);
  });
});

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
