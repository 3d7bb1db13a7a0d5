/**
 * docs/BENCHMARKS.md is half prose (what is measured and why, written by hand) and half
 * results (written by `npm run bench`). The markers keep the bench from overwriting the prose.
 */

/** Marks the start of the part of docs/BENCHMARKS.md that `npm run bench` writes. */
export const BENCH_RESULTS_BEGIN = '<!-- bench results: written by `npm run bench`; edit the text around it, not this part -->';
/** Marks its end. */
export const BENCH_RESULTS_END = '<!-- end of bench results -->';

/** `doc` with the part between the markers replaced by `results`; throws if the markers are missing. */
export function replaceBenchResults(doc: string, results: string): string {
  const begin = doc.indexOf(BENCH_RESULTS_BEGIN);
  const end = doc.indexOf(BENCH_RESULTS_END);
  if (begin < 0 || end < begin) throw new Error(`docs/BENCHMARKS.md has no results markers (${BENCH_RESULTS_BEGIN} … ${BENCH_RESULTS_END})`);
  return `${doc.slice(0, begin + BENCH_RESULTS_BEGIN.length)}\n${results.trim()}\n${doc.slice(end)}`;
}
