/**
 * docs/BENCHMARKS.md is half prose (what is measured and why, written by hand) and half
 * results (written by `npm run bench`). The markers keep the bench from overwriting the prose.
 */
import { replaceSection } from '../doc-sections/replace-section.js';

/** Marks the start of the part of docs/BENCHMARKS.md that `npm run bench` writes. */
export const BENCH_RESULTS_BEGIN = '<!-- bench results: written by `npm run bench`; edit the text around it, not this part -->';
/** Marks its end. */
export const BENCH_RESULTS_END = '<!-- end of bench results -->';

/** `doc` with the part between the markers replaced by `results`; throws if the markers are missing. */
export function replaceBenchResults(doc: string, results: string): string {
  return replaceSection(doc, { begin: BENCH_RESULTS_BEGIN, end: BENCH_RESULTS_END }, results.trim(), 'docs/BENCHMARKS.md');
}
