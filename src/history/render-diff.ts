import type { DiffEnd, PullDiff } from './diff-pulls.js';
import { formatBytes, formatDuration, formatRate, formatTime, renderCsv, renderMdTable, shortenMiddle, valueText } from './text-format.js';

/** Longest value the table format shows (JSON, CSV and Markdown have them whole). */
export const TABLE_VALUE_CHARS = 100;

/** Traffic rows shown by the table and Markdown formats (JSON and CSV have every link). */
export const DIFF_TOP_TRAFFIC = 10;

/** Columns of the change rows. */
export const DIFF_COLUMNS = ['change', 'link', 'field', 'old', 'new'] as const;

function endText(e: DiffEnd): string {
  const filter = e.filter ? `, only ${e.filter}` : '';
  return `pull #${e.pullId} (${formatTime(e.finishedAt)}, ${e.status}${e.status === 'partial' ? `: ${e.scopesFailed} scope${e.scopesFailed === 1 ? '' : 's'} failed` : ''}${filter})`;
}

/** "pull #3 (…) → pull #5 (…): 2 added, 1 removed, 3 changed, 97 unchanged". */
export function diffHeadline(d: PullDiff): string {
  const only = d.fields ? ` in ${d.fields.join(', ')}` : '';
  return `${endText(d.from)} → ${endText(d.to)}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed${only}, ${d.unchanged} unchanged`;
}

/** A note for diffs with a partial end: what it means for links it could not see; undefined otherwise. */
export function diffPartialNote(d: PullDiff): string | undefined {
  if (d.from.status !== 'partial' && d.to.status !== 'partial') return undefined;
  return 'A partial pull could not see some links: they keep their last known state here, and none of them is reported as removed.';
}

/** One row per added or removed link and per changed field: change, link, field, old, new (values cut to `maxValue` characters). */
export function diffChangeRows(d: PullDiff, maxValue = Infinity): string[][] {
  const v = (x: unknown) => shortenMiddle(valueText(x), maxValue);
  return [
    ...d.added.map((a) => ['added', a.link.label, '', '', '']),
    ...d.removed.map((r) => ['removed', r.link.label, '', '', '']),
    ...d.changed.flatMap((c) => c.changes.map((f) => ['changed', c.link.label, f.field, v(f.old), v(f.new)])),
  ];
}

/** The traffic summary line: bytes in and out over the interval. */
export function diffTrafficLine(d: PullDiff): string {
  const t = d.traffic;
  return `traffic between the two pulls (${formatDuration(t.seconds)}): ${formatBytes(t.ingressBytes)} in, ${formatBytes(t.egressBytes)} out, ${t.linkCount} links`;
}

/** Columns of the top-traffic rows. */
export const DIFF_TRAFFIC_COLUMNS = ['link', 'ingress', 'egress', 'average rate', 'counter resets'] as const;

/** The busiest links' traffic rows. */
export function diffTrafficRows(d: PullDiff, top = DIFF_TOP_TRAFFIC): string[][] {
  return d.traffic.links.slice(0, top).map((t) => [t.link.label, formatBytes(t.ingressBytes), formatBytes(t.egressBytes), formatRate(t.averageBytesPerSecond), String(t.resets)]);
}

/** The diff as Markdown. */
export function renderDiffMarkdown(d: PullDiff): string {
  const rows = diffChangeRows(d);
  const note = diffPartialNote(d);
  return [
    `# vpnsync diff`,
    '',
    diffHeadline(d),
    ...(note ? ['', `> ${note}`] : []),
    '',
    '## Changes',
    '',
    rows.length > 0 ? renderMdTable(DIFF_COLUMNS, rows) : '_No added, removed or changed links._',
    '',
    '## Traffic',
    '',
    diffTrafficLine(d),
    ...(d.traffic.links.length > 0 ? ['', renderMdTable(DIFF_TRAFFIC_COLUMNS, diffTrafficRows(d))] : []),
    '',
  ].join('\n');
}

/** Columns of the diff's records (CSV, ndjson, line). */
export const DIFF_RECORD_COLUMNS = ['change', 'link', 'id', 'field', 'old', 'new'] as const;

/**
 * The diff as flat records (DIFF_RECORD_COLUMNS): one per added or removed link and per changed
 * field, then one `traffic` record per link and direction (field ingressBytes or egressBytes,
 * the bytes in `new`).
 */
export function diffRecords(d: PullDiff): unknown[][] {
  return [
    ...d.added.map((a) => ['added', a.link.label, a.link.id, '', '', '']),
    ...d.removed.map((r) => ['removed', r.link.label, r.link.id, '', '', '']),
    ...d.changed.flatMap((c) => c.changes.map((f) => ['changed', c.link.label, c.link.id, f.field, valueText(f.old), valueText(f.new)])),
    ...d.traffic.links.flatMap((t) => [
      ['traffic', t.link.label, t.link.id, 'ingressBytes', '', t.ingressBytes],
      ['traffic', t.link.label, t.link.id, 'egressBytes', '', t.egressBytes],
    ]),
  ];
}

/** The diff as CSV: a header of DIFF_RECORD_COLUMNS, then diffRecords. */
export function renderDiffCsv(d: PullDiff): string {
  return renderCsv(DIFF_RECORD_COLUMNS, diffRecords(d));
}
