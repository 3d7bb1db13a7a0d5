/**
 * The docs that commands write into (docs/BENCHMARKS.md by `npm run bench`, docs/RELIABILITY.md by
 * `npm run soak -- --write-docs`) are half prose written by hand and half generated results
 * between two marker comments: only what lies between the markers is replaced.
 */

/** `doc` with the part between `begin` and `end` replaced by `content`; throws, naming `file`, when the markers are missing. */
export function replaceSection(doc: string, markers: { begin: string; end: string }, content: string, file: string): string {
  const begin = doc.indexOf(markers.begin);
  const end = doc.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`${file} has no results markers (${markers.begin} … ${markers.end})`);
  return `${doc.slice(0, begin + markers.begin.length)}\n${content}\n${doc.slice(end)}`;
}
