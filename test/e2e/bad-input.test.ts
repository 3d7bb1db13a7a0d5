import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_GROUPS, runBadInputCorpus, type CorpusGroup, type CorpusResult } from '../../src/soak/bad-input-corpus.js';

/**
 * The bad-input corpus (src/soak/bad-input-corpus.ts, also run by `npm run soak`): every command
 * with bad flags, unknown commands, bad SQL, broken, locked, read-only and foreign databases, an
 * unwritable directory, a full disk (a small tmpfs), bad ids, import files, emulator options and
 * credentials. Each case must print one `vpnsync: …` line, exit with its documented code, show no
 * stack trace, and leave the database as it was.
 */
describe('bad input: one clear line, the documented exit code, no stack trace, an unchanged database', () => {
  let results: CorpusResult[] = [];
  beforeAll(async () => {
    results = await runBadInputCorpus({ certDir: process.env.VPNSYNC_TEST_CERT_DIR });
  }, 900_000);

  it.each(Object.keys(CORPUS_GROUPS) as CorpusGroup[])('%s', (group) => {
    const cases = results.filter((r) => r.group === group);
    expect(cases.length).toBeGreaterThan(5);
    expect(cases.filter((c) => c.violations.length > 0).map((c) => `${c.name}: ${c.violations.join('; ')}`)).toEqual([]);
    // Root (as in CI) runs everything: other users for read-only files, a tmpfs for a full disk.
    if (process.getuid?.() === 0) expect(cases.filter((c) => c.skipped).map((c) => `${c.name}: ${c.skipped}`)).toEqual([]);
  });
});
