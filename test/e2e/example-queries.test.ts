import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { nat, seedQueryDb } from '../support/query-fixture.js';
import { runCli } from '../support/run-cli.js';
import { connectionScope, HistoryFixture, l } from '../store/history-helpers.js';

/** The example queries the docs show and tell users to run with `vpnsync query -f`. */
const QUERIES_DIR = fileURLToPath(new URL('../../examples/queries/', import.meta.url));

/** Which database an example runs on: the query fixture (inventory), or a history of pulls. */
type Db = 'inventory' | 'history';

/**
 * Every file in examples/queries, the --param values the docs give it, and what it answers.
 * A new file without an entry here fails the first test: the docs' examples all run.
 */
const EXAMPLES: Record<string, { db: Db; params?: string[]; rows: (ctx: { finishedAt: (id: number) => string }) => unknown[] }> = {
  'links-down-per-gateway.sql': {
    db: 'inventory',
    rows: () => [
      { gatewayName: 'gw-neu', links: 2, down: 2 },
      { gatewayName: 'gw-use', links: 2, down: 0 },
      { gatewayName: 'gw-weu', links: 2, down: 0 },
    ],
  },
  'links-down.sql': {
    db: 'inventory',
    rows: () => [
      { gatewayName: 'gw-neu', connectionName: 'site-003', name: 'link-a', connectionStatus: 'NotConnected' },
      { gatewayName: 'gw-neu', connectionName: 'site-003', name: 'link-b', connectionStatus: 'Connecting' },
    ],
  },
  'bgp-off.sql': { db: 'inventory', rows: () => [{ gatewayName: 'gw-neu', connectionName: 'site-003', name: 'link-a' }] },
  'ipsec-policies.sql': {
    db: 'inventory',
    rows: () => [
      { ike: 'AES256', ipsec: 'AES256', dhGroup: 'DHGroup24', links: 2 },
      { ike: 'AES256', ipsec: 'GCMAES256', dhGroup: 'DHGroup14', links: 2 },
    ],
  },
  'nat-rules.sql': {
    db: 'inventory',
    rows: () => [
      { gatewayName: 'gw-weu', direction: 'egress', natRule: nat('gw-weu', 'egress1')[0]!.id, links: 2 },
      { gatewayName: 'gw-neu', direction: 'ingress', natRule: nat('gw-neu', 'ingress7')[0]!.id, links: 1 },
    ],
  },
  'dpd-timeouts.sql': { db: 'inventory', rows: () => [{ dpdTimeoutSeconds: 45, links: 6 }] },
  // StackQL's parameters match names as ARM does, without regard to case (the id says RG-US).
  'stackql-select.sql': {
    db: 'inventory',
    rows: () => [
      { name: 'link-a', connectionStatus: 'Connected', enableBgp: 1 },
      { name: 'link-b', connectionStatus: 'Connected', enableBgp: 1 },
    ],
  },
  'action-trail.sql': {
    db: 'inventory',
    params: ['id=1'],
    rows: () => [
      { id: 1, kind: 'reset', status: 'cancelled', at: expect.any(String), event: 'queued', http_status: null },
      { id: 1, kind: 'reset', status: 'cancelled', at: expect.any(String), event: 'cancelled', http_status: null },
    ],
  },
  'last-pulls.sql': {
    db: 'history',
    rows: ({ finishedAt }) =>
      [214, 213, 212, 211].map((id) => ({
        id,
        status: id === 214 ? 'partial' : 'complete',
        finished_at: finishedAt(id),
        links_seen: id === 214 || id === 213 ? 1 : 2,
        scopes_failed: id === 214 ? 1 : 0,
        error_summary: null, // written by vpnsync pull, not by the recorder this fixture uses
      })),
  },
  'failed-scopes.sql': {
    db: 'history',
    rows: () => [{ kind: 'links', scope_id: connectionScope('vpngw-weu-02', 'c9'), http_status: 403, error_code: 'AuthorizationFailed', request_id: 'req-1' }],
  },
  'changes-on-gateway.sql': {
    db: 'history',
    params: ['gateway=vpngw-weu-01'],
    rows: ({ finishedAt }) => [
      { _pull_id: 213, _pull_finished_at: finishedAt(213), connectionName: 'c1', name: 'link-1', _kind: 'changed', _changed_columns: '["connectionStatus"]' },
      { _pull_id: 213, _pull_finished_at: finishedAt(213), connectionName: 'c1', name: 'link-2', _kind: 'deleted', _changed_columns: '[]' },
    ],
  },
  'state-as-of-pull.sql': {
    db: 'history',
    params: ['pull=212'],
    rows: () => [
      { gatewayName: 'vpngw-weu-01', connectionName: 'c1', name: 'link-1', connectionStatus: 'NotConnected', routingWeight: 10 },
      { gatewayName: 'vpngw-weu-01', connectionName: 'c1', name: 'link-2', connectionStatus: 'Connected', routingWeight: 20 },
    ],
  },
  // The last pull that finished by noon on 7 May is 211.
  'state-as-of-time.sql': {
    db: 'history',
    params: ['time=2026-05-07T12:00:00.000Z'],
    rows: () => [
      { gatewayName: 'vpngw-weu-01', connectionName: 'c1', name: 'link-1', connectionStatus: 'Connected', routingWeight: 10 },
      { gatewayName: 'vpngw-weu-01', connectionName: 'c1', name: 'link-2', connectionStatus: 'Connected', routingWeight: 10 },
    ],
  },
};

describe('examples/queries: every example query the docs show runs, and answers as expected', () => {
  let dir: string;
  const dbs = {} as Record<Db, string>;
  const finished = new Map<number, string>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-examples-'));
    dbs.inventory = path.join(dir, 'inventory.db');
    await seedQueryDb(dbs.inventory);
    // One action with a trail, through the CLI as the queue page shows it.
    expect((await runCli(['queue', 'reset', 'gw-weu/site-001/link-b', '--reason', 'tunnel stuck', '--db', dbs.inventory])).code).toBe(EXIT.OK);
    expect((await runCli(['queue', 'cancel', '1', '--db', dbs.inventory])).code).toBe(EXIT.OK);

    // Pulls 211 and 212 on 7 May around noon; 213 an hour ago; 214, partial, 45 minutes ago.
    const fx = await HistoryFixture.open(dir);
    fx.sqlite.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('pulls', 210)`).run();
    const gw = 'vpngw-weu-01';
    fx.now = Date.parse('2026-05-07T11:30:00Z');
    fx.pull([l('link-1', { gw }), l('link-2', { gw })]); // 211
    fx.now = Date.parse('2026-05-07T12:15:00Z');
    fx.pull([l('link-1', { gw, connectionStatus: 'NotConnected' }), l('link-2', { gw, routingWeight: 20 })]); // 212
    fx.now = Date.now() - 3_600_000;
    fx.pull([l('link-1', { gw })]); // 213: link-1 connected again, link-2 deleted
    fx.pull([l('link-1', { gw })], { failed: [connectionScope('vpngw-weu-02', 'c9')] }); // 214
    for (const id of [211, 212, 213, 214]) finished.set(id, fx.finishedAt(id));
    await fx.close();
    dbs.history = path.join(dir, 'v.db');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has an expectation for every file in examples/queries', () => {
    expect(readdirSync(QUERIES_DIR).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(Object.keys(EXAMPLES))('%s', async (file) => {
    const example = EXAMPLES[file]!;
    const args = ['query', '--db', dbs[example.db], '-f', path.join(QUERIES_DIR, file), '--format', 'json', ...(example.params ?? []).flatMap((p) => ['--param', p])];
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toEqual(example.rows({ finishedAt: (id) => finished.get(id) as string }));
  });
});
