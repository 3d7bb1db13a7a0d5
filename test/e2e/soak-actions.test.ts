import { describe, expect, it } from 'vitest';
import { runActionFaultTrials } from '../../src/soak/action-fault-trials.js';

describe('queue runs with an action ARM carried out and then answered badly (a seeded subset of `npm run soak`)', () => {
  it('each acted fault kind once: every action carried out at most once, the acted-on one ends OutcomeUnknown, the rest by ARM\'s answers', async () => {
    const trials = await runActionFaultTrials({ seed: 1, trials: 4, certDir: process.env.VPNSYNC_TEST_CERT_DIR });
    expect(trials.map((t) => t.fault)).toEqual(['acted-5xx', 'acted-drop', 'acted-hang', 'bare-202']);
    expect(trials.filter((t) => t.violations.length > 0).map((t) => `trial ${t.trial} (${t.fault} + ${t.side}): ${t.violations.join('; ')}`)).toEqual([]);
    expect(Math.max(...trials.map((t) => t.maxCarriedOut))).toBe(1);
  }, 600_000);
});
