import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { armLink } from '../support/link-fixture.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('vpnsync-import-hardening-');

// A pre-shared key whose every 4-character piece is unlikely to occur in any message.
const KEY = 'HGoNgS46eQvX9zKpW3tRyB7m';
const pieces = (s: string) => Array.from({ length: s.length - 3 }, (_, i) => s.slice(i, i + 4));

function expectOneErrorLine(r: CliResult): void {
  expect(r.code, r.stderr).toBe(EXIT.USAGE);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^vpnsync: /);
}

async function importText(text: string, extra: { db?: string } = {}): Promise<{ r: CliResult; db: string; file: string }> {
  const dir = tempDir();
  const file = path.join(dir, 'links.json');
  writeFileSync(file, text);
  const db = extra.db ?? path.join(dir, 'vpnsync.db');
  return { r: await runCli(['import', '--db', db, file]), db, file };
}

function linkList(links: unknown[]): string {
  return JSON.stringify({ value: links }, null, 2);
}

describe('import: a JSON syntax error names line and column, never the text around it', () => {
  it.each([
    ['single quotes', `'${KEY}'`],
    ['no quotes', KEY],
    ['single quotes, the key split over a line', `'${KEY.slice(0, 8)}\n${KEY.slice(8)}'`],
  ])('a sharedKey in %s: not one piece of it on stderr or stdout', async (_, written) => {
    const good = linkList([armLink({ properties: { sharedKey: '__KEY__' } })]);
    const text = good.replace('"__KEY__"', written);
    const { r, db } = await importText(text);
    expectOneErrorLine(r);
    const line = text.split('\n').findIndex((l) => l.includes('sharedKey')) + 1;
    expect(r.stderr).toMatch(new RegExp(`^vpnsync: Expected \\S+links\\.json to be JSON, but it is not valid JSON at line ${line}, column \\d+: expected a value, found (a single quote|an unquoted word) \\(JSON strings take double quotes\\)\\n$`));
    for (const piece of pieces(KEY)) expect(r.stderr + r.stdout, piece).not.toContain(piece);
    expect(existsSync(db)).toBe(false);
  });
});

describe('import: ids are parsed strictly by ARM’s resource-id grammar', () => {
  it.each([
    ['ending in /..', (id: string) => id.replace(/[^/]+$/, '..'), "the segment after 'vpnLinkConnections' is '..', a path step rather than a name"],
    ['with a . segment', (id: string) => id.replace('/vpnConnections/', '/vpnConnections/./'), "the segment after 'vpnConnections' is '.', a path step rather than a name"],
    ['with an empty segment', (id: string) => id.replace('/vpnGateways/', '/vpnGateways//'), "the segment after 'vpnGateways' is empty"],
    ['with a percent-encoded slash', (id: string) => id.replace(/[^/]+$/, 'link-a%2F..%2Fx'), "the segment after 'vpnLinkConnections' 'link-a%2F..%2Fx' holds '%', which ARM names never do (no percent-encoding)"],
    ['with %2e%2e', (id: string) => id.replace(/[^/]+$/, '%2e%2e'), "the segment after 'vpnLinkConnections' '%2e%2e' holds '%', which ARM names never do (no percent-encoding)"],
    ['with a backslash', (id: string) => id.replace(/[^/]+$/, '..\\x'), "the segment after 'vpnLinkConnections' '..\\x' holds '\\', which ARM names never do"],
  ])('a link id %s is refused with one line, nothing written', async (_, mangle, why) => {
    const link = armLink();
    const bad = mangle(link.id as string);
    const { r, db, file } = await importText(linkList([armLink({ link: 'link-b' }), { ...link, id: bad }]));
    expectOneErrorLine(r);
    expect(r.stderr).toBe(`vpnsync: Expected the "id" of value[1] in ${file} to be an ARM resource id, got '${bad}': ${why}\n`);
    expect(existsSync(db)).toBe(false);
  });

  it('an embedded link with such an id is named by where it is in the file', async () => {
    const conn = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/vpnGateways/gw-weu/vpnConnections/site-001';
    const link = armLink({ link: '..' });
    const { r, file } = await importText(JSON.stringify({ value: [{ id: conn, name: 'site-001', properties: { vpnLinkConnections: [armLink(), link] } }] }));
    expectOneErrorLine(r);
    expect(r.stderr).toBe(`vpnsync: Expected the "id" of value[0].properties.vpnLinkConnections[1] in ${file} to be an ARM resource id, got '${link.id as string}': the segment after 'vpnLinkConnections' is '..', a path step rather than a name\n`);
  });
});

describe('import: the same link twice in one file', () => {
  it('with different data (and different casing) is refused, naming both places, and nothing is written', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'vpnsync.db');
    // An existing database must be left exactly as it was.
    expect((await importText(linkList([armLink({ link: 'link-z' })]), { db })).r.code).toBe(EXIT.OK);
    const before = snapshot(db);
    const a = armLink({ properties: { connectionStatus: 'Connected' } });
    const b = { ...armLink({ properties: { connectionStatus: 'NotConnected' } }), id: (a.id as string).toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/') };
    const links = [armLink({ link: 'l0' }), armLink({ link: 'l1' }), armLink({ link: 'l2' }), a, ...Array.from({ length: 13 }, (_, i) => armLink({ link: `m${i}` })), b];
    const { r, file } = await importText(linkList(links), { db });
    expectOneErrorLine(r);
    expect(r.stderr).toBe(`vpnsync: Expected each link connection once in ${file}, got ${b.id} twice with different data, at value[3] and value[17] (ids compare case-insensitively, as ARM's do); keep the right copy and import again\n`);
    expect(snapshot(db)).toEqual(before);
  });

  it('with a different sharedKey is refused without showing either key', async () => {
    const a = armLink({ properties: { sharedKey: `${KEY}-one` } });
    const b = armLink({ properties: { sharedKey: `${KEY}-two` } });
    const { r } = await importText(linkList([a, b]));
    expectOneErrorLine(r);
    expect(r.stderr).toMatch(/twice with different data, at value\[0\] and value\[1\]/);
    for (const piece of pieces(KEY)) expect(r.stderr, piece).not.toContain(piece);
  });

  it('with the same data (only the id’s casing or key order differs) is imported once', async () => {
    const a = armLink();
    const b = { properties: a.properties, etag: a.etag, type: a.type, name: a.name, id: (a.id as string).replace('vpnLinkConnections', 'VPNLINKCONNECTIONS') };
    const { r, db } = await importText(linkList([a, armLink({ link: 'link-b' }), b]));
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const conn = new BetterSqlite3(db, { readonly: true });
    try {
      expect(conn.prepare('SELECT id FROM vpn_link_connections ORDER BY _key').pluck().all()).toEqual([a.id, armLink({ link: 'link-b' }).id]);
      expect(conn.prepare('SELECT links_seen FROM pulls').pluck().all()).toEqual([2]);
    } finally {
      conn.close();
    }
  });
});

/** Every table's rows, to compare a database before and after. */
function snapshot(db: string): Record<string, unknown[]> {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    const tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, conn.prepare(`SELECT * FROM "${t}"`).all()]));
  } finally {
    conn.close();
  }
}
