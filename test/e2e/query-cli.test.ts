import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { GCM, SUB, seedQueryDb } from '../support/query-fixture.js';
import { runCli } from '../support/run-cli.js';

describe('vpnsync query (the real CLI over a seeded database)', () => {
  let dir: string;
  let db: string;
  const query = (args: readonly string[], input?: string) => runCli(['query', '--db', db, ...args], { input });

  // One database for the file: every test only reads it (the read-only tests prove that).
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-query-'));
    db = path.join(dir, 'vpnsync.db');
    await seedQueryDb(db);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every format; csv is the default when stdout is not a terminal', async () => {
    const sql = 'SELECT gatewayName, count(*) AS links, NULL AS note FROM vpn_link_connections GROUP BY 1 ORDER BY 1';
    const run = async (format?: string) => {
      const r = await query(format ? ['--format', format, sql] : [sql]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(EXIT.OK);
      return r.stdout;
    };
    expect(await run()).toBe('gatewayName,links,note\ngw-neu,2,\ngw-use,2,\ngw-weu,2,\n');
    expect(await run('csv')).toBe('gatewayName,links,note\ngw-neu,2,\ngw-use,2,\ngw-weu,2,\n');
    expect(await run('table')).toBe('gatewayName  links  note\n-----------  -----  ----\ngw-neu           2\ngw-use           2\ngw-weu           2\n');
    expect(JSON.parse(await run('json'))).toEqual([
      { gatewayName: 'gw-neu', links: 2, note: null },
      { gatewayName: 'gw-use', links: 2, note: null },
      { gatewayName: 'gw-weu', links: 2, note: null },
    ]);
    expect(await run('ndjson')).toBe('{"gatewayName":"gw-neu","links":2,"note":null}\n{"gatewayName":"gw-use","links":2,"note":null}\n{"gatewayName":"gw-weu","links":2,"note":null}\n');
    expect(await run('md')).toBe('| gatewayName | links | note |\n| --- | ---: | --- |\n| gw-neu | 2 |  |\n| gw-use | 2 |  |\n| gw-weu | 2 |  |\n');
  });

  it('--format line prints each row vertically, for rows too wide for a terminal', async () => {
    const r = await query(['--format', 'line', "SELECT gatewayName, count(*) AS links, NULL AS note FROM vpn_link_connections WHERE gatewayName IN ('gw-neu', 'gw-use') GROUP BY 1 ORDER BY 1"]);
    expect(r).toMatchObject({ code: EXIT.OK, stderr: '' });
    expect(r.stdout).toBe('gatewayName = gw-neu\n      links = 2\n       note =\n\ngatewayName = gw-use\n      links = 2\n       note =\n');
    // select * over the 22 fields: one short line per column instead of one 2,000-character line.
    const wide = await query(['--format', 'line', 'SELECT * FROM vpn_link_connections ORDER BY _key LIMIT 1']);
    expect(wide.code).toBe(EXIT.OK);
    expect(wide.stdout).toMatch(/^ +id = \/subscriptions\//m);
    expect(wide.stdout).toMatch(/^ *connectionStatus = [A-Za-z]+$/m);
  });

  it('keeps JSON columns as JSON text, as StackQL does, so SQLite’s JSON functions and jq’s fromjson both work', async () => {
    const r = await query(['--format', 'json', "SELECT ipsecPolicies, vpnSiteLink FROM vpn_link_connections WHERE gatewayName = 'gw-weu' AND connectionName = 'site-001' AND name = 'link-a'"]);
    const [row] = JSON.parse(r.stdout) as { ipsecPolicies: string; vpnSiteLink: string }[];
    expect(JSON.parse(row!.ipsecPolicies)).toEqual([GCM]);
    expect(JSON.parse(row!.vpnSiteLink)).toHaveProperty('id');
  });

  it('reads the SQL from -f FILE, from stdin, and from "-"', async () => {
    const file = path.join(dir, 'count.sql');
    writeFileSync(file, '-- how many\nSELECT count(*) AS n FROM vpn_link_connections;\n');
    expect((await query(['-f', file])).stdout).toBe('n\n6\n');
    expect((await query([], 'SELECT count(*) AS n FROM vpn_link_connections')).stdout).toBe('n\n6\n');
    expect((await query(['-'], 'SELECT 1 AS one')).stdout).toBe('one\n1\n');
    const both = await query(['-f', file, 'SELECT 1']);
    expect(both).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: Expected the SQL either as an argument or with --file, not both\n' });
    const missing = await query(['-f', path.join(dir, 'nope.sql')]);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.stderr).toMatch(/Cannot read the SQL from .*nope.sql: no such file/);
    expect(await query([], '  \n')).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: Expected an SQL statement on stdin, got only whitespace\n' });
  });

  it('binds named parameters, and names missing or unused ones', async () => {
    const r = await query(['--param', 'gw=gw-weu', '--param', 'w=5', 'SELECT count(*) AS n FROM vpn_link_connections WHERE gatewayName = :gw AND routingWeight > :w']);
    expect(r).toMatchObject({ code: EXIT.OK, stdout: 'n\n2\n' });
    expect(await query(['SELECT :gw'])).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: The query uses :gw; pass --param gw=…\n' });
    expect(await query(['--param', 'gateway=x', 'SELECT :gw'], '')).toMatchObject({ code: EXIT.USAGE });
    expect((await query(['--param', 'bad', 'SELECT 1'])).stderr).toMatch(/Expected --param to be name=value/);
  });

  it('names a syntax error and other SQL errors, with exit code 2', async () => {
    expect(await query(['SELEC name FROM vpn_link_connections'])).toMatchObject({ code: EXIT.USAGE, stdout: '', stderr: 'vpnsync: SQL error: near "SELEC": syntax error\n' });
    const noTable = await query(['SELECT * FROM links']);
    expect(noTable.code).toBe(EXIT.USAGE);
    expect(noTable.stderr).toMatch(/^vpnsync: SQL error: no such table: links \(tables: .*vpn_link_connections.*\)\n$/);
    const noColumn = await query(['SELECT nme FROM vpn_link_connections']);
    expect(noColumn).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: SQL error: no such column: nme\n' });
    // An error while rows are read (not when the statement is prepared) is the SQL's fault too.
    const badJson = await query(["SELECT json_extract('{', '$.x')"]);
    expect(badJson).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: SQL error: malformed JSON\n' });
  });

  it('says to run vpnsync pull first when the database does not exist, and creates nothing', async () => {
    const missing = path.join(dir, 'none', 'vpnsync.db');
    const r = await runCli(['query', '--db', missing, 'SELECT 1']);
    expect(r).toMatchObject({ code: EXIT.USAGE, stdout: '' });
    expect(r.stderr).toBe(`vpnsync: No database at ${missing}. Run \`vpnsync pull\` first (or pass --db).\n`);
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it('runs a StackQL user’s SELECT unchanged, quoted names and joins included', async () => {
    const sql = `SELECT l.name, l.connectionStatus FROM AZURE.NETWORK.VPN_LINK_CONNECTIONS AS l
      JOIN "azure"."network"."vpn_link_connections" m ON m.id = l.id
      WHERE l.subscriptionId = '${SUB}' AND l.resourceGroupName = 'rg-net' AND l.gatewayName = 'GW-WEU' AND l.connectionName = 'site-001'
      ORDER BY l.name;`;
    expect(await query(['--format', 'csv', sql])).toMatchObject({ code: EXIT.OK, stdout: 'name,connectionStatus\nlink-a,Connected\nlink-b,Connected\n' });
    const other = await query(['SELECT * FROM azure.network.vpn_gateways']);
    expect(other).toMatchObject({ code: EXIT.USAGE });
    expect(other.stderr).toMatch(/StackQL resource azure.network.vpn_gateways is not in the local store/);
  });

  it('--at runs the query against the state as of a pull (id, latest, -N, ISO time), StackQL name included', async () => {
    const sql = `SELECT connectionName || '/' || name AS link, connectionStatus FROM vpn_link_connections WHERE gatewayName IN ('gw-weu', 'gw-use') ORDER BY 1`;
    const before = 'link,connectionStatus\nsite-001/link-a,Connected\nsite-001/link-b,NotConnected\nsite-002/link-a,Connected\nsite-004/link-a,Connected\n';
    const after = 'link,connectionStatus\nsite-001/link-a,Connected\nsite-001/link-b,Connected\nsite-004/link-a,Connected\nsite-004/link-b,Connected\n';
    expect(await query([sql])).toMatchObject({ code: EXIT.OK, stdout: after });
    const runs = await Promise.all(['1', '-1', '2026-01-01T12:00Z', '2026-01-01', '2', 'latest', '2026-01-05'].map((at) => query(['--at', at, sql])));
    expect(runs.map((r) => r.stderr)).toEqual(Array(7).fill(''));
    expect(runs.map((r) => r.stdout)).toEqual([before, before, before, before, after, after, after]);
    const stackql = await query(['--at', '1', 'SELECT count(*) AS n, max(_as_of_pull) AS pull FROM azure.network.vpn_link_connections WHERE resourceGroupName = \'RG-NET\'']);
    expect(stackql.stdout).toBe('n,pull\n5,1\n');
    // main.vpn_link_connections still names the current table.
    expect((await query(['--at', '1', 'SELECT count(*) AS n FROM main.vpn_link_connections'])).stdout).toBe('n\n6\n');
  });

  it('--at refuses a pull that does not exist, a time before the first pull, and columns a past state lacks', async () => {
    const unknown = await query(['--at', '99', 'SELECT 1']);
    expect(unknown).toMatchObject({ code: EXIT.USAGE });
    expect(unknown.stderr).toMatch(/^vpnsync: Expected --at to be the id of a pull in this database/);
    expect((await query(['--at', '2025-12-31', 'SELECT 1'])).stderr).toMatch(/Expected --at to be a time at or after the first recorded pull/);
    expect((await query(['--at', 'yesterday', 'SELECT 1'])).stderr).toMatch(/Expected --at to be a pull id, latest, -N/);
    const seen = await query(['--at', '1', 'SELECT _last_seen_pull FROM vpn_link_connections']);
    expect(seen.code).toBe(EXIT.USAGE);
    expect(seen.stderr).toMatch(/no such column: _last_seen_pull \(with --at, vpn_link_connections is a past state/);
  });
});
