import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { azureExample } from '../support/azure-spec.js';
import { requireTool } from '../support/require-tool.js';
import { readOnlyDirCopy } from '../support/read-only-dir.js';
import { runCli, runCliAsUnprivileged } from '../support/run-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('vpnsync-db-targets-');
const MKFIFO = requireTool('mkfifo (coreutils)', ['mkfifo'], 'coreutils');

/** A database with two imports and one queued action; returns its path and the link id. */
async function populated(dir: string): Promise<{ db: string; link: string }> {
  const db = path.join(dir, 'vpnsync.db');
  // Two imports: two complete pulls, for diff.
  for (const f of ['VpnSiteLinkConnectionGet.json', 'VpnGatewayList.json']) expect((await runCli(['import', '--db', db, azureExample(f)])).code).toBe(EXIT.OK);
  const link = (JSON.parse((await runCli(['query', '--db', db, '--format', 'json', 'SELECT id FROM vpn_link_connections'])).stdout) as { id: string }[])[0]!.id;
  expect((await runCli(['queue', 'reset', '--db', db, link])).code).toBe(EXIT.OK);
  return { db, link };
}

/** One command of each kind: readers, writers to an existing database, and creators. */
const COMMANDS: string[][] = [['query', 'SELECT 1'], ['snapshots'], ['queue', 'list'], ['prune', '--keep-pulls', '1'], ['import', azureExample('VpnSiteLinkConnectionGet.json')], ['migrate']];

describe('--db must be a regular file', () => {
  it.skipIf(!MKFIFO)('a FIFO is refused by every command with one line, before anything opens it (query once hung)', async () => {
    const fifo = path.join(tempDir(), 'pipe.db');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const args of COMMANDS) {
      const r = await runCli([...args, '--db', fifo], { timeoutMs: 20_000 });
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args,
        code: EXIT.FAILURE,
        stdout: '',
        stderr: `vpnsync: Cannot open ${fifo}: it is a named pipe (FIFO), not a regular file; give the path of an SQLite database file.\n`,
      });
    }
  });

  it('/dev/null and a socket are refused too, and no /dev/null-journal is left behind', async () => {
    const socketPath = path.join(tempDir(), 'sock.db');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      for (const [target, what] of [['/dev/null', 'a device'], [socketPath, 'a socket']] as const) {
        for (const args of COMMANDS) {
          const r = await runCli([...args, '--db', target], { timeoutMs: 20_000 });
          expect({ args, target, code: r.code, stderr: r.stderr }).toEqual({ args, target, code: EXIT.FAILURE, stderr: `vpnsync: Cannot open ${target}: it is ${what}, not a regular file; give the path of an SQLite database file.\n` });
        }
      }
    } finally {
      server.close();
    }
    expect(existsSync('/dev/null-journal')).toBe(false);
    expect(existsSync('/dev/null-wal')).toBe(false);
  });

  it('a URL is refused with exit 2, without its password, and no file is created', async () => {
    const cwd = tempDir();
    for (const args of [['pull'], ['query', 'SELECT 1'], ['migrate'], ['snapshots']]) {
      const r = await runCli([...args, '--db', 'postgres://ops:s3cr3t@db.example:5432/vpnsync'], { cwd });
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args,
        code: EXIT.USAGE,
        stdout: '',
        // The one stderr redactor (cli/redact-secrets.ts) has the last word on the credentials' form.
        stderr: 'vpnsync: --db postgres://[redacted]@db.example:5432/vpnsync: URLs are not supported yet; give a SQLite file path\n',
      });
    }
    const env = await runCli(['migrate'], { cwd, env: { VPNSYNC_DB: 'mysql://root:p@ss@localhost/x' } });
    expect(env).toMatchObject({ code: EXIT.USAGE, stderr: 'vpnsync: VPNSYNC_DB mysql://[redacted]@localhost/x: URLs are not supported yet; give a SQLite file path\n' });
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('read-only commands open the database read-only', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) chmodSync(d, 0o700);
  });

  it('all of them work in a directory they cannot write, and change nothing there', async () => {
    const { db, link } = await populated(tempDir());
    const { dir: ro, copy } = readOnlyDirCopy(db, path.dirname(db));
    dirs.push(ro);
    const hash = () => createHash('sha256').update(readFileSync(copy)).digest('hex');
    const before = { files: readdirSync(ro), hash: hash(), mtime: statSync(copy).mtimeMs };
    const readers = [['snapshots'], ['diff'], ['history', link], ['report'], ['queue', 'list'], ['queue', 'show', '1'], ['query', 'SELECT count(*) FROM vpn_link_connections']];
    for (const args of readers) {
      const r = await runCliAsUnprivileged([...args, '--db', copy]);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: EXIT.OK, stderr: '' });
    }
    expect({ files: readdirSync(ro), hash: hash(), mtime: statSync(copy).mtimeMs }).toEqual(before);
  });
});
