import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();

describe('pull --quiet under cron: one line per failing gateway and error code', () => {
  it('a 403 on a gateway of 60 connections writes one failed: line for it and one summary line, each short', async () => {
    const ctx = await start({ seed: 21, size: { subscriptions: 1, resourceGroupsPerSubscription: 2, gatewaysPerResourceGroup: 1, connectionsPerGateway: 60, linksPerConnection: 1 } });
    const gateway = ctx.emulator.links()[0]!.gatewayName;
    ctx.emulator.setFaults([{ match: gateway, kind: '403' }]);
    const r = await ctx.vpnsync(['pull', '--quiet']);
    expect(r.code).toBe(EXIT.PARTIAL);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^failed: AuthorizationFailed ×60 under ${gateway} in resource group \\S+ \\(HTTP 403, request id [0-9a-f-]{36}\\)$`));
    expect(lines[1]).toMatch(/^pull #1 partial: \d+ links .*60 scopes failed/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(300);
    // The detail of every scope stays in pull_scopes.
    expect(ctx.rows(`SELECT count(*) AS n FROM pull_scopes WHERE status = 'failed' AND error_code = 'AuthorizationFailed' AND error_message LIKE '%does not have authorization%'`)).toEqual([{ n: 60 }]);
  });

  it('--json keeps every failed scope with its message', async () => {
    const ctx = await start({ seed: 22, size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 5, linksPerConnection: 1 } });
    const gateway = ctx.emulator.links()[0]!.gatewayName;
    ctx.emulator.setFaults([{ match: gateway, kind: '403' }]);
    const r = await ctx.vpnsync(['pull', '--quiet', '--json']);
    expect(r.code).toBe(EXIT.PARTIAL);
    const result = JSON.parse(r.stdout) as { failedScopes: { errorMessage: string; requestId: string }[] };
    expect(result.failedScopes).toHaveLength(5);
    for (const s of result.failedScopes) expect(s.errorMessage).toMatch(/does not have authorization/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
  });

  it('a complete pull with --quiet writes nothing to stderr', async () => {
    const ctx = await start({ seed: 23, size: { subscriptions: 1, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 1, connectionsPerGateway: 3, linksPerConnection: 1 } });
    const r = await ctx.vpnsync(['pull', '--quiet']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toBe('');
  });
});
