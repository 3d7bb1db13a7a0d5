import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();

describe('--request-timeout', () => {
  it('a hung response is abandoned after --request-timeout seconds and retried; the pull completes', async () => {
    const ctx = await start({ seed: 76, faults: [{ match: 'VpnLinkConnections_ListByVpnConnection', kind: 'hang', count: 2 }] });
    const began = Date.now();
    const r = await ctx.vpnsync(['pull', '--request-timeout', '1', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/request timed out after 1000 ms: GET \/subscriptions\/.*\/vpnLinkConnections/);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', scopesFailed: 0 });
    expect(ctx.emulator.stats().faultsInjected).toMatchObject({ hang: 2 });
    // Two one-second timeouts and their back-off, nowhere near the 30 s default.
    expect(Date.now() - began).toBeLessThan(25_000);
    expect(ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections')[0]!.n).toBe(ctx.emulator.links().length);
  });

  it('is validated: a number of seconds from 1 to 3600', async () => {
    const ctx = await start({ seed: 77 });
    for (const bad of ['0', '-1', 'x', '3601', '1e3']) {
      for (const command of [['pull'], ['queue', 'run']]) {
        const r = await ctx.vpnsync([...command, '--request-timeout', bad]);
        expect(r.code, `${command.join(' ')} ${bad}`).toBe(EXIT.USAGE);
        expect(r.stderr).toBe(`vpnsync: Expected --request-timeout to be a number from 1 to 3600, got '${bad}'\n`);
      }
    }
  });
});
