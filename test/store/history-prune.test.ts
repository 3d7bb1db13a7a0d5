import { afterEach, describe, expect, it } from 'vitest';
import { findLink, linkHistory } from '../../src/history/link-history.js';
import { parsePullRef, resolvePullRef } from '../../src/history/pull-ref.js';
import { historyStart } from '../../src/history/pulls.js';
import { pruneBoundary, pruneHistory } from '../../src/history/prune-history.js';
import { stateAsOf } from '../../src/history/state-as-of.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, l, PULL_EVERY_MS } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

/** Ten pulls in which links change, disappear, come back and are hidden by a partial pull. */
async function tenPulls(): Promise<void> {
  fx = await HistoryFixture.open(tempDir());
  const steady = l('steady', { conn: 'c2' });
  fx.pull([l('a'), l('b'), l('gone'), steady]); // 1
  fx.pull([l('a', { routingWeight: 1 }), l('b'), l('gone'), steady]); // 2
  fx.pull([l('a', { routingWeight: 2 }), l('b'), steady]); // 3: gone deleted
  fx.pull([l('a', { routingWeight: 3 }), steady]); // 4: b deleted
  fx.pull([l('a', { routingWeight: 3 }), l('b', { routingWeight: 9 }), steady]); // 5: b restored
  fx.pull([l('a', { routingWeight: 4 })], { failed: [connectionScope('gw1', 'c2')] }); // 6: partial, steady unseen; b deleted
  fx.pull([l('a', { connectionStatus: 'NotConnected', routingWeight: 4 }), l('b', { routingWeight: 9 }), steady]); // 7: b restored
  fx.pull([l('a', { routingWeight: 5 }), l('b', { routingWeight: 9 }), steady]); // 8
  fx.pull([l('a', { routingWeight: 5 }), steady]); // 9: b deleted again
  fx.pull([l('a', { routingWeight: 6 }), steady]); // 10
}

const allStates = (from: number) => Object.fromEntries(Array.from({ length: 10 - from + 1 }, (_, i) => [from + i, stateAsOf(fx.sqlite, from + i)]));
const count = (table: string) => fx.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('pruneHistory', () => {
  for (const keep of [1, 3, 4, 5, 6, 9]) {
    it(`--keep-pulls ${keep}: the state as of every kept pull is unchanged`, async () => {
      await tenPulls();
      const k = 10 - keep + 1;
      const before = allStates(k);
      const boundary = pruneBoundary(fx.sqlite, { keepPulls: keep });
      expect(boundary?.id).toBe(k);
      const result = pruneHistory(fx.sqlite, boundary);
      expect(allStates(k)).toEqual(before);
      expect(historyStart(fx.sqlite)).toBe(k);
      expect(count(`vpn_link_connection_traffic WHERE pull_id < ${k}`)).toBe(0);
      expect(count(`pull_scopes WHERE pull_id < ${k}`)).toBe(0);
      expect(result.trafficSamplesDropped).toBeGreaterThan(0);
      // Older pulls are refused rather than answered wrongly; the view leaves them out too.
      if (k > 1) {
        expect(() => resolvePullRef(fx.sqlite, parsePullRef(String(k - 1), 'FROM'), 'FROM')).toThrow(/pruned/);
        expect(stateAsOf(fx.sqlite, k - 1).size).toBe(0);
      }
    });
  }

  it('keeps one baseline version per link and drops superseded ones and deletions', async () => {
    await tenPulls();
    const versionsBefore = count('vpn_link_connection_versions');
    const boundary = pruneBoundary(fx.sqlite, { keepPulls: 3 }); // K = 8
    const dry = pruneHistory(fx.sqlite, boundary, { dryRun: true });
    expect(count('vpn_link_connection_versions')).toBe(versionsBefore);
    expect(historyStart(fx.sqlite)).toBe(1);
    const done = pruneHistory(fx.sqlite, boundary);
    expect(done).toEqual({ ...dry, dryRun: false });
    expect(done.versionsDropped).toBe(versionsBefore - count('vpn_link_connection_versions'));
    const left = fx.sqlite.prepare(`SELECT name, _pull_id, _kind FROM vpn_link_connection_versions ORDER BY name, _pull_id`).all();
    expect(left).toEqual([
      { name: 'a', _pull_id: 8, _kind: 'changed' },
      { name: 'a', _pull_id: 10, _kind: 'changed' },
      // b's baseline (restored at 7, unchanged since) stays; its deletion at 9 is after K.
      { name: 'b', _pull_id: 7, _kind: 'restored' },
      { name: 'b', _pull_id: 9, _kind: 'deleted' },
      { name: 'steady', _pull_id: 1, _kind: 'added' },
    ]);
    // history: b's oldest kept version is flagged as the baseline it is.
    const b = linkHistory(fx.sqlite, findLink(fx.sqlite, 'b'));
    expect(b.versions.map((v) => [v.pullId, v.kind, v.baseline, v.changes])).toEqual([
      [7, 'restored', true, []],
      [9, 'deleted', false, []],
    ]);
    // Pruning again to the same boundary does nothing.
    expect(pruneBoundary(fx.sqlite, { keepPulls: 3 })).toBeUndefined();
  });

  it('--keep <duration> keeps the last pull at or before the cutoff, so the state as of any kept time is answerable', async () => {
    await tenPulls();
    const now = Date.parse(fx.finishedAt(10)) + 60_000;
    // The cutoff falls between pulls 7 and 8: pull 7 holds the state at the cutoff.
    const boundary = pruneBoundary(fx.sqlite, { keepMs: 3 * PULL_EVERY_MS, now });
    expect(boundary?.id).toBe(7);
    const before = allStates(7);
    pruneHistory(fx.sqlite, boundary);
    expect(allStates(7)).toEqual(before);
    expect(pruneBoundary(fx.sqlite, { keepMs: 365 * 86_400_000, now })).toBeUndefined();
  });
});
