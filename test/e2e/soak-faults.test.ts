import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { startEmulator, type RequestLogEntry } from '../../src/emulator/index.js';
import { removedLinks, runFaultTrials } from '../../src/soak/fault-trials.js';
import { checkPull } from '../../src/soak/pull-invariants.js';
import { currentRowsOf, pullsOf, readDb } from '../../src/soak/soak-db.js';
import { runVpnsync } from '../../src/soak/vpnsync-process.js';

const certDir = process.env.VPNSYNC_TEST_CERT_DIR;

describe('fault matrix (a seeded subset of `npm run soak`)', () => {
  it('every faulted pull leaves exactly what the emulator holds in listed scopes, removes nothing it kept, and says what failed', async () => {
    const result = await runFaultTrials({ seed: 3, trials: 10, certDir });
    expect(result.trials).toHaveLength(10);
    const failing = result.trials.filter((t) => t.violations.length > 0).map((t) => `trial ${t.trial} (${t.fired.join(', ')}): ${t.violations.join('; ')}`);
    expect(failing).toEqual([]);
    expect(result.convergence.flatMap((c) => c.violations)).toEqual([]);
    // Seed 3 is chosen so that these ten pulls exercise most classes (eight of nine), partial pulls among them.
    expect(new Set(result.trials.flatMap((t) => t.fired)).size).toBeGreaterThanOrEqual(6);
    expect(result.trials.some((t) => t.status === 'partial')).toBe(true);
  }, 600_000);

  it('a nextLink back to the first page under another URL is a loop: that scope fails, its links stay, the rest is pulled', async () => {
    const requests: RequestLogEntry[] = [];
    const emulator = await startEmulator({ seed: 5, pageSize: 2, certDir, onRequest: (e) => requests.push(e) });
    const dir = mkdtempSync(path.join(tmpdir(), 'vpnsync-nextlink-'));
    try {
      const db = path.join(dir, 'vpnsync.db');
      expect((await runVpnsync(['pull', '--db', db], emulator.env)).code).toBe(EXIT.OK);
      emulator.tick(2);
      // Once: the first page's nextLink is that page under its own skip token; then the listing goes on.
      emulator.setFaults([{ kind: 'nextlink-loop', match: emulator.links()[0]!.connectionName, count: 1 }]);
      const before = readDb(db, (d) => ({ pulls: pullsOf(d), rows: currentRowsOf(d) }))!;
      requests.length = 0;
      const run = await runVpnsync(['pull', '--db', db, '--json'], emulator.env);
      expect(run.code, run.stderr).toBe(EXIT.PARTIAL);
      expect(run.stderr).toMatch(/^failed: NextLinkLoop ×1 under \S+ in resource group \S+ \(HTTP 200, request id [0-9a-f-]{36}\)$/m);
      const scope = readDb(db, (d) => d.prepare(`SELECT error_message FROM pull_scopes WHERE status = 'failed'`).pluck().all())!;
      expect(scope).toEqual([expect.stringMatching(/^nextLink loop: page 2 repeats items of an earlier page/)]);
      expect(checkPull({ run, dbFile: db, before, truth: emulator.links(), requests: [...requests], removedEver: removedLinks(emulator), strategy: 'links' })).toEqual([]);
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
