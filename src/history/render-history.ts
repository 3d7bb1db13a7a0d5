import type { LinkHistory } from './link-history.js';
import type { TimelineRun } from './status-timeline.js';
import { formatDuration, formatTime, renderMdTable, shortenMiddle, valueText } from './text-format.js';

/** Columns of the version rows. */
export const HISTORY_COLUMNS = ['pull', 'time', 'kind', 'field', 'old', 'new'] as const;
/** Columns of the timeline rows. */
export const TIMELINE_COLUMNS = ['status', 'from', 'until', 'for'] as const;

/** "gw/conn/link — /subscriptions/…" and whether it exists now. */
export function historyHeadline(h: LinkHistory): string {
  return `${h.link.label} (${h.link.id}): ${h.versions.length} version${h.versions.length === 1 ? '' : 's'}, ${h.exists ? 'present' : 'deleted'} as of the newest pull`;
}

/** A note when older versions were pruned; undefined otherwise. */
export function historyPrunedNote(h: LinkHistory): string | undefined {
  return h.historyStart > 1 ? `History before pull #${h.historyStart} was pruned: a link's oldest kept version is its state from then on, its earlier changes are gone.` : undefined;
}

/** One row per changed field of each version (one row for versions without field changes); values cut to `maxValue` characters. */
export function historyRows(h: LinkHistory, maxValue = Infinity): string[][] {
  const text = (x: unknown) => shortenMiddle(valueText(x), maxValue);
  return h.versions.flatMap((v) => {
    const head = [`#${v.pullId}`, formatTime(v.at), v.baseline ? `${v.kind} (earlier versions pruned)` : v.kind];
    if (v.changes.length === 0) return [[...head, '', '', '']];
    return v.changes.map((c) => [...head, c.field, text(c.old), text(c.new)]);
  });
}

/** How a band reads: "Connected", "NotConnected", "unknown (not seen: pull failed to list it)", "deleted". */
export function runLabel(r: TimelineRun): string {
  if (r.state === 'absent') return 'deleted';
  if (r.unseen) return `unknown (not seen by the pull; last known ${r.status ?? 'null'})`;
  return r.status ?? 'unknown (no status)';
}

/** One row per band of the status timeline. */
export function timelineRows(runs: readonly TimelineRun[]): string[][] {
  return runs.map((r, i) => [
    runLabel(r),
    `#${r.fromPull} ${formatTime(r.from)}`,
    i === runs.length - 1 ? `now (#${r.toPull} ${formatTime(r.to)})` : `#${r.toPull} ${formatTime(r.to)}`,
    formatDuration((Date.parse(r.to) - Date.parse(r.from)) / 1000),
  ]);
}

/** The history as Markdown. */
export function renderHistoryMarkdown(h: LinkHistory): string {
  const note = historyPrunedNote(h);
  return [
    `# History of ${h.link.label}`,
    '',
    historyHeadline(h),
    ...(note ? ['', `> ${note}`] : []),
    '',
    '## Versions',
    '',
    renderMdTable(HISTORY_COLUMNS, historyRows(h)),
    '',
    '## Status timeline',
    '',
    h.timeline.length > 0 ? renderMdTable(TIMELINE_COLUMNS, timelineRows(h.timeline)) : '_No recorded pull covers this link._',
    '',
  ].join('\n');
}
