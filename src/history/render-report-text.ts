import { FLAPPING_TRANSITIONS, type ChangeReport, type PartialPullEntry } from './build-report.js';
import { formatBytes, formatRate, formatTime, renderCsv, renderMdTable, valueText } from './text-format.js';

/** "2026-05-01T00:00:00Z → 2026-05-08T00:00:00Z: pulls #12 to #684 (672 pulls, 3 partial), starting from the state as of #12". */
export function reportPeriodLine(r: ChangeReport): string {
  const p = r.period;
  const clipped = p.clipped ? ` (asked from ${formatTime(p.requestedFrom)}; history starts later)` : '';
  return (
    `${formatTime(p.base.finishedAt)} → ${formatTime(p.end.finishedAt)}${clipped}: ${p.pulls} pull${p.pulls === 1 ? '' : 's'} after #${p.base.id} up to #${p.end.id}` +
    `${p.partialPulls > 0 ? ` (${p.partialPulls} partial)` : ''}, compared with the state as of pull #${p.base.id}` +
    filteredText(p.filteredPulls)
  );
}

/** "; filtered: #4 (only --gateway vpngw-eastus-01), …": the first few pulls that saw only part of the fleet. */
function filteredText(pulls: readonly { id: number; filter: string }[]): string {
  if (pulls.length === 0) return '';
  const shown = pulls.slice(0, 3).map((f) => `#${f.id} (only ${f.filter})`);
  return `; filtered: ${shown.join(', ')}${pulls.length > shown.length ? ` and ${pulls.length - shown.length} more` : ''}`;
}

/** The summary as label/value pairs (Markdown table, CLI stderr line). */
export function reportSummaryRows(r: ChangeReport): [string, string][] {
  const s = r.summary;
  return [
    ['Links at start / end', `${s.linksAtStart} / ${s.linksAtEnd}`],
    ['Status changes', `${s.statusChanges} on ${s.linksWithStatusChanges} links (${s.flappingLinks} flapping)`],
    ['Configuration changes', `${s.configChanges} on ${s.linksWithConfigChanges} links`],
    ['Links added / removed', `${s.added} / ${s.removed}`],
    ['Traffic in / out', `${formatBytes(s.ingressBytes)} / ${formatBytes(s.egressBytes)}`],
    ['Partial pulls', String(r.period.partialPulls)],
  ];
}

function scopeError(s: PartialPullEntry['failedScopes'][number]): string {
  return [s.httpStatus ? `HTTP ${s.httpStatus}` : undefined, s.errorCode ?? undefined, s.requestId ? `request id ${s.requestId}` : undefined].filter(Boolean).join(', ');
}

/** Renders one table of the report: Markdown's by default, aligned columns for `-o table`. */
export type ReportTable = (header: readonly string[], rows: readonly (readonly unknown[])[]) => string;

/** The report as Markdown (the default format), or as text with `table` drawing aligned columns. */
export function renderReportMarkdown(r: ChangeReport, table: ReportTable = renderMdTable): string {
  const out: string[] = ['# vpnsync change report', '', reportPeriodLine(r), '', '## Summary', '', table(['', 'In the period'], reportSummaryRows(r)), ''];

  out.push('## Status changes', '');
  if (r.statusChanges.length === 0) out.push('_No link changed status._', '');
  else {
    out.push(
      `A link with ${FLAPPING_TRANSITIONS} or more status changes in the period is flapping.`,
      '',
      table(
        ['link', 'changes', 'flapping', 'at start', 'at end', 'when'],
        r.statusChanges.map((e) => [
          e.link.label,
          e.transitions,
          e.flapping ? 'yes' : '',
          e.statusAtStart ?? '',
          e.statusAtEnd ?? '',
          e.changes.map((c) => `#${c.pullId} ${valueText(c.old)} → ${valueText(c.new)}`).join('; '),
        ]),
      ),
      '',
    );
  }

  out.push('## Configuration drift', '');
  if (r.drift.length === 0) out.push('_No configuration changed._', '');
  for (const g of r.drift) {
    out.push(
      `### ${g.field} (${g.changes} change${g.changes === 1 ? '' : 's'} on ${g.links.length} link${g.links.length === 1 ? '' : 's'})`,
      '',
      table(
        ['link', 'from', 'to', 'changes'],
        g.links.map((l) => [l.link.label, valueText(l.first), valueText(l.last), l.changes.map((c) => `#${c.pullId}`).join(', ')]),
      ),
      '',
    );
  }

  out.push('## Links added and removed', '');
  const membership = [...r.added, ...r.removed].sort((a, b) => a.pullId - b.pullId);
  if (membership.length === 0) out.push('_No link was added or removed._', '');
  else out.push(table(['pull', 'time', 'link', 'event'], membership.map((m) => [`#${m.pullId}`, formatTime(m.at), m.link.label, m.kind === 'deleted' ? 'removed' : m.kind])), '');

  out.push('## Top links by traffic', '');
  if (r.traffic.top.length === 0) out.push('_No traffic samples in the period._', '');
  else {
    out.push(
      `Rates are bytes per second between consecutive pulls; a counter that went down was reset, and the bytes after the reset are counted.`,
      '',
      table(
        ['link', 'ingress', 'egress', 'total', 'average rate', 'peak rate', 'counter resets'],
        r.traffic.top.map((t) => [t.link.label, formatBytes(t.ingressBytes), formatBytes(t.egressBytes), formatBytes(t.totalBytes), formatRate(t.averageBytesPerSecond), formatRate(t.peakBytesPerSecond), t.resets]),
      ),
      '',
    );
  }

  out.push('## Partial pulls', '');
  if (r.partialPulls.length === 0) out.push('_Every pull in the period saw everything in its scope._', '');
  else {
    out.push(
      'Links a partial pull could not see keep their last known state; none of them is counted as removed.',
      '',
      table(
        ['pull', 'time', 'could not list', 'error', 'links not seen'],
        r.partialPulls.flatMap((p) => p.failedScopes.map((s) => [`#${p.pullId}`, formatTime(p.at), `${s.kind} of ${s.label}`, scopeError(s), s.linksNotSeen])),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** Header of the report's CSV: one row per fact, `section` saying which part of the report it belongs to. */
export const REPORT_CSV_HEADER = ['section', 'pullId', 'at', 'link', 'id', 'field', 'old', 'new', 'value', 'detail'] as const;

/**
 * The report as CSV (REPORT_CSV_HEADER). Sections: `status` (one row per change; value = the
 * link's change count), `drift` (one row per change), `added` / `removed`, `traffic` (per top
 * link: field ingressBytes, egressBytes, averageBytesPerSecond, peakBytesPerSecond,
 * counterResets), `partial` (per failed scope: field = what could not be listed, value = links
 * not seen, detail = the error).
 */
export function reportRecords(r: ChangeReport): unknown[][] {
  const rows: unknown[][] = [];
  for (const e of r.statusChanges) {
    for (const c of e.changes) rows.push(['status', c.pullId, c.at, e.link.label, e.link.id, 'connectionStatus', valueText(c.old), valueText(c.new), e.transitions, e.flapping ? 'flapping' : '']);
  }
  for (const g of r.drift) {
    for (const l of g.links) for (const c of l.changes) rows.push(['drift', c.pullId, c.at, l.link.label, l.link.id, g.field, valueText(c.old), valueText(c.new), '', '']);
  }
  for (const m of r.added) rows.push(['added', m.pullId, m.at, m.link.label, m.link.id, '', '', '', m.kind, '']);
  for (const m of r.removed) rows.push(['removed', m.pullId, m.at, m.link.label, m.link.id, '', '', '', m.kind, '']);
  for (const t of r.traffic.top) {
    const at = r.period.end.finishedAt;
    const metrics: [string, number | null][] = [
      ['ingressBytes', t.ingressBytes],
      ['egressBytes', t.egressBytes],
      ['averageBytesPerSecond', t.averageBytesPerSecond],
      ['peakBytesPerSecond', t.peakBytesPerSecond],
      ['counterResets', t.resets],
    ];
    for (const [field, value] of metrics) rows.push(['traffic', r.period.end.id, at, t.link.label, t.link.id, field, '', '', value ?? '', '']);
  }
  for (const p of r.partialPulls) {
    for (const s of p.failedScopes) rows.push(['partial', p.pullId, p.at, s.label, s.scopeId, s.kind, '', '', s.linksNotSeen, [scopeError(s), s.errorMessage].filter(Boolean).join(': ')]);
  }
  return rows;
}

/** The report as CSV: REPORT_CSV_HEADER, then reportRecords. */
export function renderReportCsv(r: ChangeReport): string {
  return renderCsv(REPORT_CSV_HEADER, reportRecords(r));
}
