import { describe, expect, it } from 'vitest';
import { runPullKillTrials, runQueueKillTrials } from '../../src/soak/kill-trials.js';

const certDir = process.env.VPNSYNC_TEST_CERT_DIR;
const failures = (trials: { trial: number; phase: string; violations: string[] }[]) => trials.filter((t) => t.violations.length > 0).map((t) => `trial ${t.trial} (${t.phase}): ${t.violations.join('; ')}`);

describe('kill -9 trials (a seeded subset of `npm run soak`)', () => {
  it('vpnsync pull killed at random moments: integrity ok, the dead lock cleared with a message, history as without the kill', async () => {
    const trials = await runPullKillTrials({ seed: 1, trials: 3, certDir });
    expect(trials).toHaveLength(3);
    expect(failures(trials)).toEqual([]);
  }, 600_000);

  it('vpnsync queue run killed at random moments: integrity ok, resumed, no action POSTed twice', async () => {
    const trials = await runQueueKillTrials({ seed: 1, trials: 3, certDir });
    expect(trials).toHaveLength(3);
    expect(failures(trials)).toEqual([]);
  }, 600_000);
});
