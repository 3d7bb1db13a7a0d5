import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { openStore } from '../../src/store/open-store.js';
import { beginPull } from '../../src/store/pull-lock.js';
import { azureExample } from '../support/azure-spec.js';
import { armLink } from '../support/link-fixture.js';
import { runCli } from '../support/run-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const example = azureExample;
const tempDir = useTempDir('vpnsync-import-');
const SUB = '00000000-0000-0000-0000-000000000000';

function rows<T>(db: string, sql: string): T[] {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('vpnsync import of Microsoft’s example payloads', () => {
  it.each([
    ['VpnSiteLinkConnectionList.json', 'a VpnLinkConnections_ListByVpnConnection example (1 link connection)', ['Connection-Link1']],
    ['VpnSiteLinkConnectionGet.json', 'a VpnSiteLinkConnections_Get example (1 link connection)', ['Connection-Link1']],
    ['VpnConnectionList.json', 'a VpnConnections_ListByVpnGateway example (1 connection, 2 link connections)', ['Connection-Link1', 'Connection-Link2']],
    ['VpnGatewayGet.json', 'a VpnGateways_Get example (1 connection, 2 link connections)', ['Connection-Link1', 'Connection-Link2']],
    ['VpnGatewayList.json', 'a VpnGateways_List example (2 gateways, 2 connections, 2 link connections)', ['Connection-Link1', 'Connection-Link2']],
    ['VpnGatewayListByResourceGroup.json', 'a VpnGateways_ListByResourceGroup example (2 gateways, 2 connections, 2 link connections)', ['Connection-Link1', 'Connection-Link2']],
  ])('%s imports as a pull with source import', async (file, description, names) => {
    const db = path.join(tempDir(), 'vpnsync.db');
    const r = await runCli(['import', '--db', db, example(file)]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toBe('');
    const n = names.length;
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`import #1 complete: ${n} link${n === 1 ? '' : 's'} (${n} added, 0 changed, 0 removed) from ${example(file)}, ${description}`);
    const stored = rows<Record<string, unknown>>(db, 'SELECT name, subscriptionId, resourceGroupName, gatewayName, connectionName, provisioningState, enableBgp, vpnConnectionProtocolType FROM vpn_link_connections ORDER BY name');
    expect(stored).toEqual(
      names.map((name) => ({ name, subscriptionId: SUB, resourceGroupName: 'rg1', gatewayName: 'gateway1', connectionName: 'vpnConnection1', provisioningState: 'Succeeded', enableBgp: 0, vpnConnectionProtocolType: 'IKEv2' })),
    );
    expect(rows(db, 'SELECT id, source, strategy, status, links_seen, links_added FROM pulls')).toEqual([{ id: 1, source: 'import', strategy: null, status: 'complete', links_seen: n, links_added: n }]);
  });

  it('says what a gateway’s connection without embedded links leaves alone (gateway2’s vpnConnection2)', async () => {
    const db = path.join(tempDir(), 'vpnsync.db');
    const r = await runCli(['import', '--db', db, example('VpnGatewayList.json')]);
    expect(r.stderr).toMatch(/^note: 1 connection has no embedded vpnLinkConnections; its stored links were left as they were\n/);
  });

  it('keeps history across imports: a complete ListByVpnConnection response proves the link it lacks deleted', async () => {
    const db = path.join(tempDir(), 'vpnsync.db');
    expect((await runCli(['import', '--db', db, example('VpnGatewayGet.json')])).code).toBe(EXIT.OK);
    const r = await runCli(['import', '--db', db, example('VpnSiteLinkConnectionList.json'), '--json']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ pullId: 2, status: 'complete', seen: 1, changed: 1, removed: 1, shape: 'link-list', completeConnections: 1, paged: false });
    expect(rows(db, 'SELECT name, _pull_id, _kind, _changed_columns FROM vpn_link_connection_versions ORDER BY _pull_id, name')).toEqual([
      { name: 'Connection-Link1', _pull_id: 1, _kind: 'added', _changed_columns: '[]' },
      { name: 'Connection-Link2', _pull_id: 1, _kind: 'added', _changed_columns: '[]' },
      // The list's copy has no ingressNatRules and adds custom BGP addresses.
      { name: 'Connection-Link1', _pull_id: 2, _kind: 'changed', _changed_columns: '["ingressNatRules","vpnGatewayCustomBgpAddresses"]' },
      { name: 'Connection-Link2', _pull_id: 2, _kind: 'deleted', _changed_columns: '[]' },
    ]);
    // The imported state answers StackQL-style queries, and --at shows the state before.
    const q = await runCli(['query', '--db', db, "SELECT name FROM azure.network.vpn_link_connections WHERE subscriptionId = '00000000-0000-0000-0000-000000000000' AND resourceGroupName = 'RG1' AND gatewayName = 'gateway1' AND connectionName = 'vpnConnection1'"]);
    expect(q).toMatchObject({ code: EXIT.OK, stdout: 'name\nConnection-Link1\n' });
    expect((await runCli(['query', '--db', db, '--at', '1', 'SELECT count(*) AS n FROM vpn_link_connections'])).stdout).toBe('n\n2\n');
  });

  it.each([
    ['GetSubscriptions.json', 'a list whose item 0 is a resource with id /subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05, which is not a VPN gateway, VPN connection or link connection'],
    ['VpnSiteLinkConnectionGetIkeSas.json', '(a Microsoft example of VpnLinkConnections_GetIkeSas) a JSON string'],
    ['VpnSiteLinkConnectionReset.json', 'a Microsoft example of VpnLinkConnections_ResetConnection with no 200 response body (responses: 202)'],
  ])('refuses %s, which is not link data, and writes nothing', async (file, got) => {
    const dir = tempDir();
    const fresh = path.join(dir, 'fresh.db');
    const r = await runCli(['import', '--db', fresh, example(file)]);
    expect(r).toMatchObject({ code: EXIT.USAGE, stdout: '' });
    expect(r.stderr).toMatch(/^vpnsync: Expected ARM JSON of VPN site link connections: a ListByVpnConnection response \(\{value, nextLink\}\), one link connection, a VPN connection or a list of them, or a VPN gateway or a list of them with embedded connections; got in /);
    expect(r.stderr).toContain(got);
    expect(r.stderr.split('\n')).toHaveLength(2);
    // Not even an empty database is left behind.
    expect(existsSync(fresh)).toBe(false);
    // An existing database keeps every byte.
    const existing = path.join(dir, 'existing.db');
    await runCli(['import', '--db', existing, example('VpnGatewayGet.json')]);
    const before = sha(existing);
    expect((await runCli(['import', '--db', existing, example(file)])).code).toBe(EXIT.USAGE);
    expect(sha(existing)).toBe(before);
  });
});

describe('vpnsync import of other input', () => {
  it('refuses malformed JSON with its line and column, and creates nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cut.json');
    writeFileSync(file, readFileSync(example('VpnSiteLinkConnectionList.json'), 'utf8').slice(0, 400));
    const db = path.join(dir, 'vpnsync.db');
    const r = await runCli(['import', '--db', db, file]);
    expect(r).toMatchObject({ code: EXIT.USAGE, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^vpnsync: Expected ${file.replace(/[.\\/]/g, '\\$&')} to be JSON, but it is not valid JSON at line \\d+, column \\d+: .+\\n$`));
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a link whose fields have the wrong type, naming the field, and writes nothing', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'vpnsync.db');
    const r = await runCli(['import', '--db', db, '-'], { input: JSON.stringify({ value: [armLink({ properties: { routingWeight: 'ten' } })] }) });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^vpnsync: Expected properties.routingWeight of \/subscriptions\/.* to be an integer, got 'ten'\n$/);
    expect(existsSync(db)).toBe(false);
  });

  it('reads stdin for -, and refuses an empty input and the Azure CLI’s flattened output', async () => {
    const db = path.join(tempDir(), 'vpnsync.db');
    const ok = await runCli(['import', '--db', db, '-'], { input: readFileSync(example('VpnConnectionList.json'), 'utf8') });
    expect(ok.stderr).toMatch(/^import #1 complete: 2 links \(2 added, 0 changed, 0 removed\) from stdin, a VpnConnections_ListByVpnGateway example/);
    expect(await runCli(['import', '--db', db, '-'], { input: '' })).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: Expected ARM JSON in stdin, got nothing\n' });
    const link = armLink();
    const flattened = { id: link.id, name: link.name, ...(link.properties as object) };
    const r = await runCli(['import', '--db', db, '-'], { input: JSON.stringify(flattened) });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/with its properties at the top level .* capture it with az rest --method get --url … instead/);
  });

  it('exits 75 while another process holds the pull lock, and records nothing', async () => {
    const db = path.join(tempDir(), 'vpnsync.db');
    const store = await openStore(db, { mode: 'write' });
    // This test process is alive and on this host: its running pull is a live lock.
    beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: new Date().toISOString(), pid: process.pid, hostname: hostname() });
    await store.close();
    const r = await runCli(['import', '--db', db, example('VpnGatewayGet.json')]);
    expect(r.code).toBe(EXIT.LOCKED);
    expect(r.stderr).toMatch(/^vpnsync: Another pull \(#1, pid \d+ on .*\) is running on this database; try again when it has finished\.\n$/);
    expect(rows(db, 'SELECT count(*) AS n FROM vpn_link_connections')).toEqual([{ n: 0 }]);
  });
});
