import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { useE2e, type E2eContext } from '../support/e2e.js';

const start = useE2e();
const FORMATS = ['table', 'json', 'ndjson', 'csv', 'md', 'line'] as const;

/** Checks that `stdout` is well-formed `format` output with at least one record. */
function expectShape(format: (typeof FORMATS)[number], stdout: string, what: string): void {
  const lines = stdout.trimEnd().split('\n');
  expect(stdout.trim(), `${what}: some output`).not.toBe('');
  switch (format) {
    case 'json':
      expect(() => JSON.parse(stdout), what).not.toThrow();
      break;
    case 'ndjson':
      for (const l of lines) expect(typeof JSON.parse(l), `${what}: ${l}`).toBe('object');
      break;
    case 'csv':
      expect(lines[0], what).toMatch(/^[a-zA-Z]+(,[a-zA-Z]+)+$/);
      expect(lines.length, what).toBeGreaterThan(1);
      break;
    case 'md': {
      // A Markdown table (diff, history and report put headings above theirs).
      const rule = lines.findIndex((l) => /^\|( :?-+:? \|)+$/.test(l));
      expect(rule, `${what}: a table rule`).toBeGreaterThan(0);
      expect(lines[rule - 1], what).toMatch(/^\| .* \|$/);
      break;
    }
    case 'line':
      expect(lines[0], what).toMatch(/^ *[a-zA-Z]+ = /);
      break;
    case 'table':
      // Aligned columns under a dashed rule (diff and history have a headline above theirs).
      expect(stdout, what).toMatch(/^-+( +-+)+$/m);
  }
}

/** Two pulls with changes between them, and one queued action: every command has something to print. */
async function fleetWithHistory(ctx: E2eContext): Promise<string> {
  expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
  ctx.emulator.tick(3);
  expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
  const link = ctx.rows<{ id: string }>('SELECT id FROM vpn_link_connections ORDER BY _key LIMIT 1')[0]!.id;
  expect((await ctx.vpnsync(['queue', 'ike-sas', link])).code).toBe(EXIT.OK);
  return link;
}

/** A fingerprint of everything the database holds: every row of every table, read through SQLite. */
function contentOf(ctx: E2eContext): string {
  const tables = ctx.rows<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).map((t) => t.name);
  const hash = createHash('sha256');
  // Rows sorted as text: some tables are WITHOUT ROWID.
  for (const t of tables) hash.update(t).update(JSON.stringify(ctx.rows(`SELECT * FROM "${t}"`).map((r) => JSON.stringify(r)).sort()));
  return hash.digest('hex');
}

describe('-o/--output: the same six formats in every command that prints data', () => {
  it('snapshots, diff, history, report, queue list, queue show, query, prune --dry-run and migrate print each format; --json and --format are aliases', async () => {
    const ctx = await start({ seed: 61 });
    const link = await fleetWithHistory(ctx);
    const commands: string[][] = [
      ['snapshots'],
      ['diff'],
      ['history', link],
      ['report', '--since', '1h'],
      ['queue', 'list'],
      ['queue', 'show', '1'],
      ['query', 'SELECT id, status FROM pulls'],
      ['prune', '--keep-pulls', '1', '--dry-run'],
      ['migrate'],
    ];
    for (const args of commands) {
      for (const format of FORMATS) {
        const r = await ctx.vpnsync([...args, '-o', format]);
        expect(r.code, `${args.join(' ')} -o ${format}: ${r.stderr}`).toBe(EXIT.OK);
        expectShape(format, r.stdout, `${args.join(' ')} -o ${format}`);
      }
    }
    // --output is -o's long name, --json is -o json; giving both ways at once is refused.
    for (const args of [['snapshots'], ['diff'], ['queue', 'list']]) {
      const long = await ctx.vpnsync([...args, '--output', 'json']);
      const alias = await ctx.vpnsync([...args, '--json']);
      expect(alias.code, `${args.join(' ')} --json: ${alias.stderr}`).toBe(EXIT.OK);
      // The same document, but for times that move (report's generatedAt, history's "now").
      const strip = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
      expect(strip(alias.stdout), `${args.join(' ')} --json`).toBe(strip(long.stdout));
      const both = await ctx.vpnsync([...args, '--json', '-o', 'csv']);
      expect(both.code).toBe(EXIT.USAGE);
      expect(both.stderr).toBe('vpnsync: Expected either --json or -o csv, not both\n');
    }
    // --format stays as the older name where it existed.
    const old = await ctx.vpnsync(['snapshots', '--format', 'csv']);
    expect(old.stdout.split('\n')[0]).toBe('id,ref,finished,status,links,added,changed,removed,scopesFailed,filter,note');
    const refused = await ctx.vpnsync(['snapshots', '-o', 'xml']);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toMatch(/output.*xml/);
  }, 300_000);

  it('report takes -o html as well, and its CSV header is camelCase like every other key', async () => {
    const ctx = await start({ seed: 62 });
    await fleetWithHistory(ctx);
    const html = await ctx.vpnsync(['report', '--since', '1h', '-o', 'html']);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    const csv = await ctx.vpnsync(['report', '--since', '1h', '-o', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('section,pullId,at,link,id,field,old,new,value,detail');
  });

  it('pull, queue reset and queue run print their result as one record, or one per action, in the tabular formats', async () => {
    const ctx = await start({ seed: 63, lro: { polls: 1, retryAfterSeconds: 0 } });
    const pull = await ctx.vpnsync(['pull', '--quiet', '-o', 'csv']);
    expect(pull.code, pull.stderr).toBe(EXIT.OK);
    const [header, row, ...rest] = pull.stdout.trimEnd().split('\n');
    expect(header).toBe('pullId,status,links,added,changed,removed,scopesFailed,requests,throttled,seconds');
    expect(rest).toEqual([]);
    const links = ctx.rows<{ n: number }>('SELECT count(*) AS n FROM vpn_link_connections')[0]!.n;
    expect(row!.split(',').slice(0, 6)).toEqual(['1', 'complete', String(links), String(links), '0', '0']);
    // Nothing but data on stdout: the summary line stays on stderr.
    expect((await ctx.vpnsync(['pull'])).stdout).toBe('');

    const link = ctx.rows<{ id: string; gatewayName: string; connectionName: string; name: string }>('SELECT id, gatewayName, connectionName, name FROM vpn_link_connections ORDER BY _key LIMIT 1')[0]!;
    const queued = await ctx.vpnsync(['queue', 'reset', link.id, '-o', 'ndjson']);
    expect(queued.code, queued.stderr).toBe(EXIT.OK);
    expect(JSON.parse(queued.stdout)).toEqual({ queued: [{ id: 1, link: link.id }], duplicates: [] });
    const run = await ctx.vpnsync(['queue', 'run', '-o', 'line']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    expect(run.stdout).toMatch(/^ *id = 1\n *kind = reset\n *link = .*\n *outcome = succeeded\n/);
  });
});

describe('--dry-run on pull, import and migrate: what would happen, nothing written', () => {
  it('pull --dry-run reports the counts the real pull then records, and leaves the database exactly as it was', async () => {
    const ctx = await start({ seed: 64 });
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    ctx.emulator.tick(4);
    const before = contentOf(ctx);
    const dry = await ctx.vpnsync(['pull', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(contentOf(ctx)).toBe(before);
    const would = JSON.parse(dry.stdout) as { pullId: number | null; dryRun: boolean; added: number; changed: number; removed: number; seen: number };
    expect(would).toMatchObject({ pullId: null, dryRun: true });
    expect(would.changed + would.added + would.removed).toBeGreaterThan(0);
    expect(dry.stderr).toMatch(/^dry run: a complete pull would record \d+ links \(\d+ added, \d+ changed, \d+ removed\).*; nothing written$/m);

    const real = await ctx.vpnsync(['pull', '--json']);
    const did = JSON.parse(real.stdout) as typeof would;
    expect({ seen: did.seen, added: did.added, changed: did.changed, removed: did.removed }).toEqual({ seen: would.seen, added: would.added, changed: would.changed, removed: would.removed });
    expect(did.pullId).toBe(2);
  });

  it('pull --dry-run and import --dry-run without a database say how to get one, and create nothing', async () => {
    const ctx = await start({ seed: 65 });
    const file = path.join(import.meta.dirname, '../fixtures/azure-spec/examples/VpnSiteLinkConnectionList.json');
    for (const args of [['pull', '--dry-run'], ['import', file, '--dry-run']]) {
      const r = await ctx.vpnsync(args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr).toBe(`vpnsync: No database at ${ctx.db}: a dry run compares with what is stored, and creates nothing. Run the command without --dry-run (or vpnsync migrate for an empty database) first.\n`);
      expect(existsSync(ctx.db)).toBe(false);
    }
  });

  it('import --dry-run reports what the import then records, and writes nothing', async () => {
    const ctx = await start({ seed: 66 });
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    // One connection's listing with one link's status changed and one link dropped from it.
    const rows = ctx.rows<{ _raw: string; connectionName: string }>('SELECT _raw, connectionName FROM vpn_link_connections ORDER BY _key');
    const conn = rows.filter((r) => r.connectionName === rows[0]!.connectionName).map((r) => JSON.parse(r._raw) as { properties: { connectionStatus: string } });
    expect(conn.length).toBeGreaterThan(1);
    conn[0]!.properties.connectionStatus = conn[0]!.properties.connectionStatus === 'Connected' ? 'NotConnected' : 'Connected';
    const file = path.join(ctx.dir, 'links.json');
    writeFileSync(file, JSON.stringify({ value: conn.slice(0, -1) }));
    const before = contentOf(ctx);
    const dry = await ctx.vpnsync(['import', file, '--dry-run', '-o', 'csv']);
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(contentOf(ctx)).toBe(before);
    expect(dry.stdout.split('\n').slice(0, 2)).toEqual(['pullId,status,links,added,changed,removed,source', `,complete,${conn.length - 1},0,1,1,${file}`]);
    expect(dry.stderr).toMatch(/^dry run: a complete import would record .*; nothing written$/m);
    const real = await ctx.vpnsync(['import', file, '-o', 'csv']);
    expect(real.stdout.split('\n')[1]).toBe(`2,complete,${conn.length - 1},0,1,1,${file}`);
  });

  it('migrate --dry-run names the migrations a new or an up-to-date database would get, and creates no file', async () => {
    const ctx = await start({ seed: 67 });
    const r = await ctx.vpnsync(['migrate', '--dry-run', '-o', 'csv']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(ctx.db)).toBe(false);
    const migrations = r.stdout.trimEnd().split('\n').slice(1);
    expect(migrations.length).toBeGreaterThanOrEqual(6);
    for (const m of migrations) expect(m).toMatch(new RegExp(`^${ctx.db.replace(/[.]/g, '\\.')},\\d{4}_[a-z0-9_]+,pending$`));
    expect(r.stderr).toMatch(/^dry run: .*: would be created and get \d+ migrations: 0001_init, .*; nothing written\n$/);
    expect((await ctx.vpnsync(['migrate'])).code).toBe(EXIT.OK);
    const again = await ctx.vpnsync(['migrate', '--dry-run']);
    expect(again.stderr).toBe(`dry run: ${ctx.db}: up to date, nothing to apply; nothing written\n`);
  });

  it('dry runs leave the file byte for byte, journal mode included; migrate --dry-run refuses what migrate refuses; migrate -o json says when it created the file', async () => {
    const ctx = await start({ seed: 68 });
    expect((await ctx.vpnsync(['pull', '--quiet'])).code).toBe(EXIT.OK);
    ctx.emulator.tick(2);
    // A database in rollback-journal mode (as another tool may leave it): a writer would switch it to WAL.
    const conn = new BetterSqlite3(ctx.db);
    conn.pragma('journal_mode = DELETE');
    conn.close();
    const bytes = () => createHash('sha256').update(readFileSync(ctx.db)).digest('hex');
    const before = bytes();
    const file = path.join(ctx.dir, 'one.json');
    writeFileSync(file, JSON.stringify({ value: [JSON.parse(ctx.rows<{ _raw: string }>('SELECT _raw FROM vpn_link_connections LIMIT 1')[0]!._raw)] }));
    for (const args of [['pull', '--dry-run', '--quiet'], ['import', file, '--dry-run', '--quiet'], ['prune', '--keep-pulls', '1', '--dry-run'], ['migrate', '--dry-run']]) {
      const r = await ctx.vpnsync(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT.OK);
      expect(bytes(), args.join(' ')).toBe(before);
      expect(existsSync(`${ctx.db}-wal`), args.join(' ')).toBe(false);
    }

    const fifo = path.join(ctx.dir, 'fifo.db');
    execFileSync('mkfifo', [fifo]);
    const refused = await ctx.vpnsync(['migrate', '--dry-run'], { db: fifo });
    expect(refused.code).toBe(EXIT.FAILURE);
    expect(refused.stderr).toMatch(/^vpnsync: Cannot open .*fifo\.db: it is a named pipe \(FIFO\), not a regular file/);

    const fresh = path.join(ctx.dir, 'fresh.db');
    const created = await ctx.vpnsync(['migrate', '-o', 'json'], { db: fresh });
    expect(JSON.parse(created.stdout)).toMatchObject({ file: fresh, dryRun: false, create: true, pending: [] });
    expect(JSON.parse((await ctx.vpnsync(['migrate', '-o', 'json'], { db: fresh })).stdout)).toMatchObject({ create: false });
  });

  it('queue show keeps --format text, its older default', async () => {
    const ctx = await start({ seed: 69 });
    await fleetWithHistory(ctx);
    const text = await ctx.vpnsync(['queue', 'show', '1', '--format', 'text']);
    expect(text.code, text.stderr).toBe(EXIT.OK);
    expect(text.stdout).toBe((await ctx.vpnsync(['queue', 'show', '1'])).stdout);
    expect(text.stdout).toMatch(/^action #1: ike-sas — queued\n/);
  });
});
