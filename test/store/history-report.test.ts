import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReport, type ChangeReport } from '../../src/history/build-report.js';
import { parsePullRef } from '../../src/history/pull-ref.js';
import { renderReportHtml } from '../../src/history/render-report-html.js';
import { renderReportCsv, renderReportMarkdown } from '../../src/history/render-report-text.js';
import { resolveReportPeriod } from '../../src/history/report-period.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, l, PULL_EVERY_MS, T0 } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

const STEP_S = PULL_EVERY_MS / 1000;

/**
 * The known sequence: a flaps four times, b's routingWeight drifts twice and its ingress counter
 * resets, c is removed and d added, and pull 4 cannot list gw2/c7 (x and y unseen).
 */
async function knownSequence(): Promise<void> {
  fx = await HistoryFixture.open(tempDir());
  const a = (status: string, i: number) => l('a', { connectionStatus: status, ingress: 1000 + 900 * i, egress: 100 + 10 * i });
  const b = (rw: number, ingress: number) => l('b', { routingWeight: rw, ingress, egress: 0 });
  const x = (status = 'Connected') => l('x', { gw: 'gw2', conn: 'c7', connectionStatus: status });
  const y = l('y', { gw: 'gw2', conn: 'c7' });
  fx.pull([a('Connected', 0), b(10, 0), l('c'), x(), y]); // 1
  fx.pull([a('NotConnected', 1), b(20, 900_000), l('c'), x(), y]); // 2
  fx.pull([a('Connected', 2), b(20, 300), l('d'), x(), y]); // 3: counter reset on b; c removed, d added
  fx.pull([a('NotConnected', 3), b(30, 900_300), l('d')], { failed: [connectionScope('gw2', 'c7')] }); // 4: partial
  fx.pull([a('Connected', 4), b(30, 900_300), l('d'), x('NotConnected'), y]); // 5
}

function reportFromPull1(): ChangeReport {
  const period = resolveReportPeriod(fx.sqlite, { from: parsePullRef('1', '--from'), now: T0 + 10 * PULL_EVERY_MS });
  return buildReport(fx.sqlite, period, { generatedAt: '2026-05-02T00:00:00.000Z', top: 3 });
}

describe('buildReport on a known sequence', () => {
  beforeEach(knownSequence);

  it('counts status transitions and flapping links', () => {
    const r = reportFromPull1();
    expect(r.period).toMatchObject({ base: { id: 1 }, end: { id: 5, status: 'complete' }, pulls: 4, partialPulls: 1, clipped: false });
    expect(r.statusChanges.map((e) => [e.link.label, e.transitions, e.flapping, e.statusAtStart, e.statusAtEnd])).toEqual([
      ['gw1/c1/a', 4, true, 'Connected', 'Connected'],
      ['gw2/c7/x', 1, false, 'Connected', 'NotConnected'],
    ]);
    expect(r.statusChanges[0]!.changes.map((c) => [c.pullId, c.old, c.new])).toEqual([
      [2, 'Connected', 'NotConnected'],
      [3, 'NotConnected', 'Connected'],
      [4, 'Connected', 'NotConnected'],
      [5, 'NotConnected', 'Connected'],
    ]);
    expect(r.summary).toMatchObject({ linksAtStart: 5, linksAtEnd: 5, statusChanges: 5, linksWithStatusChanges: 2, flappingLinks: 1 });
  });

  it('groups configuration drift by field, and lists links added and removed', () => {
    const r = reportFromPull1();
    expect(r.drift).toEqual([
      {
        field: 'routingWeight',
        changes: 2,
        links: [
          {
            link: expect.objectContaining({ label: 'gw1/c1/b' }),
            first: 10,
            last: 30,
            changes: [expect.objectContaining({ pullId: 2, old: 10, new: 20 }), expect.objectContaining({ pullId: 4, old: 20, new: 30 })],
          },
        ],
      },
    ]);
    expect(r.added.map((m) => [m.link.label, m.pullId, m.kind])).toEqual([['gw1/c1/d', 3, 'added']]);
    expect(r.removed.map((m) => [m.link.label, m.pullId, m.kind])).toEqual([['gw1/c1/c', 3, 'deleted']]);
  });

  it('ranks links by traffic with rates between pulls, counting across a counter reset', () => {
    const r = reportFromPull1();
    const [b, a, third] = r.traffic.top;
    expect(b).toMatchObject({ link: expect.objectContaining({ linkName: 'b' }), ingressBytes: 1_800_300, egressBytes: 0, resets: 1 });
    expect(b!.averageBytesPerSecond).toBeCloseTo(1_800_300 / (4 * STEP_S), 9);
    expect(b!.peakBytesPerSecond).toBe(900_000 / STEP_S);
    expect(b!.series.map((s) => [s.pullId, s.ingressBytes, s.bytesPerSecond, s.reset])).toEqual([
      [2, 900_000, 1000, false],
      [3, 300, 300 / STEP_S, true],
      [4, 900_000, 1000, false],
      [5, 0, 0, false],
    ]);
    expect(a).toMatchObject({ ingressBytes: 3600, egressBytes: 40, resets: 0, peakBytesPerSecond: 910 / STEP_S });
    expect(third!.totalBytes).toBe(0);
    expect(r.traffic).toMatchObject({ ingressBytes: 1_803_900, egressBytes: 40 });
    expect(r.traffic.perPull.map((p) => [p.pullId, p.ingressBytes + p.egressBytes, p.seconds])).toEqual([
      [2, 900_910, STEP_S],
      [3, 1210, STEP_S],
      [4, 900_910, STEP_S],
      [5, 910, STEP_S],
    ]);
  });

  it('lists partial pulls with the links they could not see, and never counts those as removed', () => {
    const r = reportFromPull1();
    expect(r.partialPulls).toEqual([
      {
        pullId: 4,
        at: fx.finishedAt(4),
        failedScopes: [
          expect.objectContaining({ kind: 'links', label: 'gw2/c7', httpStatus: 403, errorCode: 'AuthorizationFailed', requestId: 'req-1', linksNotSeen: 2, links: ['gw2/c7/x', 'gw2/c7/y'] }),
        ],
      },
    ]);
    expect(r.removed.filter((m) => m.link.gatewayName === 'gw2')).toEqual([]);
  });

  it('draws each link’s status bands and the fleet’s counts per pull', () => {
    const r = reportFromPull1();
    expect(r.fleetStatus.map((f) => [f.pullId, f.connected, f.notConnected, f.unknown])).toEqual([
      [1, 5, 0, 0],
      [2, 4, 1, 0],
      [3, 5, 0, 0],
      [4, 2, 1, 2],
      [5, 4, 1, 0],
    ]);
    const byLabel = new Map(r.timelines.map((t) => [t.link.label, t.runs.map((x) => [x.state, x.fromPull, x.toPull])]));
    expect(r.timelines[0]!.link.label).toBe('gw1/c1/a');
    expect(byLabel.get('gw2/c7/x')).toEqual([
      ['connected', 1, 4],
      ['unknown', 4, 5],
      ['not-connected', 5, 5],
    ]);
    expect(byLabel.get('gw1/c1/c')).toEqual([
      ['connected', 1, 3],
      ['absent', 3, 5],
    ]);
    expect(byLabel.get('gw1/c1/d')).toEqual([['connected', 3, 5]]);
    expect(r.timelines).toHaveLength(6);
  });

  it('renders Markdown, CSV and self-contained HTML', () => {
    const r = reportFromPull1();
    const md = renderReportMarkdown(r);
    for (const heading of ['## Summary', '## Status changes', '## Configuration drift', '### routingWeight (2 changes on 1 link)', '## Links added and removed', '## Top links by traffic', '## Partial pulls']) {
      expect(md).toContain(heading);
    }
    expect(md).toContain('| gw1/c1/a | 4 | yes | Connected | Connected | #2 Connected → NotConnected; #3 NotConnected → Connected; #4 Connected → NotConnected; #5 NotConnected → Connected |');
    expect(md).toContain('| #4 | 2026-05-01T00:45:30Z | links of gw2/c7 | HTTP 403, AuthorizationFailed, request id req-1 | 2 |');

    const csv = renderReportCsv(r).split('\n');
    expect(csv[0]).toBe('section,pullId,at,link,id,field,old,new,value,detail');
    expect(csv.filter((x) => x.startsWith('status,'))).toHaveLength(5);
    expect(csv.filter((x) => x.startsWith('drift,'))).toHaveLength(2);
    expect(csv).toContain(`partial,4,${fx.finishedAt(4)},gw2/c7,${connectionScope('gw2', 'c7')},links,,,2,"HTTP 403, AuthorizationFailed, request id req-1: no access"`);
    expect(csv.some((x) => /^traffic,5,.*,gw1\/c1\/b,.*,counterResets,,,1,$/.test(x))).toBe(true);

    const html = renderReportHtml(r);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link |src=|url\(|@import/i);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(6);
    expect(html).toContain('class="band band-unknown"');
    expect(html).toContain('<svg class="chart fleet-status"');
    expect(html).toContain('<svg class="chart throughput"');
    expect(html).toContain('<circle class="reset"');
  });
});

describe('resolveReportPeriod', () => {
  it('takes --since back from now, clipping to the first pull', async () => {
    await knownSequence();
    const now = Date.parse(fx.finishedAt(5)) + 60_000;
    const last2 = resolveReportPeriod(fx.sqlite, { sinceMs: 2 * PULL_EVERY_MS, now });
    expect([last2.base.id, last2.end.id, last2.clipped]).toEqual([3, 5, false]);
    const week = resolveReportPeriod(fx.sqlite, { now });
    expect([week.base.id, week.end.id, week.clipped]).toEqual([1, 5, true]);
    const between = resolveReportPeriod(fx.sqlite, { from: parsePullRef(fx.finishedAt(2), '--from'), to: parsePullRef('4', '--to'), now });
    expect([between.base.id, between.end.id]).toEqual([2, 4]);
    expect(() => resolveReportPeriod(fx.sqlite, { from: parsePullRef('4', '--from'), to: parsePullRef('2', '--to'), now })).toThrow(/Expected the period's start to come before its end/);
  });
});
