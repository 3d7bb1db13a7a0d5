import { afterEach, describe, expect, it } from 'vitest';
import { findLink, linkHistory } from '../../src/history/link-history.js';
import { historyRows, renderHistoryMarkdown, timelineRows } from '../../src/history/render-history.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, keyOf, l } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

describe('findLink', () => {
  it('finds a link by id (any casing), gateway/connection/link, or name, also after its deletion', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b'), l('a', { gw: 'gw2' })]);
    fx.pull([l('a'), l('a', { gw: 'gw2' })]); // b deleted
    const idOfA = (fx.sqlite.prepare(`SELECT id FROM vpn_link_connections WHERE _key = ?`).pluck().get(keyOf('a')) as string).toUpperCase();
    expect(findLink(fx.sqlite, idOfA).key).toBe(keyOf('a'));
    expect(findLink(fx.sqlite, 'GW2/c1/A').key).toBe(keyOf('a', 'gw2'));
    expect(findLink(fx.sqlite, 'b')).toMatchObject({ key: keyOf('b'), label: 'gw1/c1/b' });
  });

  it('refuses a name that matches several links, or none, saying what to give instead', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('a', { gw: 'gw2' })]);
    expect(() => findLink(fx.sqlite, 'a')).toThrow("Expected <link> to name one link, got 'a', which matches 2 (gw1/c1/a, gw2/c1/a); give gateway/connection/link or the id");
    expect(() => findLink(fx.sqlite, 'zz')).toThrow("Expected <link> to be a link connection id, its name, or gateway/connection/link known to this database, got 'zz' (no link matches)");
    expect(() => findLink(fx.sqlite, 'gw1/c1')).toThrow("Expected <link> to be a link connection id, its name, or gateway/connection/link, got 'gw1/c1'");
    expect(() => findLink(fx.sqlite, '/subscriptions/x')).toThrow(/not a vpnLinkConnections resource id/);
    // LIKE wildcards in a name are literal.
    expect(() => findLink(fx.sqlite, '%')).toThrow(/no link matches/);
  });
});

describe('linkHistory', () => {
  it('lists every version with its field changes, and the status timeline with unseen stretches as unknown', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a')]); // 1 added
    fx.pull([l('a', { connectionStatus: 'NotConnected' })]); // 2 changed
    fx.pull([], { failed: [connectionScope()] }); // 3 partial: a not seen
    fx.pull([l('a', { connectionStatus: 'Connected', routingWeight: 7 })]); // 4 changed (2 fields)
    fx.pull([]); // 5 deleted
    fx.pull([l('a', { routingWeight: 8 })]); // 6 restored, routingWeight 7 → 8
    const h = linkHistory(fx.sqlite, findLink(fx.sqlite, 'a'));
    expect(h.exists).toBe(true);
    expect(h.versions.map((v) => [v.pullId, v.kind, v.changes.map((c) => `${c.field}:${String(c.old)}→${String(c.new)}`)])).toEqual([
      [1, 'added', []],
      [2, 'changed', ['connectionStatus:Connected→NotConnected']],
      [4, 'changed', ['routingWeight:10→7', 'connectionStatus:NotConnected→Connected']],
      [5, 'deleted', []],
      [6, 'restored', ['routingWeight:7→8']],
    ]);
    expect(h.timeline.map((r) => [r.state, r.status, r.unseen, r.fromPull, r.toPull])).toEqual([
      ['connected', 'Connected', false, 1, 2],
      ['not-connected', 'NotConnected', false, 2, 3],
      ['unknown', 'NotConnected', true, 3, 4],
      ['connected', 'Connected', false, 4, 5],
      ['absent', null, false, 5, 6],
      ['connected', 'Connected', false, 6, 6],
    ]);
    expect(historyRows(h)[2]).toEqual(['#4', expect.stringMatching(/^2026-05-01T00:45:30Z$/), 'changed', 'routingWeight', '10', '7']);
    expect(timelineRows(h.timeline)[2]![0]).toBe('unknown (not seen by the pull; last known NotConnected)');
    expect(timelineRows(h.timeline)[5]![2]).toMatch(/^now \(#6 /);
    const md = renderHistoryMarkdown(h);
    expect(md).toContain('# History of gw1/c1/a');
    expect(md).toContain('| #2 | 2026-05-01T00:15:30Z | changed | connectionStatus | Connected | NotConnected |');
  });
});
