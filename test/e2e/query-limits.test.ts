import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { MAX_SQL_BYTES } from '../../src/cli/read-sql.js';
import { azureExample } from '../support/azure-spec.js';
import { requireTool } from '../support/require-tool.js';
import { BIN, outputOf, runCli, type CliResult } from '../support/run-cli.js';

/** util-linux prlimit, to run the CLI with a memory limit. */
const PRLIMIT = requireTool('prlimit (util-linux)', ['prlimit'], 'util-linux');

/** Counts to infinity: one sqlite3_step that never returns, unless it is stopped. */
const ENDLESS = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c';

let db: string;
beforeAll(async () => {
  db = path.join(mkdtempSync(path.join(tmpdir(), 'vpnsync-query-limits-')), 'vpnsync.db');
  expect((await runCli(['import', '--db', db, azureExample('VpnSiteLinkConnectionGet.json')])).code).toBe(EXIT.OK);
});

/** The CLI with `file` as its stdin. */
function withStdinFrom(file: string, args: readonly string[]): Promise<CliResult> {
  const fd = openSync(file, 'r');
  try {
    return outputOf(spawn(process.execPath, [BIN, ...args], { stdio: [fd, 'pipe', 'pipe'] }), 120_000);
  } finally {
    closeSync(fd);
  }
}

describe('query reads at most MAX_SQL_BYTES of SQL', () => {
  const refusal = (from: string) => ({ code: EXIT.USAGE, stdout: '', stderr: `vpnsync: Expected at most ${MAX_SQL_BYTES / 1024 / 1024} MiB of SQL from ${from}, got more than that\n` });

  // Both once read until memory ran out (10 GB RSS and counting): the limit was checked after the read.
  it('-f /dev/zero stops reading past the limit, with exit 2', async () => {
    expect(await runCli(['query', '--db', db, '-f', '/dev/zero'])).toEqual(refusal('/dev/zero'));
  });

  it.skipIf(!PRLIMIT)('and does so in bounded memory: under a 384 MiB data limit (the old read crashed under 1.5 GiB)', async () => {
    const child = spawn(PRLIMIT as string, [`--data=${384 * 1024 * 1024}`, process.execPath, BIN, 'query', '--db', db, '-f', '/dev/zero'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(await outputOf(child)).toEqual(refusal('/dev/zero'));
  });

  it('stdin that never ends (/dev/zero) stops the same way', async () => {
    expect(await withStdinFrom('/dev/zero', ['query', '--db', db, '-'])).toEqual(refusal('stdin'));
    expect(await withStdinFrom('/dev/zero', ['query', '--db', db, '--timeout', '0'])).toEqual(refusal('stdin'));
  });

  it('SQL within the limit from stdin still runs', async () => {
    expect(await runCli(['query', '--db', db, '-'], { input: 'SELECT count(*) AS n FROM vpn_link_connections' })).toMatchObject({ code: EXIT.OK, stdout: 'n\n1\n' });
  });
});

describe('query --timeout', () => {
  it('stops a query that never ends with exit 124 and one line', async () => {
    const r = await runCli(['query', '--db', db, '--timeout', '1', ENDLESS]);
    expect(r).toEqual({ code: EXIT.TIMED_OUT, stdout: '', stderr: 'vpnsync: query stopped after 1 s (--timeout); nothing was changed. Narrow the query, or pass a larger --timeout (0 for none)\n' });
  });

  it('stops a query that streams rows without end, as well', async () => {
    const r = await runCli(['query', '--db', db, '--timeout', '1', '--format', 'csv', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x % 100000 = 0']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: EXIT.TIMED_OUT, stderr: 'vpnsync: query stopped after 1 s (--timeout); nothing was changed. Narrow the query, or pass a larger --timeout (0 for none)\n' });
  });

  it('a SIGTERM to vpnsync stops the query it runs too (exit 143), leaving no process behind', async () => {
    const child = spawn(process.execPath, [BIN, 'query', '--db', db, '--timeout', '600', ENDLESS], { stdio: ['ignore', 'pipe', 'pipe'] });
    const result = outputOf(child);
    const pid = child.pid as number;
    // Wait until the query's own process exists (Linux lists a process's children in /proc).
    const childrenOf = () => (existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : []);
    let queryPid: number | undefined;
    while (queryPid === undefined) {
      await new Promise((r) => setTimeout(r, 50));
      queryPid = childrenOf()[0];
    }
    child.kill('SIGTERM');
    expect(await result).toMatchObject({ code: EXIT.TERMINATED, stdout: '' });
    expect(existsSync(`/proc/${queryPid}`)).toBe(false);
  });

  it('leaves a query that ends alone, under the default limit or none', async () => {
    for (const timeout of [[], ['--timeout', '0'], ['--timeout', '30']]) {
      expect(await runCli(['query', '--db', db, ...timeout, 'SELECT count(*) AS n FROM vpn_link_connections'])).toEqual({ code: EXIT.OK, stdout: 'n\n1\n', stderr: '' });
    }
  });

  it('refuses a --timeout that is no number of seconds', async () => {
    for (const bad of ['x', '-1']) {
      expect(await runCli(['query', '--db', db, '--timeout', bad, 'SELECT 1'])).toEqual({ code: EXIT.USAGE, stdout: '', stderr: `vpnsync: Expected --timeout to be a number from 0 to 86400, got '${bad}'\n` });
    }
  });
});
