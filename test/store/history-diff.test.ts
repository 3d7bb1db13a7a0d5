import { afterEach, describe, expect, it } from 'vitest';
import { diffPulls } from '../../src/history/diff-pulls.js';
import { loadPull, type RecordedPull } from '../../src/history/pulls.js';
import { renderDiffCsv, renderDiffMarkdown } from '../../src/history/render-diff.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, keyOf, l, PULL_EVERY_MS } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

const pull = (id: number) => loadPull(fx.sqlite, id) as RecordedPull;

describe('diffPulls', () => {
  it('reports added, removed and changed links with field-level old and new values', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b'), l('c')]);
    fx.pull([
      l('a', { connectionStatus: 'NotConnected', enableBgp: false }),
      l('b', { ipsecPolicies: [], egressNatRules: [] }),
      l('d', { conn: 'c2' }),
    ]);
    const d = diffPulls(fx.sqlite, pull(1), pull(2));
    expect(d.added.map((x) => x.link.label)).toEqual(['gw1/c2/d']);
    expect(d.added[0]!.values).toMatchObject({ connectionStatus: 'Connected', enableBgp: true, routingWeight: 10 });
    expect(d.removed.map((x) => x.link.label)).toEqual(['gw1/c1/c']);
    expect(d.changed).toEqual([
      {
        link: expect.objectContaining({ label: 'gw1/c1/a', key: keyOf('a') }),
        changes: [
          { field: 'enableBgp', old: true, new: false },
          { field: 'connectionStatus', old: 'Connected', new: 'NotConnected' },
        ],
      },
      {
        link: expect.objectContaining({ label: 'gw1/c1/b' }),
        changes: [
          { field: 'egressNatRules', old: [{ id: expect.stringMatching(/natRules\/egress1$/) }], new: [] },
          { field: 'ipsecPolicies', old: [expect.objectContaining({ ipsecEncryption: 'GCMAES256' })], new: [] },
        ],
      },
    ]);
    expect(d.unchanged).toBe(0);
    expect(d.fields).toBeNull();
  });

  it('compares states, not the versions in between: a change undone is no change', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b')]);
    fx.pull([l('a', { routingWeight: 99 }), l('b'), l('tmp')]);
    fx.pull([l('a'), l('b', { routingWeight: 5 })]);
    const d = diffPulls(fx.sqlite, pull(1), pull(3));
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed.map((c) => [c.link.linkName, c.changes])).toEqual([['b', [{ field: 'routingWeight', old: 10, new: 5 }]]]);
    expect(d.unchanged).toBe(1);
  });

  it('--field restricts the changes to some fields', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b')]);
    fx.pull([l('a', { connectionStatus: 'NotConnected', routingWeight: 3 }), l('b', { routingWeight: 4 })]);
    const d = diffPulls(fx.sqlite, pull(1), pull(2), { fields: ['connectionStatus'] });
    expect(d.changed.map((c) => [c.link.linkName, c.changes.map((x) => x.field)])).toEqual([['a', ['connectionStatus']]]);
    expect(d.unchanged).toBe(1);
    expect(d.fields).toEqual(['connectionStatus']);
  });

  it('a partial pull reports nothing removed under the scope it could not list', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('x', { gw: 'gw2', conn: 'c7' }), l('y', { gw: 'gw2', conn: 'c7' })]);
    fx.pull([l('a', { routingWeight: 1 })], { failed: [connectionScope('gw2', 'c7')] });
    const d = diffPulls(fx.sqlite, pull(1), pull(2));
    expect(d.removed).toEqual([]);
    expect(d.changed.map((c) => c.link.linkName)).toEqual(['a']);
    expect(d.to).toMatchObject({ status: 'partial', scopesFailed: 1 });
    expect(renderDiffMarkdown(d)).toContain('none of them is reported as removed');
  });

  it('an unchanged pull diffs to nothing but traffic', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a', { ingress: 1000, egress: 10 })]);
    fx.pull([l('a', { ingress: 901_000, egress: 10, etag: 'W/"2"' })]);
    const d = diffPulls(fx.sqlite, pull(1), pull(2));
    expect([d.added, d.removed, d.changed]).toEqual([[], [], []]);
    expect(d.unchanged).toBe(1);
    expect(d.traffic).toMatchObject({ ingressBytes: 900_000, egressBytes: 0, seconds: PULL_EVERY_MS / 1000 });
    expect(d.traffic.links[0]).toMatchObject({ ingressBytes: 900_000, averageBytesPerSecond: 1000, resets: 0 });
  });

  it('traffic in the interval counts a reset counter’s new value as the bytes since the reset', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a', { ingress: 5000, egress: 100 })]);
    fx.pull([l('a', { ingress: 8000, egress: 200 })]); // +3000, +100
    fx.pull([l('a', { ingress: 700, egress: 50 })]); // reset: +700, +50
    fx.pull([l('a', { ingress: 1700, egress: 150 })]); // +1000, +100
    const d = diffPulls(fx.sqlite, pull(1), pull(4));
    expect(d.traffic.links).toEqual([{ link: expect.objectContaining({ linkName: 'a' }), ingressBytes: 4700, egressBytes: 250, averageBytesPerSecond: 4950 / (3 * PULL_EVERY_MS / 1000), resets: 1 }]);
    // Only the samples inside the interval count.
    expect(diffPulls(fx.sqlite, pull(2), pull(3)).traffic).toMatchObject({ ingressBytes: 700, egressBytes: 50 });
  });

  it('lists the busiest links first and, when asked for the busiest N, names only those while the totals cover all', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a', { ingress: 0, egress: 0 }), l('b', { ingress: 0, egress: 0 }), l('c', { ingress: 0, egress: 0 }), l('d', { ingress: 0, egress: 0 })]);
    fx.pull([l('a', { ingress: 10, egress: 0 }), l('b', { ingress: 500, egress: 0 }), l('c', { ingress: 10, egress: 0 }), l('d', { ingress: 0, egress: 7 })]);
    const all = diffPulls(fx.sqlite, pull(1), pull(2));
    // Ties (a and c, 10 bytes each) by key, as a report ranks them.
    expect(all.traffic.links.map((t) => t.link.linkName)).toEqual(['b', 'a', 'c', 'd']);
    expect(all.traffic).toMatchObject({ ingressBytes: 520, egressBytes: 7, linkCount: 4 });
    const top = diffPulls(fx.sqlite, pull(1), pull(2), { busiestLinks: 2 });
    expect(top.traffic.links.map((t) => t.link.linkName)).toEqual(['b', 'a']);
    expect(top.traffic).toMatchObject({ ingressBytes: 520, egressBytes: 7, linkCount: 4 });
    expect(top.traffic.links).toEqual(all.traffic.links.slice(0, 2));
  });

  it('renders CSV with one row per change and per traffic direction', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a', { ingress: 0, egress: 0 }), l('b')]);
    fx.pull([l('a', { ingress: 10, egress: 20, ipsecPolicies: [] })]);
    const csv = renderDiffCsv(diffPulls(fx.sqlite, pull(1), pull(2))).split('\n');
    expect(csv[0]).toBe('change,link,id,field,old,new');
    expect(csv[1]).toMatch(/^removed,gw1\/c1\/b,\/subscriptions\/.*\/b,,,$/);
    expect(csv[2]).toMatch(/^changed,gw1\/c1\/a,\/subscriptions\/.*\/a,ipsecPolicies,"\[\{""dhGroup"":""DHGroup14"",.*\}\]",\[\]$/);
    expect(csv.slice(3)).toEqual([expect.stringMatching(/^traffic,gw1\/c1\/a,.*,ingressBytes,,10$/), expect.stringMatching(/^traffic,gw1\/c1\/a,.*,egressBytes,,20$/), '']);
  });
});
