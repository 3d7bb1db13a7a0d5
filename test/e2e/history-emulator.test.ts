import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { Mutation } from '../../src/emulator/index.js';
import type { ChangeReport } from '../../src/history/build-report.js';
import type { PullDiff } from '../../src/history/diff-pulls.js';
import type { LinkHistory } from '../../src/history/link-history.js';
import { TRACKED_FIELDS } from '../../src/sync/fields.js';
import { useE2e, type E2eContext } from '../support/e2e.js';

const start = useE2e();
const TRACKED = new Set<string>(TRACKED_FIELDS.map((f) => f.name));
const key = (id: unknown) => String(id).toLowerCase();
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return JSON.parse(r.stdout) as T;
};

/**
 * What a diff between the state before and after `mutations` must say, computed from the
 * emulator's own record of what it did: links added and removed (net), and for links present
 * at both ends every tracked field whose first old value differs from its last new value.
 * Counters (volatile), etag (metadata) and properties outside the 22 fields do not count.
 */
function expectedDiff(before: Set<string>, mutations: readonly Mutation[]) {
  const present = new Set(before);
  const fields = new Map<string, Map<string, { old: unknown; new: unknown }>>();
  for (const m of mutations) {
    const k = key(m.linkId);
    if (m.kind === 'link-added') present.add(k);
    else if (m.kind === 'link-removed') present.delete(k);
    else if ((m.kind === 'status' || m.kind === 'config') && m.field && TRACKED.has(m.field)) {
      const byField = fields.get(k) ?? new Map<string, { old: unknown; new: unknown }>();
      fields.set(k, byField);
      const seen = byField.get(m.field);
      byField.set(m.field, { old: seen ? seen.old : (m.old ?? null), new: m.new ?? null });
    }
  }
  const changed: Record<string, Record<string, [unknown, unknown]>> = {};
  for (const [k, byField] of fields) {
    if (!before.has(k) || !present.has(k)) continue;
    for (const [f, v] of byField) {
      if (JSON.stringify(v.old) === JSON.stringify(v.new)) continue;
      (changed[k] ??= {})[f] = [v.old, v.new];
    }
  }
  return {
    added: [...present].filter((k) => !before.has(k)).sort(),
    removed: [...before].filter((k) => !present.has(k)).sort(),
    changed,
  };
}

function actualDiff(d: PullDiff) {
  const changed: Record<string, Record<string, [unknown, unknown]>> = {};
  for (const c of d.changed) for (const f of c.changes) (changed[c.link.key] ??= {})[f.field] = [f.old, f.new];
  return { added: d.added.map((a) => a.link.key).sort(), removed: d.removed.map((r) => r.link.key).sort(), changed };
}

const linkKeys = (ctx: E2eContext) => new Set(ctx.emulator.links().map((l) => key(l.id)));
const versionCount = (ctx: E2eContext) => ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connection_versions')[0]!.n;

describe('history against the emulator (its recorded mutations are the ground truth)', () => {
  it('pull, mutate, pull: diff reports exactly the mutations, no more, no fewer; an unchanged pull adds no version rows', async () => {
    const ctx = await start({ seed: 21, mutationRates: { statusFlap: 0.15, configEdit: 0.15, linkRemove: 0.03, linkAdd: 0.05, connectionAdd: 0.1, connectionRemove: 0.03 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const before = linkKeys(ctx);
    const mutations = ctx.emulator.tick(3);
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);

    const expected = expectedDiff(before, mutations);
    // The sequence is rich enough to mean something.
    expect(expected.added.length).toBeGreaterThan(0);
    expect(expected.removed.length).toBeGreaterThan(0);
    expect(Object.keys(expected.changed).length).toBeGreaterThan(5);
    expect(new Set(Object.values(expected.changed).flatMap((c) => Object.keys(c))).size).toBeGreaterThan(2);

    const diff = json<PullDiff>(await ctx.vpnsync(['diff', '--format', 'json']));
    expect(diff).toMatchObject({ from: { pullId: 1 }, to: { pullId: 2 } });
    expect(actualDiff(diff)).toEqual(expected);
    expect(diff.unchanged).toBe(before.size - expected.removed.length - Object.keys(expected.changed).length);

    // The same diff, restricted to connectionStatus.
    const status = json<PullDiff>(await ctx.vpnsync(['diff', '1', 'latest', '--field', 'connectionStatus', '--format', 'json']));
    const expectedStatus = Object.entries(expected.changed).filter(([, f]) => 'connectionStatus' in f).map(([k]) => k).sort();
    expect(status.changed.map((c) => c.link.key).sort()).toEqual(expectedStatus);
    expect(status.changed.every((c) => c.changes.every((f) => f.field === 'connectionStatus'))).toBe(true);

    // Table and CSV carry the same rows.
    const table = await ctx.vpnsync(['diff']);
    expect(table.stdout).toContain(`pull #1 (`);
    expect(table.stdout).toMatch(new RegExp(`: ${expected.added.length} added, ${expected.removed.length} removed, ${Object.keys(expected.changed).length} changed, `));
    const csv = (await ctx.vpnsync(['diff', '--format', 'csv'])).stdout.split('\n');
    const fieldRows = Object.values(expected.changed).reduce((n, c) => n + Object.keys(c).length, 0);
    expect(csv.filter((r) => r.startsWith('changed,'))).toHaveLength(fieldRows);

    // A further pull with no mutation: zero version rows, an empty diff, only traffic samples.
    const versions = versionCount(ctx);
    const samples = ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connection_traffic')[0]!.n;
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    expect(versionCount(ctx)).toBe(versions);
    expect(ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connection_traffic')[0]!.n).toBeGreaterThan(samples);
    const none = json<PullDiff>(await ctx.vpnsync(['diff', '--format', 'json']));
    expect([none.from.pullId, none.to.pullId, none.added, none.removed, none.changed]).toEqual([2, 3, [], [], []]);
  });

  it('a partial pull (403 on one gateway) produces no "removed" entries for that gateway, in diff or report', async () => {
    const ctx = await start({ seed: 22, mutationRates: { linkRemove: 0.2, connectionRemove: 0.1, statusFlap: 0.1 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const before = linkKeys(ctx);
    const mutations = ctx.emulator.tick(2);
    // A gateway that really lost links: the pull must still not report them removed.
    const removedByGateway = new Map<string, number>();
    for (const m of mutations) if (m.kind === 'link-removed') {
      const gw = /\/vpnGateways\/([^/]+)\//i.exec(String(m.linkId))![1]!;
      removedByGateway.set(gw, (removedByGateway.get(gw) ?? 0) + 1);
    }
    const [gateway] = [...removedByGateway.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(removedByGateway.size).toBeGreaterThan(1);
    ctx.emulator.setFaults([{ match: gateway, kind: '403' }]);
    const partial = await ctx.vpnsync(['pull']);
    expect(partial.code).toBe(EXIT.PARTIAL);

    const diff = json<PullDiff>(await ctx.vpnsync(['diff', '1', '2', '--format', 'json']));
    expect(diff.to).toMatchObject({ pullId: 2, status: 'partial' });
    expect(diff.removed.filter((r) => r.link.gatewayName === gateway)).toEqual([]);
    // Everywhere else, removals are exactly the emulator's.
    const expected = expectedDiff(before, mutations);
    expect(diff.removed.map((r) => r.link.key).sort()).toEqual(expected.removed.filter((k) => !k.includes(`/vpngateways/${gateway.toLowerCase()}/`)));
    expect(diff.removed.length).toBeGreaterThan(0);

    const report = json<ChangeReport>(await ctx.vpnsync(['report', '--from', '1', '--format', 'json']));
    expect(report.removed.filter((r) => r.link.gatewayName === gateway)).toEqual([]);
    expect(report.removed.length).toBe(diff.removed.length);
    expect(report.partialPulls).toHaveLength(1);
    const unseen = report.partialPulls[0]!.failedScopes;
    expect(unseen.length).toBeGreaterThan(0);
    expect(unseen.every((s) => s.httpStatus === 403 && s.errorCode === 'AuthorizationFailed' && s.label.startsWith(`${gateway}/`))).toBe(true);
    // What it could not see: every link of that gateway known as of the partial pull.
    const known = ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections_as_of WHERE _as_of_pull = 2 AND gatewayName = ?', gateway)[0]!.n;
    expect(unseen.reduce((n, s) => n + s.linksNotSeen, 0)).toBe(known);
    const md = (await ctx.vpnsync(['report', '--from', '1'])).stdout;
    expect(md).toContain('## Partial pulls');
    expect(md).toMatch(new RegExp(`\\| #2 \\| .* \\| links of ${gateway}/`));
  });

  it('history and report match a multi-step mutation sequence: flapping counts, and traffic rates across counter resets', async () => {
    const ctx = await start({ seed: 23, mutationRates: { statusFlap: 0.35, counterReset: 0.15, configEdit: 0.05, linkRemove: 0, connectionRemove: 0, linkAdd: 0, connectionAdd: 0 } });
    expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    const steps = 6;
    const mutations: Mutation[] = [];
    for (let s = 0; s < steps; s++) {
      mutations.push(...ctx.emulator.tick());
      expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    }
    const pullTimes = ctx.rows<{ id: number; finished_at: string }>('SELECT id, finished_at FROM pulls ORDER BY id').map((p) => Date.parse(p.finished_at));
    // Pull s + 1 follows step s, so a step's change is seen between pulls s and s + 1.
    const seconds = (step: number) => (pullTimes[step]! - pullTimes[step - 1]!) / 1000;

    const transitions = new Map<string, number>();
    const counters = new Map<string, Map<number, { ingress?: [number, number]; egress?: [number, number] }>>();
    for (const m of mutations) {
      const k = key(m.linkId);
      if (m.kind === 'status' && m.field === 'connectionStatus') transitions.set(k, (transitions.get(k) ?? 0) + 1);
      if ((m.kind === 'counters' || m.kind === 'counter-reset') && m.field) {
        const bySteps = counters.get(k) ?? new Map<number, { ingress?: [number, number]; egress?: [number, number] }>();
        counters.set(k, bySteps);
        const step = bySteps.get(m.step) ?? {};
        bySteps.set(m.step, step);
        step[m.field === 'ingressBytesTransferred' ? 'ingress' : 'egress'] = [Number(m.old ?? 0), Number(m.new ?? 0)];
      }
    }
    // vpnsync's rule, applied by hand: a counter that went down was reset, and what it shows now
    // moved since the reset.
    const moved = ([old, now]: [number, number] = [0, 0]) => (now < old ? now : now - old);
    const traffic = new Map<string, { bytes: number; resets: number; perStep: Map<number, number> }>();
    for (const [k, bySteps] of counters) {
      const t = { bytes: 0, resets: 0, perStep: new Map<number, number>() };
      for (const [step, c] of bySteps) {
        const bytes = moved(c.ingress) + moved(c.egress);
        t.bytes += bytes;
        t.perStep.set(step, bytes);
        if ((c.ingress && c.ingress[1] < c.ingress[0]) || (c.egress && c.egress[1] < c.egress[0])) t.resets += 1;
      }
      traffic.set(k, t);
    }
    const report = json<ChangeReport>(await ctx.vpnsync(['report', '--from', '1', '--top', '1000', '--format', 'json']));
    expect(report.period).toMatchObject({ base: { id: 1 }, end: { id: steps + 1 }, pulls: steps, partialPulls: 0 });

    // Status changes and flapping, link by link.
    expect(Object.fromEntries(report.statusChanges.map((e) => [e.link.key, e.transitions]))).toEqual(Object.fromEntries(transitions));
    const flapping = [...transitions].filter(([, n]) => n >= 3).map(([k]) => k).sort();
    expect(flapping.length).toBeGreaterThan(0);
    expect(report.statusChanges.filter((e) => e.flapping).map((e) => e.link.key).sort()).toEqual(flapping);
    expect(report.summary.flappingLinks).toBe(flapping.length);

    // Traffic: bytes, resets and the rate of every interval, from the mutations and the pull times.
    const resetLinks = [...traffic].filter(([, t]) => t.resets > 0);
    expect(resetLinks.length).toBeGreaterThan(0);
    const top = new Map(report.traffic.top.map((t) => [t.link.key, t]));
    for (const [k, t] of traffic) {
      const got = top.get(k)!;
      expect(got.totalBytes, k).toBe(t.bytes);
      expect(got.resets, k).toBe(t.resets);
      for (const [step, bytes] of t.perStep) {
        const interval = got.series.find((s) => s.pullId === step + 1)!;
        expect(interval.bytesPerSecond!, `${k} step ${step}`).toBeCloseTo(bytes / seconds(step), 6);
      }
    }
    const busiest = [...traffic].sort((a, b) => b[1].bytes - a[1].bytes)[0]![0];
    expect(report.traffic.top[0]!.link.key).toBe(busiest);

    // history of the most flapping link: one version per status change, and its timeline.
    const [flapper, n] = [...transitions].sort((a, b) => b[1] - a[1])[0]!;
    const id = ctx.emulator.links().find((l) => key(l.id) === flapper)!.id;
    const h = json<LinkHistory>(await ctx.vpnsync(['history', id, '--format', 'json']));
    const statusVersions = h.versions.filter((v) => v.changes.some((c) => c.field === 'connectionStatus'));
    expect(statusVersions).toHaveLength(n);
    const statusMutations = mutations.filter((m) => m.kind === 'status' && m.field === 'connectionStatus' && key(m.linkId) === flapper);
    expect(statusVersions.map((v) => [v.pullId, v.changes.find((c) => c.field === 'connectionStatus')!.new])).toEqual(statusMutations.map((m) => [m.step + 1, m.new]));
    expect(h.timeline.filter((r) => r.state !== 'absent').map((r) => r.status)).toEqual([statusMutations[0]!.old, ...statusMutations.map((m) => m.new)].filter((s, i, all) => i === 0 || s !== all[i - 1]));
    const table = await ctx.vpnsync(['history', id]);
    expect(table.stdout).toContain('Status timeline:');
  });

  it('snapshots, bad references and prune, through the CLI', async () => {
    const ctx = await start({ seed: 24 });
    for (let i = 0; i < 4; i++) {
      ctx.emulator.tick();
      expect((await ctx.vpnsync(['pull'])).code).toBe(EXIT.OK);
    }
    const snaps = json<{ id: number; ref: string | null; status: string }[]>(await ctx.vpnsync(['snapshots', '--format', 'json']));
    expect(snaps.map((s) => [s.id, s.ref, s.status])).toEqual([
      [4, 'latest', 'complete'],
      [3, '-1', 'complete'],
      [2, '-2', 'complete'],
      [1, '-3', 'complete'],
    ]);
    const bad = await ctx.vpnsync(['diff', 'yesterday']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toBe("vpnsync: Expected FROM to be a pull id, latest, -N (N complete pulls before the latest) or an ISO time such as 2026-05-01T12:00Z, got 'yesterday'\n");
    expect((await ctx.vpnsync(['diff', '9'])).stderr).toBe("vpnsync: Expected FROM to be the id of a pull in this database (see vpnsync snapshots), got '9'\n");
    expect((await ctx.vpnsync(['report', '--since', 'a week'])).stderr).toBe("vpnsync: Expected --since to be a duration such as 90d, 12h, 30m or 2w (at most 100 years), got 'a week'\n");
    expect((await ctx.vpnsync(['history', 'no-such-link'])).code).toBe(EXIT.USAGE);

    const stateAt = (pull: number) => ctx.rows(`SELECT * FROM vpn_link_connections_as_of WHERE _as_of_pull = ? ORDER BY _key`, pull);
    const before = [3, 4].map(stateAt);
    const prune = await ctx.vpnsync(['prune', '--keep-pulls', '2']);
    expect(prune.code, prune.stderr).toBe(EXIT.OK);
    expect(prune.stderr).toMatch(/^Dropped history before pull #3 \(.*\): \d+ versions, \d+ traffic samples, \d+ scope rows\. The state as of pull #3 and every later pull is unchanged\.\n$/);
    expect([3, 4].map(stateAt)).toEqual(before);
    expect((await ctx.vpnsync(['diff', '2', '4'])).stderr).toMatch(/Expected FROM to be pull #3 or later \(history before it was pruned by vpnsync prune\)/);
    expect(json<PullDiff>(await ctx.vpnsync(['diff', '--format', 'json'])).from.pullId).toBe(3);
  });
});
