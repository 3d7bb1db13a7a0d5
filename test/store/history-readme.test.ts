import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDir } from '../support/temp-dir.js';
import { HistoryFixture, l } from './history-helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's history queries ("The database"); the README must show exactly these. */
const README_QUERIES = {
  changes: `SELECT _pull_id, _pull_finished_at, name, _kind, _changed_columns
FROM vpn_link_connection_changes
WHERE gatewayName = 'vpngw-weu-01' AND _pull_finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
ORDER BY _pull_id DESC, name`,
  asOfPull: `SELECT name, connectionStatus, routingWeight
FROM vpn_link_connections_as_of
WHERE _as_of_pull = 212
ORDER BY name`,
  asOfTime: `SELECT name, connectionStatus, routingWeight
FROM vpn_link_connections_as_of
WHERE _as_of_pull = (SELECT max(id) FROM pulls WHERE status IN ('complete', 'partial') AND finished_at <= '2026-05-07T12:00:00.000Z')
ORDER BY name`,
};

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

describe('README history queries', () => {
  it('are shown verbatim and answer what the README says', async () => {
    for (const sql of Object.values(README_QUERIES)) expect(README).toContain(sql);
    fx = await HistoryFixture.open(tempDir());
    // Pull ids 211 and 212, on 7 May around noon; then one an hour ago.
    fx.sqlite.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('pulls', 210)`).run();
    const gw = 'vpngw-weu-01';
    fx.now = Date.parse('2026-05-07T11:30:00Z');
    fx.pull([l('link-1', { gw }), l('link-2', { gw })]); // 211
    fx.now = Date.parse('2026-05-07T12:15:00Z');
    fx.pull([l('link-1', { gw, connectionStatus: 'NotConnected' }), l('link-2', { gw, routingWeight: 20 })]); // 212
    fx.now = Date.now() - 3_600_000;
    fx.pull([l('link-1', { gw })]); // 213: link-1 connected again, link-2 deleted

    const all = (sql: string) => fx.sqlite.prepare(sql).all();
    expect(all(README_QUERIES.asOfPull)).toEqual([
      { name: 'link-1', connectionStatus: 'NotConnected', routingWeight: 10 },
      { name: 'link-2', connectionStatus: 'Connected', routingWeight: 20 },
    ]);
    expect(all(README_QUERIES.asOfTime)).toEqual([
      { name: 'link-1', connectionStatus: 'Connected', routingWeight: 10 },
      { name: 'link-2', connectionStatus: 'Connected', routingWeight: 10 },
    ]);
    expect(all(README_QUERIES.changes)).toEqual([
      { _pull_id: 213, _pull_finished_at: fx.finishedAt(213), name: 'link-1', _kind: 'changed', _changed_columns: '["connectionStatus"]' },
      { _pull_id: 213, _pull_finished_at: fx.finishedAt(213), name: 'link-2', _kind: 'deleted', _changed_columns: '[]' },
    ]);
  });
});
