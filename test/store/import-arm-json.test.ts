import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyArmJson, type ImportPlan } from '../../src/import/classify-arm-json.js';
import { importArmJson } from '../../src/import/import-arm-json.js';
import { ImportInputError } from '../../src/import/import-input-error.js';
import { parseImportJson } from '../../src/import/parse-import-json.js';
import { readImportInput } from '../../src/import/read-import-input.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { beginPull } from '../../src/store/pull-lock.js';
import { LockedError } from '../../src/store/process-lock.js';
import { azureExample } from '../support/azure-spec.js';
import { armLink } from '../support/link-fixture.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const example = (name: string): unknown => JSON.parse(readFileSync(azureExample(name), 'utf8'));
const HOST = 'test-host';
const TEST_KEY = 'a'.repeat(64);

async function freshStore(): Promise<Store> {
  return openStore(path.join(tempDir(), 'v.db'), { mode: 'write' });
}

function record(store: Store, value: unknown, source = 'test.json') {
  return importArmJson({ store, fingerprintKey: TEST_KEY, hostname: HOST, isAlive: () => false }, classifyArmJson(value, source), source);
}

const names = (store: Store) => store.sqlite.prepare(`SELECT connectionName || '/' || name FROM vpn_link_connections ORDER BY 1`).pluck().all();

/** A VPN connection with embedded links, as a gateway or a connection list shows it. */
function connection(conn: string, links: string[] | undefined, gw = 'gw-weu') {
  return {
    id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/vpnGateways/${gw}/vpnConnections/${conn}`,
    name: conn,
    properties: { provisioningState: 'Succeeded', ...(links ? { vpnLinkConnections: links.map((link) => armLink({ gw, conn, link })) } : {}) },
  };
}

function gateway(gw: string, connections: unknown[] | undefined) {
  return {
    id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/vpnGateways/${gw}`,
    name: gw,
    type: 'Microsoft.Network/vpnGateways',
    properties: connections ? { connections } : { provisioningState: 'Succeeded' },
  };
}

describe('classifyArmJson on Microsoft’s examples', () => {
  it.each([
    ['VpnSiteLinkConnectionList.json', 'link-list', 1, 1, 0],
    ['VpnSiteLinkConnectionGet.json', 'link', 1, 0, 0],
    ['VpnConnectionList.json', 'connection-list', 2, 1, 1],
    ['VpnGatewayGet.json', 'gateway', 2, 1, 1],
    ['VpnGatewayList.json', 'gateway-list', 2, 1, 2],
    ['VpnGatewayListByResourceGroup.json', 'gateway-list', 2, 1, 2],
  ])('%s is a %s with %i links', (file, shape, links, complete, gateways) => {
    const plan = classifyArmJson(example(file), file);
    expect(plan).toMatchObject({ shape, paged: false });
    expect(plan.links).toHaveLength(links);
    expect(plan.completeConnections.size).toBe(complete);
    expect(plan.completeGateways.size).toBe(gateways);
  });

  it('takes connection names from ids: gateway2’s connection is vpnConnection2 although its name says vpnConnection1', () => {
    const plan = classifyArmJson(example('VpnGatewayList.json'), 'x');
    expect([...plan.presentConnections]).toContain('/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg2/providers/microsoft.network/vpngateways/gateway2/vpnconnections/vpnconnection2');
    // It embeds no vpnLinkConnections: nothing is learnt about its links.
    expect(plan.connectionsWithoutLinks).toEqual(['/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg2/providers/microsoft.network/vpngateways/gateway2/vpnconnections/vpnconnection2']);
  });

  it.each([
    ['GetSubscriptions.json', /a list whose item 0 is a resource with id \/subscriptions\/291bba3f-e0a5-47bc-a099-3bdcb2a50a05, which is not a VPN gateway/],
    ['VpnSiteLinkConnectionGetIkeSas.json', /\(a Microsoft example of VpnLinkConnections_GetIkeSas\) a JSON string/],
    ['VpnSiteLinkConnectionReset.json', /a Microsoft example of VpnLinkConnections_ResetConnection with no 200 response body \(responses: 202\)/],
  ])('refuses %s, saying what it expected', (file, message) => {
    expect(() => classifyArmJson(example(file), file)).toThrow(ImportInputError);
    expect(() => classifyArmJson(example(file), file)).toThrow(/^Expected ARM JSON of VPN site link connections: a ListByVpnConnection response/);
    expect(() => classifyArmJson(example(file), file)).toThrow(message);
  });
});

describe('classifyArmJson on other input', () => {
  it.each([
    [null, /got in f null/],
    [42, /a JSON number/],
    [{ value: [] }, /an empty list/],
    [{ foo: 1 }, /an object without an "id" \(keys: foo\)/],
    [{ value: [armLink(), gateway('g', [])] }, /a list mixing a link connection \(item 0\) with a VPN gateway \(item 1\)/],
    [{ id: (armLink().id as string), name: 'x', connectionStatus: 'Connected', provisioningState: 'Succeeded' }, /properties at the top level .*az rest/],
    [gateway('gw-weu', [connection('c1', undefined, 'other-gw')]), /Expected the connections embedded in .*gw-weu to belong to it/],
    [{ ...connection('c1', []), properties: { vpnLinkConnections: [armLink({ conn: 'c2' })] } }, /Expected the link connections embedded in .*c1 to belong to it, got .*c2/],
    [{ value: [armLink({ properties: { enableBgp: 'yes' } })] }, /Expected properties.enableBgp of .* to be true or false, got 'yes'/],
    [gateway('gw-weu', undefined), /with no link connections embedded, so there is nothing to import/],
  ])('refuses %j', (value, message) => {
    expect(() => classifyArmJson(value, 'f')).toThrow(message);
  });

  it('treats a list with a nextLink as one page, and a bare array as proving nothing', () => {
    const page = classifyArmJson({ value: [armLink({ link: 'a' })], nextLink: 'https://management.azure.com/next' }, 'f');
    expect(page).toMatchObject({ shape: 'link-list', paged: true });
    expect(page.completeConnections.size).toBe(0);
    const bare = classifyArmJson([armLink({ link: 'a' })], 'f');
    expect(bare.completeConnections.size).toBe(0);
  });

  it('does not take a list of links of several connections as one connection’s complete listing', () => {
    const plan = classifyArmJson({ value: [armLink({ conn: 'c1' }), armLink({ conn: 'c2' })] }, 'f');
    expect(plan.completeConnections.size).toBe(0);
  });
});

describe('importArmJson: what an import proves deleted', () => {
  it('a complete ListByVpnConnection response deletes absent links of that connection only', async () => {
    const store = await freshStore();
    record(store, { value: [armLink({ conn: 'c1', link: 'a' }), armLink({ conn: 'c1', link: 'b' }), armLink({ conn: 'c2', link: 'a' })].slice(0, 2) });
    record(store, { value: [armLink({ conn: 'c2', link: 'a' })] });
    const r = record(store, { value: [armLink({ conn: 'c1', link: 'a' })] });
    expect(r).toMatchObject({ status: 'complete', seen: 1, removed: 1, shape: 'link-list' });
    expect(names(store)).toEqual(['c1/a', 'c2/a']);
    const versions = store.sqlite.prepare(`SELECT name, _kind, _pull_id FROM vpn_link_connection_versions WHERE _kind = 'deleted'`).all();
    expect(versions).toEqual([{ name: 'b', _kind: 'deleted', _pull_id: 3 }]);
    await store.close();
  });

  it('a page (nextLink), a single link or a bare array deletes nothing', async () => {
    const store = await freshStore();
    record(store, { value: [armLink({ link: 'a' }), armLink({ link: 'b' }), armLink({ link: 'c' })] });
    expect(record(store, { value: [armLink({ link: 'a' })], nextLink: 'https://management.azure.com/x?$skiptoken=1' })).toMatchObject({ removed: 0, paged: true });
    expect(record(store, armLink({ link: 'b', properties: { connectionStatus: 'NotConnected' } }))).toMatchObject({ removed: 0, changed: 1, shape: 'link' });
    expect(record(store, [armLink({ link: 'c' })])).toMatchObject({ removed: 0 });
    expect(names(store)).toEqual(['site-001/a', 'site-001/b', 'site-001/c']);
    await store.close();
  });

  it('a gateway proves its connections’ links, and the absence of connections it no longer has; other gateways are untouched', async () => {
    const store = await freshStore();
    record(store, { value: [gateway('gw-weu', [connection('c1', ['a', 'b']), connection('c2', ['a'])]), gateway('gw-neu', [connection('c9', ['a'], 'gw-neu')])] });
    expect(names(store)).toEqual(['c1/a', 'c1/b', 'c2/a', 'c9/a']);
    // c1 lost link b; c2 is gone from the gateway; gw-neu is not in this file.
    const r = record(store, gateway('gw-weu', [connection('c1', ['a'])]));
    expect(r).toMatchObject({ shape: 'gateway', removed: 2, completeConnections: 1 });
    expect(names(store)).toEqual(['c1/a', 'c9/a']);
    await store.close();
  });

  it('a gateway list says nothing about gateways missing from it', async () => {
    const store = await freshStore();
    record(store, gateway('gw-neu', [connection('c9', ['a'], 'gw-neu')]));
    expect(record(store, { value: [gateway('gw-weu', [connection('c1', ['a'])])] })).toMatchObject({ removed: 0, added: 1 });
    expect(names(store)).toEqual(['c1/a', 'c9/a']);
    await store.close();
  });

  it('a connection without embedded vpnLinkConnections leaves its links as they were; an empty array deletes them', async () => {
    const store = await freshStore();
    record(store, gateway('gw-weu', [connection('c1', ['a']), connection('c2', ['a'])]));
    const r = record(store, gateway('gw-weu', [connection('c1', undefined), connection('c2', [])]));
    expect(r).toMatchObject({ removed: 1, connectionsWithoutLinks: 1 });
    expect(names(store)).toEqual(['c1/a']);
    await store.close();
  });

  it('a complete VPN connection list proves the absence of the gateway’s other connections', async () => {
    const store = await freshStore();
    record(store, { value: [connection('c1', ['a']), connection('c2', ['a'])] });
    expect(record(store, { value: [connection('c1', ['a'])] })).toMatchObject({ shape: 'connection-list', removed: 1 });
    expect(names(store)).toEqual(['c1/a']);
    // One page of it proves only the connections on the page.
    record(store, { value: [connection('c1', ['a']), connection('c2', ['a'])] });
    expect(record(store, { value: [connection('c1', ['a'])], nextLink: 'https://management.azure.com/x' })).toMatchObject({ removed: 0 });
    await store.close();
  });

  it('records a pull with source import, its scopes, and no plain-text sharedKey', async () => {
    const store = await freshStore();
    const r = record(store, { value: [armLink({ link: 'a', properties: { sharedKey: 'hunter2' } })] }, 'links.json');
    const pull = store.sqlite.prepare(`SELECT source, strategy, status, scope, links_seen FROM pulls WHERE id = ?`).get(r.pullId);
    expect(pull).toEqual({ source: 'import', strategy: null, status: 'complete', scope: JSON.stringify({ import: 'links.json', shape: 'link-list', paged: false }), links_seen: 1 });
    const scopes = store.sqlite.prepare(`SELECT kind, scope_id, status, items FROM pull_scopes WHERE pull_id = ?`).all(r.pullId);
    expect(scopes).toEqual([{ kind: 'links', scope_id: '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-net/providers/microsoft.network/vpngateways/gw-weu/vpnconnections/site-001', status: 'ok', items: 1 }]);
    const stored = store.sqlite.prepare(`SELECT sharedKey, _raw FROM vpn_link_connections`).get() as { sharedKey: string; _raw: string };
    expect(stored.sharedKey).toMatch(/^hmac-sha256:/);
    expect(stored._raw).not.toContain('hunter2');
    await store.close();
  });

  it('waits for no one: a live pull holding the lock refuses the import, and nothing is written', async () => {
    const store = await freshStore();
    beginPull(store.sqlite, { source: 'arm', strategy: 'links', scope: {}, startedAt: new Date().toISOString(), pid: 4242, hostname: HOST }, () => true);
    const plan: ImportPlan = classifyArmJson(armLink(), 'f');
    expect(() => importArmJson({ store, fingerprintKey: TEST_KEY, hostname: HOST, isAlive: () => true }, plan, 'f')).toThrow(LockedError);
    expect(store.sqlite.prepare(`SELECT count(*) FROM vpn_link_connections`).pluck().get()).toBe(0);
    expect(store.sqlite.prepare(`SELECT count(*) FROM pulls`).pluck().get()).toBe(1);
    await store.close();
  });
});

describe('readImportInput and parseImportJson', () => {
  it('reads stdin for -, and refuses input over the limit before reading it all', async () => {
    expect(await readImportInput('-', Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]))).toEqual({ text: '{"a":1}', label: 'stdin' });
    await expect(readImportInput('-', Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000)).rejects.toThrow(/Expected at most 0\.0 MiB of ARM JSON, got more than 0\.0 MiB from stdin/);
  });

  it('refuses a large file by its size, and names missing files and directories', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 0x20));
    await expect(readImportInput(file, undefined, 2 * 1024 * 1024)).rejects.toThrow(`Expected at most 2 MiB of ARM JSON, got 3 MiB from ${file}; import it in parts`);
    await expect(readImportInput(path.join(dir, 'nope.json'))).rejects.toThrow(/Cannot read .*nope.json: no such file/);
    await expect(readImportInput(dir)).rejects.toThrow(/got the directory/);
  });

  it('decodes UTF-8 with a BOM and UTF-16 with a BOM (Windows PowerShell redirection)', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"x":"é"}', 'utf16le')]);
    expect((await readImportInput('-', Readable.from([utf16]))).text).toBe('{"x":"é"}');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]);
    expect((await readImportInput('-', Readable.from([bom]))).text).toBe('{}');
    await expect(readImportInput('-', Readable.from([Buffer.from([0x7b, 0xff, 0x7d])]))).rejects.toThrow(/Expected stdin to be UTF-8/);
  });

  it('names the line and column of a JSON syntax error, without quoting the input', () => {
    expect(() => parseImportJson('{\n  "value": [\n    {"id": 1,}\n  ]\n}', 'x.json')).toThrow(/^Expected x.json to be JSON, but it is not valid JSON at line 3, column 14: /);
    expect(() => parseImportJson('{"sharedKey": "s3cret" oops}', 'x.json')).toThrow(/not valid JSON/);
    expect(() => parseImportJson('{"sharedKey": "s3cret" oops}', 'x.json')).not.toThrow(/s3cret/);
    expect(() => parseImportJson('   ', 'x.json')).toThrow('Expected ARM JSON in x.json, got only whitespace');
  });
});
