import { afterEach, describe, expect, it } from 'vitest';
import { loadPull, type RecordedPull } from '../../src/history/pulls.js';
import { replayHistory } from '../../src/history/replay-history.js';
import { countAsOf, stateAsOf } from '../../src/history/state-as-of.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, keyOf, l } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

const statuses = (id: number) =>
  Object.fromEntries([...stateAsOf(fx.sqlite, id)].map(([k, v]) => [k.split('/').pop(), v.connectionStatus]).sort(([a], [b]) => String(a).localeCompare(String(b))));

describe('stateAsOf (the vpn_link_connections_as_of view)', () => {
  it('is each link’s latest version at or before the pull, without deleted links', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b')]); // 1: a, b added
    fx.pull([l('a', { ingress: 5000 }), l('b')]); // 2: counters only
    fx.pull([l('a', { connectionStatus: 'NotConnected' })]); // 3: a changed, b deleted
    fx.failedPull(); // 4: failed, records nothing
    fx.pull([l('a', { connectionStatus: 'NotConnected' }), l('b', { routingWeight: 20 })]); // 5: b restored

    expect(statuses(1)).toEqual({ a: 'Connected', b: 'Connected' });
    expect(statuses(2)).toEqual({ a: 'Connected', b: 'Connected' });
    expect(statuses(3)).toEqual({ a: 'NotConnected' });
    expect(statuses(5)).toEqual({ a: 'NotConnected', b: 'Connected' });
    expect(stateAsOf(fx.sqlite, 5).get(keyOf('b'))?.routingWeight).toBe(20);
    // A failed pull has no state of its own.
    expect(stateAsOf(fx.sqlite, 4).size).toBe(0);
    expect(countAsOf(fx.sqlite, 3)).toBe(1);
    // Only some links.
    expect([...stateAsOf(fx.sqlite, 1, [keyOf('b')]).keys()]).toEqual([keyOf('b')]);
  });

  it('keeps the last known state of links a partial pull could not see', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('x', { conn: 'c2' })]);
    // c2 fails with 403: x is not seen, and not deleted.
    const partial = fx.pull([l('a', { connectionStatus: 'NotConnected' })], { failed: [connectionScope('gw1', 'c2')] });
    expect(partial).toMatchObject({ status: 'partial', removed: 0 });
    expect(statuses(2)).toEqual({ a: 'NotConnected', x: 'Connected' });
  });

  it('replayHistory reproduces stateAsOf at every pull', async () => {
    fx = await HistoryFixture.open(tempDir());
    const names = ['a', 'b', 'c', 'd', 'e'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let p = 0; p < 12; p++) {
      const links = names.filter(() => rnd() > 0.2).map((n) => l(n, { connectionStatus: rnd() > 0.5 ? 'Connected' : 'NotConnected', routingWeight: Math.floor(rnd() * 3) }));
      fx.pull(links, { failed: rnd() > 0.7 ? [connectionScope()] : [] });
    }
    const base = loadPull(fx.sqlite, 2) as RecordedPull;
    const end = loadPull(fx.sqlite, 12) as RecordedPull;
    const seen: number[] = [];
    replayHistory(fx.sqlite, base, end, (step) => {
      seen.push(step.pull.id);
      expect(new Map(step.state)).toEqual(stateAsOf(fx.sqlite, step.pull.id));
    });
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('the views answer the ad hoc queries of docs/history.md', async () => {
    fx = await HistoryFixture.open(tempDir());
    fx.pull([l('a'), l('b')]);
    fx.pull([l('a', { connectionStatus: 'NotConnected' }), l('b')]);
    const changes = fx.sqlite.prepare(`SELECT name, _pull_id, _kind, _changed_columns, _pull_finished_at, _pull_status FROM vpn_link_connection_changes ORDER BY _pull_id, name`).all();
    expect(changes).toEqual([
      { name: 'a', _pull_id: 1, _kind: 'added', _changed_columns: '[]', _pull_finished_at: fx.finishedAt(1), _pull_status: 'complete' },
      { name: 'b', _pull_id: 1, _kind: 'added', _changed_columns: '[]', _pull_finished_at: fx.finishedAt(1), _pull_status: 'complete' },
      { name: 'a', _pull_id: 2, _kind: 'changed', _changed_columns: '["connectionStatus"]', _pull_finished_at: fx.finishedAt(2), _pull_status: 'complete' },
    ]);
    // State as of a time: the last recorded pull finished at or before it (docs/history.md, "History in SQL").
    const asOfTime = fx.sqlite
      .prepare(
        `SELECT name, connectionStatus FROM vpn_link_connections_as_of
         WHERE _as_of_pull = (SELECT max(id) FROM pulls WHERE status IN ('complete', 'partial') AND finished_at <= ?) ORDER BY name`,
      )
      .all(new Date(Date.parse(fx.finishedAt(2)) - 1000).toISOString());
    expect(asOfTime).toEqual([
      { name: 'a', connectionStatus: 'Connected' },
      { name: 'b', connectionStatus: 'Connected' },
    ]);
  });
});
