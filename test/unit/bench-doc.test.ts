import { describe, expect, it } from 'vitest';
import { BENCH_RESULTS_BEGIN, BENCH_RESULTS_END, replaceBenchResults } from '../../src/bench/bench-doc.js';

describe('replaceBenchResults', () => {
  it('replaces only the part between the markers, keeping the prose around it', () => {
    const doc = `# Benchmarks\n\nHow it is measured.\n\n${BENCH_RESULTS_BEGIN}\nold results\n${BENCH_RESULTS_END}\n\nAfter.\n`;
    expect(replaceBenchResults(doc, 'new results\n\n')).toBe(`# Benchmarks\n\nHow it is measured.\n\n${BENCH_RESULTS_BEGIN}\nnew results\n${BENCH_RESULTS_END}\n\nAfter.\n`);
  });

  it('refuses a file without the markers rather than overwrite it', () => {
    expect(() => replaceBenchResults('# Benchmarks\n', 'x')).toThrow(/has no results markers/);
  });
});
