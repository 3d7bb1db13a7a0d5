import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e } from '../support/e2e.js';

const start = useE2e();
const SIZE = { subscriptions: 2, resourceGroupsPerSubscription: 1, gatewaysPerResourceGroup: 2, connectionsPerGateway: 2, linksPerConnection: 1 };

describe('pull filters', () => {
  it('a filter that matches nothing exits 4 with one line, and records nothing (the next pull keeps the next number)', async () => {
    const ctx = await start({ seed: 41, size: SIZE });
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);

    const r = await ctx.vpnsync(['pull', '--gateway', 'nope']);
    expect(r.code).toBe(EXIT.NO_MATCH);
    expect(r.stderr).toBe('vpnsync: no VPN connection matches --gateway nope (in 2 subscriptions); nothing was recorded\n');
    expect(ctx.rows('SELECT id, status FROM pulls')).toEqual([{ id: 1, status: 'complete' }]);

    // A resource group that does not exist (ARM answers 404 ResourceGroupNotFound) matches nothing too.
    const rg = await ctx.vpnsync(['pull', '--resource-group', 'rg-nope', '--connection', 'x']);
    expect(rg.code).toBe(EXIT.NO_MATCH);
    expect(rg.stderr).toBe('vpnsync: no VPN connection matches --resource-group rg-nope --connection x (in 2 subscriptions); nothing was recorded\n');
    expect(ctx.rows('SELECT count(*) AS n FROM pulls')).toEqual([{ n: 1 }]);
    expect(ctx.rows('SELECT count(*) AS n FROM pull_scopes WHERE pull_id <> 1')).toEqual([{ n: 0 }]);

    const next = await ctx.vpnsync(['pull']);
    expect(next.stderr).toMatch(/pull #2 complete/);
  });

  it('a filtered pull records its filter, and snapshots, diff and report show it', async () => {
    const ctx = await start({ seed: 42, size: SIZE });
    const gateway = ctx.emulator.links()[0]!.gatewayName;
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    expect((await ctx.vpnsync(['pull', '--quiet', '--gateway', gateway])).code).toBe(EXIT.OK);

    const table = await ctx.vpnsync(['snapshots']);
    const [header, row2, row1] = table.stdout.split('\n').filter((l) => /^\s*(id|\d)/.test(l));
    expect(header).toMatch(/\bfilter\b/);
    expect(row2).toMatch(new RegExp(`^\\s*2 .*--gateway ${gateway}`));
    expect(row1).not.toMatch(/--gateway/);
    const json = JSON.parse((await ctx.vpnsync(['snapshots', '--format', 'json'])).stdout) as { id: number; filter: string | null }[];
    expect(json.map((p) => [p.id, p.filter])).toEqual([
      [2, `--gateway ${gateway}`],
      [1, null],
    ]);

    const diff = await ctx.vpnsync(['diff', '--from', '1', '--to', '2']);
    expect(diff.stdout.split('\n')[0]).toMatch(new RegExp(`→ pull #2 \\(.*complete, only --gateway ${gateway}\\)`));

    const report = await ctx.vpnsync(['report', '--from', '1', '--to', '2']);
    expect(report.stdout).toContain(`filtered: #2 (only --gateway ${gateway})`);
    const reportJson = JSON.parse((await ctx.vpnsync(['report', '--from', '1', '--to', '2', '--format', 'json'])).stdout) as { period: { filteredPulls: unknown } };
    expect(reportJson.period.filteredPulls).toEqual([{ id: 2, filter: `--gateway ${gateway}` }]);
  });
});
