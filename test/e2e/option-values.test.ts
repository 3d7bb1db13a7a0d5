import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { azureExample } from '../support/azure-spec.js';
import { runCli } from '../support/run-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('vpnsync-options-');

/**
 * A value starting with '-' (issue 15): yargs read `--since -2h` as `--since ''` plus the short
 * options `-2 -h`, and `-h` printed the help on stdout with exit 0, nothing done. An error is one
 * line on stderr with exit 2, never the help.
 */
describe('option values that start with a dash', () => {
  it('are refused with one line on stderr and exit 2, never answered with the help', async () => {
    const db = path.join(tempDir(), 'vpnsync.db');
    expect((await runCli(['import', '--db', db, azureExample('VpnSiteLinkConnectionGet.json')])).code).toBe(EXIT.OK);
    const id = (await runCli(['query', '--db', db, '--format', 'json', 'SELECT id FROM vpn_link_connections'])).stdout;
    const link = (JSON.parse(id) as { id: string }[])[0]!.id;
    const cases: [string[], string][] = [
      [['queue', 'reset', link, '--not-before', '-2h'], "Expected --not-before to be an ISO time (2026-11-30T22:00Z; UTC without an offset), 'now' or +DURATION (+2h), got '-2h' (a time to wait for cannot be in the past; +2h is 2h from now)"],
      [['report', '--since', '-2h'], "Expected --since to be a duration such as 90d, 12h, 30m or 2w (at most 100 years), got '-2h'"],
      [['prune', '--keep', '-2h'], "Expected --keep to be a duration such as 90d, 12h, 30m or 2w (at most 100 years), got '-2h'"],
      [['report', '--since=-2h'], "Expected --since to be a duration such as 90d, 12h, 30m or 2w (at most 100 years), got '-2h'"],
      // A switch takes no value: yargs read `--dry-run=-2h` as false, and the dry run would have queued.
      [['queue', 'reset', link, '--dry-run', '-2h'], "Expected --dry-run alone (it takes no value), got '-2h'"],
      [['queue', 'reset', link, '--dry-run=-2h'], "Expected --dry-run alone (it takes no value), got '-2h'"],
      [['diff', '-2h'], "Unknown argument: -2h (no vpnsync option starts with a digit; a value that starts with '-' goes right after its option)"],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, '--db', db]);
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: EXIT.USAGE, stdout: '', stderr: `vpnsync: ${message}\n` });
    }
    expect((await runCli(['queue', 'list', '--db', db, '--format', 'json'])).stdout.trim()).toBe('[]');
    // A plain negative number is still a value, as before (`diff -2 -1`, `--limit -1` refused by its own check).
    expect(await runCli(['snapshots', '--db', db, '--limit', '-1'])).toMatchObject({ code: EXIT.USAGE, stdout: '', stderr: "vpnsync: Expected --limit to be an integer from 0 to 1000000000, got '-1'\n" });
  });
});
