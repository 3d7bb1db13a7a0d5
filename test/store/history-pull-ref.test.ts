import { afterEach, describe, expect, it } from 'vitest';
import { HistoryInputError } from '../../src/history/history-input-error.js';
import { parsePullRef, resolvePullRef } from '../../src/history/pull-ref.js';
import { useTempDir } from '../support/temp-dir.js';
import { connectionScope, HistoryFixture, l, PULL_EVERY_MS } from './history-helpers.js';

const tempDir = useTempDir();
let fx: HistoryFixture;
afterEach(async () => fx?.close());

const resolve = (text: string) => resolvePullRef(fx.sqlite, parsePullRef(text, 'FROM'), 'FROM').id;

async function fivePulls(): Promise<void> {
  fx = await HistoryFixture.open(tempDir());
  fx.pull([l('a')]); // 1 complete
  fx.pull([l('a')]); // 2 complete
  fx.pull([l('a')], { failed: [connectionScope('gw1', 'c9')] }); // 3 partial
  fx.failedPull(); // 4 failed
  fx.pull([l('a')]); // 5 complete
}

describe('pull references', () => {
  it('resolves ids, latest and -N (complete pulls only) and times (any recorded pull)', async () => {
    await fivePulls();
    expect(resolve('2')).toBe(2);
    expect(resolve('3')).toBe(3);
    expect(resolve('latest')).toBe(5);
    expect(resolve('LATEST')).toBe(5);
    expect(resolve('-1')).toBe(2); // the partial #3 and failed #4 are skipped
    expect(resolve('-2')).toBe(1);
    // A time names the last recorded pull finished at or before it.
    expect(resolve(fx.finishedAt(3))).toBe(3);
    expect(resolve(new Date(Date.parse(fx.finishedAt(3)) - 1).toISOString())).toBe(2);
    // Pull #4 failed, so an instant just after it still names #3.
    expect(resolve(new Date(Date.parse(fx.finishedAt(4)) + 1000).toISOString())).toBe(3);
    // Without an offset, a time is UTC; date-only means midnight UTC.
    expect(resolve('2026-05-01T00:10')).toBe(1);
    expect(resolve('2026-05-01T02:16+0200')).toBe(2);
    expect(resolve('2026-05-02')).toBe(5);
  });

  it('refuses what names no recorded pull, with "Expected … got …"', async () => {
    await fivePulls();
    expect(() => resolve('9')).toThrow("Expected FROM to be the id of a pull in this database (see vpnsync snapshots), got '9'");
    expect(() => resolve('4')).toThrow("Expected FROM to be a complete or partial pull, got '4': pull #4 is failed and recorded nothing");
    expect(() => resolve('-3')).toThrow("Expected FROM '-3' to name a complete pull, but there are 3 complete pulls in the kept history");
    expect(() => resolve('2026-04-30T23:00Z')).toThrow(/Expected FROM to be a time at or after the first recorded pull, got '2026-04-30T23:00Z'/);
    for (const bad of ['yesterday', '0', '-0', '1.5', '2026-13-01', '', 'latest-1']) {
      expect(() => parsePullRef(bad, 'FROM'), bad).toThrow(HistoryInputError);
    }
    expect(() => parsePullRef('soon', 'TO')).toThrow(
      "Expected TO to be a pull id, latest, -N (N complete pulls before the latest) or an ISO time such as 2026-05-01T12:00Z, got 'soon'",
    );
  });

  it('refuses pulls older than the pruned history', async () => {
    await fivePulls();
    fx.sqlite.prepare(`INSERT INTO meta (key, value) VALUES ('history_starts_at_pull', '2')`).run();
    expect(resolve('2')).toBe(2);
    expect(() => resolve('1')).toThrow("Expected FROM to be pull #2 or later (history before it was pruned by vpnsync prune), got '1' (pull #1)");
    expect(() => resolve('-2')).toThrow(/there are 2 complete pulls in the kept history/);
    expect(() => resolve(new Date(Date.parse(fx.finishedAt(2)) - PULL_EVERY_MS).toISOString())).toThrow(/pruned/);
  });
});
