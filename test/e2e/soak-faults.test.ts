import { describe, expect, it } from 'vitest';
import { runFaultTrials } from '../../src/soak/fault-trials.js';

describe('fault matrix (a seeded subset of `npm run soak`)', () => {
  it('every faulted pull leaves exactly what the emulator holds in listed scopes, removes nothing it kept, and says what failed', async () => {
    const result = await runFaultTrials({ seed: 3, trials: 10, certDir: process.env.VPNSYNC_TEST_CERT_DIR });
    expect(result.trials).toHaveLength(10);
    const failing = result.trials.filter((t) => t.violations.length > 0).map((t) => `trial ${t.trial} (${t.fired.join(', ')}): ${t.violations.join('; ')}`);
    expect(failing).toEqual([]);
    expect(result.convergence.flatMap((c) => c.violations)).toEqual([]);
    // Seed 3 is chosen so that these ten pulls exercise most classes (eight of nine), partial pulls among them.
    expect(new Set(result.trials.flatMap((t) => t.fired)).size).toBeGreaterThanOrEqual(6);
    expect(result.trials.some((t) => t.status === 'partial')).toBe(true);
  }, 600_000);
});
